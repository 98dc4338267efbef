"""Principle 2: distance from each gemeente to special education in its own SWV.

Rule:

* The *location of a gemeente* is the pupil-weighted mean of its regular school locations
  (DUO basisscholen and VO locations, weighted by ``leerlingen``): pupils live near their
  schools, so this approximates where the gemeente's pupils are. A gemeente without a located
  school with pupils falls back to its polygon's representative point (always inside it).
  The store build computes these points once (:func:`geo.data.schools.pupil_weighted_points`,
  columns ``point_x, point_y, point_rule``); units without them (synthetic data) use the
  representative point.
* *Special-education locations* (``dataset.special_schools``): for PO pupils SBAO (SBO), SO and
  (V)SO; for VO pupils VSO and (V)SO.
* *Before*: a school lies in the current SWV of its postcode (``swv_po``/``swv_vo`` columns).
  A gemeente's distance is the share-weighted mean, over its current SWVs, of the distance to
  the nearest location of the right type in that SWV (shares in no SWV are left out).
* *After*: a school lies in the new SWV of the gemeente it stands in (``unit``); a gemeente's
  distance is the distance to the nearest location of the right type in its new SWV.
* Distances come from one travel model (:mod:`geo.checks.distance`), by default
  "hemelsbreed over land, via vaste oeververbindingen": the straight line in EPSG:28992 while
  it stays on land, else via the bridges, tunnels, dams and ferries of ``geo/fixed_links.yaml``
  (:mod:`geo.checks.water`) — not travel times over roads — or, when the data directory has
  one, the operator's own travel table (:mod:`geo.checks.table`). A gemeente whose SWV has no
  location of the type gets ``inf`` internally; figures shown to people count such gemeenten
  instead.

>>> import geopandas as gpd, pandas as pd, shapely
>>> units = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 2e3, 2e3), shapely.box(2e3, 0, 4e3, 2e3)],
...     index=pd.Index(["GM1", "GM2"], name="code"), crs="EPSG:28992")
>>> schools = gpd.GeoDataFrame({"type": ["SO"], "unit": ["GM2"], "swv_po": ["PO1"],
...     "swv_vo": ["VO1"]}, geometry=[shapely.Point(3e3, 1e3)], crs="EPSG:28992")
>>> model = travel_model(units, schools)
>>> model.after("po", pd.Series({"GM1": "A", "GM2": "A"})).round(3).tolist()
[2.0, 0.0]
>>> model.after("po", pd.Series({"GM1": "A", "GM2": "B"})).tolist()
[inf, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.checks.distance import DistanceModel, default_model
from geo.config import CRS_METRIC
from geo.division import NO_REGION, Division
from geo.messages import N_, Message

SPECIAL_TYPES: dict[str, tuple[str, ...]] = {
    "po": ("SBAO", "SO", "(V)SO"),
    "vo": ("VSO", "(V)SO"),
}
"""Special-education types that serve PO resp. VO pupils (DUO ``type``)."""

LEVELS = ("po", "vo")


POINT_COLUMNS = ("point_x", "point_y", "point_rule")
"""Columns of ``dataset.units`` holding each gemeente's location (set by the store build)."""

POINT_RULE_TEXT: dict[str, str] = {
    "pupils": N_(
        "pupil-weighted mean of the gemeente's regular PO and VO school locations (DUO "
        "2024, leerlingen)"
    ),
    "representative_point": N_("representative point of the gemeente polygon"),
}
"""Report text per ``point_rule`` value (see :func:`geo.data.schools.pupil_weighted_points`)."""


