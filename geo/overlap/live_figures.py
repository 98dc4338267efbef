"""The disruption and travel parts of the live figures (:meth:`LiveSession.figures
<geo.overlap.live.LiveSession.figures>`), from the session's maintained arrays.

Functions of a session (duck-typed: ``levels``, ``base``, ``context``, ``codes``, ``label``,
``slot_code``, ``distance``), the same definitions and output as the editor's full recompute:

* disruption: pupils whose SWV changes against today (:mod:`geo.overlap.disruption`), summed
  over the division's levels, at the start and now, and every gemeente where it differs;
* travel: the pupil-weighted mean distance (km, finite distances only) to the nearest
  special-education location in the gemeente's SWV, at the start and now, over the gemeenten
  concerned, and every gemeente whose distance changed.

>>> weighted_mean(np.array([1.0, 3.0, np.inf]), np.array([3.0, 1.0, 5.0]))
1.5
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _num(value: Any) -> float | None:
    out = float(value)
    return out if np.isfinite(out) else None


def weighted_mean(d: np.ndarray, w: np.ndarray) -> float | None:
    """Pupil-weighted mean over finite distances (None when nothing is finite)."""
    ok = np.isfinite(d)
    if not ok.any() or w[ok].sum() <= 0:
        return None
    return float(np.average(d[ok], weights=w[ok]))


def disruption_figures(session: Any, now: dict[str, np.ndarray]) -> dict[str, Any]:
    """Pupils whose SWV changes against today: the start, now, per gemeente that differs."""
    before = sum(session.base["changed"][lv] for lv in session.levels)
    after = sum(now[lv] for lv in session.levels)
    diff = np.round(after - before, 6)
    return {
        "levels": list(session.levels),
        "before": float(before.sum()),
        "after": float(after.sum()),
        "delta": float(after.sum()) - float(before.sum()),
        "by_level": {lv: float(now[lv].sum()) for lv in session.levels},
        "gemeenten": [
            {
                "code": session.codes[i],
                "name": str(session.context.names[i]),
                "before": float(before[i]),
                "after": float(after[i]),
            }
            for i in np.flatnonzero(diff != 0).tolist()
        ],
    }


def travel_figures(session: Any, touched: list[str]) -> dict[str, Any]:
    """Pupil-weighted km to special education, start -> now, over the gemeenten concerned
    (in a touched region at the start or now), and every gemeente whose distance changed."""
    touched_set = set(touched)
    concerned = np.zeros(len(session.units), dtype=bool)
    base_codes = session.base["label_codes"]
    in_base = np.array([c in touched_set for c in base_codes], dtype=bool)
    in_now = np.array([c in touched_set for c in session.slot_code], dtype=bool)
    for level in session.levels:
        concerned |= in_base[session.base["label"][level]] | in_now[session.label[level]]
    out: dict[str, Any] = {
        "levels": list(session.levels),
        "gemeenten_concerned": int(concerned.sum()),
    }
    rows: dict[int, dict[str, Any]] = {}
    for level in session.levels:
        d0, d1 = session.base["distance"][level], session.distance[level]
        pupils = session.context.pupils[level]
        out[level] = {
            "before_km": weighted_mean(d0[concerned], pupils[concerned]),
            "after_km": weighted_mean(d1[concerned], pupils[concerned]),
        }
        for i in np.flatnonzero(~np.isclose(d0, d1, equal_nan=True)).tolist():
            row = rows.setdefault(
                i, {"code": session.codes[i], "name": str(session.context.names[i])}
            )
            row[f"{level}_before_km"] = _num(d0[i])
            row[f"{level}_after_km"] = _num(d1[i])
    out["changed"] = [rows[i] for i in sorted(rows, key=session.codes.__getitem__)]
    return out
