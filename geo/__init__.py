"""regiokompas core: data, divisions, the overlap engine, scenarios and proposals.

The public verbs, as a planner's script uses them (maup style, one verb per module)::

    from geo import load, score, apply_scenario, load_scenario

    ds = load()  # the built store (built on first use)
    divisions = apply_scenario(load_scenario("po_vo_samen"), ds)
    s = score(divisions["swv"], ds.division("jeugdregio"), ds.weight("pupils"), weight_name="p")
    s.summary["congruence"]

The flow (docs/architecture.md): sources -> store (:mod:`geo.data`) -> divisions
(:mod:`geo.division`, :mod:`geo.dataset`) -> engine (:mod:`geo.overlap`) -> scenarios
(:mod:`geo.scenarios`) and proposals (:mod:`geo.proposals`). Each verb is imported on first use,
so ``import geo`` stays light (no pandas, no solver): ``regio --help`` starts fast.

>>> import geo
>>> geo.apply_scenario is __import__("geo.scenarios.apply", fromlist=["x"]).apply_scenario
True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

VERBS: dict[str, str] = {
    # data: sources -> store -> dataset
    "fetch": "geo.data.fetch:fetch",
    "build_dataset": "geo.data.build:build_dataset",
    "load": "geo.data.store:load_dataset",
    "load_dataset": "geo.data.store:load_dataset",
    "check_dataset": "geo.data.check:check_dataset",
    # core types
    "Dataset": "geo.dataset:Dataset",
    "Division": "geo.division:Division",
    "queen_adjacency": "geo.adjacency:queen_adjacency",
    # geometry
    "repair": "geo.geometry.repair:repair",
    "intersections": "geo.geometry.intersections:intersections",
    "assign": "geo.geometry.assign:assign",
    # engine
    "contingency": "geo.overlap.contingency:contingency",
    "overlay_contingency": "geo.overlap.geometry:overlay_contingency",
    "score": "geo.overlap.score:score",
    "MoveEvaluator": "geo.overlap.incremental:MoveEvaluator",
    "disruption": "geo.overlap.disruption:disruption",
    # scenarios
    "load_scenario": "geo.scenarios.library:load_scenario",
    "library": "geo.scenarios.library:library",
    "parse_scenario": "geo.scenarios.parse:parse_scenario",
    "validate_scenario": "geo.scenarios.validate:validate_scenario",
    "apply_scenario": "geo.scenarios.apply:apply_scenario",
    "read_assignment_csv": "geo.scenarios.assignment_csv:read_assignment_csv",
    # proposals
    "ProposalSettings": "geo.proposals.problem:ProposalSettings",
    "propose": "geo.proposals.propose:propose",
    "ensemble": "geo.proposals.ensemble:ensemble",
    # files
    "write_atomic": "geo.atomic:write_atomic",
}
"""Public name -> ``module:attribute`` where it lives."""

__all__ = [
    "Dataset",
    "Division",
    "MoveEvaluator",
    "ProposalSettings",
    "apply_scenario",
    "assign",
    "build_dataset",
    "check_dataset",
    "contingency",
    "disruption",
    "ensemble",
    "fetch",
    "intersections",
    "library",
    "load",
    "load_dataset",
    "load_scenario",
    "overlay_contingency",
    "parse_scenario",
    "propose",
    "queen_adjacency",
    "read_assignment_csv",
    "repair",
    "score",
    "validate_scenario",
    "write_atomic",
]
assert set(__all__) == set(VERBS), "__all__ must list VERBS"


def __getattr__(name: str) -> Any:
    """Import a public verb on first use (and keep it as a module attribute)."""
    target = VERBS.get(name)
    if target is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    module, attribute = target.split(":")
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *VERBS})


if TYPE_CHECKING:  # for type checkers and editors; at run time the names load lazily
    from geo.adjacency import queen_adjacency
    from geo.atomic import write_atomic
    from geo.data.build import build_dataset
    from geo.data.check import check_dataset
    from geo.data.fetch import fetch
    from geo.data.store import load_dataset
    from geo.data.store import load_dataset as load
    from geo.dataset import Dataset
    from geo.division import Division
    from geo.geometry.assign import assign
    from geo.geometry.intersections import intersections
    from geo.geometry.repair import repair
    from geo.overlap.contingency import contingency
    from geo.overlap.disruption import disruption
    from geo.overlap.geometry import overlay_contingency
    from geo.overlap.incremental import MoveEvaluator
    from geo.overlap.score import score
    from geo.proposals.ensemble import ensemble
    from geo.proposals.problem import ProposalSettings
    from geo.proposals.propose import propose
    from geo.scenarios.apply import apply_scenario
    from geo.scenarios.assignment_csv import read_assignment_csv
    from geo.scenarios.library import library, load_scenario
    from geo.scenarios.parse import parse_scenario
    from geo.scenarios.validate import validate_scenario
