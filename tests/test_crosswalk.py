"""Tests for geo.data.crosswalk: slivers go whole, true splits are fractional."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.data.crosswalk import crosswalk


def layer(codes: list[str], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs="EPSG:28992")


def test_sliver_without_evidence_goes_whole() -> None:
    old = layer(["S"], [shapely.box(0, 0, 10, 1)])  # 15% sliver into B, e.g. a lake edge
    new = layer(["A", "B"], [shapely.box(0, 0, 8.5, 1), shapely.box(8.5, 0, 10, 1)])
    evidence = pd.DataFrame({"source": ["S"], "target": ["A"], "count": [12]})
    xw = crosswalk(old, new, evidence)
    assert xw[["target", "weight", "kind"]].values.tolist() == [["A", 1.0, "whole"]]


def test_true_split_confirmed_by_evidence_is_fractional() -> None:
    old = layer(["H"], [shapely.box(0, 0, 10, 1)])
    new = layer(
        ["A", "B", "C"],
        [shapely.box(0, 0, 6, 1), shapely.box(6, 0, 9.9, 1), shapely.box(9.9, 0, 20, 1)],
    )
    evidence = pd.DataFrame({"source": ["H", "H"], "target": ["A", "B"], "count": [3, 2]})
    xw = crosswalk(old, new, evidence).set_index("target")
    # C holds 1% of the area (below min_piece) and no evidence: dropped; A, B renormalised
    assert list(xw.index) == ["A", "B"]
    assert xw["weight"].to_dict() == pytest.approx({"A": 0.6 / 0.99, "B": 0.39 / 0.99})
    assert set(xw["kind"]) == {"split"}


def test_weights_sum_to_one_per_source() -> None:
    old = layer(["a", "b"], [shapely.box(0, 0, 2, 2), shapely.box(2, 0, 4, 2)])
    new = layer(["X", "Y"], [shapely.box(0, 0, 3, 2), shapely.box(3, 0, 4, 2)])
    xw = crosswalk(old, new, threshold=0.9)
    assert xw.groupby("source")["weight"].sum().to_dict() == pytest.approx({"a": 1.0, "b": 1.0})
    assert xw.loc[xw.source == "b", "kind"].tolist() == ["split", "split"]
