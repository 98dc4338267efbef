"""Tests for geo.overlap.disruption: the exact definition of 'a pupil keeps their SWV'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.division import NO_REGION, Division
from geo.overlap.disruption import disruption, home_regions

UNITS = ["GM1", "GM2", "GM3", "GM4"]


def whole(name: str, mapping: dict[str, str]) -> Division:
    return Division.from_assignment(name, mapping, units=UNITS)


def test_merging_two_swvs_disrupts_nobody() -> None:
    po = whole("swv_po", {"GM1": "P1", "GM2": "P1", "GM3": "P2", "GM4": "P2"})
    vo = whole("swv_vo", {"GM1": "V1", "GM2": "V1", "GM3": "V1", "GM4": "V1"})
    pupils = pd.Series({"GM1": 10.0, "GM2": 20.0, "GM3": 30.0, "GM4": 40.0})
    d = disruption(pd.Series(dict.fromkeys(UNITS, "N")), po, vo, pupils, pupils)
    assert d.totals["disrupted"] == 0.0
    assert d.continuation == {"P1": "N", "P2": "N", "V1": "N"}


def test_splitting_disrupts_the_smaller_part() -> None:
    po = whole("swv_po", dict.fromkeys(UNITS, "P1"))
    vo = whole("swv_vo", dict.fromkeys(UNITS, "V1"))
    po_pupils = pd.Series({"GM1": 10.0, "GM2": 20.0, "GM3": 30.0, "GM4": 5.0})
    vo_pupils = pd.Series({"GM1": 50.0, "GM2": 1.0, "GM3": 1.0, "GM4": 1.0})
    new = pd.Series({"GM1": "A", "GM2": "A", "GM3": "B", "GM4": "B"})
    d = disruption(new, po, vo, po_pupils, vo_pupils)
    # PO: A gets 30, B gets 35 -> continued by B, A's 30 change; VO: A gets 51 -> B's 2 change
    assert d.continuation == {"P1": "B", "V1": "A"}
    assert d.totals["disrupted_po"] == 30.0
    assert d.totals["disrupted_vo"] == 2.0
    assert d.per_gemeente["changed"].to_dict() == {"GM1": 10.0, "GM2": 20.0, "GM3": 1.0, "GM4": 1.0}


def test_split_gemeente_and_no_region_share() -> None:
    membership = pd.DataFrame(
        {
            "unit": ["GM1", "GM2", "GM2", "GM3", "GM4", "GM4"],
            "region": ["P1", "P1", "P2", "P2", "P2", NO_REGION],
            "share": [1.0, 0.25, 0.75, 1.0, 0.5, 0.5],
        }
    )
    po = Division.from_membership("swv_po", membership, units=UNITS)
    vo = whole("swv_vo", dict.fromkeys(UNITS, "V1"))
    pupils = pd.Series(100.0, index=UNITS)
    new = pd.Series({"GM1": "A", "GM2": "A", "GM3": "B", "GM4": "B"})
    d = disruption(new, po, vo, pupils, pd.Series(0.0, index=UNITS))
    # P1: A 125 -> continued by A; P2: A 75, B 150 -> B; GM2's 75 P2 pupils change
    assert d.totals["disrupted_po"] == pytest.approx(75.0)
    assert d.totals["pupils_without_current_swv"] == pytest.approx(50.0)
    assert d.per_gemeente.loc["GM4", "changed"] == 0.0
    assert d.per_gemeente.loc["GM4", "no_swv_po"] == pytest.approx(50.0)
    assert d.totals["pupils_with_swv"] == pytest.approx(350.0)


def test_tie_goes_to_the_first_new_code() -> None:
    po = whole("swv_po", dict.fromkeys(UNITS, "P1"))
    pupils = pd.Series(10.0, index=UNITS)
    new = pd.Series({"GM1": "B", "GM2": "B", "GM3": "A", "GM4": "A"})
    d = disruption(new, po, po.renamed("swv_vo"), pupils, pupils)
    assert d.continuation["P1"] == "A"
    assert d.per_gemeente["swv_changes"].to_dict() == {
        "GM1": True,
        "GM2": True,
        "GM3": False,
        "GM4": False,
    }


def test_missing_gemeente_in_assignment_is_named() -> None:
    po = whole("swv_po", dict.fromkeys(UNITS, "P1"))
    with pytest.raises(KeyError, match="GM4"):
        disruption(
            pd.Series({"GM1": "A", "GM2": "A", "GM3": "A"}),
            po,
            po,
            pd.Series(1.0, index=UNITS),
            pd.Series(1.0, index=UNITS),
        )


def test_home_regions_and_pupils_outside_home() -> None:
    po = whole("swv_po", {"GM1": "P1", "GM2": "P1", "GM3": "P1", "GM4": "P2"})
    regions = pd.Series({"GM1": "J1", "GM2": "J2", "GM3": "J2", "GM4": "J1"})
    pupils = pd.Series({"GM1": 50.0, "GM2": 20.0, "GM3": 20.0, "GM4": 7.0})
    homes = home_regions(po, pupils, regions)
    assert homes.loc["P1", "home"] == "J1"
    assert homes.loc["P1", "outside_home"] == 40.0
    assert homes.loc["P2", "outside_home"] == 0.0


@settings(max_examples=40, deadline=None)
@given(
    po_labels=st.lists(st.sampled_from("ab"), min_size=4, max_size=4),
    vo_labels=st.lists(st.sampled_from("xyz"), min_size=4, max_size=4),
    new_labels=st.lists(st.sampled_from("NMK"), min_size=4, max_size=4),
    pupils=st.lists(st.integers(0, 1000), min_size=4, max_size=4),
)
def test_matches_a_direct_count(po_labels, vo_labels, new_labels, pupils) -> None:
    """Kept pupils = for every current SWV the pupils in its largest new piece (pandas count)."""
    po = whole("swv_po", dict(zip(UNITS, po_labels, strict=True)))
    vo = whole("swv_vo", dict(zip(UNITS, vo_labels, strict=True)))
    w = pd.Series(np.array(pupils, dtype=float), index=UNITS)
    new = pd.Series(dict(zip(UNITS, new_labels, strict=True)))
    d = disruption(new, po, vo, w, 2 * w)
    frame = pd.DataFrame({"po": po_labels, "vo": vo_labels, "new": new_labels, "w": w.to_numpy()})
    kept_po = frame.groupby(["po", "new"])["w"].sum().groupby(level=0).max().sum()
    kept_vo = 2 * frame.groupby(["vo", "new"])["w"].sum().groupby(level=0).max().sum()
    assert d.totals["disrupted_po"] == pytest.approx(w.sum() - kept_po)
    assert d.totals["disrupted_vo"] == pytest.approx(2 * w.sum() - kept_vo)


@settings(max_examples=40, deadline=None)
@given(
    po_labels=st.lists(st.sampled_from("ab"), min_size=4, max_size=4),
    new_labels=st.lists(st.sampled_from("NMK"), min_size=4, max_size=4),
    pupils=st.lists(st.integers(0, 1000), min_size=4, max_size=4),
)
def test_a_whole_gemeente_division_counts_like_its_assignment(po_labels, new_labels, pupils):
    po = whole("swv_po", dict(zip(UNITS, po_labels, strict=True)))
    vo = whole("swv_vo", {"GM1": "x", "GM2": "x", "GM3": "y", "GM4": "y"})
    w = pd.Series(np.array(pupils, dtype=float), index=UNITS)
    new = pd.Series(dict(zip(UNITS, new_labels, strict=True)))
    a = disruption(new, po, vo, w, 3 * w)
    b = disruption(Division.from_assignment("swv", new, units=UNITS), po, vo, w, 3 * w)
    assert a.continuation == b.continuation
    pd.testing.assert_frame_equal(a.per_gemeente, b.per_gemeente)


def test_a_split_gemeente_keeps_its_pupils_when_the_new_shares_follow_the_old() -> None:
    # GM2 is split 25/75 over P1/P2; the new division cuts P1 -> A and P2 -> B with the same
    # shares (as a split_by scenario does): nobody changes, also not in GM2 or GM4 (no SWV)
    membership = pd.DataFrame(
        {
            "unit": ["GM1", "GM2", "GM2", "GM3", "GM4", "GM4"],
            "region": ["P1", "P1", "P2", "P2", "P2", NO_REGION],
            "share": [1.0, 0.25, 0.75, 1.0, 0.5, 0.5],
        }
    )
    po = Division.from_membership("swv_po", membership, units=UNITS)
    relabelled = membership.assign(region=membership["region"].replace({"P1": "A", "P2": "B"}))
    new = Division.from_membership("swv", relabelled, units=UNITS)
    pupils = pd.Series(100.0, index=UNITS)
    zero = pd.Series(0.0, index=UNITS)
    vo = whole("swv_vo", dict.fromkeys(UNITS, "V1"))
    d = disruption(new, po, vo, pupils, zero)
    assert d.continuation["P1"] == "A" and d.continuation["P2"] == "B"
    assert d.totals["disrupted"] == 0.0
    # the largest share alone (GM2 -> B) would wrongly move GM2's 25 P1 pupils
    assert disruption(new.assignment(), po, vo, pupils, zero).totals["disrupted_po"] == 25.0


def test_a_newly_split_gemeente_changes_by_the_share_outside_the_continuation() -> None:
    po = whole("swv_po", dict.fromkeys(UNITS, "P1"))
    membership = pd.DataFrame(
        {
            "unit": ["GM1", "GM2", "GM3", "GM4", "GM4", "GM4"],
            "region": ["A", "A", "A", "A", "B", NO_REGION],
            "share": [1.0, 1.0, 1.0, 0.5, 0.3, 0.2],
        }
    )
    new = Division.from_membership("swv", membership, units=UNITS)
    pupils = pd.Series(100.0, index=UNITS)
    vo = whole("swv_vo", dict.fromkeys(UNITS, "V1"))
    d = disruption(new, po, vo, pupils, pd.Series(0.0, index=UNITS))
    assert d.continuation["P1"] == "A"
    # GM4: 50 stay in A; 30 go to B and 20 to no new SWV
    assert d.per_gemeente["changed_po"].to_dict() == pytest.approx(
        {"GM1": 0.0, "GM2": 0.0, "GM3": 0.0, "GM4": 50.0}
    )
    assert d.per_gemeente["swv_changes"].tolist() == [False, False, False, True]
