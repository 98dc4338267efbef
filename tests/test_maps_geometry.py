"""Tests of maps.geometry: rounded web geometry, cached dissolved regions, split units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from fixtures.synthetic import blocks, col_bands, grid, split_unit
from geo.config import CRS_WEB
from geo.division import NO_REGION, Division
from geo.errors import GeometryError
from maps import geometry as mg


@pytest.fixture()
def units() -> gpd.GeoDataFrame:
    """A 4 x 6 grid of 1 km squares, in EPSG:4326 like the real store."""
    return grid(4, 6).to_crs(CRS_WEB)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    mg.clear_cache()


def test_web_geometry_snaps_to_grid_and_keeps_index(units: gpd.GeoDataFrame) -> None:
    web = mg.web_geometry(units)
    coords = shapely.get_coordinates(web.to_numpy())
    steps = coords / mg.PRECISION
    assert np.abs(steps - np.round(steps)).max() < 1e-6
    assert list(web.index) == list(units.index)
    assert web.crs == units.crs
    assert shapely.is_valid(web.to_numpy()).all()
    # rounding moves a border by at most half a grid step: areas change by well under 1%
    ratio = shapely.area(web.to_numpy()) / shapely.area(units.geometry.to_numpy())
    assert np.allclose(ratio, 1.0, atol=0.01)


def test_web_geometry_shared_borders_stay_shared(units: gpd.GeoDataFrame) -> None:
    web = mg.web_geometry(units).to_numpy()
    # neighbours in the grid touch along an edge and do not overlap after rounding
    left, right = web[0], web[1]
    assert shapely.intersection(left, right).length > 0
    assert shapely.area(shapely.intersection(left, right)) == pytest.approx(0.0, abs=1e-14)


def test_web_geometry_requires_wgs84(units: gpd.GeoDataFrame) -> None:
    with pytest.raises(GeometryError, match="EPSG:28992"):
        mg.web_geometry(units.to_crs("EPSG:28992"))
    with pytest.raises(GeometryError, match="no CRS"):
        mg.web_geometry(units.set_crs(None, allow_override=True))


def test_dissolve_regions_area_equals_sum_of_its_units(units: gpd.GeoDataFrame) -> None:
    web = mg.web_geometry(units)
    division = blocks(units, 2, 3, name="jeugdregio")
    regions = mg.dissolve_regions(web, division)
    assert sorted(regions.index) == sorted(division.regions)
    assignment = division.assignment()
    unit_area = shapely.area(web.to_numpy())
    for region in regions.index:
        members = (assignment == region).to_numpy()
        assert shapely.area(regions.loc[region, "geometry"]) == pytest.approx(
            unit_area[members].sum(), rel=1e-9
        )
        # a block of whole squares dissolves into one polygon without holes
        assert regions.loc[region, "geometry"].geom_type == "Polygon"
    assert regions.loc["B0_0", "name"] == division.region_names["B0_0"]


def test_dissolve_regions_is_cached_by_content_not_name(units: gpd.GeoDataFrame) -> None:
    web = mg.web_geometry(units)
    first = col_bands(units, 2, name="swv_po")
    a = mg.dissolve_regions(web, first)
    assert len(mg._REGION_CACHE) == 1
    b = mg.dissolve_regions(web, first.renamed("other name"))
    assert len(mg._REGION_CACHE) == 1, "same shares under another name must hit the cache"
    assert a.geometry.geom_equals(b.geometry).all()
    a.loc["C0", "name"] = "changed by a caller"
    assert mg.dissolve_regions(web, first).loc["C0", "name"] != "changed by a caller"
    other = col_bands(units, 3, name="swv_po")
    c = mg.dissolve_regions(web, other)
    assert len(mg._REGION_CACHE) == 2
    assert len(c) == 3


def test_dissolve_regions_leaves_out_units_mostly_in_no_region(units: gpd.GeoDataFrame) -> None:
    web = mg.web_geometry(units)
    division = split_unit(col_bands(units, 2), "GM0000", {NO_REGION: 0.75, "C0": 0.25})
    regions = mg.dissolve_regions(web, division)
    expected = shapely.area(web.to_numpy())[(division.assignment() == "C0").to_numpy()].sum()
    assert shapely.area(regions.loc["C0", "geometry"]) == pytest.approx(expected)
    assert NO_REGION not in regions.index


def test_dissolve_regions_names_a_missing_unit(units: gpd.GeoDataFrame) -> None:
    web = mg.web_geometry(units)
    partial = Division.from_assignment("d", {code: "X" for code in units.index[1:]})
    with pytest.raises(GeometryError, match="GM0000"):
        mg.dissolve_regions(web, partial)


def test_split_unit_geometry(units: gpd.GeoDataFrame) -> None:
    web = mg.web_geometry(units)
    division = split_unit(col_bands(units, 2), "GM0003", {"C0": 0.5, "C1": 0.5})
    assert list(mg.split_unit_geometry(web, division).index) == ["GM0003"]
    assert mg.split_unit_geometry(web, col_bands(units, 2)).empty


def test_fingerprints() -> None:
    units = grid(2, 2).to_crs(CRS_WEB)
    d = col_bands(units, 2)
    assert mg.division_fingerprint(d) == mg.division_fingerprint(d.renamed("x"))
    assert mg.division_fingerprint(d) != mg.division_fingerprint(col_bands(units, 1))
    moved = units.geometry.translate(0.001, 0)
    assert mg.geometry_fingerprint(units.geometry) != mg.geometry_fingerprint(moved)
    assert mg.geometry_fingerprint(units.geometry) == mg.geometry_fingerprint(units.geometry.copy())
