"""Tests for geo.overlap.preconditions: each decorator rejects bad input with a named problem."""

from __future__ import annotations

import doctest
import importlib

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.division import Division
from geo.errors import DivisionError, GeometryError, RepairedGeometryWarning
from geo.overlap.preconditions import (
    aligned_weights,
    require_key_columns,
    require_projected,
    require_same_crs,
    require_same_units,
    require_valid_geometry,
)


@require_same_units("a", "b")
def units_of(a: Division, b: Division) -> tuple[list[str], list[str]]:
    return list(a.units), list(b.units)


@require_key_columns(frame="key")
@require_same_crs("frame", "other")
@require_projected("frame", "other")
@require_valid_geometry(frame="key", other=None)
def checked(
    frame: gpd.GeoDataFrame, key: str, other: gpd.GeoDataFrame | None = None, repair: bool = False
) -> gpd.GeoDataFrame:
    return frame


def square(code: str = "X", crs: str | None = "EPSG:28992") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"k": [code]}, geometry=[shapely.box(0, 0, 10, 10)], crs=crs)


def test_same_units_reorders_the_second_division() -> None:
    a = Division.from_assignment("a", {"x": "A", "y": "A", "z": "B"})
    b = Division.from_assignment("b", {"z": "C", "x": "C", "y": "D"})
    assert units_of(a, b) == (["x", "y", "z"], ["x", "y", "z"])
    c = Division.from_assignment("c", {"x": "A", "q": "A", "z": "B"})
    with pytest.raises(DivisionError, match=r"only in 'a': \['y'\].*only in 'c': \['q'\]"):
        units_of(a, c)


def test_aligned_weights_checks_every_unit() -> None:
    d = Division.from_assignment("d", {"x": "A", "y": "B"})
    assert aligned_weights(d, pd.Series({"y": 2, "x": 1, "extra": 5})).tolist() == [1.0, 2.0]
    with pytest.raises(DivisionError, match="'y' is missing"):
        aligned_weights(d, pd.Series({"x": 1.0}))
    with pytest.raises(DivisionError, match="'x' is not a finite number"):
        aligned_weights(d, pd.Series({"x": "many", "y": 1.0}))
    with pytest.raises(DivisionError, match="'y' has negative weight"):
        aligned_weights(d, pd.Series({"x": 1.0, "y": -2.0}))


def test_crs_checks() -> None:
    assert checked(square(), "k", other=None) is not None
    with pytest.raises(GeometryError, match="frame has no CRS"):
        checked(square(crs=None), "k")
    with pytest.raises(GeometryError, match="EPSG:4326, which is not projected"):
        checked(square(crs="EPSG:4326"), "k")
    with pytest.raises(GeometryError, match=r"other \(EPSG:3035\) differs from frame"):
        checked(square(), "k", other=square(crs="EPSG:3035"))


def test_key_and_validity_checks() -> None:
    with pytest.raises(GeometryError, match="frame has no key field 'code'"):
        checked(square(), "code")
    bowtie = gpd.GeoDataFrame(
        {"k": ["BOW"]},
        geometry=[shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])],
        crs="EPSG:28992",
    )
    with pytest.raises(GeometryError, match=r"BOW \(Self-intersection"):
        checked(bowtie, "k")
    with pytest.warns(RepairedGeometryWarning, match="repaired 1 invalid geometry.*BOW"):
        fixed = checked(bowtie, "k", repair=True)
    assert fixed.is_valid.all() and fixed.area.iloc[0] == pytest.approx(0.5)
    assert not bowtie.is_valid.all()  # the caller's frame is left alone


def test_docstring_examples() -> None:
    module = importlib.import_module("geo.overlap.preconditions")
    assert doctest.testmod(module).failed == 0
