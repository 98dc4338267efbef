"""The operator's travel table as the travel model: "reistijd/afstand uit de reistabel van de
beheerder".

When the data directory has ``reistijd/reistabel.csv`` (:mod:`geo.data.travel_table`), the one
distance interface (:class:`geo.checks.distance.DistanceModel`) gives the table's figures, so P2,
proposals, the ensemble, the space, the editor and the report use them and name the model.

Rule, per gemeente x special-education location pair:

* **Which column.** ``km`` when the table has that column, else ``minutes``. Minutes count as a
  distance equivalent of :data:`KM_PER_MINUTE` km per minute (what a car covers at 60 km/h, the
  rule the water-aware model uses for ferries), so every figure stays "km" and P2's verdict is
  the same as in minutes (it compares each gemeente with its own baseline under the same model);
  the model's name says "reistijd ... (1 minuut = 1 km)".
* **Layout gemeente x location.** The row of that gemeente and vestigingscode.
* **Layout PC4 x PC4.** The mean over the gemeente's PC4s (the store's PC4 layer) of the row from
  that PC4 to the location's PC4, weighted by the PC4's inhabitants aged 0-14 (where the pupils
  live; by inhabitants, then equally, where a gemeente has none). The pair comes from the table
  only when *every* weighted PC4 of the gemeente has a row to the location's PC4.
* **Pairs the table lacks** are not refused and not left out: they take the water-aware distance
  (:mod:`geo.checks.water`) times the table's own *median ratio* to it (its value / the
  water-aware km, over the pairs it has of at least :data:`CALIBRATION_MIN_KM` km), so a missing
  pair is neither systematically shorter (road km are longer than lines) nor in another unit.
  They are counted and reported (``fallback`` of ``pairs``, ``fallback_factor``, per level, in
  P2's ``distance_stats`` and its summary). With missing pairs and fewer than
  :data:`CALIBRATION_MIN_PAIRS` pairs to fit the ratio on, the model refuses with an error
  naming the file: a handful of rows cannot stand for the rest.

>>> import pandas as pd
>>> from geo.dataset import TravelTable
>>> from geo.checks.distance import StraightLine
>>> rows = pd.DataFrame({"origin": ["GM1"], "target": ["S1"], "minutes": [30.0],
...     "km": [float("nan")]})
>>> m = TableModel(TravelTable("location", rows, "reistijd/reistabel.csv", "x"), StraightLine())
>>> m.name
'reistijd uit de reistabel van de beheerder (1 minuut = 1 km)'
>>> m.matrix(np.zeros((1, 2)), np.ones((1, 2)), np.array(["GM1"]), None, np.array(["S1"])).tolist()
[[30.0]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo.checks.distance import DistanceModel, default_model
from geo.dataset import Dataset, TravelTable
from geo.errors import SourceError
from geo.fixed_links import FERRY_KM_PER_MINUTE

KM_PER_MINUTE = FERRY_KM_PER_MINUTE
"""Distance equivalent of one minute of car travel (60 km/h)."""

CALIBRATION_MIN_KM = 2.0
"""Pairs shorter than this (water-aware km) do not fit the fallback ratio (a ratio to a few
hundred metres says little)."""

CALIBRATION_MIN_PAIRS = 20
"""Fewest table pairs that may fit the fallback ratio when pairs are missing."""

NAMES: dict[str, str] = {
    "km": "afstand uit de reistabel van de beheerder",
    "minutes": "reistijd uit de reistabel van de beheerder (1 minuut = 1 km)",
}
"""The model's name per value column."""

ORIGIN_RULES: dict[str, str] = {
    "pc4": "the gemeente's PC4s weighted by inhabitants aged 0-14 (operator's PC4 x PC4 table)",
    "location": "the gemeente as a whole (operator's gemeente x location table)",
}
"""Where a gemeente's trips start, per layout (P2's ``point_rule``)."""


def pc4_weights(postcodes: pd.DataFrame) -> pd.DataFrame:
    """``pc4, unit, weight``: each PC4 piece's weight in its gemeente (inhabitants aged 0-14;
    inhabitants where the gemeente has none; else 1 each).

    >>> p = pd.DataFrame({"pc4": ["1000", "1001", "2000"], "unit": ["A", "A", "B"],
    ...     "inhabitants_0_15": [3.0, 1.0, 0.0], "inhabitants": [9.0, 9.0, 0.0]})
    >>> pc4_weights(p)["weight"].tolist()
    [3.0, 1.0, 1.0]
    """
    frame = postcodes[["pc4", "unit"]].astype(str).reset_index(drop=True)
    young = postcodes["inhabitants_0_15"].to_numpy(float)
    everyone = postcodes["inhabitants"].to_numpy(float)
    by_unit = frame["unit"].to_numpy()
    young_sum = pd.Series(young).groupby(by_unit).transform("sum").to_numpy()
    all_sum = pd.Series(everyone).groupby(by_unit).transform("sum").to_numpy()
    weight = np.where(young_sum > 0, young, np.where(all_sum > 0, everyone, 1.0))
    return frame.assign(weight=weight)


