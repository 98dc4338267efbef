"""Pairwise intersections of two polygon layers (vectorised, no Python geometry loop).

The one overlay routine of the code base: :func:`intersecting_pieces` finds every intersecting
pair through a spatial index and cuts the pieces; :func:`intersections` tabulates their areas
(crosswalk, assignment by largest overlap), :func:`geo.overlap.geometry.overlay_contingency`
weighs them (geometry-mode scoring).

Rule of :func:`intersections`: for every pair (s, t) of a source and a target polygon that
intersect, the area of ``s ∩ t`` in the layers' (projected) CRS, and ``share`` = that area /
area(s).

>>> import geopandas as gpd, shapely
>>> s = gpd.GeoDataFrame({"code": ["a"]}, geometry=[shapely.box(0, 0, 2, 1)], crs="EPSG:28992")
>>> t = gpd.GeoDataFrame({"code": ["L", "R"]},
...     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs="EPSG:28992")
>>> intersections(s, t)[["source", "target", "share"]].to_dict("records")
[{'source': 'a', 'target': 'L', 'share': 0.5}, {'source': 'a', 'target': 'R', 'share': 0.5}]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.preconditions import require_projected, require_same_crs


def intersecting_pieces(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(ia, ib, pieces)``: every pair ``a[ia[k]]``, ``b[ib[k]]`` that intersects, and
    ``pieces[k]`` = their intersection (arrays of shapely geometries, any CRS, one for both).

    >>> ia, ib, pieces = intersecting_pieces(
    ...     np.array([shapely.box(0, 0, 2, 1)]),
    ...     np.array([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)]))
    >>> ia.tolist(), ib.tolist(), shapely.area(pieces).tolist()
    ([0], [0], [1.0])
    """
    ia, ib = shapely.STRtree(b).query(a, predicate="intersects")
    return ia, ib, shapely.intersection(a[ia], b[ib])


@require_same_crs("source", "target")
@require_projected("source", "target")
def intersections(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    source_key: str = "code",
    target_key: str = "code",
) -> pd.DataFrame:
    """Table ``source, target, area, share`` of all intersecting pairs with positive area."""
    src_geoms = source.geometry.to_numpy()
    src_idx, tgt_idx, pieces = intersecting_pieces(src_geoms, target.geometry.to_numpy())
    area = shapely.area(pieces)
    src_area = shapely.area(src_geoms)[src_idx]
    keep = area > 0
    out = pd.DataFrame(
        {
            "source": source[source_key].to_numpy()[src_idx][keep],
            "target": target[target_key].to_numpy()[tgt_idx][keep],
            "area": area[keep],
            "share": np.where(src_area[keep] > 0, area[keep] / src_area[keep], 0.0),
        }
    )
    return out.sort_values(["source", "target"], ignore_index=True)
