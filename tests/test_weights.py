"""Tests for geo.data.weights."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.data.weights import estimate_0_15, unit_weights
from geo.errors import SourceError


def test_unit_weights_sum_pupils_per_level() -> None:
    units = gpd.GeoDataFrame(
        {"code": ["A", "B"]},
        geometry=[shapely.box(0, 0, 2000, 1000), shapely.box(2000, 0, 3000, 1000)],
        crs="EPSG:28992",
    )
    inhabitants = pd.Series({"A": 1000, "B": 10})
    ages = pd.DataFrame({"pct_0_15": [15.0, 20.0]}, index=["A", "B"])
    schools = pd.DataFrame(
        {
            "unit": ["A", "A", "B", None],
            "level": ["po", "special", "vo", "po"],
            "leerlingen": [100.0, 7.0, 30.0, 999.0],
        }
    )
    w = unit_weights(units, inhabitants, ages, schools)
    assert w.loc["A"].to_dict() == pytest.approx(
        {
            "area_km2": 2.0,
            "inhabitants": 1000,
            "inhabitants_0_15": 150,
            "pupils_po": 100,
            "pupils_vo": 0,
            "pupils_special": 7,
            "pupils_total": 107,
        }
    )
    assert w.loc["B", "pupils_vo"] == 30


def test_missing_population_names_the_unit() -> None:
    units = gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:28992")
    with pytest.raises(SourceError, match="'A'"):
        unit_weights(
            units,
            pd.Series(dtype="int64"),
            pd.DataFrame({"pct_0_15": []}),
            pd.DataFrame(columns=["unit", "level", "leerlingen"]),
        )


def test_estimate_rounds_to_persons() -> None:
    assert estimate_0_15(pd.Series([333]), pd.Series([15.0])).tolist() == [50]