def gemeente_points(units: gpd.GeoDataFrame) -> tuple[gpd.GeoSeries, str]:
    """The location of each gemeente in EPSG:28992 and a sentence saying which rule gave it.

    Rule: the store's pupil-weighted points (columns ``point_x``, ``point_y``, ``point_rule``,
    computed once by the build with :func:`geo.data.schools.pupil_weighted_points`); units without
    those columns (synthetic data) use the polygon's representative point. Nothing is read
    from files here.

    >>> import geopandas as gpd, pandas as pd, shapely
    >>> u = gpd.GeoDataFrame({"point_x": [3.0, 15.0], "point_y": [3.0, 5.0],
    ...     "point_rule": ["pupils", "representative_point"]},
    ...     geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
    ...     index=pd.Index(["GM1", "GM2"], name="code"), crs="EPSG:28992")
    >>> points, rule = gemeente_points(u)
    >>> [(p.x, p.y) for p in points], rule.endswith("where it has none (1 of 2 gemeenten)")
    ([(3.0, 3.0), (15.0, 5.0)], True)
    """
    index = pd.Index(units.index.astype(str), name="code")
    if not set(POINT_COLUMNS) <= set(units.columns):
        points = units.geometry.to_crs(CRS_METRIC).representative_point()
        points.index = index
        return points, POINT_RULE_TEXT["representative_point"]
    x = units["point_x"].astype(float).to_numpy()
    y = units["point_y"].astype(float).to_numpy()
    rules = units["point_rule"].astype(str)
    unknown = sorted(set(rules) - set(POINT_RULE_TEXT))
    if unknown or not (np.isfinite(x).all() and np.isfinite(y).all()):
        bad = index[~(np.isfinite(x) & np.isfinite(y)) | ~rules.isin(list(POINT_RULE_TEXT))]
        raise ValueError(
            f"dataset.units: point_x/point_y/point_rule invalid for gemeente(n) {list(bad[:5])} "
            f"(rules must be {', '.join(POINT_RULE_TEXT)}); rebuild the store (regio data build)"
        )
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), index=index, crs=CRS_METRIC)
    return points, str(point_rule_message(units))


def point_rule_message(units: pd.DataFrame) -> Message:
    """The sentence of :func:`gemeente_points` (its ``str`` is that rule, character for
    character) as a message, for a page or report in the reader's language.

    >>> import pandas as pd
    >>> u = pd.DataFrame({"point_x": [1.0, 2.0], "point_y": [1.0, 2.0],
    ...                   "point_rule": ["pupils", "representative_point"]})
    >>> str(point_rule_message(u)).endswith("polygon where it has none (1 of 2 gemeenten)")
    True
    >>> str(point_rule_message(u.drop(columns="point_rule"))) == POINT_RULE_TEXT[
    ...     "representative_point"]
    True
    """
    fallback_text = Message(POINT_RULE_TEXT["representative_point"])
    if "point_rule" not in units.columns:
        return fallback_text
    rules = units["point_rule"].astype(str)
    fallback = int((rules == "representative_point").sum())
    if fallback == len(rules):
        return fallback_text
    return Message(
        N_("%(pupils)s; %(fallback)s where it has none (%(n)s of %(total)s gemeenten)"),
        {
            "pupils": Message(POINT_RULE_TEXT["pupils"]),
            "fallback": fallback_text,
            "n": fallback,
            "total": len(rules),
        },
    )


@dataclass(frozen=True)
class TravelModel:
    """Distances (km) from every gemeente to every special-education location of each level."""

    units: pd.Index
    points: gpd.GeoSeries
    schools: dict[str, pd.DataFrame]
    """Per level: ``unit, swv_po, swv_vo`` of the locations serving that level."""
    dist: dict[str, np.ndarray]
    """Per level: ``units x locations`` distance matrix in km."""
    distance_name: str = "hemelsbreed"
    """The travel model's name (shown with every figure)."""
    distance_text: str = "straight line in EPSG:28992 (km)"
    """One sentence describing the travel model."""
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per level: ``pairs``, ``over_water`` (routed via land and fixed links), ``unrouted``."""

    def _nearest_by_label(self, level: str, labels: np.ndarray) -> pd.DataFrame:
        """``units x label``: distance to the nearest location of ``level`` with that label."""
        frame = pd.DataFrame(self.dist[level].T, columns=self.units)
        frame["_label"] = labels
        return frame.groupby("_label").min().T  # units x labels

    def before(self, level: str, division: Division) -> pd.Series:
        """Share-weighted distance to the nearest location in each current SWV of ``division``."""
        division = division.reindexed(self.units)
        labels = self.schools[level][f"swv_{level}"].astype(str).to_numpy()
        nearest = self._nearest_by_label(level, labels)
        nearest = nearest.reindex(columns=division.regions).fillna(np.inf)  # SWV without school
        shares = division.shares_for(f"pupils_{level}")[:, : division.n_regions].toarray()
        weight = shares.sum(axis=1)
        values = np.where(shares > 0, nearest.to_numpy(), 0.0)
        with np.errstate(invalid="ignore"):
            out = np.where(
                weight > 0, (values * shares).sum(axis=1) / np.where(weight > 0, weight, 1), np.nan
            )
        inf_any = ((shares > 0) & np.isinf(nearest.to_numpy())).any(axis=1)
        out = np.where(inf_any, np.inf, out)
        return pd.Series(out, index=self.units, name=f"{level}_before_km")

    def after(self, level: str, assignment: pd.Series) -> pd.Series:
        """Distance to the nearest location of ``level`` inside the gemeente's new SWV."""
        new = assignment.astype(str).reindex(self.units)
        school_units = self.schools[level]["unit"].astype(str)
        labels = new.reindex(school_units).fillna(NO_REGION).to_numpy()
        nearest = self._nearest_by_label(level, labels)
        cols = nearest.columns.get_indexer(new.to_numpy())
        if nearest.shape[1] == 0:
            return pd.Series(np.inf, index=self.units, name=f"{level}_after_km")
        values = nearest.to_numpy()[np.arange(len(self.units)), np.where(cols >= 0, cols, 0)]
        values = np.where(cols >= 0, values, np.inf)
        return pd.Series(values, index=self.units, name=f"{level}_after_km")

    def host_distances(self, level: str) -> pd.DataFrame:
        """``units x host units``: distance to the nearest location of ``level`` in each gemeente
        that has one (the gemeenten a new SWV can take a location from)."""
        labels = self.schools[level]["unit"].astype(str).to_numpy()
        return self._nearest_by_label(level, labels)


