"""The shared border lines the editor draws region borders with (maps/borders.py).

Checked against independent computations: the pairs against a per-pair shapely intersection
of the polygons over the queen adjacency of ``geo.adjacency``, and the lengths against the
boundaries of the regions dissolved with a coverage union (every interior region border is
the border of exactly two regions, the outline of the country belongs to one).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from fixtures.synthetic import blocks, grid, synthetic_dataset
from geo.adjacency import queen_adjacency
from geo.config import CRS_METRIC, CRS_WEB
from geo.division import NO_REGION, Division
from geo.errors import GeometryError
from maps.borders import unit_borders
from maps.geometry import web_geometry


def queen_pairs(units: gpd.GeoDataFrame) -> set[tuple[str, str]]:
    adjacency, _ = queen_adjacency(units, link_islands=False)
    return {(a, b) for a, ns in adjacency.items() for b in ns if a < b}


def sharing_a_line(geometry: gpd.GeoSeries, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The pairs whose polygons share a border of positive length, one pair at a time."""
    out = set()
    for a, b in pairs:
        if shapely.intersection(geometry[a], geometry[b]).length > 0:
            out.add((a, b))
    return out


def interior_border_length(geometry: gpd.GeoSeries, division: Division) -> float:
    """Length of the borders between different regions: (sum of the region outlines minus the
    outline of the whole) / 2, from a coverage dissolve (largest share, like the editor)."""
    region = division.assignment().reindex(geometry.index)
    frame = gpd.GeoDataFrame({"region": region.to_numpy()}, geometry=geometry.values)
    frame = frame.set_crs(geometry.crs)
    outlines = shapely.length(frame.dissolve(by="region", method="coverage").boundary.values)
    whole = shapely.length(shapely.coverage_union_all(geometry.values).boundary)
    return float((outlines.sum() - whole) / 2)


def check_borders(geometry: gpd.GeoSeries, division: Division) -> gpd.GeoDataFrame:
    units = gpd.GeoDataFrame(geometry=geometry)
    queen = queen_pairs(units)
    borders = unit_borders(geometry, queen)
    got = set(zip(borders["a"], borders["b"], strict=True))
    # exactly the queen pairs that share a line (corner contacts get none), each once
    assert got == sharing_a_line(geometry, queen)
    assert len(got) == len(borders) and (borders["a"] < borders["b"]).all()
    # lines, not polygons or points; in the web CRS
    assert set(borders.geom_type) <= {"LineString", "MultiLineString"}
    assert borders.crs == CRS_WEB
    # every neighbouring pair in different regions has a line, and together those lines are
    # exactly the interior region borders
    region = division.assignment()
    differ = borders[region[borders["a"]].to_numpy() != region[borders["b"]].to_numpy()]
    for a, b in queen & sharing_a_line(geometry, queen):
        if region[a] != region[b]:
            assert ((differ["a"] == a) & (differ["b"] == b)).any()
    same_crs = differ.to_crs(geometry.crs) if geometry.crs != CRS_WEB else differ
    assert float(shapely.length(same_crs.geometry.values).sum()) == pytest.approx(
        interior_border_length(geometry, division), rel=1e-9
    )
    return borders


def test_grid_borders_in_metres_come_back_in_degrees() -> None:
    units = grid(4, 5)
    division = blocks(units, 2, 2, name="blocks")
    borders = check_borders(units.geometry, division)
    # 4 x 5 grid: 4 * 4 horizontal + 3 * 5 vertical shared edges of 1 km; diagonals touch
    # in a corner only and get no line
    assert len(borders) == 31
    lengths = borders.to_crs(CRS_METRIC).length.to_numpy()
    assert np.allclose(lengths, 1000.0, rtol=1e-9)


def test_synthetic_dataset_with_a_split_unit() -> None:
    dataset = synthetic_dataset()
    division = dataset.divisions["swv_po"]
    assert division.split_units() == ["GM0000"]  # half in no region; largest share: C0
    assert division.assignment()["GM0000"] in {"C0", NO_REGION}
    geometry = web_geometry(dataset.units.geometry)
    for name in ("swv_po", "jeugdregio"):
        check_borders(geometry, dataset.divisions[name])


def test_pairs_are_normalised_and_unknown_units_refused() -> None:
    units = grid(1, 3)
    same = unit_borders(units.geometry, [("GM0001", "GM0000"), ("GM0000", "GM0001")])
    assert same[["a", "b"]].values.tolist() == [["GM0000", "GM0001"]]
    assert len(unit_borders(units.geometry, [])) == 0
    with pytest.raises(GeometryError, match="GM9999"):
        unit_borders(units.geometry, [("GM0000", "GM9999")])
    with pytest.raises(GeometryError, match="no CRS"):
        unit_borders(units.geometry.set_crs(None, allow_override=True), [])


@pytest.mark.integration
def test_real_gemeenten_borders(dataset) -> None:
    geometry = web_geometry(dataset.units.geometry)
    for name in ("swv_po", "jeugdregio"):
        borders = check_borders(geometry, dataset.divisions[name])
    assert len(borders) > 800  # 342 gemeenten, about 2.5 shared borders each
    assert ((borders["a"] == "GM0753") & (borders["b"] == "GM0772")).any()  # Best|Eindhoven
