"""Typed errors of the scenario package (the two errors live in :mod:`geo.errors`, so the engine's
live editor raises the same types without importing the scenario package).

A :class:`ScenarioError` always names where the problem is: the file, the position in the
document (``edits[2]``) and the field (``unit``), so a planner can fix the YAML without a
traceback.

>>> str(ScenarioError("scenarios/x.yaml", "edits[2]", "unit", "unknown unit 'GM9999'"))
"scenarios/x.yaml: edits[2].unit: unknown unit 'GM9999'"
"""

from __future__ import annotations

from geo.errors import EditError, RegiokompasWarning, ScenarioError

__all__ = ["EditError", "EmptiedRegionWarning", "ScenarioError"]


class EmptiedRegionWarning(RegiokompasWarning):
    """An edit left a region without any unit; the region was removed from the division."""
