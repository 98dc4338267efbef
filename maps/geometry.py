"""Light web geometry shared between all map layers: rounded once, dissolved once, cached.

Every layer of a map (gemeenten, region borders of each division, split gemeenten) is drawn from
the same unit geometry, rounded to a grid of ``PRECISION`` degrees (1e-5 ° ≈ 1 m, far below what
the already simplified CBS boundaries resolve). Region layers are dissolved from that geometry
with a coverage union, so borders of different layers coincide exactly, and cached by the
fingerprint of the geometry and of the division's assignment: the next request for the same
scenario costs a dictionary lookup.

>>> import geopandas as gpd, shapely
>>> units = gpd.GeoDataFrame(
...     {"name": ["a", "b"]},
...     geometry=[shapely.box(5.0, 52.0, 5.1, 52.1), shapely.box(5.1, 52.0, 5.2, 52.1)],
...     index=["GM1", "GM2"], crs="EPSG:4326")
>>> both_in_r = Division.from_assignment("d", {"GM1": "R", "GM2": "R"})
>>> regions = dissolve_regions(web_geometry(units), both_in_r)
>>> list(regions.index), regions.geometry.iloc[0].geom_type
(['R'], 'Polygon')
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import CRS_WEB
from geo.division import NO_REGION, Division
from geo.errors import GeometryError

PRECISION = 1e-5
"""Grid size in degrees for web geometry (≈ 1 m; the CBS files are generalised far coarser)."""

CACHE_SIZE = 64
"""Number of dissolved region layers kept in memory (a few scenarios x divisions)."""

F = TypeVar("F", bound=Callable[..., Any])


def require_web_crs(func: F) -> F:
    """Precondition: the first argument is a GeoSeries/GeoDataFrame in EPSG:4326 (web maps)."""

    @functools.wraps(func)
    def wrapper(geometry: gpd.GeoSeries | gpd.GeoDataFrame, /, *args: Any, **kwargs: Any) -> Any:
        if geometry.crs is None:
            raise GeometryError(f"{func.__name__}: geometry has no CRS; expected {CRS_WEB}")
        if geometry.crs != CRS_WEB:
            raise GeometryError(
                f"{func.__name__}: geometry is in {geometry.crs.to_string()}, expected {CRS_WEB}; "
                "reproject with .to_crs('EPSG:4326') first"
            )
        return func(geometry, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _fingerprint(*parts: bytes) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def geometry_fingerprint(geometry: gpd.GeoSeries) -> str:
    """A hash of the index and WKB of ``geometry`` (identical geometry -> identical key)."""
    index = "\x1f".join(map(str, geometry.index)).encode()
    wkb = b"".join(shapely.to_wkb(np.asarray(geometry.values), hex=False))
    return _fingerprint(index, wkb)


def division_fingerprint(division: Division) -> str:
    """A hash of the division's units, region codes and shares (its name is irrelevant)."""
    shares = division.shares.tocsr()
    return _fingerprint(
        "\x1f".join(division.units).encode(),
        "\x1f".join(division.columns).encode(),
        np.ascontiguousarray(shares.indptr, dtype=np.int64).tobytes(),
        np.ascontiguousarray(shares.indices, dtype=np.int64).tobytes(),
        np.round(np.asarray(shares.data, dtype=float), 12).tobytes(),
    )


_WEB_CACHE: OrderedDict[str, gpd.GeoSeries] = OrderedDict()


