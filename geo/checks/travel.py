"""Principle 2: support close to home — no longer way to special education than today.

Rule (the definitions of :mod:`geo.checks.locations`, for any SWV division):

* A special-education location belongs to a *new* SWV: its current SWV (its postcode's
  ``swv_po`` / ``swv_vo``) when the scenario keeps that code; otherwise, among the new SWVs of
  the gemeente it stands in, the one that received most of its current SWV's pupils (ties: the
  larger share of the gemeente). For a division of whole gemeenten this is simply the SWV of its
  gemeente; for today's division it is the postcode's SWV, so huidig is measured exactly as
  *before*.
* A gemeente's distance (km, from its pupil-weighted point, by the context's travel model:
  "hemelsbreed over land, via vaste oeververbindingen" unless another is given) is the
  share-weighted mean, over its SWVs, of the distance to the nearest location of the level in
  that SWV (PO: SBAO/SO/(V)SO, VO: VSO/(V)SO); ``inf`` when an SWV has none.
* Baseline = today's distance, except where principle 3 alone makes it unreachable (today's
  nearest location lies outside the gemeente's jeugdregio and every location inside is
  farther): there the baseline is the nearest location inside the jeugdregio. Those gemeenten
  are listed separately (``forced_by_principle_3``).
* P2 passes when no gemeente's distance and no SWV's pupil-weighted mean distance exceeds its
  baseline (mean) + ``margin_km`` (default 0) by more than 1 m (rounding); a gemeente without any
  location in its SWV while it has a finite baseline fails. The worst gemeenten are listed in km.

>>> from fixtures.proposal_grids import layout_dataset
>>> from geo.checks import build_context, verdict
>>> ds = layout_dataset(["AAA"], ["AAB"], schools=[("GM0000", "SO"), ("GM0002", "SO")])
>>> ctx = build_context(ds)
>>> verdict(ctx, ds.divisions).result("P2").passed
True
>>> from geo.division import Division
>>> swv = Division.from_assignment("swv", {"GM0000": "X", "GM0001": "X", "GM0002": "X"})
>>> p2 = verdict(ctx, {**ds.divisions, "swv": swv}).result("P2")
>>> p2.passed, p2.figures["levels"]["po"]["gemeenten_longer"]
(True, 0)
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.checks.base import CheckResult, check, problem
from geo.checks.context import LEVEL_NAMES
from geo.checks.state import CheckState, Subject, per_object
from geo.division import Division
from geo.messages import N_, Figure, Join, Message

TOLERANCE_KM = 1e-3
"""Slack when comparing distances with their allowed maximum (1 m)."""


def location_labels(state: CheckState, level: str, division: Division) -> np.ndarray:
    """Index into ``division.regions`` of the new SWV of each location group of ``level``
    (locations of one gemeente and one current SWV; -1: none)."""
    lt = state.ctx.travel[level]
    n_loc = len(lt.group_unit)
    if n_loc == 0:
        return np.zeros(0, dtype=np.int64)
    position = division.column_position  # a location keeps its SWV code where it still exists
    codes = per_object(lt, "group_swv_codes", lambda: [str(c) for c in lt.group_swv])
    kept = np.array([position.get(code, -1) for code in codes], dtype=np.int64)
    kept[kept >= division.n_regions] = -1  # NO_REGION is no SWV
    p_idx = per_object(
        lt, "today_index", lambda: state.ctx.today[level].regions.get_indexer(lt.group_swv)
    )
    # received[p, k]: today's pupils of p that lie in new SWV k (shares multiplied)
    w = state.ctx.today_pupils[level]
    pupil_shares = division.shares_for(f"pupils_{level}")[:, : division.n_regions]
    received = (w.T @ pupil_shares).toarray()
    m = pupil_shares.tocsr()
    counts = np.diff(m.indptr)[lt.group_unit]
    loc = np.repeat(np.arange(n_loc), counts)
    starts = m.indptr[lt.group_unit]
    offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    k = m.indices[np.repeat(starts, counts) + offs]
    share = m.data[np.repeat(starts, counts) + offs]
    p = p_idx[loc]
    rec = np.where(p >= 0, received[np.maximum(p, 0), k], 0.0)
    order = np.lexsort((-share, -rec, loc))
    first = np.r_[True, loc[order][1:] != loc[order][:-1]] if len(order) else np.zeros(0, bool)
    chosen = np.full(n_loc, -1, dtype=np.int64)
    chosen[loc[order][first]] = k[order][first]
    return np.where(kept >= 0, kept, chosen)


_DISTANCES: weakref.WeakKeyDictionary[Division, dict[str, tuple[Any, Any]]] = (
    weakref.WeakKeyDictionary()
)
"""Memo of :func:`distances` per division (divisions never change): the editor's travel figure
and P2 on the same edited division compute them once."""


def distances(
    state: CheckState, level: str, division: Division
) -> tuple[np.ndarray, sp.csr_matrix]:
    """``(per gemeente km, nearest km)`` of ``division`` for ``level``: the second is a sparse
    ``units x regions`` matrix holding, where the gemeente has a positive pupil share in the
    region, the distance to the region's nearest location (``inf``: none). Memoised per
    division, context and level; treat the arrays as read-only."""
    memo = _DISTANCES.setdefault(division, {})
    found = memo.get(level)
    if found is not None and found[0]() is state.ctx:
        return found[1]
    result = _distances(state, level, division)
    memo[level] = (weakref.ref(state.ctx), result)
    return result


def _distances(state: CheckState, level: str, division: Division) -> tuple[Any, Any]:
    """Only the pairs (gemeente, one of its SWVs) are measured: per such pair the minimum over
    that SWV's location groups (a few per SWV), not a full units x regions table per click."""
    lt = state.ctx.travel[level]
    n_units, n_regions = lt.group_dist.shape[0], division.n_regions
    labels = location_labels(state, level, division)
    m = division.shares_for(f"pupils_{level}")[:, :n_regions].tocsr()
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    cols, vals = m.indices, m.data
    positive = vals > 0
    rows, cols, vals = rows[positive], cols[positive], vals[positive]
    # the location groups of each region, contiguous after a stable sort by label
    kept = np.flatnonzero(labels >= 0)
    order = kept[np.argsort(labels[kept], kind="stable")]
    counts = np.bincount(labels[kept], minlength=n_regions)[:n_regions]
    starts = np.cumsum(counts) - counts
    c = counts[cols]
    near = np.full(len(cols), np.inf)
    if c.sum():
        pair = np.repeat(np.arange(len(cols)), c)
        offset = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
        d = lt.group_dist[rows[pair], order[np.repeat(starts[cols], c) + offset]]
        has = c > 0
        near[has] = np.minimum.reduceat(d, (np.cumsum(c) - c)[has])
    weight = np.bincount(rows, weights=vals, minlength=n_units)
    finite = np.isfinite(near)
    total = np.bincount(rows[finite], weights=(vals * near)[finite], minlength=n_units)
    inf_any = np.bincount(rows[~finite], minlength=n_units) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(inf_any, np.inf, np.where(weight > 0, total / weight, np.nan))
    nearest = sp.csr_matrix((near, (rows, cols)), shape=(n_units, n_regions))
    return out, nearest


