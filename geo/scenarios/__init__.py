"""Scenarios: a base (the current divisions) plus an ordered list of edits, stored as YAML/JSON.

Public API (see ``docs/scenarios.md``):

- :func:`load_scenario` reads a scenario by file path or library name;
- :func:`validate_scenario` checks it completely against the dataset before anything runs;
- :func:`apply_scenario` returns all divisions with the edits applied; the ``base`` is found by
  a :class:`BaseResolver` (default :class:`FileBases`: files and library names; the API passes
  one for stored scenarios);
- :func:`library` lists the scenarios in ``scenarios/``;
- :data:`SCENARIO_SCHEMA` is the JSON Schema (``docs/scenario.schema.json``);
- :class:`ScenarioError` names the file, the edit's position (``edits[2]``) and the field.

>>> sorted(library())
['huidig', 'jeugdregio_41', 'po_vo_samen', 'swv_binnen_jeugdregio']
"""

from __future__ import annotations

from geo.scenarios.apply import BaseResolver, FileBases, apply_scenario
from geo.scenarios.errors import EditError, ScenarioError
from geo.scenarios.library import library, load_scenario, resolve_scenario
from geo.scenarios.model import PRINCIPLES, SCENARIO_SCHEMA, ScenarioDoc
from geo.scenarios.parse import parse_scenario
from geo.scenarios.validate import validate_scenario

__all__ = [
    "BaseResolver",
    "FileBases",
    "PRINCIPLES",
    "SCENARIO_SCHEMA",
    "EditError",
    "ScenarioDoc",
    "ScenarioError",
    "apply_scenario",
    "library",
    "load_scenario",
    "parse_scenario",
    "resolve_scenario",
    "validate_scenario",
]
