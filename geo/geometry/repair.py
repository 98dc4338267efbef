"""Repair invalid geometries before any overlay, and say which ones were repaired.

Rule: a geometry that ``shapely.is_valid`` rejects is replaced by ``shapely.make_valid``, keeping
only its polygonal parts (:func:`geo.preconditions.make_valid_polygonal`, shared with the
``repair=True`` precondition); every repaired feature is listed (with ``is_valid_reason``) in a
:class:`RepairedGeometryWarning` and in the returned report.

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
from geo.preconditions import POLYGONAL_TYPES, make_valid_polygonal

__all__ = ["POLYGONAL_TYPES", "make_valid_polygonal", "repair"]


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
