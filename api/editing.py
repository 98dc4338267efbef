"""The map editor's figures: apply tentative edits to a stored scenario and measure them.

One interface, :class:`LiveFigures`, answers ``evaluate(scenario, edits, division, against,
weight)`` with everything the editor's panel shows. This implementation is a *full recompute*
(apply the edits with :func:`geo.scenarios.apply_scenario`, score with
:func:`geo.overlap.score`), so its numbers are by construction those of ``regio score`` on the
saved scenario; an incremental engine can replace it behind the same interface.

Figures (all for ``division`` of the edited scenario against its ``against``):

* ``headline`` before/after: congruence, nested regions, ARI, NMI, VI (``score().summary``);
* ``regions``: every region with its weight, containment, best match and whether it is nested;
* ``touched``: the regions whose membership the edits changed, containment before -> after;
* ``disruption``: pupils whose SWV changes against today (huidig), the definition of
  :mod:`geo.overlap.disruption` (PO pupils for ``swv_po``, VO for ``swv_vo``, both for ``swv``);
* ``travel``: pupil-weighted distance to the nearest special-education location in the
  gemeente's SWV (:mod:`geo.proposals.travel`), before -> after, for the gemeenten concerned
  (those in touched regions);
* ``checks``: principles 1-3, size bounds and contiguity with the offending regions
  (:mod:`api.editor_checks`).

>>> sorted(LEVELS_OF)
['swv', 'swv_po', 'swv_vo']
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from api.deps import EvaluationCache, ScenarioEvaluator
from api.editor_checks import CheckContext, run_checks
from geo.division import NO_REGION, Division
from geo.errors import RegiokompasError
from geo.overlap import score
from geo.overlap.disruption import disruption
from geo.proposals.travel import TravelModel, travel_model
from geo.scenarios import apply_scenario
from geo.scenarios.errors import EmptiedRegionWarning, ScenarioError
from geo.scenarios.validate import parse_scenario

LEVELS_OF: dict[str, tuple[str, ...]] = {
    "swv_po": ("po",),
    "swv_vo": ("vo",),
    "swv": ("po", "vo"),
}
"""Education levels (of pupils and special-education locations) each SWV division serves."""

HEADLINE = ("congruence", "nested_regions", "regions", "ari", "nmi", "vi")
"""Summary keys shown as the panel's headline metrics."""

PREFIX_CACHE = 512
"""Applied edit-list prefixes kept per app (a few editing sessions of a few hundred clicks)."""

EDIT_SOURCE = "edits"
"""Source named in error messages about tentative edits (``edits: edits[2].unit: ...``)."""


def _num(value: Any) -> float | None:
    if value is None:
        return None
    out = float(value)
    return out if np.isfinite(out) else None


def region_adjacency(division: Division, adjacency: sp.csr_matrix) -> list[list[str]]:
    """Pairs ``[a, b]`` (a < b) of regions that share a gemeente border or a split gemeente.

    >>> d = Division.from_assignment("d", {"G1": "A", "G2": "B", "G3": "C"})
    >>> adj = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> region_adjacency(d, adj)
    [['A', 'B'], ['B', 'C']]
    """
    s = (division.shares[:, : division.n_regions] > 0).astype(float)
    touching = (s.T @ adjacency @ s + s.T @ s).tocoo()
    codes = division.regions.to_numpy().astype(str)
    pairs = {(codes[i], codes[j]) for i, j in zip(touching.row, touching.col, strict=True) if i < j}
    return [[a, b] for a, b in sorted(pairs)]


def membership_rows(division: Division) -> dict[str, list[tuple[str, float]]]:
    """``{unit: [(region, share), ...]}`` largest share first (``GEEN`` included)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for unit, region, share in division.membership.itertuples(index=False):
        out.setdefault(str(unit), []).append((str(region), float(share)))
    return out


def touched_regions(before: Division, after: Division) -> list[str]:
    """Regions (of either division) whose units or shares differ between ``before`` and
    ``after``: the regions an edit list touched (new, removed, renamed, grown or shrunk).

    >>> a = Division.from_assignment("d", {"G1": "A", "G2": "A", "G3": "B"})
    >>> b = Division.from_assignment("d", {"G1": "A", "G2": "B", "G3": "B"})
    >>> touched_regions(a, b)
    ['A', 'B']
    """
    one = before.membership.set_index(["unit", "region"])["share"]
    two = after.membership.set_index(["unit", "region"])["share"]
    both = pd.concat([one.rename("a"), two.rename("b")], axis=1).fillna(0.0)
    changed = both.index[(both["a"] - both["b"]).abs() > 1e-12].get_level_values("region")
    return sorted({str(r) for r in changed} - {NO_REGION})


@dataclasses.dataclass
class EditorResources:
    """What the figures need besides the scenario: built once per app and dataset."""

    adjacency: sp.csr_matrix
    """Gemeente adjacency (queen contiguity, islands linked to their nearest gemeente)."""
    travel: TravelModel
    checks: CheckContext


_RESOURCES: dict[int, EditorResources] = {}
_RESOURCES_LOCK = threading.Lock()


def editor_resources(evaluator: ScenarioEvaluator) -> EditorResources:
    """The :class:`EditorResources` of the evaluator's dataset (computed on first use)."""
    key = id(evaluator.dataset)
    with _RESOURCES_LOCK:
        found = _RESOURCES.get(key)
        if found is not None:
            return found
        from geo.adjacency import queen_adjacency

        dataset = evaluator.dataset
        units = pd.Index(dataset.units.index.astype(str))
        neighbours, _ = queen_adjacency(dataset.units, link_islands=True)
        pos = {u: i for i, u in enumerate(units)}
        rows = [pos[u] for u, ns in neighbours.items() for _ in ns]
        cols = [pos[v] for ns in neighbours.values() for v in ns]
        adjacency = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(units), len(units))
        )
        travel = travel_model(dataset.units, dataset.special_schools)
        checks = CheckContext.build(dataset, adjacency, travel)
        resources = EditorResources(adjacency, travel, checks)
        _RESOURCES.clear()
        _RESOURCES[key] = resources
        return resources


