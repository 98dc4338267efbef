"""Size bounds of the new SWVs and the feasible number of SWVs per jeugdregio.

Rule:

* Default bounds (:func:`geo.checks.sizes.default_size_bounds`, re-exported here) are *the range
  of today's SWVs*: every one of today's PO and VO SWVs (76 + 74)
  is measured as the PO + VO pupils of its area, ``sum_g share[g, p] * (pupils_po[g] +
  pupils_vo[g])`` (a new SWV serves both levels, so today's SWVs are measured the same way);
  ``min_pupils`` is the smallest and ``max_pupils`` the largest of these.
* A jeugdregio with ``T`` PO + VO pupils and ``n`` gemeenten can hold ``k`` SWVs only if
  ``ceil(T / max) <= k <= min(n, floor(T / min))``. Checked before any solver runs; a violation
  raises :class:`~geo.proposals.errors.InfeasibleError` naming the jeugdregio and the bound.
* A national target ``N`` is shared over the jeugdregio's: each starts at its minimum count, then
  one SWV at a time goes to the jeugdregio furthest below its pupil-proportional share
  ``N * T_j / sum T`` that can still take one.

>>> import pandas as pd
>>> count_range("JZ1", pd.Series({"GM1": 40.0, "GM2": 70.0}), SizeBounds(30, 80))
(2, 2)
>>> apportion_target(5, {"J1": 100.0, "J2": 300.0}, {"J1": (1, 3), "J2": (1, 3)})
{'J1': 2, 'J2': 3}
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from geo.checks.sizes import SizeBounds, default_size_bounds
from geo.proposals.errors import InfeasibleError, ProposalError

__all__ = ["SizeBounds", "apportion_target", "count_range", "default_size_bounds"]


def count_range(
    region: str,
    sizes: pd.Series,
    bounds: SizeBounds,
    *,
    names: Mapping[str, str] | None = None,
) -> tuple[int, int]:
    """Feasible numbers of SWVs ``(kmin, kmax)`` of one jeugdregio (``sizes``: PO + VO pupils per
    gemeente); :class:`InfeasibleError` names the jeugdregio and the bound when none exists."""
    total = float(sizes.sum())
    lo, hi = bounds.min_pupils, bounds.max_pupils
    if lo > hi:
        raise ProposalError(f"min_pupils {lo:,.0f} is above max_pupils {hi:,.0f}")
    if total < lo:
        raise InfeasibleError(
            region,
            "min_pupils",
            f"the jeugdregio has {total:,.0f} PO+VO pupils in all, below the minimum {lo:,.0f}: "
            "no SWV inside it can reach the minimum",
        )
    biggest = sizes.idxmax()
    if float(sizes.max()) > hi:
        label = f"{biggest} {names[biggest]}" if names and biggest in names else str(biggest)
        raise InfeasibleError(
            region,
            "max_pupils",
            f"gemeente {label} alone has {float(sizes.max()):,.0f} PO+VO pupils, above the "
            f"maximum {hi:,.0f} (an SWV is made of whole gemeenten)",
        )
    kmin = max(1, math.ceil(total / hi - 1e-9))
    kmax = len(sizes) if lo <= 0 else min(len(sizes), math.floor(total / lo + 1e-9))
    if kmin > kmax:
        raise InfeasibleError(
            region,
            "min_pupils/max_pupils",
            f"{total:,.0f} PO+VO pupils need at least {kmin} SWVs of at most {hi:,.0f}, but allow "
            f"at most {kmax} SWVs of at least {lo:,.0f}",
        )
    return kmin, kmax


def apportion_target(
    target: int, totals: Mapping[str, float], ranges: Mapping[str, tuple[int, int]]
) -> dict[str, int]:
    """Share a national number of SWVs over the jeugdregio's (rule above)."""
    lo = sum(r[0] for r in ranges.values())
    hi = sum(r[1] for r in ranges.values())
    if not lo <= target <= hi:
        raise ProposalError(
            f"target {target} SWVs is outside the feasible national range {lo}..{hi} "
            "for these size bounds"
        )
    grand = sum(totals.values()) or 1.0
    counts = {j: ranges[j][0] for j in ranges}
    for _ in range(target - lo):
        open_ = [j for j in counts if counts[j] < ranges[j][1]]
        best = max(open_, key=lambda j: (target * totals[j] / grand - counts[j], j))
        counts[best] += 1
    return counts
