"""The difference between two versions of one division: which gemeenten change region and how
many pupils that concerns.

Rule: the definition of :func:`geo.overlap.disruption.disruption`, with ``before`` in the place
of today's SWVs: a region of ``before`` continues as the region of ``after`` that receives most
of its pupils, and a pupil is concerned iff their gemeente's region in ``after`` is not the
continuation of their region in ``before`` (so renaming a region concerns nobody; moving a
gemeente concerns its pupils; a split gemeente counts the share that moves). The pupils counted
depend on the division ``before`` (else ``after``): ``swv_po`` its PO pupils, ``swv_vo`` its VO
pupils, ``swv`` (PO and VO together) both, any other division (jeugdregio, provinces) all pupils
(``pupils``): comparing today's ``swv_po`` with a proposal's ``swv`` counts PO pupils. A gemeente
*changes* when any of its pupils is concerned, or when it has no pupils and its regions differ.

>>> from fixtures.synthetic import synthetic_dataset
>>> from geo.division import Division
>>> ds = synthetic_dataset(4, 4)
>>> before = ds.division("jeugdregio")
>>> unit = str(before.units[0])
>>> regions = before.assignment().astype(str)
>>> other = sorted(set(regions) - {regions[unit]})[0]
>>> after = Division.from_assignment("jeugdregio", {**regions.to_dict(), unit: other})
>>> diff = division_difference(ds, before, after)
>>> diff.changed.index.tolist() == [unit], diff.pupils == float(ds.weight("pupils")[unit])
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.dataset import Dataset
from geo.division import Division
from geo.overlap.disruption import disruption

LEVEL_WEIGHTS: dict[str, tuple[str, ...]] = {
    "swv": ("pupils_po", "pupils_vo"),
    "swv_po": ("pupils_po",),
    "swv_vo": ("pupils_vo",),
}
"""The pupils counted per division (any other division counts ``pupils``)."""


@dataclass(frozen=True)
class DivisionDifference:
    """Per changed gemeente its regions before and after and the pupils concerned."""

    division: str
    changed: pd.DataFrame
    """Index: gemeente code; columns ``name, before, after, pupils`` (regions joined by '/',
    pupils concerned), largest ``pupils`` first."""
    pupils: float
    """Pupils concerned in all (of :attr:`weights`)."""
    weights: tuple[str, ...]
    """The pupil weights counted."""


def _regions(division: Division, units: pd.Index) -> pd.Series:
    rows = division.reindexed(units).membership
    rows = rows[rows["share"] > 0]
    joined = rows.sort_values("share", ascending=False).groupby("unit", sort=False)["region"]
    return joined.agg("/".join).reindex(units).fillna("")


def division_difference(dataset: Dataset, before: Division, after: Division) -> DivisionDifference:
    """The gemeenten whose region differs between ``before`` and ``after`` (one division's two
    versions, or two scenarios' versions of it) and the pupils concerned (rule above)."""
    weights = LEVEL_WEIGHTS.get(before.name) or LEVEL_WEIGHTS.get(after.name, ("pupils",))
    units = pd.Index(dataset.units.index.astype(str), name="code")
    series = []
    for name in weights:
        w = dataset.weight(name)
        w.index = w.index.astype(str)
        series.append(w.reindex(units).fillna(0.0).rename(name))
    first = series[0]
    second = series[1] if len(series) > 1 else (first * 0.0).rename(first.name)
    old = before.reindexed(units)
    d = disruption(after.reindexed(units), old, old, first, second)
    per = d.per_gemeente
    was, now = _regions(before, units), _regions(after, units)
    silent = (per["pupils_po"] + per["pupils_vo"] <= 1e-9) & (was != now)
    mask = per["swv_changes"] | silent
    names = dataset.units["name"] if "name" in dataset.units else pd.Series("", index=units)
    names.index = names.index.astype(str)
    changed = pd.DataFrame(
        {
            "name": names.reindex(units)[mask].astype(str),
            "before": was[mask],
            "after": now[mask],
            "pupils": per.loc[mask, "changed"].astype(float),
        }
    ).sort_values(["pupils", "name"], ascending=[False, True])
    return DivisionDifference(after.name, changed, float(per["changed"].sum()), weights)
