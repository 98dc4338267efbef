"""Tests for geo.overlap.contingency: the weighted table as a sparse product."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.synthetic import blocks, col_bands, grid, row_bands, split_unit
from geo.division import NO_REGION, Division
from geo.errors import DivisionError
from geo.overlap.contingency import contingency


def brute_force(a: Division, b: Division, w: pd.Series) -> pd.DataFrame:
    """n_ab by a pandas merge of both membership tables (no matrix algebra)."""
    m = a.membership.merge(b.membership, on="unit", suffixes=("_a", "_b"))
    m["weight"] = m["share_a"] * m["share_b"] * m["unit"].map(w).astype(float)
    table = m.pivot_table(index="region_a", columns="region_b", values="weight", aggfunc="sum")
    return table.reindex(index=a.columns, columns=b.columns).fillna(0.0)


def test_bands_against_blocks_known_table() -> None:
    units = grid(4, 6)
    a = col_bands(units, 3)  # 3 bands of 2 columns x 4 rows = 8 km² each
    b = row_bands(units, 2)  # 2 bands of 2 rows x 6 columns = 12 km² each
    c = contingency(a, b, units["area_km2"])
    assert list(c.row_labels) == ["C0", "C1", "C2", NO_REGION]
    assert list(c.col_labels) == ["R0", "R1", NO_REGION]
    np.testing.assert_allclose(c.real, np.full((3, 2), 4.0))
    assert c.table[-1].sum() == 0 and c.table[:, -1].sum() == 0
    assert c.total == pytest.approx(24.0)


def test_no_region_share_is_kept_in_last_row() -> None:
    units = grid(2, 2)
    a = split_unit(col_bands(units, 2), "GM0000", {"C0": 0.25, NO_REGION: 0.75})
    b = row_bands(units, 2)
    w = units["inhabitants"]
    c = contingency(a, b, w)
    assert c.table[-1, 0] == pytest.approx(0.75 * w["GM0000"])
    assert c.table[0, 0] == pytest.approx(0.25 * w["GM0000"])  # C0 x R0 is GM0000 only
    assert c.total == pytest.approx(w.sum())
    frame = c.to_frame()
    assert frame.loc[NO_REGION, "R0"] == pytest.approx(0.75 * w["GM0000"])
    long = c.long()
    assert long["weight"].sum() == pytest.approx(w.sum())
    t = c.transpose()
    assert t.row_division == b.name and np.array_equal(t.table, c.table.T)


@st.composite
def random_division(draw: st.DrawFn, units: pd.Index, name: str) -> Division:
    rows = []
    for unit in units:
        regions = draw(
            st.lists(
                st.sampled_from(["X", "Y", "Z", NO_REGION]), min_size=1, max_size=3, unique=True
            )
        )
        raw = draw(st.lists(st.integers(1, 9), min_size=len(regions), max_size=len(regions)))
        rows += [(unit, r, v / sum(raw)) for r, v in zip(regions, raw, strict=True)]
    return Division.from_membership(name, pd.DataFrame(rows, columns=["unit", "region", "share"]))


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_matches_membership_merge_and_preserves_totals(data: st.DataObject) -> None:
    units = grid(2, 3).index
    a = data.draw(random_division(units, "a"))
    b = data.draw(random_division(units, "b"))
    w = pd.Series(data.draw(st.lists(st.floats(0, 1e4), min_size=6, max_size=6)), index=units)
    c = contingency(a, b, w)
    np.testing.assert_allclose(c.table, brute_force(a, b, w).to_numpy(), rtol=1e-12, atol=1e-9)
    # totals preserved: the table sums to the total weight, rows/columns to division totals
    assert c.total == pytest.approx(w.sum(), rel=1e-12, abs=1e-9)
    np.testing.assert_allclose(c.table.sum(axis=1), a.totals(w).to_numpy(), atol=1e-9)
    np.testing.assert_allclose(c.table.sum(axis=0), b.totals(w).to_numpy(), atol=1e-9)


def test_unit_order_does_not_matter() -> None:
    units = grid(3, 3)
    a = blocks(units, 3, 1)
    b = row_bands(units, 3)
    shuffled = b.reindexed(units.index[::-1])
    w = units["pupils_po"]
    np.testing.assert_array_equal(contingency(a, b, w).table, contingency(a, shuffled, w).table)


def test_bad_weights_name_the_unit() -> None:
    units = grid(2, 2)
    a, b = col_bands(units, 2), row_bands(units, 2)
    with pytest.raises(DivisionError, match="GM0003.*missing"):
        contingency(a, b, units["inhabitants"].drop("GM0003"))
    with pytest.raises(DivisionError, match="GM0001.*negative"):
        contingency(a, b, units["inhabitants"].where(units.index != "GM0001", -1.0))
    with pytest.raises(DivisionError, match="GM0002.*finite"):
        contingency(a, b, units["inhabitants"].where(units.index != "GM0002", np.nan))


def test_different_units_are_rejected() -> None:
    a = col_bands(grid(2, 2), 2)
    b = Division.from_assignment("other", {"GM0000": "X", "GM9999": "X"})
    with pytest.raises(DivisionError, match="GM9999"):
        contingency(a, b, pd.Series(1.0, index=a.units))


def test_docstring_examples() -> None:
    assert doctest.testmod(importlib.import_module("geo.overlap.contingency")).failed == 0
