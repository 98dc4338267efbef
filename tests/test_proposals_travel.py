"""Tests for geo.proposals.travel: distances to special education in the own SWV."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from fixtures.proposal_grids import centres, layout_dataset
from geo.division import Division
from geo.proposals.travel import gemeente_points, travel_model, travel_stats


@pytest.fixture
def row4():
    """Four 1 km squares in a row (one jeugdregio), PO SWVs 'a' (GM0000-01) and 'b'."""
    return layout_dataset(
        ["AAAA"],
        ["aabb"],
        ["cccc"],
        schools=[("GM0000", "SO"), ("GM0003", "SBAO"), ("GM0002", "VSO")],
    )


def test_before_is_the_nearest_location_in_the_current_swv(row4) -> None:
    model = travel_model(row4.units, row4.special_schools, centres(row4))
    before = model.before("po", row4.division("swv_po"))
    assert before.round(6).tolist() == [0.0, 1.0, 1.0, 0.0]
    vo = model.before("vo", row4.division("swv_vo"))
    assert vo.round(6).tolist() == [2.0, 1.0, 0.0, 1.0]


def test_after_follows_the_new_swv(row4) -> None:
    model = travel_model(row4.units, row4.special_schools, centres(row4))
    new = pd.Series({"GM0000": "X", "GM0001": "Y", "GM0002": "Y", "GM0003": "Y"})
    assert model.after("po", new).round(6).tolist() == [0.0, 2.0, 1.0, 0.0]
    # VSO only serves VO: X has no VO location
    assert model.after("vo", new).tolist()[0] == np.inf


def test_vso_does_not_serve_po_and_sbao_does_not_serve_vo() -> None:
    ds = layout_dataset(["AA"], ["aa"], schools=[("GM0000", "VSO"), ("GM0001", "SBAO")])
    model = travel_model(ds.units, ds.special_schools, centres(ds))
    one = pd.Series({"GM0000": "X", "GM0001": "X"})
    assert model.after("po", one).round(6).tolist() == [1.0, 0.0]
    assert model.after("vo", one).round(6).tolist() == [0.0, 1.0]


def test_vso_and_so_combined_serves_both() -> None:
    ds = layout_dataset(["AA"], ["aa"], schools=[("GM0001", "(V)SO")])
    model = travel_model(ds.units, ds.special_schools, centres(ds))
    one = pd.Series({"GM0000": "X", "GM0001": "X"})
    assert model.after("po", one).round(6).tolist() == [1.0, 0.0]
    assert model.after("vo", one).round(6).tolist() == [1.0, 0.0]


def test_before_of_a_split_gemeente_is_share_weighted(row4) -> None:
    membership = pd.DataFrame(
        {
            "unit": ["GM0000", "GM0001", "GM0001", "GM0002", "GM0003"],
            "region": ["POa", "POa", "POb", "POb", "POb"],
            "share": [1.0, 0.25, 0.75, 1.0, 1.0],
        }
    )
    po = Division.from_membership("swv_po", membership, units=row4.units.index)
    model = travel_model(row4.units, row4.special_schools, centres(row4))
    # GM0001: 1 km to SO in 'a' (share 0.25), 2 km to SBAO in 'b' (share 0.75)
    assert model.before("po", po).loc["GM0001"] == pytest.approx(0.25 * 1 + 0.75 * 2)


def test_swv_without_location_is_infinite(row4) -> None:
    model = travel_model(row4.units, row4.special_schools, centres(row4))
    before = model.before("vo", row4.division("swv_po").renamed("swv_vo"))
    assert np.isinf(before.loc["GM0000"])  # SWV 'a' has no VSO location


def test_host_distances(row4) -> None:
    model = travel_model(row4.units, row4.special_schools, centres(row4))
    hosts = model.host_distances("po")
    assert sorted(hosts.columns) == ["GM0000", "GM0003"]
    assert hosts.loc["GM0001"].round(6).to_dict() == {"GM0000": 1.0, "GM0003": 2.0}


def _squares(**columns: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        columns,
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 30, 10)],
        index=pd.Index(["GM1", "GM2"], name="code"),
        crs="EPSG:28992",
    )


def test_gemeente_points_use_the_store_columns() -> None:
    units = _squares(
        point_x=[1.5, 24.0], point_y=[2.5, 5.0], point_rule=["representative_point", "pupils"]
    )
    points, rule = gemeente_points(units)
    assert points.crs.to_epsg() == 28992
    assert [(p.x, p.y) for p in points] == [(1.5, 2.5), (24.0, 5.0)]
    assert rule.startswith("pupil-weighted mean")
    assert rule.endswith("where it has none (1 of 2 gemeenten)")
    # the model measures from these points: 24 - 12 = 12 m to a school at (12, 5) in GM2
    schools = gpd.GeoDataFrame(
        {"type": ["SO"], "unit": ["GM2"], "swv_po": ["P"], "swv_vo": ["V"]},
        geometry=[shapely.Point(12, 5)],
        crs="EPSG:28992",
    )
    model = travel_model(units, schools)
    assert model.dist["po"][:, 0] == pytest.approx([np.hypot(10.5, 2.5) / 1e3, 12 / 1e3])


def test_gemeente_points_without_columns_fall_back_to_representative_point() -> None:
    units = _squares()
    points, rule = gemeente_points(units)
    assert rule == "representative point of the gemeente polygon"
    assert units.geometry.contains(points.set_axis(units.index)).all()


def test_gemeente_points_reject_broken_columns() -> None:
    units = _squares(point_x=[1.0, np.nan], point_y=[1.0, 1.0], point_rule=["pupils", "pupils"])
    with pytest.raises(ValueError, match="GM2"):
        gemeente_points(units)


def test_travel_stats() -> None:
    d = pd.Series([1.0, 2.0, 3.0, 10.0, np.inf])
    w = pd.Series([1.0, 1.0, 1.0, 7.0, 100.0])
    stats = travel_stats(d, w)
    assert stats["mean"] == 4.0
    assert stats["weighted_mean"] == pytest.approx((1 + 2 + 3 + 70) / 10)
    assert stats["max"] == 10.0
    assert stats["p50"] == 2.5
    assert stats["n_without_location"] == 1
