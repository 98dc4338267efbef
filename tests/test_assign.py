"""Tests for geo.geometry.assign."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.errors import GeometryError, LowOverlapWarning
from geo.geometry.assign import assign


def layer(codes: list[str], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs="EPSG:28992")


def test_unit_covering_two_regions_goes_to_largest_and_is_reported() -> None:
    units = layer(["u1", "u2"], [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 3, 1)])
    regions = layer(["A", "B"], [shapely.box(0, 0, 0.6, 1), shapely.box(0.6, 0, 3, 1)])
    with pytest.warns(LowOverlapWarning, match="u1→A"):
        assignment, low = assign(units, regions)
    assert assignment.to_dict() == {"u1": "A", "u2": "B"}
    assert low.set_index("unit")["share"].to_dict() == pytest.approx({"u1": 0.6})


def test_region_with_hole() -> None:
    donut = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))
    units = layer(["inner", "outer"], [shapely.box(1, 1, 2, 2), shapely.box(0, 0, 1, 3)])
    regions = layer(["DONUT", "HOLE"], [donut, shapely.box(1, 1, 2, 2)])
    assignment, low = assign(units, regions, warn=False)
    assert assignment.to_dict() == {"inner": "HOLE", "outer": "DONUT"}
    assert low.empty


def test_unit_outside_every_region_raises() -> None:
    units = layer(["far"], [shapely.box(10, 10, 11, 11)])
    regions = layer(["A"], [shapely.box(0, 0, 1, 1)])
    with pytest.raises(GeometryError, match="far"):
        assign(units, regions)
