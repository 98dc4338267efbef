"""Shared border lines between neighbouring units, for drawing a division's region borders.

The map editor colours gemeenten by region and draws a thick line wherever two neighbouring
gemeenten lie in different regions (as Districtr does). It gets every shared gemeente border
once, as a line with the two gemeente codes, and shows or hides each line after every edit;
the geometry never has to be dissolved again.

Rule: for each neighbouring pair ``(a, b)`` (``a < b``) the border is the line part of the
intersection of the two units' boundaries (``shapely.intersection`` over all pairs at once);
pairs that touch only in a point (queen contiguity at a corner) or not at all (island links)
get no line. Lines are merged per pair and returned in EPSG:4326. Pass geometry that is
already rounded for the web (:func:`maps.geometry.web_geometry`) so the lines lie exactly on
the drawn polygon edges.

>>> import geopandas as gpd, shapely
>>> g = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 1, 3, 2)],
...                   index=["a", "b", "c"], crs="EPSG:4326")
>>> borders = unit_borders(g, [("a", "b"), ("b", "c")])
>>> borders[["a", "b"]].values.tolist(), borders.geometry.iloc[0].wkt
([['a', 'b']], 'LINESTRING (1 0, 1 1)')
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import CRS_WEB
from geo.errors import GeometryError

LINE_TYPES = (shapely.GeometryType.LINESTRING, shapely.GeometryType.LINEARRING)


def unit_borders(
    geometry: gpd.GeoSeries | gpd.GeoDataFrame, pairs: Iterable[tuple[str, str]]
) -> gpd.GeoDataFrame:
    """The shared border line of every pair in ``pairs`` that shares one: columns ``a``, ``b``
    (``a < b``, unit codes) and ``geometry`` (LineString or MultiLineString, EPSG:4326).

    Pairs are deduplicated and ordered (``(b, a)`` is ``(a, b)``); pairs naming a unit that is
    not in ``geometry`` raise :class:`GeometryError`.

    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2)], index=["a", "b"],
    ...                   crs="EPSG:4326")
    >>> len(unit_borders(g, [("b", "a")]))  # corner contact only: no line
    0
    """
    series = geometry.geometry if isinstance(geometry, gpd.GeoDataFrame) else geometry
    if series.crs is None:
        raise GeometryError(f"unit_borders: geometry has no CRS; expected e.g. {CRS_WEB}")
    codes = pd.Index(series.index.astype(str))
    frame = pd.DataFrame(list(pairs), columns=["a", "b"], dtype=str)
    low = np.minimum(frame["a"].to_numpy(), frame["b"].to_numpy())
    high = np.maximum(frame["a"].to_numpy(), frame["b"].to_numpy())
    frame = pd.DataFrame({"a": low, "b": high})
    frame = frame[frame["a"] != frame["b"]].drop_duplicates().sort_values(["a", "b"])
    i, j = codes.get_indexer(frame["a"]), codes.get_indexer(frame["b"])
    missing = np.concatenate([frame["a"].to_numpy()[i < 0], frame["b"].to_numpy()[j < 0]])
    if len(missing):
        raise GeometryError(
            f"unit_borders: unit {missing[0]!r} of the pairs has no geometry "
            f"({len(set(missing))} unit(s) missing)"
        )
    boundary = shapely.boundary(np.asarray(series.values))
    shared = shapely.intersection(boundary[i], boundary[j])
    parts, owner = shapely.get_parts(shared, return_index=True)
    is_line = np.isin(shapely.get_type_id(parts), LINE_TYPES) & (shapely.length(parts) > 0)
    parts, owner = parts[is_line], owner[is_line]
    kept, slot = np.unique(owner, return_inverse=True)
    lines = shapely.line_merge(shapely.multilinestrings(parts, indices=slot))
    out = gpd.GeoDataFrame(
        {"a": frame["a"].to_numpy()[kept], "b": frame["b"].to_numpy()[kept]},
        geometry=gpd.GeoSeries(lines, crs=series.crs),
    )
    return out.to_crs(CRS_WEB) if out.crs != CRS_WEB else out
