"""The water-aware travel model on the real data, against figures computed here with shapely."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.checks.distance import default_model, straight_km
from geo.checks.locations import SPECIAL_TYPES, gemeente_points
from geo.fixed_links import fixed_links

ZEEUWS_VLAANDEREN = {"GM1714": "Sluis", "GM0715": "Terneuzen", "GM0677": "Hulst"}
WALCHEREN = ("GM0718", "GM0687")  # Vlissingen and Middelburg ("OdyZee College, locatie Vlissingen")


@pytest.fixture(scope="module")
def model(dataset):
    return default_model(dataset.units)


@pytest.fixture(scope="module")
def places(dataset):
    points, _ = gemeente_points(dataset.units)
    schools = dataset.special_schools.to_crs(28992)
    schools = schools[schools["unit"].notna()]
    return points, schools


def test_zeeuws_vlaanderen_to_walcheren_runs_via_tunnel_or_ferry(dataset, model, places) -> None:
    points, schools = places
    units = dataset.units.to_crs(28992)
    units.index = units.index.astype(str)
    walcheren = schools[schools["unit"].isin(WALCHEREN)]
    assert len(walcheren) and "locatie Vlissingen" in " ".join(walcheren["naam"])
    targets = np.c_[walcheren.geometry.x, walcheren.geometry.y]
    crossings = [
        x
        for x in fixed_links()
        if x.name in ("Westerscheldetunnel", "Veerdienst Vlissingen-Breskens")
    ]
    for code in ZEEUWS_VLAANDEREN:
        origin = np.array([[points[code].x, points[code].y]])
        d = model.matrix(
            origin,
            targets,
            np.array([code], object),
            walcheren["unit"].astype(str).to_numpy(object),
        )[0]
        straight = straight_km(origin, targets)[0]
        # a lower bound of any route over the tunnel or the ferry: straight legs to its two ends
        # (the nearest points of its gemeenten, computed here) plus the crossing
        via = []
        for link in crossings:
            a_end, b_end = shapely.get_coordinates(
                shapely.shortest_line(units.geometry[link.a], units.geometry[link.b])
            )
            near, far = (b_end, a_end) if link.b in ZEEUWS_VLAANDEREN else (a_end, b_end)
            via.append(
                np.hypot(*(origin[0] - near)) / 1e3
                + link.crossing_km
                + np.hypot(*(targets - far).T) / 1e3
            )
        lower = np.min(via, axis=0)
        assert (d > straight + 1).all(), (code, d, straight)
        assert (d >= lower - 1e-6).all(), (code, d, lower)
        assert (d < lower + 25).all(), (code, d, lower)  # no absurd detour


def test_no_distance_whose_straight_line_stays_on_land_changes(dataset, model, places) -> None:
    points, schools = places
    units = dataset.units.to_crs(28992)
    land = shapely.union_all(shapely.make_valid(units.geometry.to_numpy()))
    shapely.prepare(land)
    origins = np.c_[points.x, points.y]
    for level, types in SPECIAL_TYPES.items():
        rows = schools[schools["type"].isin(types)]
        targets = np.c_[rows.geometry.x, rows.geometry.y]
        d = model.matrix(
            origins,
            targets,
            np.asarray(points.index, object),
            rows["unit"].astype(str).to_numpy(object),
        )
        straight = straight_km(origins, targets)
        # every pair whose distance changed must have a straight line that leaves the land
        # (an independent predicate: covered by the union of the polygons, no tolerance)
        i, j = np.nonzero(d != straight)
        assert 0 < len(i) < 0.7 * d.size, level
        lines = shapely.linestrings(np.stack([origins[i], targets[j]], axis=1))
        on_land = shapely.covers(land, lines)
        assert not on_land.any(), list(
            zip(points.index[i[on_land]], rows["naam"].iloc[j[on_land]], strict=True)
        )[:5]
        assert (d >= straight - 1e-9).all()  # a route is never shorter than the straight line
        assert np.isfinite(d).all()
