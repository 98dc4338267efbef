"""Pairwise intersection areas between two polygon layers (vectorised, no Python geometry loop).

Rule: for every pair (s, t) of a source and a target polygon that intersect, the area of
``s ∩ t`` in the layers' (projected) CRS, and ``share`` = that area / area(s).

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


@require_same_crs("source", "target")
@require_projected("source", "target")
def intersections(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    source_key: str = "code",
    target_key: str = "code",
) -> pd.DataFrame:
    """Table ``source, target, area, share`` of all intersecting pairs with positive area."""
    src_geoms = source.geometry.values
    tgt_geoms = target.geometry.values
    src_idx, tgt_idx = target.sindex.query(src_geoms, predicate="intersects")
    pieces = shapely.intersection(src_geoms[src_idx], tgt_geoms[tgt_idx])
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
