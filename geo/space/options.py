"""Options instead of one answer: the national Pareto front and K diverse divisions on it.

Rule. A national division is one stored plan per jeugdregio. Its disruption (pupils changing
SWV), travel (PO + VO pupil-km to the nearest special-education location, i.e. the pupil-weighted
mean distance times a constant) and number of SWVs are sums over the jeugdregio's. Disruption
and travel are minimised *for every number of SWVs* (the number of SWVs is a choice, not a cost:
"what does one SWV fewer cost in travel?"): a division is on the front when no division with
the same number of SWVs is at least as good on both and better on one. The front is built
jeugdregio by jeugdregio (a division that is dominated inside one jeugdregio, at that
jeugdregio's number of SWVs, is dominated nationally), keeping for
each front point the plan chosen in every jeugdregio. The planner may fix the number of SWVs of
any jeugdregio (only its plans with that number take part).

K diverse options: the point with the least disruption first, then repeatedly the front point
farthest (Euclidean, each objective scaled to [0, 1] over the front) from the options chosen
(farthest-point sampling), until K or the front is exhausted. Each option becomes a scenario
document like the proposal's (one ``assign`` edit of division ``swv``, codes
``SWV-<jeugdregio>-<n>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.dataset import Dataset
from geo.proposals.problem import Context, evaluate, national, new_codes
from geo.proposals.report import region_names
from geo.scenarios.descriptions import OPTION_NOTE, option_description
from geo.space.errors import SpaceError
from geo.space.model import RegionModel, parts_of_text

OBJECTIVES = ("disrupted", "travel_pkm", "swvs")

MAX_FRONT = 3_000
"""Largest front kept while merging (thinned evenly beyond it; reported)."""


def pareto_mask(x: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``x`` (minimised columns) not dominated by another row of the same group
    (ties: the first kept).

    >>> pareto_mask(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])).tolist()
    [True, True, False]
    """
    n = len(x)
    groups = np.zeros(n) if groups is None else np.asarray(groups)
    keep = np.ones(n, dtype=bool)
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        order = rows[np.lexsort(x[rows].T[::-1])]
        best = np.empty((0, x.shape[1]))
        for i in order.tolist():
            if len(best) and np.any(np.all(best <= x[i] + 1e-9, axis=1)):
                keep[i] = False
                continue
            best = np.vstack([best, x[i]])
    return keep


@dataclass
class Front:
    values: np.ndarray
    """``points x 3``: disruption, pupil-km, SWVs."""
    choices: np.ndarray
    """``points x jeugdregio's``: row index of the chosen plan per jeugdregio."""
    regions: list[str]
    thinned: bool = False


def pareto_front(plans: pd.DataFrame, fixed: dict[str, int] | None = None) -> Front:
    """The national Pareto front (module docstring); ``fixed``: SWVs per jeugdregio."""
    fixed = fixed or {}
    regions = sorted(plans["jeugdregio"].unique())
    unknown = sorted(set(fixed) - set(regions))
    if unknown:
        raise SpaceError(f"--swvs names unknown jeugdregio(s) {unknown}")
    values = np.zeros((1, 3))
    choices = np.zeros((1, 0), dtype=np.int64)
    thinned = False
    for r in regions:
        g = plans[plans["jeugdregio"] == r]
        if r in fixed:
            g = g[g["swvs"] == fixed[r]]
            if not len(g):
                have = sorted(plans.loc[plans["jeugdregio"] == r, "swvs"].unique())
                raise SpaceError(
                    f"jeugdregio {r}: no valid division with {fixed[r]} SWVs; valid numbers: "
                    + ", ".join(str(int(h)) for h in have)
                )
        x = np.column_stack(
            [g["disrupted"], g["travel_po_pkm"] + g["travel_vo_pkm"], g["swvs"]]
        ).astype(float)
        local = pareto_mask(x[:, :2], x[:, 2])
        x, idx = x[local], g.index.to_numpy()[local]
        total = (values[:, None, :] + x[None, :, :]).reshape(-1, 3)
        pick = np.repeat(choices, len(x), axis=0)
        pick = np.column_stack([pick, np.tile(idx, len(values))])
        keep = pareto_mask(total[:, :2], total[:, 2])
        values, choices = total[keep], pick[keep]
        if len(values) > MAX_FRONT:
            step = np.linspace(0, len(values) - 1, MAX_FRONT).astype(int)
            values, choices, thinned = values[step], choices[step], True
    return Front(values, choices, regions, thinned)


def diverse(front: Front, k: int) -> list[int]:
    """Up to ``k`` front points by farthest-point sampling (module docstring)."""
    v = front.values
    span = np.where(v.max(axis=0) > v.min(axis=0), v.max(axis=0) - v.min(axis=0), 1.0)
    z = (v - v.min(axis=0)) / span
    chosen = [int(np.lexsort(v.T[::-1])[0])]
    dist = np.linalg.norm(z - z[chosen[0]], axis=1)
    while len(chosen) < min(k, len(v)):
        nxt = int(dist.argmax())
        if dist[nxt] <= 0:
            break
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(z - z[nxt], axis=1))
    return chosen


def option_division(
    ctx: Context, models: dict[str, RegionModel], plans: pd.DataFrame, rows: np.ndarray
) -> pd.Series:
    """The national assignment (gemeente -> SWV code) of one choice of plans."""
    heads: dict[str, str] = {}
    for row in rows.tolist():
        r = plans.at[row, "jeugdregio"]
        m = models[r]
        for mask in parts_of_text(str(plans.at[row, "plan"])):
            idx = [i for i in range(m.n) if mask >> i & 1]
            head = m.units[idx[0]]
            for i in idx:
                heads[m.units[i]] = head
    return new_codes(ctx, heads)


def option_scenario(
    dataset: Dataset, ctx: Context, codes: pd.Series, *, name: str, summary: dict[str, Any]
) -> dict[str, Any]:
    """A scenario document of one option (like the proposal's)."""
    full = national(ctx, codes)
    d, _ = evaluate(ctx, full)
    names = {k: v for k, v in region_names(d, full).items() if k in set(codes)}
    doc: dict[str, Any] = {
        "name": name,
        "description": str(option_description(summary, ctx.settings.jeugdregio)),
        "principles": [1, 2, 3],
    }
    if ctx.base is not None:
        doc["base"] = ctx.base
    doc["edits"] = [
        {
            "op": "assign",
            "division": "swv",
            "assignment": {str(k): str(v) for k, v in codes.sort_index().items()},
            "region_names": dict(sorted(names.items())),
            "note": OPTION_NOTE,
        }
    ]
    return doc
