"""Tests for geo.geometry.repair."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.errors import RepairedGeometryWarning
from geo.geometry.repair import make_valid_polygonal, repair


def test_repairs_bowtie_and_names_it() -> None:
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    frame = gpd.GeoDataFrame({"code": ["ok", "bad"]}, geometry=[shapely.box(5, 5, 6, 6), bowtie])
    with pytest.warns(RepairedGeometryWarning, match="bad"):
        fixed, report = repair(frame, source="test.topojson")
    assert fixed.is_valid.all()
    assert [r["code"] for r in report] == ["bad"]
    assert "Self-intersection" in report[0]["reason"]
    assert fixed.area.iloc[1] == pytest.approx(2.0)  # two triangles of area 1
    assert fixed.geometry.iloc[0].equals(frame.geometry.iloc[0])


def test_valid_input_is_untouched() -> None:
    frame = gpd.GeoDataFrame({"code": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)])
    fixed, report = repair(frame)
    assert report == [] and fixed is frame


def test_make_valid_polygonal_drops_collapsed_parts() -> None:
    spike = shapely.Polygon([(0, 0), (2, 0), (2, 2), (1, 2), (1, 3), (1, 2), (0, 2)])
    assert shapely.make_valid(spike).geom_type == "GeometryCollection"  # polygon + line
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    fixed = make_valid_polygonal(np.array([spike, bowtie], dtype=object))
    assert [g.geom_type for g in fixed] == ["Polygon", "MultiPolygon"]
    assert fixed[0].equals(shapely.box(0, 0, 2, 2)) and fixed[1].area == pytest.approx(2.0)