@dataclass(frozen=True, eq=False)
class TableModel:
    """The operator's travel table with the calibrated fallback (rule: module docstring)."""

    table: TravelTable
    fallback: DistanceModel
    """The model of the pairs the table lacks (the water-aware model of the dataset)."""
    origins: pd.DataFrame | None = None
    """PC4 layout: ``pc4, unit, weight`` (:func:`pc4_weights`)."""
    location_pc4: dict[str, str] = field(default_factory=dict)
    """PC4 layout: each location's PC4 (DUO vestigingscode -> pc4)."""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The model's name, shown with every figure."""
        return NAMES[self.table.value]

    @property
    def text(self) -> str:
        """One sentence for reports and verdict figures."""
        layout = "PC4 x PC4" if self.table.layout == "pc4" else "gemeente x location"
        unit = "km" if self.table.value == "km" else f"car minutes as {KM_PER_MINUTE:g} km each"
        return (
            f"the operator's travel table {self.table.file} ({layout}, {unit}; origin: "
            f"{ORIGIN_RULES[self.table.layout]}); pairs it lacks: "
            f"{getattr(self.fallback, 'name', 'fallback')} x the table's median ratio to it, "
            "counted"
        )

    @property
    def origin_rule(self) -> str:
        """Where a gemeente's trips start under this table."""
        return ORIGIN_RULES[self.table.layout]

    def _values(self, origin_units: np.ndarray, target_ids: np.ndarray) -> np.ndarray:
        """``origins x targets`` table values (NaN where the table has no pair)."""
        rows, value = self.table.rows, self.table.value
        if self.table.layout == "location":
            keys = [str(t).upper() for t in target_ids]
            wide = rows[rows["target"].isin(set(keys))].pivot(
                index="origin", columns="target", values=value
            )
        else:
            assert self.origins is not None
            keys = [self.location_pc4.get(str(t).upper(), "") for t in target_ids]
            part = rows[rows["target"].isin(set(keys))][["origin", "target", value]]
            m = part.merge(self.origins, left_on="origin", right_on="pc4")
            m["wv"] = m["weight"] * m[value]
            g = m.groupby(["unit", "target"])[["weight", "wv"]].sum()
            total = self.origins.groupby("unit")["weight"].sum()
            need = total.reindex(g.index.get_level_values(0)).to_numpy()
            complete = g["weight"].to_numpy() >= need * (1 - 1e-9)
            mean = (g["wv"] / g["weight"]).where(complete)
            wide = mean.unstack("target")
        units = [str(u) for u in origin_units]
        return wide.reindex(index=units, columns=keys).to_numpy(float)

    def matrix(
        self,
        origins: np.ndarray,
        targets: np.ndarray,
        origin_units: np.ndarray | None = None,
        target_units: np.ndarray | None = None,
        target_ids: np.ndarray | None = None,
    ) -> np.ndarray:
        """``origins x targets`` km (or km-equivalent) from the table, missing pairs filled by
        the calibrated fallback; ``origin_units`` (gemeente codes) and ``target_ids`` (DUO
        vestigingscodes) are required."""
        if origin_units is None or target_ids is None:
            raise ValueError("the travel table needs the gemeente codes and location ids")
        fallback = np.asarray(
            self.fallback.matrix(origins, targets, origin_units, target_units), dtype=float
        )
        values = self._values(np.asarray(origin_units), np.asarray(target_ids))
        missing = np.isnan(values)
        factor = float("nan")
        if missing.any():
            fit = ~missing & (fallback >= CALIBRATION_MIN_KM) & np.isfinite(fallback)
            if fit.sum() < CALIBRATION_MIN_PAIRS:
                raise SourceError(
                    self.table.file,
                    f"{int(missing.sum())} of {missing.size} gemeente-location pairs are not in "
                    f"the travel table and only {int(fit.sum())} pairs of at least "
                    f"{CALIBRATION_MIN_KM:g} km are, fewer than the {CALIBRATION_MIN_PAIRS} "
                    "needed to scale the water-aware model for the missing ones; add rows or "
                    "remove the file",
                )
            factor = float(np.median(values[fit] / fallback[fit]))
        out = np.where(missing, fallback * (factor if missing.any() else 1.0), values)
        if self.table.value == "minutes":
            out = out * KM_PER_MINUTE
        self.stats.clear()
        self.stats.update(
            pairs=int(missing.size),
            from_table=int((~missing).sum()),
            fallback=int(missing.sum()),
            fallback_factor=round(factor, 4) if missing.any() else None,
        )
        return out


def dataset_model(dataset: Dataset) -> DistanceModel:
    """The travel model of ``dataset``: its operator's travel table when it has one, else the
    water-aware model (:func:`geo.checks.distance.default_model`)."""
    water = default_model(dataset.units)
    table = dataset.travel_table
    if table is None:
        return water
    if table.layout == "location":
        return TableModel(table, water)
    if dataset.postcodes is None:
        raise SourceError(table.file, "a PC4 x PC4 travel table needs the store's PC4 layer")
    schools = dataset.special_schools
    location_pc4 = dict(
        zip(
            schools["vestigingscode"].astype(str).str.upper(),
            schools["pc4"].astype(str),
            strict=True,
        )
    )
    return TableModel(table, water, pc4_weights(dataset.postcodes), location_pc4)


__all__ = ["TableModel", "dataset_model", "pc4_weights"]
