"""Tests for geo.division."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.division import NO_REGION, Division
from geo.errors import DivisionError


def membership(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "region", "share"])


def test_assignment_round_trip() -> None:
    d = Division.from_assignment("d", {"a": "X", "b": "Y", "c": "X"}, region_names={"X": "Ex"})
    assert d.assignment().to_dict() == {"a": "X", "b": "Y", "c": "X"}
    assert d.region_names["X"] == "Ex" and d.region_names["Y"] == "Y"
    assert d.split_units() == []


def test_no_region_share_is_kept_and_reported() -> None:
    d = Division.from_membership(
        "swv", membership([("a", "X", 0.9), ("a", NO_REGION, 0.1), ("b", "X", 1.0)])
    )
    assert d.n_regions == 1
    assert d.unassigned().to_dict() == {"a": 0.1}
    assert d.split_units() == ["a"]
    totals = d.totals(pd.Series({"a": 100.0, "b": 50.0}))
    assert totals["X"] == pytest.approx(140.0) and totals[NO_REGION] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", "X", 0.5)], "sum to 0.5"),
        ([("a", "X", 1.2), ("a", "Y", -0.2)], "negative share"),
        ([("a", "X", "half")], "not a number"),
    ],
)
def test_bad_shares_are_named(rows: list, message: str) -> None:
    with pytest.raises(DivisionError, match=message):
        Division.from_membership("d", membership(rows))


def test_unknown_and_missing_units() -> None:
    with pytest.raises(DivisionError, match="unknown unit code"):
        Division.from_membership("d", membership([("zz", "X", 1.0)]), units=["a"])
    with pytest.raises(DivisionError, match="'b'.*sum to 0"):
        Division.from_membership("d", membership([("a", "X", 1.0)]), units=["a", "b"])


@given(st.lists(st.floats(0.01, 1.0), min_size=1, max_size=6))
def test_normalised_shares_validate(raw: list[float]) -> None:
    total = sum(raw)
    rows = [("u", f"R{i}", v / total) for i, v in enumerate(raw)]
    d = Division.from_membership("d", membership(rows))
    assert abs(d.share_sums()["u"] - 1.0) < 1e-9
    assert sum(d.unit_regions("u").values()) == pytest.approx(1.0)


def test_validate_a_subset_of_rows_names_the_unit() -> None:
    import scipy.sparse as sp

    from geo.errors import DivisionError

    good = Division.from_assignment("d", {"a": "X", "b": "Y"})
    bad = Division(
        "d", good.units, good.regions, good.region_names, sp.csr_matrix([[1.0, 0, 0], [0.5, 0, 0]])
    )
    bad.validate(rows=[0])  # unit a is fine; b is not checked
    with pytest.raises(DivisionError, match="unit 'b' sum to 0.5"):
        bad.validate(rows=[1])
    with pytest.raises(DivisionError, match="unit 'b' sum to 0.5"):
        bad.validate()
