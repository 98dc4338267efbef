"""Tests for the water-aware travel model (geo.checks.water, geo.checks.distance) on shapes
whose distances are known by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.checks.distance import StraightLine, default_model, straight_km
from geo.checks.water import water_model
from geo.fixed_links import FixedLink


def _units(
    boxes: dict[str, tuple[float, float, float, float] | shapely.Geometry],
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        geometry=[
            b if isinstance(b, shapely.Geometry) else shapely.box(*b) for b in boxes.values()
        ],
        index=pd.Index(list(boxes), name="code"),
        crs="EPSG:28992",
    )


def _ferry(a: str, b: str, minutes: float, length_km: float) -> FixedLink:
    return FixedLink("veer", "ferry", a, b, a, b, False, length_km, minutes, "test")


# two islands 10 km apart: a square (x 0-10 km) and a diamond whose west corner (20 km, 5 km)
# is the unique nearest point; nothing in between
ISLANDS = {
    "GM0001": (0, 0, 10e3, 10e3),
    "GM0002": shapely.Polygon([(20e3, 5e3), (25e3, 0), (30e3, 5e3), (25e3, 10e3)]),
}


def test_a_ferry_counts_its_minutes_and_the_legs_to_it() -> None:
    model = water_model(_units(ISLANDS), links=(_ferry("GM0001", "GM0002", 30, 10),))
    a, b = np.array([[5e3, 5e3]]), np.array([[25e3, 5e3]])
    d = model.distances(a, b, np.array(["GM0001"], object), np.array(["GM0002"], object))
    # the ferry joins the nearest points (10 km, 5 km) - (20 km, 5 km): 5 km + 30 km + 5 km
    assert d[0, 0] == pytest.approx(5 + 30 + 5, abs=0.01)
    assert straight_km(a, b)[0, 0] == pytest.approx(20.0)
    assert model.stats == {"pairs": 1, "over_water": 1, "unrouted": 0}


def test_ferry_equivalent_is_at_least_its_length() -> None:
    assert _ferry("GM0001", "GM0002", 5, 12).crossing_km == 12.0
    assert _ferry("GM0001", "GM0002", 50, 12).crossing_km == 50.0


def test_without_a_link_the_straight_line_is_kept_and_counted() -> None:
    model = water_model(_units(ISLANDS), links=())
    d = model.distances(np.array([[5e3, 5e3]]), np.array([[25e3, 5e3]]))
    assert d[0, 0] == pytest.approx(20.0)
    assert model.unrouted == 1


def test_a_line_on_land_never_changes() -> None:
    units = _units({"GM0001": (0, 0, 10e3, 10e3), "GM0002": (10e3, 0, 20e3, 10e3)})
    model = water_model(units, links=())
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 10e3, (50, 2)), rng.uniform(0, 10e3, (40, 2)) + [10e3, 0]
    np.testing.assert_array_equal(model.distances(a, b), straight_km(a, b))
    assert model.stats["over_water"] == 0


def test_a_bay_is_passed_round_over_land() -> None:
    # U shape: arms GM0001 (bottom) and GM0002 (top) joined by GM0003 on the right
    units = _units(
        {
            "GM0001": (0, 0, 10e3, 10e3),
            "GM0002": (0, 14e3, 10e3, 24e3),
            "GM0003": (10e3, 0, 12e3, 24e3),
        }
    )
    model = water_model(units, links=())
    a, b = np.array([[5e3, 5e3]]), np.array([[5e3, 19e3]])
    d = model.distances(a, b)[0, 0]
    # at least via the bay's inner corners (10 km, 10 km) and (10 km, 14 km), minus the shore
    # offset the corners may take (150 m) and simplification
    via_corners = np.hypot(5, 5) + 4 + np.hypot(5, 5)
    assert via_corners - 0.5 < d < via_corners + 1.0
    assert model.unrouted == 0


def test_the_one_interface_names_the_model() -> None:
    units = _units(ISLANDS)
    assert default_model(units).name == "hemelsbreed over land, via vaste oeververbindingen"
    assert StraightLine().name == "hemelsbreed"
