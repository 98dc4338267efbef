"""Geometry mode: the contingency table of two polygon layers by exact overlay.

For divisions that are not built from gemeenten (a planner uploads GeoJSON or GeoPackage
polygons). Rule: in one projected CRS (EPSG:28992), intersect every region a with every region b
(vectorised, via the spatial index) and

- ``weight="area"``: ``n_ab = area(a ∩ b)`` in km²; the 'no region' row/column hold the area of
  a outside every b (and of b outside every a) and the 'no region' x 'no region' cell is 0;
  with ``units`` the areas are those of ``units ∩ a ∩ b`` (ground outside every unit is left
  out) and the last cell is the unit area outside both layers;
- any other weight (a column of ``units`` or a public weight name such as ``inhabitants``):
  ``n_ab = sum_u w(u) * area(u ∩ a ∩ b) / area(u)``, i.e. each unit's weight is prorated over
  its pieces by area - this **assumes the weight is spread evenly** over the unit, which the
  result notes say.

Features sharing a key are one region (multi-part). Overlapping features within one layer are
rejected (a unit of ground would count twice), as are invalid geometries unless ``repair=True``.

>>> import geopandas as gpd, shapely
>>> a = gpd.GeoDataFrame({"k": ["A"]}, geometry=[shapely.box(0, 0, 2000, 1000)], crs="EPSG:28992")
>>> b = gpd.GeoDataFrame({"k": ["L", "R"]}, crs="EPSG:28992",
...     geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 3000, 1000)])
>>> overlay_contingency(a, b, "k", "k").table.tolist()
[[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.dataset import WEIGHTS
from geo.division import NO_REGION
from geo.errors import GeometryError
from geo.geometry.intersections import intersecting_pieces
from geo.overlap.contingency import Contingency
from geo.preconditions import (
    require_key_columns,
    require_projected,
    require_same_crs,
    require_valid_geometry,
)

OVERLAP_TOLERANCE = 1e-6
"""Overlap between two features of one layer, relative to the smaller, that is tolerated."""

_CLAMP = 1e-9  # relative size below which a negative remainder is float noise


def _labels(frame: gpd.GeoDataFrame, key: str, name: str) -> tuple[np.ndarray, pd.Index]:
    codes = frame[key].astype(str).to_numpy()
    if (codes == NO_REGION).any():
        raise GeometryError(f"{name}: key {key!r} uses the reserved code {NO_REGION!r}")
    regions = pd.Index(sorted(set(codes)), dtype=str)
    return regions.get_indexer(codes), regions


def _check_no_overlap(geoms: np.ndarray, labels: np.ndarray, name: str) -> None:
    """Raise :class:`GeometryError` naming two features of one layer that overlap."""
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j  # each pair once, not a feature with itself
    i, j = i[keep], j[keep]
    if not len(i):
        return
    shared = shapely.area(shapely.intersection(geoms[i], geoms[j]))
    smaller = np.minimum(shapely.area(geoms[i]), shapely.area(geoms[j]))
    bad = np.flatnonzero(shared > OVERLAP_TOLERANCE * smaller)
    if len(bad):
        k = bad[np.argmax(shared[bad])]
        raise GeometryError(
            f"{name}: features {labels[i[k]]!r} and {labels[j[k]]!r} overlap "
            f"({shared[k]:.6g} CRS units², {len(bad)} overlapping pair(s)); a division cannot "
            "have overlapping regions"
        )


def _metre_factor(frame: gpd.GeoDataFrame) -> float:
    """Square of the CRS unit in metres, to turn areas into m²."""
    return float(frame.crs.axis_info[0].unit_conversion_factor) ** 2


def _unit_weights(units: gpd.GeoDataFrame, weight: str) -> np.ndarray:
    column = WEIGHTS.get(weight, weight)
    if column not in units.columns:
        raise GeometryError(
            f"overlay_contingency: units have no weight field {column!r} for weight {weight!r}"
        )
    values = pd.to_numeric(units[column], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise GeometryError(
            f"overlay_contingency: unit {units.index[np.flatnonzero(bad)[0]]!r} has weight "
            f"{values[bad][0]} in field {column!r}; weights must be finite and >= 0"
        )
    return values


def _clamp(x: np.ndarray, scale: float) -> np.ndarray:
    return np.where(np.abs(x) <= _CLAMP * max(scale, 1e-300), 0.0, x)


@require_key_columns(regions_a="key_a", regions_b="key_b")
@require_same_crs("regions_a", "regions_b", "units")
@require_projected("regions_a", "regions_b", "units")
@require_valid_geometry(regions_a="key_a", regions_b="key_b", units=None)
def overlay_contingency(
    regions_a: gpd.GeoDataFrame,
    regions_b: gpd.GeoDataFrame,
    key_a: str,
    key_b: str,
    *,
    units: gpd.GeoDataFrame | None = None,
    weight: str = "area",
    repair: bool = False,
    name_a: str | None = None,
    name_b: str | None = None,
) -> Contingency:
    """Contingency table of two polygon layers by exact overlay (see the module rule).

    ``regions_a``/``regions_b``: polygons in one projected CRS with region codes in
    ``key_a``/``key_b``. ``units``: polygons with weight columns (needed for any weight but
    ``"area"``). ``repair=True`` repairs invalid geometry (with a
    :class:`~geo.errors.RepairedGeometryWarning`) instead of raising a
    :class:`~geo.errors.GeometryError`. ``name_a``/``name_b`` name the divisions in the result
    (default: the key fields).

    >>> import geopandas as gpd, shapely
    >>> u = gpd.GeoDataFrame({"inhabitants": [100.0]}, geometry=[shapely.box(0, 0, 2000, 1000)],
    ...                      crs="EPSG:28992", index=["GM1"])
    >>> a = gpd.GeoDataFrame({"k": ["A"]}, geometry=[shapely.box(0, 0, 500, 1000)], crs=u.crs)
    >>> c = overlay_contingency(a, u.assign(k="B"), "k", "k", units=u, weight="inhabitants")
    >>> c.table.tolist()
    [[25.0, 0.0], [75.0, 0.0]]
    """
    ga = regions_a.geometry.to_numpy()
    gb = regions_b.geometry.to_numpy()
    la, rows = _labels(regions_a, key_a, "regions_a")
    lb, cols = _labels(regions_b, key_b, "regions_b")
    _check_no_overlap(ga, regions_a[key_a].astype(str).to_numpy(), "regions_a")
    _check_no_overlap(gb, regions_b[key_b].astype(str).to_numpy(), "regions_b")
    shape = (len(rows) + 1, len(cols) + 1)
    table = np.zeros(shape)
    crs_name = regions_a.crs.to_string()

    # all pieces a ∩ b, vectorised through the spatial index of B
    ia, ib, pieces = intersecting_pieces(ga, gb)

    factor = _metre_factor(regions_a) / 1e6  # CRS units² -> km²
    if weight == "area" and units is None:
        np.add.at(table, (la[ia], lb[ib]), shapely.area(pieces) * factor)
        in_a = np.bincount(la, shapely.area(ga) * factor, minlength=len(rows))
        in_b = np.bincount(lb, shapely.area(gb) * factor, minlength=len(cols))
        whole = None
        notes: tuple[str, ...] = (f"Area weights (km²) from an exact overlay in {crs_name}.",)
    else:
        if units is None:
            raise GeometryError(
                f"overlay_contingency: weight {weight!r} needs units with that weight field"
            )
        gu = units.geometry.to_numpy()
        _check_no_overlap(gu, units.index.astype(str).to_numpy(), "units")
        unit_area = shapely.area(gu)
        w = unit_area * factor if weight == "area" else _unit_weights(units, weight)
        density = np.divide(w, unit_area, out=np.zeros_like(w), where=unit_area > 0)

        def prorated(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """Weight inside each geometry, prorated from the units by area (index, value)."""
            ig, iu, cut = intersecting_pieces(geoms, gu)
            return ig, shapely.area(cut) * density[iu]

        ip, part = prorated(pieces)
        np.add.at(table, (la[ia[ip]], lb[ib[ip]]), part)
        ig, part_a = prorated(ga)
        in_a = np.bincount(la[ig], part_a, minlength=len(rows))
        ig, part_b = prorated(gb)
        in_b = np.bincount(lb[ig], part_b, minlength=len(cols))
        whole = float(w.sum())
        if weight == "area":
            notes = (f"Area weights (km²) of the units, from an exact overlay in {crs_name}.",)
        else:
            notes = (
                f"Weight {weight!r} prorated from units to overlay pieces by area in "
                f"{crs_name}: this assumes each unit's weight is spread evenly over its area.",
            )

    real = table[:-1, :-1]
    scale = float(max(in_a.sum(), in_b.sum(), 0.0))
    table[:-1, -1] = np.maximum(_clamp(in_a - real.sum(axis=1), scale), 0.0)
    table[-1, :-1] = np.maximum(_clamp(in_b - real.sum(axis=0), scale), 0.0)
    if whole is not None:
        outside = whole - in_a.sum() - in_b.sum() + real.sum()
        table[-1, -1] = max(float(_clamp(np.array(outside), scale)), 0.0)
    return Contingency(
        table,
        rows.append(pd.Index([NO_REGION])),
        cols.append(pd.Index([NO_REGION])),
        name_a or key_a,
        name_b or key_b,
        {},
        {},
        notes,
    )
