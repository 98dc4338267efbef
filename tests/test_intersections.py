"""Tests for geo.geometry.intersections (checked against geopandas.overlay)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.errors import GeometryError
from geo.geometry.intersections import intersections


def layer(codes: list[str], geoms: list, crs: str = "EPSG:28992") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=crs)


def test_matches_geopandas_overlay() -> None:
    src = layer(["a", "b"], [shapely.box(0, 0, 3, 2), shapely.box(3, 0, 5, 2)])
    # a region with a hole, and a region filling the hole
    ring = shapely.box(0, 0, 5, 2).difference(shapely.box(1, 0.5, 2, 1.5))
    tgt = layer(["ring", "hole"], [ring, shapely.box(1, 0.5, 2, 1.5)])
    got = intersections(src, tgt).set_index(["source", "target"])["area"]
    ov = gpd.overlay(src, tgt, how="intersection")
    expected = ov.assign(area=ov.area).groupby(["code_1", "code_2"])["area"].sum()
    assert sorted(got.index) == sorted(expected.index)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12)
    shares = intersections(src, tgt).groupby("source")["share"].sum()
    assert shares.to_dict() == pytest.approx({"a": 1.0, "b": 1.0})


def test_rejects_geographic_and_mismatched_crs() -> None:
    a = layer(["a"], [shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
    with pytest.raises(GeometryError, match="not projected"):
        intersections(a, a)
    b = layer(["b"], [shapely.box(0, 0, 1, 1)])
    with pytest.raises(GeometryError, match="CRS differ"):
        intersections(a, b)