@require_web_crs
def web_geometry(units: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoSeries:
    """Unit geometry for web maps: rounded to a ``PRECISION``-degree grid and valid.

    Rule: coordinates snap to a 1e-5 ° grid (``shapely.set_precision``, which also keeps the
    result valid); shared borders stay shared because both neighbours snap identically. The
    result is cached per geometry fingerprint, so every layer and request reuses one copy.

    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoSeries([shapely.box(5.000001, 52.0, 5.1, 52.1)], index=["GM1"], crs="EPSG:4326")
    >>> web_geometry(g).iloc[0].bounds
    (5.0, 52.0, 5.1, 52.1)
    """
    series = units.geometry if isinstance(units, gpd.GeoDataFrame) else units
    key = geometry_fingerprint(series)
    cached = _WEB_CACHE.get(key)
    if cached is None:
        rounded = shapely.set_precision(np.asarray(series.values), PRECISION, mode="valid_output")
        bad = ~shapely.is_valid(rounded)
        if bad.any():
            rounded[bad] = shapely.make_valid(rounded[bad])
        cached = gpd.GeoSeries(rounded, index=series.index.astype(str), crs=CRS_WEB)
        _WEB_CACHE[key] = cached
        while len(_WEB_CACHE) > 8:
            _WEB_CACHE.popitem(last=False)
    return cached.copy()


_REGION_CACHE: OrderedDict[tuple[str, str], gpd.GeoDataFrame] = OrderedDict()


@require_web_crs
def dissolve_regions(geometry: gpd.GeoSeries, division: Division) -> gpd.GeoDataFrame:
    """One polygon per region of ``division``, dissolved from ``geometry`` (index = region code).

    Rule: each unit goes whole to its region with the largest share (``Division.assignment``);
    units whose largest share is in no region are left out; split units are marked separately by
    :func:`split_unit_geometry`. Columns ``name`` (region name) and ``geometry``. Results are
    cached per (geometry, division) fingerprint, so a region layer is dissolved once.

    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], index=["a", "b"],
    ...                   crs="EPSG:4326")
    >>> d = Division.from_assignment("d", {"a": "X", "b": "X"}, region_names={"X": "Ex"})
    >>> dissolve_regions(g, d).loc["X", "name"]
    'Ex'
    """
    key = (geometry_fingerprint(geometry), division_fingerprint(division))
    cached = _REGION_CACHE.get(key)
    if cached is not None:
        _REGION_CACHE.move_to_end(key)
        return cached.copy()
    assignment = division.assignment().reindex(geometry.index)
    missing = assignment.index[assignment.isna()]
    if len(missing):
        raise GeometryError(
            f"division {division.name!r} has no unit {missing[0]!r} of the map geometry "
            f"({len(missing)} unit(s) missing)"
        )
    frame = gpd.GeoDataFrame(
        {"region": assignment.astype(str).to_numpy()},
        geometry=geometry.to_numpy(),
        crs=geometry.crs,
    )
    frame = frame[frame["region"] != NO_REGION]
    try:
        regions = frame.dissolve(by="region", method="coverage")
    except Exception:  # pragma: no cover - only for geometry that is not a clean coverage
        regions = frame.dissolve(by="region", method="unary", grid_size=PRECISION)
    regions["name"] = [division.region_names.get(code, code) for code in regions.index]
    regions = regions[["name", "geometry"]]
    _REGION_CACHE[key] = regions
    while len(_REGION_CACHE) > CACHE_SIZE:
        _REGION_CACHE.popitem(last=False)
    return regions.copy()


@require_web_crs
def split_unit_geometry(geometry: gpd.GeoSeries, division: Division) -> gpd.GeoSeries:
    """Geometry of the units that ``division`` splits (a share in more than one column).

    >>> import geopandas as gpd, pandas as pd, shapely
    >>> g = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], index=["a", "b"],
    ...                   crs="EPSG:4326")
    >>> m = pd.DataFrame({"unit": ["a", "b", "b"], "region": ["X", "X", "Y"], "share": [1, .5, .5]})
    >>> list(split_unit_geometry(g, Division.from_membership("d", m)).index)
    ['b']
    """
    split = [unit for unit in division.split_units() if unit in geometry.index]
    return geometry.loc[split]


def feature_collection(
    geometry: gpd.GeoSeries, properties: pd.DataFrame | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection dict: feature ids from the index, geometry written by GEOS.

    Rule: geometry is serialised in one vectorised call (``shapely.to_geojson``); features
    whose geometry is missing or empty are left out; ``properties`` (same index) become each
    feature's properties (values must be JSON-serialisable). No per-feature bbox.

    >>> g = gpd.GeoSeries([shapely.Point(5.1, 52.0), None], index=["a", "b"], crs="EPSG:4326")
    >>> fc = feature_collection(g, pd.DataFrame({"n": ["x", "y"]}, index=["a", "b"]))
    >>> [(f["id"], f["properties"], f["geometry"]["coordinates"]) for f in fc["features"]]
    [('a', {'n': 'x'}, [5.1, 52.0])]
    """
    geoms = np.asarray(geometry.to_numpy())
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    texts = shapely.to_geojson(geoms[keep])
    ids = [str(i) for i in geometry.index[keep]]
    if properties is None:
        records: list[dict[str, Any]] = [{} for _ in ids]
    else:
        records = properties.loc[geometry.index[keep]].to_dict(orient="records")
    features = [
        {"type": "Feature", "id": i, "properties": p, "geometry": json.loads(text)}
        for i, p, text in zip(ids, records, texts, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def clear_cache() -> None:
    """Forget all cached web geometry and dissolved region layers."""
    _REGION_CACHE.clear()
    _WEB_CACHE.clear()
