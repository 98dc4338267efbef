"""Tests for geo.schools."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geo.schools import level_of, locate_schools


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