def travel_model(
    units: gpd.GeoDataFrame,
    special_schools: gpd.GeoDataFrame,
    points: gpd.GeoSeries | None = None,
    model: DistanceModel | None = None,
) -> TravelModel:
    """Precompute the distance matrices (``points`` default: :func:`gemeente_points`; ``model``
    default: :func:`geo.checks.distance.default_model`, water-aware)."""
    if model is None:
        model = default_model(units)
    index = pd.Index(units.index.astype(str), name="code")
    if points is None:
        points, _ = gemeente_points(units)
    points = points.to_crs(CRS_METRIC).reindex(index)
    located = special_schools[special_schools["unit"].notna()].to_crs(CRS_METRIC)
    origins = np.c_[points.x.to_numpy(), points.y.to_numpy()]
    origin_units = np.asarray(index, dtype=object)
    schools: dict[str, pd.DataFrame] = {}
    dist: dict[str, np.ndarray] = {}
    stats: dict[str, dict[str, int]] = {}
    for level in LEVELS:
        rows = located[located["type"].isin(SPECIAL_TYPES[level])]
        targets = np.c_[rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy()]
        target_units = rows["unit"].astype(str).to_numpy(dtype=object)
        ids = (  # the operator's travel table looks locations up by their DUO code
            rows["vestigingscode"].astype(str).to_numpy(dtype=object)
            if "vestigingscode" in rows
            else None
        )
        dist[level] = model.matrix(origins, targets, origin_units, target_units, ids)
        stats[level] = dict(getattr(model, "stats", {}))
        schools[level] = pd.DataFrame(
            {
                "unit": rows["unit"].astype(str).to_numpy(),
                "swv_po": rows["swv_po"].astype(str).to_numpy(),
                "swv_vo": rows["swv_vo"].astype(str).to_numpy(),
            }
        )
    return TravelModel(index, points, schools, dist, model.name, model.text, stats)


def travel_stats(distances: pd.Series, weights: pd.Series) -> dict[str, float | int]:
    """``mean`` (over gemeenten), ``weighted_mean`` (by ``weights``), ``p50``, ``p90``, ``max``
    over the finite distances, and ``n_without_location`` (gemeenten at ``inf``), in km.

    >>> travel_stats(pd.Series([1.0, 3.0, np.inf]), pd.Series([3.0, 1.0, 5.0]))["weighted_mean"]
    1.5
    """
    d = distances.to_numpy(float)
    w = weights.reindex(distances.index).fillna(0.0).to_numpy(float)
    ok = np.isfinite(d)
    if not ok.any():
        return {
            "mean": float("nan"),
            "weighted_mean": float("nan"),
            "p50": float("nan"),
            "p90": float("nan"),
            "max": float("nan"),
            "n_without_location": int((~ok).sum()),
        }
    wsum = w[ok].sum()
    return {
        "mean": round(float(d[ok].mean()), 3),
        "weighted_mean": round(float((d[ok] * w[ok]).sum() / wsum), 3) if wsum else float("nan"),
        "p50": round(float(np.percentile(d[ok], 50)), 3),
        "p90": round(float(np.percentile(d[ok], 90)), 3),
        "max": round(float(d[ok].max()), 3),
        "n_without_location": int((~ok).sum()),
    }
