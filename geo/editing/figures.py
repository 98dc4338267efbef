"""The editor panel's figures besides the overlap scores, as pure functions of divisions: the
hard checks, the disruption against today and the travel to special education.

Rules (the same as ``regio verdict`` and docs/proposals.md):

- :func:`check_figures`: P1 on the edited scenario (it compares PO with VO), P2, P3, size and
  contiguity on the edited division; none for a division that is no SWV division. When only
  ``swv_po`` or ``swv_vo`` is edited, a failing P1 is shown once, compactly, with what would make
  it pass.
- :func:`disruption_figures`: pupils per gemeente whose SWV changes against today (huidig),
  PO pupils for ``swv_po``, VO for ``swv_vo``, both for ``swv``.
- :func:`travel_figures`: pupil-weighted distance to the nearest special-education location in
  the gemeente's SWV (P2's rule, :func:`geo.checks.travel.distances`) over the gemeenten in
  touched regions; a gemeente without a location in its SWV is counted, never left out silently.

>>> sorted(LEVELS_OF)
['swv', 'swv_po', 'swv_vo']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from geo.checks import CHECKS, CheckState, VerdictContext, VerdictError, VerdictSettings, verdict
from geo.checks.principles import p1_compact
from geo.checks.travel import distances
from geo.dataset import Dataset
from geo.division import NO_REGION, Division
from geo.editing.parts import json_num, weighted_mean
from geo.overlap.disruption import disruption

LEVELS_OF: dict[str, tuple[str, ...]] = {
    "swv_po": ("po",),
    "swv_vo": ("vo",),
    "swv": ("po", "vo"),
}
"""Education levels (of pupils and special-education locations) each SWV division serves."""

HARD_CHECKS = tuple(c for c in CHECKS if c.hard)
"""The pass/fail checks the panel shows (P1, P2, P3, size, contiguity; P1 first)."""
assert [c.name for c in HARD_CHECKS] == ["P1", "P2", "P3", "size", "contiguity"]

SWV_DIVISIONS = ("swv", "swv_po", "swv_vo")


def check_figures(
    ctx: VerdictContext, divisions: dict[str, Division], division: str, scenario: str
) -> list[dict[str, Any]]:
    """The hard checks of ``regio verdict`` (:mod:`geo.checks`) for an edited ``division`` of a
    scenario's ``divisions``: P1 on the scenario, the others on the edited division (the other
    SWV divisions are unchanged by the editor). ``[]`` for a division that is no SWV division
    or when the verdict cannot run."""
    if division not in SWV_DIVISIONS:
        return []
    jeugdregio = {"jeugdregio": divisions["jeugdregio"]} if "jeugdregio" in divisions else {}
    results = []
    try:
        if division != "swv":
            results += verdict(ctx, divisions, scenario=scenario, checks=HARD_CHECKS[:1]).results
        own = {division: divisions[division], **jeugdregio}
        results += verdict(ctx, own, scenario=scenario, checks=HARD_CHECKS[1:]).results
    except VerdictError:
        return []
    if division == "swv":
        results.insert(0, verdict(ctx, own, scenario=scenario, checks=HARD_CHECKS[:1]).results[0])
    out = [
        {
            "name": r.name,
            "label": r.title,
            "passed": bool(r.passed),
            "detail": r.summary,
            "message": r.message.to_dict() if r.message is not None else None,
            "offenders": list(dict.fromkeys(str(o.get("code", "")) for o in r.offenders)),
            "problems": [f"{o.get('code')}: {o['problem']}" for o in r.offenders if "problem" in o],
        }
        for r in results
    ]
    if division != "swv" and out and out[0]["name"] == "P1" and not out[0]["passed"]:
        # P1 is the scenario's (PO against VO): once, compactly, with what would pass
        compact = p1_compact(results[0], division)
        out[0].update(detail=str(compact), message=compact.to_dict(), offenders=[], problems=[])
    return out


def changed_pupils(dataset: Dataset, division: Division, levels: tuple[str, ...]) -> pd.Series:
    """Pupils per gemeente whose SWV changes against today (docs/proposals.md)."""
    d = disruption(
        division,
        dataset.division("swv_po"),
        dataset.division("swv_vo"),
        dataset.weight("pupils_po"),
        dataset.weight("pupils_vo"),
    )
    return d.per_gemeente[[f"changed_{level}" for level in levels]].sum(axis=1)


def disruption_figures(
    dataset: Dataset, old: pd.Series, new: pd.Series, levels: tuple[str, ...]
) -> dict[str, Any]:
    """Pupils whose SWV changes against today, before (``old``) and after (``new``) the edits,
    with every gemeente whose number changed."""
    names = dataset.units["name"].astype(str)
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


def gemeente_distances(ctx: VerdictContext, division: Division, level: str) -> np.ndarray:
    """Distance (km) per gemeente to the nearest location of ``level`` in its SWV, by the rule
    of ``regio verdict``'s P2 (:func:`geo.checks.travel.distances`); ``inf`` without one."""
    state = CheckState(
        ctx, "editor", {}, [], None, "", VerdictSettings(), ctx.bounds  # type: ignore[arg-type]
    )  # fmt: skip
    return distances(state, level, division.reindexed(ctx.units))[0]


