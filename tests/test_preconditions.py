"""Tests for geo.preconditions: each decorator rejects a bad layer with a named problem."""

from __future__ import annotations

import doctest
import importlib

import geopandas as gpd
import pytest
import shapely

from geo.errors import GeometryError, RepairedGeometryWarning
from geo.preconditions import (
    Arguments,
    precondition,
    require_key_columns,
    require_projected,
    require_same_crs,
    require_valid_geometry,
)


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


def test_precondition_sees_arguments_by_name_and_may_replace_them() -> None:
    seen: list[tuple[str, dict]] = []

    def doubled(function: str, arguments: Arguments) -> None:
        seen.append((function, dict(arguments)))
        arguments["b"] = 2 * arguments["b"]

    @precondition(doubled)
    def add(a: int, b: int = 10, *, c: int = 0) -> int:
        return a + b + c

    assert add(1) == 21 and add(1, 2, c=3) == 8 and add(b=5, a=1) == 11
    assert seen == [
        ("add", {"a": 1, "b": 10, "c": 0}),
        ("add", {"a": 1, "b": 2, "c": 3}),
        ("add", {"a": 1, "b": 5, "c": 0}),
    ]
    assert add.__name__ == "add"


def test_docstring_examples() -> None:
    module = importlib.import_module("geo.preconditions")
    assert doctest.testmod(module).failed == 0