_OFFENDER_MEMO_MAX = 50_000
"""P2 gemeente offenders remembered per jeugdregio frame (the editor's clicks change a few)."""


def _level(state: CheckState, subject: Subject, level: str) -> dict[str, object]:
    """Figures and offenders of one subject and level."""
    ctx, frame, margin = state.ctx, state.jeugdregio, state.settings.margin_km
    division = subject.division
    after = distances(state, level, division)[0]
    base = frame.baseline[level]
    pupils = ctx.pupils[level]
    codes, labels = ctx.codes, ctx.labels
    with np.errstate(invalid="ignore"):
        extra = after - base
    judged = np.isfinite(base) & ~np.isnan(after)
    longer = judged & ((extra > margin + TOLERANCE_KM) | np.isinf(after))
    offenders = []
    name = LEVEL_NAMES[level]
    rows = np.flatnonzero(longer)
    # an offender depends only on its own figures: remembered (per jeugdregio frame), so an
    # editor click builds only the gemeenten whose distance changed
    memo = per_object(frame, ("p2_offenders", id(ctx)), dict)
    if len(memo) > _OFFENDER_MEMO_MAX:
        memo.clear()
    for i, b_km, a_km, x_km in zip(
        rows.tolist(), base[rows].tolist(), after[rows].tolist(), extra[rows].tolist(), strict=True
    ):  # plain floats: this loop runs per click in the editor
        key = (subject.name, level, i, b_km, a_km)
        found = memo.get(key)
        if found is not None:
            offenders.append(found)
            continue
        finite = math.isfinite(a_km)
        memo[key] = {
            "code": str(codes[i]),
            "name": str(labels[i]),
            "kind": "gemeente",
            "level": level,
            "division": subject.name,
            "baseline_km": round(b_km, 3),
            "after_km": round(a_km, 3) if finite else None,
            "extra_km": round(x_km, 3) if math.isfinite(x_km) else None,
            **problem(
                Message(
                    N_("%(level)s %(after)s km, baseline %(baseline)s km"),
                    {
                        "level": name,
                        "after": Figure(a_km, ".1f"),
                        "baseline": Figure(b_km, ".1f"),
                    },
                )
                if finite
                else Message(
                    N_("%(level)s: no location in its SWV (baseline %(baseline)s km)"),
                    {"level": name, "baseline": Figure(b_km, ".1f")},
                )
            ),
        }
        offenders.append(memo[key])
    # per SWV: pupil-weighted mean of its gemeenten's distances (weights: pupils x share)
    # against the same mean of their baselines
    # (over the nonzero shares only: sparse, no units x regions table per click)
    n_regions = division.n_regions
    m = division.shares_for(f"pupils_{level}")[:, :n_regions].tocsr()
    r = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    w = m.data * pupils[r]
    ok = np.isfinite(base[r]) & (w > 0)
    rk, ck, wk = r[ok], m.indices[ok], w[ok]
    wsum = np.bincount(ck, weights=wk, minlength=n_regions)
    with np.errstate(invalid="ignore", divide="ignore"):
        swv_after = np.bincount(ck, weights=wk * after[rk], minlength=n_regions) / wsum
        swv_base = np.bincount(ck, weights=wk * base[rk], minlength=n_regions) / wsum
    swv_bad = (wsum > 0) & (swv_after > swv_base + margin + TOLERANCE_KM)
    # gemeenten (with pupils) of each SWV that have no location of the level in it
    gone = (w > 0) & np.isinf(after[r])
    lost = np.bincount(m.indices[gone], minlength=n_regions)
    for j in np.flatnonzero(swv_bad):
        code = division.column_codes[j]
        finite = bool(np.isfinite(swv_after[j]))
        offenders.append(
            {
                "code": code,
                "name": division.region_names.get(code, code),
                "kind": "swv",
                "level": level,
                "division": subject.name,
                "baseline_km": round(float(swv_base[j]), 3),
                "after_km": round(float(swv_after[j]), 3) if finite else None,
                "without_location": int(lost[j]),
                **problem(
                    Message(
                        N_("%(level)s pupil-weighted mean %(after)s km, baseline %(baseline)s km"),
                        {
                            "level": name,
                            "after": Figure(float(swv_after[j]), ".2f"),
                            "baseline": Figure(float(swv_base[j]), ".2f"),
                        },
                    )
                    if finite
                    else Message(
                        N_(
                            "%(level)s: %(n)s gemeente(n) without a location of the level in "
                            "this SWV (baseline mean %(baseline)s km)"
                        ),
                        {
                            "level": name,
                            "n": int(lost[j]),
                            "baseline": Figure(float(swv_base[j]), ".2f"),
                        },
                    )
                ),
            }
        )
    fin = judged & np.isfinite(after)
    order = np.argsort(-np.where(fin, extra, -np.inf), kind="stable")[: state.settings.worst]
    worst = [
        {
            "code": str(codes[i]),
            "name": str(labels[i]),
            "after_km": round(float(after[i]), 3),
            "baseline_km": round(float(base[i]), 3),
            "extra_km": round(float(extra[i]), 3),
        }
        for i in order
        if fin[i]
    ]
    forced = frame.forced[level]
    forced_list = [
        {
            "code": str(codes[i]),
            "name": str(labels[i]),
            "before_km": round(float(ctx.travel[level].before[i]), 3),
            "nearest_in_jeugdregio_km": round(float(frame.best[level][i]), 3),
        }
        for i in np.flatnonzero(forced)
    ]

    def mean(values: np.ndarray) -> float | None:
        m = np.isfinite(values) & (pupils > 0)
        return round(float((values[m] * pupils[m]).sum() / pupils[m].sum()), 3) if m.any() else None

    return {
        "figures": {
            "division": subject.name,
            "weighted_mean_km": {
                "before": mean(ctx.travel[level].before),
                "baseline": mean(base),
                "after": mean(after),
            },
            "max_extra_km": round(float(extra[fin].max()), 3) if fin.any() else None,
            "gemeenten_longer": int(longer.sum()),
            "swvs_longer": int(swv_bad.sum()),
            "without_location": int((np.isinf(after) & (pupils > 0)).sum()),
            "forced_by_principle_3": forced_list,
            "worst": worst,
        },
        "offenders": offenders,
        "after": after,
        "swv_after": swv_after,
    }


