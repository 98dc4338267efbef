"""Locate DUO school locations in units (point in polygon) and classify them by level.

Rule: rows are de-duplicated on ``vestigingscode`` (addresses given as a house-number range were
geocoded to several BAG addresses; the first row is kept). Each location gets the unit whose
polygon contains it; a point outside every polygon (the generalised coastline can cut off a
coastal address) goes to the nearest unit within ``max_snap_m`` and is reported; farther points
stay unlocated and are reported. Levels: ``po`` = basisschool, ``special`` = SBAO/SO/VSO/(V)SO,
``vo`` = every other DUO type (secondary, incl. PRO).

The *pupil-weighted point* of a gemeente (:func:`pupil_weighted_points`) is the mean of its
located regular (po and vo) school locations weighted by ``leerlingen``, in EPSG:28992; a gemeente
without such a school with pupils gets its polygon's representative point.

>>> level_of("SBAO"), level_of("basisschool"), level_of("VBO/MAVO")
('special', 'po', 'vo')
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import CRS_METRIC

SPECIAL_TYPES = ("SBAO", "SO", "VSO", "(V)SO")
PO_TYPES = ("basisschool",)
REGULAR_LEVELS = ("po", "vo")
"""Levels whose locations make the pupil-weighted point of a gemeente."""
POINT_RULES = ("pupils", "representative_point")
"""Values of ``point_rule``: pupil-weighted school mean, or the polygon's representative point."""


def level_of(school_type: str) -> str:
    """Education level of a DUO school type: 'po', 'vo' or 'special'."""
    if school_type in PO_TYPES:
        return "po"
    if school_type in SPECIAL_TYPES:
        return "special"
    return "vo"


def locate_schools(
    schools: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    unit_key: str = "code",
    max_snap_m: float = 2000.0,
) -> tuple[gpd.GeoDataFrame, dict[str, object]]:
    """De-duplicated schools with ``level`` and ``unit`` columns, and a report of the work done."""
    dedup = schools.drop_duplicates("vestigingscode", keep="first").copy()
    dedup["level"] = dedup["type"].map(level_of)
    pts = dedup.to_crs(CRS_METRIC)
    polys = units[[unit_key, "geometry"]].to_crs(CRS_METRIC)
    pt_idx, poly_idx = polys.sindex.query(pts.geometry.values, predicate="within")
    unit = pd.Series(pd.NA, index=np.arange(len(pts)), dtype=object)
    unit.iloc[pt_idx] = polys[unit_key].to_numpy()[poly_idx]
    outside = np.flatnonzero(unit.isna().to_numpy())
    snapped: list[dict[str, object]] = []
    unlocated: list[dict[str, object]] = []
    if len(outside):
        near_pt, near_poly = polys.sindex.nearest(
            pts.geometry.values[outside], return_all=False, return_distance=False
        )
        dist = pts.geometry.values[outside][near_pt].distance(polys.geometry.values[near_poly])
        for i, j, d in zip(outside[near_pt], near_poly, dist, strict=True):
            record = {
                "vestigingscode": dedup["vestigingscode"].iloc[i],
                "naam": dedup["naam"].iloc[i],
                "distance_m": round(float(d), 1),
            }
            if d <= max_snap_m:
                unit.iloc[i] = polys[unit_key].iloc[j]
                snapped.append({**record, "unit": polys[unit_key].iloc[j]})
            else:
                unlocated.append(record)
    dedup["unit"] = unit.to_numpy()
    report = {
        "rows": int(len(schools)),
        "duplicates_removed": int(len(schools) - len(dedup)),
        "locations": int(len(dedup)),
        "snapped_to_nearest_unit": snapped,
        "not_in_any_unit": unlocated,
        "pupils_missing": int(dedup["leerlingen"].isna().sum()),
    }
    return dedup, report


def pupil_weighted_points(units: gpd.GeoDataFrame, located_schools: pd.DataFrame) -> pd.DataFrame:
    """Per unit its pupil-weighted point: ``point_x, point_y`` (EPSG:28992 metres), ``point_rule``.

    Rule: the mean of the unit's regular school locations (``level`` po or vo, ``unit`` set,
    ``leerlingen`` > 0) weighted by ``leerlingen`` — pupils live near their schools, so this
    approximates where the unit's pupils are (``point_rule`` ``'pupils'``). A unit without such a
    school gets its polygon's representative point, always inside it (``'representative_point'``).
    ``units`` is indexed by unit code; ``located_schools`` comes from :func:`locate_schools` (any
    CRS). Special-education locations never count.

    >>> import shapely
    >>> u = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
    ...     index=pd.Index(["GM1", "GM2"], name="code"), crs="EPSG:28992")
    >>> s = gpd.GeoDataFrame({"unit": ["GM1", "GM1", "GM2"], "level": ["po", "vo", "special"],
    ...     "leerlingen": [300.0, 100.0, 50.0]},
    ...     geometry=[shapely.Point(2, 2), shapely.Point(6, 6), shapely.Point(12, 2)],
    ...     crs="EPSG:28992")
    >>> pupil_weighted_points(u, s).values.tolist()
    [[3.0, 3.0, 'pupils'], [15.0, 5.0, 'representative_point']]
    """
    index = units.index
    fallback = units.geometry.to_crs(CRS_METRIC).representative_point()
    regular = located_schools[
        located_schools["level"].isin(REGULAR_LEVELS)
        & located_schools["unit"].notna()
        & (located_schools["leerlingen"].fillna(0) > 0)
    ]
    metric = regular.geometry.to_crs(CRS_METRIC)
    weight = regular["leerlingen"].astype(float).to_numpy()
    sums = (
        pd.DataFrame(
            {
                "unit": regular["unit"].astype(str).to_numpy(),
                "w": weight,
                "wx": weight * metric.x.to_numpy(),
                "wy": weight * metric.y.to_numpy(),
            }
        )
        .groupby("unit")
        .sum()
        .reindex(index.astype(str))
    )
    has = sums["w"].notna().to_numpy()
    w = np.where(has, sums["w"].to_numpy(), 1.0)
    return pd.DataFrame(
        {
            "point_x": np.where(has, sums["wx"].to_numpy() / w, fallback.x.to_numpy()),
            "point_y": np.where(has, sums["wy"].to_numpy() / w, fallback.y.to_numpy()),
            "point_rule": np.where(has, POINT_RULES[0], POINT_RULES[1]),
        },
        index=index,
    )
