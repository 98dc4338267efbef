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
  gemeente's SWV (the rule of ``regio verdict``'s P2, :func:`geo.checks.travel.distances`),
  before -> after, for the gemeenten concerned (those in touched regions);
* ``checks``: the hard named checks of ``regio verdict`` (:mod:`geo.checks`: P1, P2, P3, size,
  contiguity) on the edited scenario, with the offending regions or gemeenten.

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
from geo.checks import (
    CHECKS,
    CheckState,
    VerdictContext,
    VerdictError,
    VerdictSettings,
    build_context,
    verdict,
)
from geo.checks.travel import distances
from geo.division import Division
from geo.errors import RegiokompasError
from geo.overlap import score
from geo.overlap.disruption import disruption
from geo.scenarios import apply_scenario, parse_scenario
from geo.scenarios.errors import EmptiedRegionWarning, ScenarioError

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

HARD_CHECKS = tuple(c for c in CHECKS if c.hard)
"""The pass/fail checks the panel shows (P1, P2, P3, size, contiguity; P1 first)."""
assert [c.name for c in HARD_CHECKS] == ["P1", "P2", "P3", "size", "contiguity"]

SWV_DIVISIONS = ("swv", "swv_po", "swv_vo")

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
    codes = [str(c) for c in division.regions]
    pairs = {(codes[i], codes[j]) for i, j in zip(touching.row, touching.col, strict=True) if i < j}
    return [[a, b] for a, b in sorted(pairs)]


def membership_rows(division: Division) -> dict[str, list[tuple[str, float]]]:
    """``{unit: [(region, share), ...]}`` largest share first (``GEEN`` included).

    >>> membership_rows(Division.from_assignment("d", {"G1": "A"}))
    {'G1': [('A', 1.0)]}
    """
    m = division.shares.tocsr()
    columns = [str(c) for c in division.columns]
    out: dict[str, list[tuple[str, float]]] = {}
    for i, unit in enumerate(division.units.astype(str)):
        lo, hi = m.indptr[i], m.indptr[i + 1]
        row = sorted(zip(m.indices[lo:hi], m.data[lo:hi], strict=True), key=lambda x: -x[1])
        out[unit] = [(columns[j], float(v)) for j, v in row if v > 0]
    return out


def touched_regions(before: Division, after: Division) -> list[str]:
    """Regions (of either division) whose units or shares differ between ``before`` and
    ``after``: the regions an edit list touched (new, removed, renamed, grown or shrunk).

    >>> a = Division.from_assignment("d", {"G1": "A", "G2": "A", "G3": "B"})
    >>> b = Division.from_assignment("d", {"G1": "A", "G2": "B", "G3": "B"})
    >>> touched_regions(a, b)
    ['A', 'B']
    """
    after = after.reindexed(before.units)
    codes = before.regions.union(after.regions)
    one = sp.csr_matrix(before.shares[:, : before.n_regions])
    two = sp.csr_matrix(after.shares[:, : after.n_regions])

    def spread(m: sp.csr_matrix, regions: pd.Index) -> sp.csr_matrix:
        cols = codes.get_indexer(regions)
        move = sp.csr_matrix(
            (np.ones(len(cols)), (np.arange(len(cols)), cols)), shape=(len(cols), len(codes))
        )
        return sp.csr_matrix(m @ move)

    diff = abs(spread(one, before.regions) - spread(two, after.regions))
    changed = np.asarray((diff > 1e-12).sum(axis=0)).ravel() > 0
    return sorted(str(c) for c in codes[changed])


