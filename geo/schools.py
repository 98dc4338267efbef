"""Locate DUO school locations in units (point in polygon) and classify them by level.

Rule: rows are de-duplicated on ``vestigingscode`` (addresses given as a house-number range were
geocoded to several BAG addresses; the first row is kept). Each location gets the unit whose
polygon contains it; a point outside every polygon (the generalised coastline can cut off a
coastal address) goes to the nearest unit within ``max_snap_m`` and is reported; farther points
stay unlocated and are reported. Levels: ``po`` = basisschool, ``special`` = SBAO/SO/VSO/(V)SO,
``vo`` = every other DUO type (secondary, incl. PRO).

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