def level_results(state: CheckState) -> dict[tuple[str, str], dict[str, object]]:
    """``{(subject, level): figures, offenders, after}`` (memoised on the state)."""

    def compute() -> dict[tuple[str, str], dict[str, object]]:
        return {
            (s.name, level): _level(state, s, level) for s in state.subjects for level in s.levels
        }

    return state.memo("travel", compute)


def _km(value: float | None) -> Figure:
    """A distance for a sentence: never ``inf`` or ``nan`` (``–`` when there is none).

    >>> str(_km(2.5)), str(_km(None)), str(_km(float("inf")))
    ('2.5', '–', '–')
    """
    return Figure(value, "g")


def model_note(state: CheckState) -> Message | str:
    """``""`` for the shipped models; for the operator's travel table its name and how many
    pairs it lacked (filled by the water-aware model x the table's median ratio)."""
    distance = state.ctx.distance
    stats = distance.get("levels", {})
    if not isinstance(stats, dict) or not any("fallback" in v for v in stats.values()):
        return ""
    pairs = sum(int(v.get("pairs", 0)) for v in stats.values())
    missing = sum(int(v.get("fallback", 0)) for v in stats.values())
    factors = Join(
        tuple(
            Message(
                N_("%(level)s x %(factor)s"),
                {"level": LEVEL_NAMES.get(lv, lv), "factor": Figure(v["fallback_factor"], "g")},
            )
            for lv, v in stats.items()
            if v.get("fallback_factor") is not None
        )
    )
    gap = (
        Message(
            N_(
                "; %(missing)s of %(pairs)s gemeente-location pairs not in the table: "
                "water-aware distance x the table's median ratio (%(factors)s)"
            ),
            {"missing": missing, "pairs": pairs, "factors": factors},
        )
        if missing
        else Message(N_("; all %(pairs)s gemeente-location pairs from the table"), {"pairs": pairs})
    )
    return Message(
        N_(" (travel model: %(name)s%(gap)s)"), {"name": str(distance.get("name")), "gap": gap}
    )


