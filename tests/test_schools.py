"""Tests for geo.data.schools."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo.data.schools import level_of, locate_schools, pupil_weighted_points


def test_locate_dedupes_snaps_and_reports() -> None:
    units = gpd.GeoDataFrame(
        {"code": ["A", "B"]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
        crs="EPSG:28992",
    )
    pts = [
        shapely.Point(500, 500),
        shapely.Point(500, 510),
        shapely.Point(1500, 500),
        shapely.Point(1500, 1100),
        shapely.Point(9000, 9000),
    ]
    schools = gpd.GeoDataFrame(
        {
            "vestigingscode": ["01AA00", "01AA00", "02BB00", "03CC00", "04DD00"],
            "naam": list("abcde"),
            "type": ["basisschool", "basisschool", "SO", "VWO", "VSO"],
            "leerlingen": [100.0, 100.0, 50.0, None, 10.0],
        },
        geometry=pts,
        crs="EPSG:28992",
    )
    located, report = locate_schools(schools, units)
    assert report["duplicates_removed"] == 1
    unit = located.set_index("vestigingscode")["unit"]
    assert unit[["01AA00", "02BB00", "03CC00"]].tolist() == ["A", "B", "B"]
    assert pd.isna(unit["04DD00"])
    assert [r["vestigingscode"] for r in report["snapped_to_nearest_unit"]] == ["03CC00"]
    assert [r["vestigingscode"] for r in report["not_in_any_unit"]] == ["04DD00"]
    assert report["pupils_missing"] == 1
    assert located.set_index("vestigingscode")["level"].to_dict() == {
        "01AA00": "po",
        "02BB00": "special",
        "03CC00": "vo",
        "04DD00": "special",
    }


def test_levels() -> None:
    assert [level_of(t) for t in ["(V)SO", "SBAO", "PRO", "BRUGJAAR"]] == [
        "special",
        "special",
        "vo",
        "vo",
    ]


def test_pupil_weighted_points_mean_of_regular_schools_else_representative_point() -> None:
    # three 10 km squares in RD New, given to the function in EPSG:4326 like the store build
    boxes = [shapely.box(x, 450_000, x + 10_000, 460_000) for x in (150_000, 160_000, 170_000)]
    units = gpd.GeoDataFrame(
        geometry=boxes, index=pd.Index(["GM1", "GM2", "GM3"], name="code"), crs="EPSG:28992"
    ).to_crs("EPSG:4326")
    rd = [(152_000, 451_000), (158_000, 459_000), (151_000, 459_000), (165_000, 455_000)]
    rd += [(161_000, 451_000), (175_000, 455_000), (176_000, 456_000)]
    to_web = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    schools = gpd.GeoDataFrame(
        {
            "unit": ["GM1", "GM1", "GM1", "GM2", "GM2", "GM3", None],
            "level": ["po", "vo", "special", "po", "po", "vo", "po"],
            "leerlingen": [300.0, 100.0, 5000.0, np.nan, 0.0, 0.0, 800.0],
        },
        geometry=[shapely.Point(*to_web.transform(x, y)) for x, y in rd],
        crs="EPSG:4326",
    )
    points = pupil_weighted_points(units, schools)
    assert list(points.columns) == ["point_x", "point_y", "point_rule"]
    assert points["point_rule"].tolist() == [
        "pupils",
        "representative_point",
        "representative_point",
    ]
    # GM1: the special school and the unlocated one do not count -> (3 * A + 1 * B) / 4
    assert points.loc["GM1", "point_x"] == pytest.approx((3 * 152_000 + 158_000) / 4, abs=1e-3)
    assert points.loc["GM1", "point_y"] == pytest.approx((3 * 451_000 + 459_000) / 4, abs=1e-3)
    # GM2 and GM3 have no school with pupils: a point inside their own square
    for code, box in zip(["GM2", "GM3"], boxes[1:], strict=True):
        inside = shapely.Point(points.loc[code, "point_x"], points.loc[code, "point_y"])
        assert box.contains(inside), code
