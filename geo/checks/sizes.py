"""Size bounds of an SWV: the rule behind the ``size`` check and the proposals' bounds.

Rule: default bounds are *the range of today's SWVs*: every one of today's PO and VO SWVs
(76 + 74) is measured as the PO + VO pupils of its area, ``sum_g share[g, p] * (pupils_po[g] +
pupils_vo[g])`` (a new SWV serves both levels, so today's SWVs are measured the same way);
``min_pupils`` is the smallest and ``max_pupils`` the largest of these.

>>> SizeBounds(10.0, 20.0).rule
'set by the planner'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.division import Division


@dataclass(frozen=True)
class SizeBounds:
    """Minimum and maximum PO + VO pupils per new SWV, and how they were set."""

    min_pupils: float
    max_pupils: float
    rule: str = "set by the planner"
    evidence: dict[str, object] = field(default_factory=dict)


def default_size_bounds(swv_po: Division, swv_vo: Division, pupils: pd.Series) -> SizeBounds:
    """The range of today's PO and VO SWVs measured in PO + VO pupils (rule above).

    >>> po = Division.from_assignment("swv_po", {"GM1": "PO1", "GM2": "PO2"})
    >>> vo = Division.from_assignment("swv_vo", {"GM1": "VO1", "GM2": "VO1"})
    >>> b = default_size_bounds(po, vo, pd.Series({"GM1": 10.0, "GM2": 30.0}))
    >>> b.min_pupils, b.max_pupils
    (10.0, 40.0)
    """
    sizes = pd.concat(
        [
            swv_po.totals(pupils).drop(swv_po.columns[-1]),
            swv_vo.totals(pupils).drop(swv_vo.columns[-1]),
        ]
    )
    return SizeBounds(
        float(sizes.min()),
        float(sizes.max()),
        rule="range of today's PO and VO SWVs, each measured as the PO+VO pupils of its area",
        evidence={
            "smallest": str(sizes.idxmin()),
            "largest": str(sizes.idxmax()),
            "swvs_measured": int(len(sizes)),
        },
    )