class LiveFigures:
    """The editor's figures for tentative edits on a stored scenario (full recompute)."""

    def __init__(self, evaluator: ScenarioEvaluator) -> None:
        self.evaluator = evaluator
        self.resources = editor_resources(evaluator)
        self._prefixes = EvaluationCache(max_entries=PREFIX_CACHE)

    def apply(self, scenario: str, edits: Sequence[dict[str, Any]]) -> dict[str, Division]:
        """The stored scenario's divisions with ``edits`` applied after its own edits.

        Rule: the divisions after every prefix of an edit list are cached (per scenario revision
        chain), so a click that appends one edit applies one edit, not the whole list again.
        Raises :class:`~geo.scenarios.errors.ScenarioError` naming ``edits[i].field``.
        """
        chain = self.evaluator.key(scenario)
        keys = [("editor_prefix", chain, "")]
        for edit in edits:
            text = keys[-1][2] + json.dumps(edit, sort_keys=True)
            keys.append(("editor_prefix", chain, hashlib.sha256(text.encode()).hexdigest()))
        start, divisions = 0, self.evaluator.divisions(scenario)
        for k in range(len(edits), 0, -1):
            hit = self._prefixes.get(keys[k])
            if hit is not None:
                start, divisions = k, hit
                break
        if start == len(edits):
            return divisions
        doc = parse_scenario(
            {"name": "edits", "description": f"tentative edits on {scenario}", "edits": edits},
            source=EDIT_SOURCE,
        )
        tail = doc.model_copy(update={"edits": doc.edits[start:]}).with_source(EDIT_SOURCE)
        for i, edit in enumerate(tail.edits):
            one = tail.model_copy(update={"edits": [edit]}).with_source(EDIT_SOURCE)
            dataset = dataclasses.replace(self.evaluator.dataset, divisions=dict(divisions))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EmptiedRegionWarning)  # a removed region
                try:
                    divisions = apply_scenario(one, dataset)
                except ScenarioError as exc:
                    index = start + i
                    raise ScenarioError(
                        EDIT_SOURCE, f"edits[{index}]", exc.field, exc.problem
                    ) from None
            self._prefixes.put(keys[start + i + 1], divisions)
        return divisions

    def evaluate(
        self,
        scenario: str,
        edits: Sequence[dict[str, Any]],
        division: str,
        against: str,
        weight: str,
    ) -> dict[str, Any]:
        """Every figure of the panel (see the module docstring) as a JSON-ready dict."""
        before_all = self.evaluator.divisions(scenario)
        after_all = self.apply(scenario, edits)
        for name in (division, against):
            if name not in after_all:
                raise KeyError(
                    f"unknown division {name!r} in scenario {scenario!r}; choose one of "
                    f"{', '.join(sorted(after_all))}"
                )
        if division not in before_all:
            before_all = {**before_all, division: after_all[division]}
        dataset = self.evaluator.dataset
        w = dataset.weight(weight)
        before = self.evaluator.score(scenario, division, against, weight)
        if edits:
            after = score(after_all[division], after_all[against], w, weight_name=weight).to_dict()
        else:
            after = before
        a_div = after_all[division]
        touched = touched_regions(before_all[division], a_div)
        before_rows = {r["region"]: r for r in before["regions"]}
        totals = a_div.totals(w)
        regions = [
            {
                "code": r["region"],
                "name": r["name"],
                "weight": float(totals.get(r["region"], 0.0)),
                "containment": _num(r["containment"]),
                "best_match": r["best_match"],
                "nested": bool(r["nested"]),
            }
            for r in after["regions"]
        ]
        after_rows = {r["region"]: r for r in after["regions"]}
        touched_out = [
            {
                "code": code,
                "name": str(
                    a_div.region_names.get(code, before_all[division].region_names.get(code, code))
                ),
                "before": _num(before_rows[code]["containment"]) if code in before_rows else None,
                "after": _num(after_rows[code]["containment"]) if code in after_rows else None,
            }
            for code in touched
        ]
        return {
            "scenario": scenario,
            "division": division,
            "against": against,
            "weight": weight,
            "edits": len(edits),
            "headline": {
                "before": {k: before["summary"].get(k) for k in HEADLINE},
                "after": {k: after["summary"].get(k) for k in HEADLINE},
            },
            "regions": regions,
            "touched": touched_out,
            "disruption": self._disruption(before_all[division], a_div, division),
            "travel": self._travel(before_all[division], a_div, division, touched),
            "checks": run_checks(self.resources.checks, after_all, division),
            "membership": membership_rows(a_div),
            "adjacency": region_adjacency(a_div, self.resources.adjacency),
        }

    # ------------------------------------------------------------------ pieces
    def _disruption(
        self, before: Division, after: Division, division: str
    ) -> dict[str, Any] | None:
        """Pupils whose SWV changes against today, before and after the edits."""
        levels = LEVELS_OF.get(division)
        if levels is None:
            return None
        ds = self.evaluator.dataset
        args = (
            ds.division("swv_po"),
            ds.division("swv_vo"),
            ds.weight("pupils_po"),
            ds.weight("pupils_vo"),
        )
        out: dict[str, Any] = {"levels": list(levels)}
        changed: dict[str, pd.Series] = {}
        for label, div in (("before", before), ("after", after)):
            d = disruption(div, *args)
            cols = [f"changed_{level}" for level in levels]
            per = d.per_gemeente[cols].sum(axis=1)
            changed[label] = per
            out[label] = float(per.sum())
        out["delta"] = out["after"] - out["before"]
        diff = (changed["after"] - changed["before"]).round(6)
        names = ds.units["name"].astype(str)
        out["gemeenten"] = [
            {
                "code": str(g),
                "name": str(names.get(g, g)),
                "before": float(changed["before"][g]),
                "after": float(changed["after"][g]),
            }
            for g in diff.index[diff != 0]
        ]
        return out

    def _travel(
        self, before: Division, after: Division, division: str, touched: list[str]
    ) -> dict[str, Any] | None:
        """Pupil-weighted distance (km) to special education, before -> after, over the
        gemeenten in touched regions (before or after), and every gemeente whose distance
        changed."""
        levels = LEVELS_OF.get(division)
        if levels is None:
            return None
        ds = self.evaluator.dataset
        model = self.resources.travel
        units = model.units
        a_before, a_after = before.assignment().astype(str), after.assignment().astype(str)
        concerned = units[
            a_before.reindex(units).isin(touched) | a_after.reindex(units).isin(touched)
        ]
        names = ds.units["name"].astype(str)
        out: dict[str, Any] = {"levels": list(levels), "gemeenten_concerned": len(concerned)}
        rows: dict[str, dict[str, Any]] = {}
        for level in levels:
            pupils = ds.weight(f"pupils_{level}").reindex(units).fillna(0.0)
            d0 = model.after(level, a_before)
            d1 = model.after(level, a_after)
            out[level] = {
                "before_km": _weighted_mean(d0[concerned], pupils[concerned]),
                "after_km": _weighted_mean(d1[concerned], pupils[concerned]),
            }
            for g in units[~np.isclose(d0.to_numpy(), d1.to_numpy(), equal_nan=True)]:
                row = rows.setdefault(str(g), {"code": str(g), "name": str(names.get(g, g))})
                row[f"{level}_before_km"] = _num(d0[g])
                row[f"{level}_after_km"] = _num(d1[g])
        out["changed"] = sorted(rows.values(), key=lambda r: r["code"])
        return out


def _weighted_mean(d: pd.Series, w: pd.Series) -> float | None:
    """Pupil-weighted mean over finite distances (None when nothing is finite)."""
    ok = np.isfinite(d.to_numpy(float))
    weights = w.to_numpy(float)[ok]
    if not ok.any() or weights.sum() <= 0:
        return None
    return float(np.average(d.to_numpy(float)[ok], weights=weights))


def check_edits_api_safe(edits: Sequence[dict[str, Any]]) -> None:
    """Refuse file references in edits sent over HTTP (the server reads no client paths)."""
    for i, edit in enumerate(edits):
        if isinstance(edit, dict) and edit.get("csv") is not None:
            raise RegiokompasError(
                f"{EDIT_SOURCE}: edits[{i}].csv: file references are not accepted over the API; "
                "send the rows inline as 'membership'"
            )