@check("P2", hard=True, title="Principle 2: support close to home")
def close_to_home(state: CheckState) -> CheckResult:
    """No gemeente and no SWV mean farther from special education than the baseline + margin."""
    results = level_results(state)
    offenders = [o for r in results.values() for o in r["offenders"]]
    levels = {level: r["figures"] for (_, level), r in results.items()}
    n_g = sum(1 for o in offenders if o["kind"] == "gemeente")
    n_s = len(offenders) - n_g
    means = {lv: f["weighted_mean_km"] for lv, f in levels.items()}
    parts = tuple(
        Message(
            N_(
                "%(level)s %(before)s -> %(after)s km (%(n)s gemeente(n) without a location in "
                "their SWV, not in this mean)"
            )
            if levels[lv]["without_location"]
            else N_("%(level)s %(before)s -> %(after)s km"),
            {
                "level": LEVEL_NAMES[lv],
                "before": _km(m["before"]),
                "after": _km(m["after"]),
                **({"n": levels[lv]["without_location"]} if levels[lv]["without_location"] else {}),
            },
        )
        for lv, m in means.items()
    )
    return close_to_home.result(
        not offenders,
        summary=Message(
            N_(
                "%(gemeenten)s gemeente(n) and %(swvs)s SWV mean(s) farther than baseline + "
                "%(margin)s km; pupil-weighted %(levels)s%(note)s"
            ),
            {
                "gemeenten": n_g,
                "swvs": n_s,
                "margin": state.settings.margin_km,
                "levels": Join(parts),
                "note": model_note(state),
            },
        ),
        figures={
            "margin_km": state.settings.margin_km,
            "point_rule": state.ctx.point_rule,
            "distance_model": state.ctx.distance.get("name", "hemelsbreed"),
            "distance_rule": f"{state.ctx.distance.get('text', 'straight line')}, to the nearest "
            "special-education location of the level in the same SWV; PO: SBAO/SO/(V)SO, "
            "VO: VSO/(V)SO",
            "distance_stats": state.ctx.distance.get("levels", {}),
            "levels": levels,
            "forced_by_principle_3": sum(len(f["forced_by_principle_3"]) for f in levels.values()),
        },
        offenders=offenders,
    )


def per_gemeente(state: CheckState) -> pd.DataFrame:
    """``<level>_after_km`` and ``<level>_baseline_km`` per gemeente (for reports)."""
    out = pd.DataFrame(index=state.units)
    for (_, level), r in level_results(state).items():
        out[f"{level}_after_km"] = r["after"]
        out[f"{level}_baseline_km"] = state.jeugdregio.baseline[level]
    return out
