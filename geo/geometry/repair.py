"""Repair invalid geometries before any overlay, and say which ones were repaired.

Rule: a geometry that ``shapely.is_valid`` rejects is replaced by ``shapely.make_valid``, keeping
only its polygonal parts (:func:`make_valid_polygonal`); every repaired feature is listed (with
``is_valid_reason``) in a :class:`RepairedGeometryWarning` and in the returned report.

>>> import geopandas as gpd, shapely
>>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
>>> gdf = gpd.GeoDataFrame({"code": ["X"]}, geometry=[bowtie])
>>> fixed, report = repair(gdf, key="code", warn=False)
>>> bool(fixed.is_valid.all()), report[0]["code"]
(True, 'X')
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import RepairedGeometryWarning

POLYGONAL_TYPES = (3, 6)
"""shapely type ids of Polygon and MultiPolygon."""


def make_valid_polygonal(geoms: np.ndarray) -> np.ndarray:
    """``shapely.make_valid`` of each geometry, keeping only its polygonal parts.

    ``make_valid`` may return a collection with lines or points next to the polygons (the
    collapsed parts of a ring); those are dropped and the polygonal parts united.

    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> [g.geom_type for g in make_valid_polygonal(np.array([bowtie]))]
    ['MultiPolygon']
    """
    fixed = shapely.make_valid(np.asarray(geoms, dtype=object))
    parts, owner = shapely.get_parts(fixed, return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), POLYGONAL_TYPES)
    out = np.empty(len(fixed), dtype=object)
    for i in range(len(fixed)):  # a handful of repaired features; no vectorised grouped union
        out[i] = shapely.union_all(parts[polygonal & (owner == i)])
    return out


def repair(
    frame: gpd.GeoDataFrame, key: str = "code", *, source: str = "", warn: bool = True
) -> tuple[gpd.GeoDataFrame, list[dict[str, str]]]:
    """Make every geometry valid (polygonal parts only); return the frame and a repair report."""
    geoms = frame.geometry.values
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return frame, []
    reasons = shapely.is_valid_reason(geoms[invalid])
    out = frame.copy()
    new_geoms = np.array(out.geometry.values, dtype=object)
    new_geoms[np.flatnonzero(invalid)] = make_valid_polygonal(geoms[invalid])
    out = out.set_geometry(gpd.array.from_shapely(new_geoms, crs=frame.crs))
    report = [
        {key: str(code), "reason": str(reason), "source": source}
        for code, reason in zip(frame.loc[invalid, key], reasons, strict=True)
    ]
    if warn:
        warnings.warn(
            f"{source or 'geometries'}: repaired {len(report)} invalid geometr"
            f"{'y' if len(report) == 1 else 'ies'}: "
            + "; ".join(f"{r[key]} ({r['reason']})" for r in report),
            RepairedGeometryWarning,
            stacklevel=2,
        )
    return out, report
