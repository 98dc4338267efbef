"""Which gemeenten change SWV when a scenario's SWV division replaces today's, for the maps.

Rule: a map of ``swv`` (one SWV for PO and VO, e.g. made by ``regio propose``), ``swv_po`` or
``swv_vo`` marks the gemeenten whose SWV changes compared with today (the dataset's ``swv_po``
and ``swv_vo``), by the exact definition of :func:`geo.overlap.disruption.disruption`: a pupil
keeps their SWV iff the gemeente's new SWV is the continuation of the pupil's current SWV (the
new SWV receiving most of its pupils). ``swv`` is measured on both levels (PO pupils against
``swv_po``, VO pupils against ``swv_vo``); ``swv_po`` only on PO, ``swv_vo`` only on VO. A
gemeente changes when any of its pupils does. Other divisions, and an ``swv_po``/``swv_vo``
equal to today's, mark nothing (``None``).

>>> from fixtures.synthetic import synthetic_dataset
>>> ds = synthetic_dataset(4, 4)
>>> swv_changes(ds, ds.division("swv_po")) is None, swv_changes(ds, ds.division("jeugdregio"))
(True, None)
>>> new = Division.from_assignment("swv", dict.fromkeys(ds.units.index, "ALL"))
>>> changes = swv_changes(ds, new)
>>> int(changes["swv_changes"].sum()), changes["text"].iloc[-1]
(0, 'nee')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.dataset import Dataset
from geo.division import NO_REGION, Division
from geo.overlap.disruption import disruption
from maps.i18n import N_, format_number, gettext

SWV_LEVELS: dict[str, tuple[str, ...]] = {
    "swv": ("po", "vo"),
    "swv_po": ("po",),
    "swv_vo": ("vo",),
}
"""SWV divisions whose changes are marked, and the levels each is measured on."""

NO_SWV_LABEL = N_("no SWV")
"""How a share in no new SWV is named in the tooltip (msgid)."""


def _same(a: Division, b: Division) -> bool:
    """True when two divisions put the same shares of the same units in the same regions."""
    ma, mb = a.membership, b.reindexed(a.units).membership
    if len(ma) != len(mb):
        return False
    key = ["unit", "region"]
    ma, mb = ma.sort_values(key, ignore_index=True), mb.sort_values(key, ignore_index=True)
    return bool(
        ma[key].equals(mb[key]) and np.allclose(ma["share"].to_numpy(), mb["share"].to_numpy())
    )


def _moves(
    level: str,
    today: Division,
    new: Division,
    continuation: dict[str, str | None],
    changed: pd.Series,
    locale: str = "nl",
) -> pd.Series:
    """Per changed gemeente: ``'PO PO2707 → SWV-JZ13-1 (1.234 leerlingen)'``."""
    _ = gettext(locale)
    new_rows = new.membership
    targets = (
        new_rows["region"]
        .where(new_rows["region"] != NO_REGION, _(NO_SWV_LABEL))
        .groupby(new_rows["unit"], sort=False)
        .agg("/".join)
    )
    old = today.membership
    old = old[(old["region"] != NO_REGION) & old["unit"].isin(changed.index[changed > 1e-9])]
    cont = old["region"].map(continuation)
    new_pairs = pd.MultiIndex.from_frame(new_rows[["unit", "region"]])
    continues_here = pd.MultiIndex.from_arrays([old["unit"], cont]).isin(new_pairs)
    # a gemeente of a split division may change without any SWV moving wholly: list them all
    moving = old[~continues_here | ~old["unit"].isin(old.loc[~continues_here, "unit"])]
    parts = (moving["region"] + " → " + moving["unit"].map(targets)).groupby(
        moving["unit"], sort=False
    )
    text = parts.agg(", ".join)
    pupils = changed.reindex(text.index)
    amount = [
        _("%(n)s pupils") % {"n": format_number(v, locale) if v >= 0.5 else "<1"} for v in pupils
    ]
    return f"{level.upper()} " + text + " (" + pd.Series(amount, index=text.index) + ")"


def swv_changes(dataset: Dataset, division: Division, locale: str = "nl") -> pd.DataFrame | None:
    """Per gemeente ``changed_po, changed_vo, changed`` (pupils), ``swv_changes`` and ``text``.

    ``text`` is the tooltip line in ``locale``, e.g. ``'PO PO2707 → SWV-JZ13-1 (1.234
    leerlingen); VO VO2705 → SWV-JZ13-1 (890 leerlingen)'`` or ``'nee'``; ``None`` when
    ``division`` is not an SWV division or equals today's (rule in the module docstring).
    """
    _ = gettext(locale)
    levels = SWV_LEVELS.get(division.name)
    if levels is None:
        return None
    if division.name in dataset.divisions and _same(division, dataset.divisions[division.name]):
        return None
    units = pd.Index(dataset.units.index.astype(str), name="code")
    new = division.reindexed(units)
    today = {level: dataset.division(f"swv_{level}").reindexed(units) for level in ("po", "vo")}
    pupils = {}
    for level in ("po", "vo"):
        weight = dataset.weight(f"pupils_{level}")
        weight.index = weight.index.astype(str)
        pupils[level] = weight if level in levels else weight * 0.0
    d = disruption(new, today["po"], today["vo"], pupils["po"], pupils["vo"])
    per = d.per_gemeente
    out = per[["changed_po", "changed_vo", "changed", "swv_changes"]].copy()
    lines = [
        _moves(level, today[level], new, d.continuation, per[f"changed_{level}"], locale)
        for level in levels
    ]
    text = pd.concat(lines).groupby(level=0, sort=False).agg("; ".join)
    out["text"] = text.reindex(units).where(out["swv_changes"], _("no")).fillna(_("no"))
    return out
