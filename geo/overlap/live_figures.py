"""The disruption part of the live figures (:meth:`LiveSession.figures
<geo.overlap.live.LiveSession.figures>`), from the session's maintained arrays.

Functions of a session (duck-typed: ``levels``, ``base``, ``context``, ``codes``), the same
definitions and output as the editor's full recompute:

* disruption: pupils whose SWV changes against today (:mod:`geo.overlap.disruption`), summed
  over the division's levels, at the start and now, and every gemeente where it differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def disruption_figures(session: Any, now: dict[str, np.ndarray]) -> dict[str, Any]:
    """Pupils whose SWV changes against today: the start, now, per gemeente that differs."""
    before = sum(session.base["changed"][lv] for lv in session.levels)
    after = sum(now[lv] for lv in session.levels)
    changed = np.flatnonzero(np.round(after - before, 6) != 0)
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
                "before": b,
                "after": a,
            }
            for i, b, a in zip(
                changed.tolist(), before[changed].tolist(), after[changed].tolist(), strict=True
            )
        ],
    }
