"""Tests for geo.proposals.bounds: default size bounds, feasible counts, target shares."""

from __future__ import annotations

import pandas as pd
import pytest

from fixtures.proposal_grids import layout_dataset
from geo.proposals.bounds import SizeBounds, apportion_target, count_range, default_size_bounds
from geo.proposals.errors import InfeasibleError, ProposalError


def test_default_bounds_are_the_range_of_todays_swvs() -> None:
    pupils_po = {"GM0000": 10.0, "GM0001": 20.0, "GM0002": 30.0, "GM0003": 40.0}
    ds = layout_dataset(["AAAA"], ["aabb"], ["cddd"], pupils_po=pupils_po, pupils_vo=5.0)
    pupils = ds.weight("pupils_po") + ds.weight("pupils_vo")
    bounds = default_size_bounds(ds.division("swv_po"), ds.division("swv_vo"), pupils)
    # PO a: 15+25 = 40, PO b: 35+45 = 80, VO c: 15, VO d: 25+35+45 = 105
    assert (bounds.min_pupils, bounds.max_pupils) == (15.0, 105.0)
    assert bounds.evidence["smallest"] == "VOc" and bounds.evidence["largest"] == "VOd"


def test_count_range() -> None:
    sizes = pd.Series({"a": 30.0, "b": 30.0, "c": 30.0, "d": 30.0})
    assert count_range("J1", sizes, SizeBounds(30, 60)) == (2, 4)
    assert count_range("J1", sizes, SizeBounds(0, 200)) == (1, 4)
    assert count_range("J1", sizes, SizeBounds(50, 70)) == (2, 2)


def test_total_below_minimum_names_jeugdregio_and_bound() -> None:
    with pytest.raises(InfeasibleError) as info:
        count_range("JZ43", pd.Series({"a": 10.0, "b": 20.0}), SizeBounds(31, 100))
    assert info.value.region == "JZ43" and info.value.bound == "min_pupils"
    assert "JZ43" in str(info.value) and "30" in str(info.value) and "31" in str(info.value)


def test_gemeente_above_maximum_is_named() -> None:
    with pytest.raises(InfeasibleError, match="gemeente b Bergen.*max_pupils|max_pupils.*b Bergen"):
        count_range(
            "J1", pd.Series({"a": 10.0, "b": 200.0}), SizeBounds(1, 100), names={"b": "Bergen"}
        )


def test_no_count_fits_both_bounds() -> None:
    # 3 x 40 = 120 pupils: one SWV is too big (> 100), two SWVs are too small (< 61 each)
    with pytest.raises(InfeasibleError, match="J1: min_pupils/max_pupils"):
        count_range("J1", pd.Series({"a": 40.0, "b": 40.0, "c": 40.0}), SizeBounds(61, 100))


def test_min_above_max_is_refused() -> None:
    with pytest.raises(ProposalError, match="above max_pupils"):
        count_range("J1", pd.Series({"a": 40.0}), SizeBounds(50, 10))


def test_apportion_target() -> None:
    counts = apportion_target(
        7, {"J1": 100.0, "J2": 300.0, "J3": 600.0}, {"J1": (1, 1), "J2": (1, 5), "J3": (1, 5)}
    )
    assert sum(counts.values()) == 7
    assert counts == {"J1": 1, "J2": 2, "J3": 4}


def test_apportion_target_out_of_range() -> None:
    with pytest.raises(ProposalError, match="target 9 .* 2..8"):
        apportion_target(9, {"J1": 1.0, "J2": 1.0}, {"J1": (1, 4), "J2": (1, 4)})