def concerned_gemeenten(
    ctx: VerdictContext, before: Division, after: Division, touched: list[str]
) -> np.ndarray:
    """Mask over ``ctx.units``: gemeenten with a share in a touched region, before or after."""
    units = ctx.units
    concerned = np.zeros(len(units), dtype=bool)
    for d in (before, after):
        position = d.column_position
        cols = [position[c] for c in touched if c in position and c != NO_REGION]
        if cols:  # the rows with a positive share in a touched column (no column slicing)
            m = d.reindexed(units).shares.tocsr()
            hit = np.isin(m.indices, cols) & (m.data > 0)
            concerned[np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))[hit]] = True
    return concerned


def travel_figures(
    ctx: VerdictContext,
    before: Division,
    after: Division,
    levels: tuple[str, ...],
    touched: list[str],
    distances_before: Callable[[str], np.ndarray],
) -> dict[str, Any]:
    """Pupil-weighted distance (km) to special education per level, before -> after, over the
    gemeenten in touched regions, the gemeenten without a location counted, and every gemeente
    whose distance changed. ``distances_before(level)``: :func:`gemeente_distances` of
    ``before`` (the caller may cache it)."""
    concerned = concerned_gemeenten(ctx, before, after, touched)
    codes = [str(u) for u in ctx.units.tolist()]
    out: dict[str, Any] = {"levels": list(levels), "gemeenten_concerned": int(concerned.sum())}
    rows: dict[str, dict[str, Any]] = {}
    for level in levels:
        pupils = ctx.pupils[level]
        d0 = distances_before(level)
        d1 = gemeente_distances(ctx, after, level) if after is not before else d0
        # a gemeente (with pupils) without a location of the level in its SWV is counted
        # and shown, never silently left out of the mean
        lost = concerned & (pupils > 0)
        out[level] = {
            "before_km": weighted_mean(d0[concerned], pupils[concerned]),
            "after_km": weighted_mean(d1[concerned], pupils[concerned]),
            "without_location_before": int((lost & np.isinf(d0)).sum()),
            "without_location_after": int((lost & np.isinf(d1)).sum()),
            "model": ctx.distance.get("name", "hemelsbreed"),
        }
        changed = np.flatnonzero(~np.isclose(d0, d1, equal_nan=True))
        for i, km0, km1 in zip(
            changed.tolist(), d0[changed].tolist(), d1[changed].tolist(), strict=True
        ):
            g = codes[i]
            row = rows.setdefault(g, {"code": g, "name": str(ctx.labels[i])})
            row[f"{level}_before_km"] = json_num(km0)
            row[f"{level}_after_km"] = json_num(km1)
    out["changed"] = sorted(rows.values(), key=lambda r: r["code"])
    return out