@dataclasses.dataclass
class EditorResources:
    """What the figures need besides the scenario: built once per app and dataset."""

    adjacency: sp.csr_matrix
    """Gemeente adjacency (queen contiguity, islands linked to their nearest gemeente)."""
    checks: VerdictContext


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
        checks = build_context(dataset)
        resources = EditorResources(adjacency, checks)
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
            "disruption": self._disruption(scenario, before_all[division], a_div, division),
            "travel": self._travel(scenario, before_all[division], a_div, division, touched),
            "checks": self._checks(scenario, after_all, division),
            "membership": membership_rows(a_div),
            "adjacency": region_adjacency(a_div, self.resources.adjacency),
        }

    # ------------------------------------------------------------------ pieces
    def _before(self, key: tuple, compute: Any) -> Any:
        """A figure of the stored scenario, computed once per revision chain."""
        return self.evaluator.cache.get_or_compute(("editor_before", *key), compute)

    def _checks(
        self, scenario: str, divisions: dict[str, Division], division: str
    ) -> list[dict[str, Any]]:
        """The hard checks of ``regio verdict`` (:mod:`geo.checks`): P1 on the edited scenario
        (it compares PO with VO), P2, P3, size and contiguity on the edited division (the other
        SWV divisions are unchanged by the editor); none for a division that is no SWV
        division."""
        if division not in SWV_DIVISIONS:
            return []
        ctx = self.resources.checks
        jeugdregio = {"jeugdregio": divisions["jeugdregio"]} if "jeugdregio" in divisions else {}
        results = []
        try:
            if division != "swv":
                results += verdict(
                    ctx, divisions, scenario=scenario, checks=HARD_CHECKS[:1]
                ).results
            own = {division: divisions[division], **jeugdregio}
            results += verdict(ctx, own, scenario=scenario, checks=HARD_CHECKS[1:]).results
        except VerdictError:
            return []
        if division == "swv":
            results.insert(
                0, verdict(ctx, own, scenario=scenario, checks=HARD_CHECKS[:1]).results[0]
            )
        return [
            {
                "name": r.name,
                "label": r.title,
                "passed": bool(r.passed),
                "detail": r.summary,
                "offenders": list(dict.fromkeys(str(o.get("code", "")) for o in r.offenders)),
                "problems": [
                    f"{o.get('code')}: {o['problem']}" for o in r.offenders if "problem" in o
                ],
            }
            for r in results
        ]

    def _changed_pupils(self, division: Division, levels: tuple[str, ...]) -> pd.Series:
        """Pupils per gemeente whose SWV changes against today (docs/proposals.md)."""
        ds = self.evaluator.dataset
        d = disruption(
            division,
            ds.division("swv_po"),
            ds.division("swv_vo"),
            ds.weight("pupils_po"),
            ds.weight("pupils_vo"),
        )
        return d.per_gemeente[[f"changed_{level}" for level in levels]].sum(axis=1)

    def _disruption(
        self, scenario: str, before: Division, after: Division, division: str
    ) -> dict[str, Any] | None:
        """Pupils whose SWV changes against today, before and after the edits."""
        levels = LEVELS_OF.get(division)
        if levels is None:
            return None
        old = self._before(
            ("disruption", self.evaluator.key(scenario), division),
            lambda: self._changed_pupils(before, levels),
        )
        new = self._changed_pupils(after, levels) if after is not before else old
        names = self.evaluator.dataset.units["name"].astype(str)
        diff = (new - old).round(6)
        return {
            "levels": list(levels),
            "before": float(old.sum()),
            "after": float(new.sum()),
            "delta": float(new.sum() - old.sum()),
            "gemeenten": [
                {
                    "code": str(g),
                    "name": str(names.get(g, g)),
                    "before": float(old[g]),
                    "after": float(new[g]),
                }
                for g in diff.index[diff != 0]
            ],
        }

    def _distances(self, division: Division, level: str) -> np.ndarray:
        """Distance (km) per gemeente to the nearest location of ``level`` in its SWV, by the
        rule of ``regio verdict``'s P2 (:func:`geo.checks.travel.distances`)."""
        ctx = self.resources.checks
        state = CheckState(
            ctx,
            "editor",
            {},
            [],
            None,
            "",
            VerdictSettings(),
            ctx.bounds,  # type: ignore[arg-type]
        )
        return distances(state, level, division.reindexed(ctx.units))[0]

    def _travel(
        self, scenario: str, before: Division, after: Division, division: str, touched: list[str]
    ) -> dict[str, Any] | None:
        """Pupil-weighted distance (km) to special education, before -> after, over the
        gemeenten in touched regions (before or after), and every gemeente whose distance
        changed."""
        levels = LEVELS_OF.get(division)
        if levels is None:
            return None
        ctx = self.resources.checks
        units = ctx.units
        concerned = np.zeros(len(units), dtype=bool)
        for d in (before, after):
            cols = d.regions.get_indexer(pd.Index(touched))
            shares = d.reindexed(units).shares[:, cols[cols >= 0]]
            concerned |= np.asarray(shares.sum(axis=1)).ravel() > 0
        out: dict[str, Any] = {"levels": list(levels), "gemeenten_concerned": int(concerned.sum())}
        rows: dict[str, dict[str, Any]] = {}
        for level in levels:
            pupils = ctx.pupils[level]
            d0 = self._before(
                ("distances", self.evaluator.key(scenario), division, level),
                lambda level=level: self._distances(before, level),
            )
            d1 = self._distances(after, level) if after is not before else d0
            out[level] = {
                "before_km": _weighted_mean(d0[concerned], pupils[concerned]),
                "after_km": _weighted_mean(d1[concerned], pupils[concerned]),
            }
            for i in np.flatnonzero(~np.isclose(d0, d1, equal_nan=True)):
                g = str(units[i])
                row = rows.setdefault(g, {"code": g, "name": str(ctx.names.get(g, g))})
                row[f"{level}_before_km"] = _num(d0[i])
                row[f"{level}_after_km"] = _num(d1[i])
        out["changed"] = sorted(rows.values(), key=lambda r: r["code"])
        return out


def _weighted_mean(d: np.ndarray, w: np.ndarray) -> float | None:
    """Pupil-weighted mean over finite distances (None when nothing is finite)."""
    ok = np.isfinite(d)
    if not ok.any() or w[ok].sum() <= 0:
        return None
    return float(np.average(d[ok], weights=w[ok]))


def check_edits_api_safe(edits: Sequence[dict[str, Any]]) -> None:
    """Refuse file references in edits sent over HTTP (the server reads no client paths)."""
    for i, edit in enumerate(edits):
        if isinstance(edit, dict) and edit.get("csv") is not None:
            raise RegiokompasError(
                f"{EDIT_SOURCE}: edits[{i}].csv: file references are not accepted over the API; "
                "send the rows inline as 'membership'"
            )
