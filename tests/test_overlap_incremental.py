"""Tests for geo.overlap.incremental: incremental moves agree with recomputing from scratch."""

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
from geo.overlap import MoveEvaluator, contingency, metrics

UNITS = grid(3, 4)
CODES = ["P", "Q", "R", "S"]


def moved(a: Division, unit: str, to: str, frm: str) -> Division:
    """Division a with unit's share in ``frm`` moved to ``to``, rebuilt from its membership."""
    m = a.membership
    row = (m["unit"] == unit) & (m["region"] == frm)
    share = float(m.loc[row, "share"].sum())
    m = pd.concat(
        [m[~row], pd.DataFrame({"unit": [unit], "region": [to], "share": [share]})],
        ignore_index=True,
    )
    return Division.from_membership(
        a.name, m, units=a.units, region_names={c: c for c in a.regions}
    )


def scratch(a: Division, b: Division, w: pd.Series) -> float:
    return metrics.congruence(contingency(a, b, w).real)


def scratch_moved(a: Division, b: Division, w: pd.Series, unit: str, to: str, frm: str) -> float:
    """Congruence after the move, from a dense copy of the shares (no incremental algebra)."""
    share_a = a.shares.toarray()
    i, t, f = a.units.get_loc(unit), a.columns.get_loc(to), a.columns.get_loc(frm)
    s = share_a[i, f]
    share_a[i, f] -= s
    share_a[i, t] += s
    table = share_a.T @ (w.reindex(a.units).to_numpy()[:, None] * b.shares.toarray())
    return metrics.congruence(table[:-1, :-1])


@st.composite
def divisions(draw: st.DrawFn, name: str, codes: list[str]) -> Division:
    """Random division of UNITS: most units whole, some split (also into 'no region')."""
    rows = []
    for unit in UNITS.index:
        regions = draw(
            st.lists(st.sampled_from(codes + [NO_REGION]), min_size=1, max_size=3, unique=True)
        )
        raw = draw(st.lists(st.integers(1, 5), min_size=len(regions), max_size=len(regions)))
        rows += [(unit, r, v / sum(raw)) for r, v in zip(regions, raw, strict=True)]
    membership = pd.DataFrame(rows, columns=["unit", "region", "share"])
    return Division.from_membership(name, membership, region_names={c: c for c in codes})


weights = st.lists(st.integers(0, 1000), min_size=len(UNITS), max_size=len(UNITS)).map(
    lambda v: pd.Series(np.array(v, dtype=float), index=UNITS.index)
)


@settings(max_examples=60, deadline=None)
@given(divisions("a", CODES), divisions("b", ["X", "Y", "Z"]), weights, st.data())
def test_every_move_agrees_with_recomputing(
    a: Division, b: Division, w: pd.Series, data: st.DataObject
) -> None:
    ev = MoveEvaluator(a, b, w)
    base = scratch(a, b, w)
    assert ev.congruence == pytest.approx(base, abs=1e-9, nan_ok=True)
    membership = a.membership
    moves = []
    for _ in range(10):
        k = data.draw(st.integers(0, len(membership) - 1))
        unit, frm = membership.loc[k, "unit"], membership.loc[k, "region"]
        to = data.draw(st.sampled_from(list(a.columns)))
        moves.append((unit, to, frm))
    result = ev.evaluate(moves)
    for (unit, to, frm), got, gain in zip(moves, result["congruence"], result["gain"], strict=True):
        expected = scratch_moved(a, b, w, unit, to, frm)
        assert got == pytest.approx(expected, abs=1e-9, nan_ok=True)
        if not np.isnan(expected) and not np.isnan(base):
            assert gain == pytest.approx(expected - base, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(divisions("a", CODES), divisions("b", ["X", "Y"]), weights, st.data())
def test_applied_moves_keep_state_exact(
    a: Division, b: Division, w: pd.Series, data: st.DataObject
) -> None:
    ev = MoveEvaluator(a, b, w)
    current = a
    for _ in range(5):
        unit = data.draw(st.sampled_from(list(UNITS.index)))
        to = data.draw(st.sampled_from(CODES))
        predicted = ev.evaluate([(unit, to)])["congruence"].iloc[0]
        frm = ev.evaluate([(unit, to)])["from"].iloc[0]
        after = ev.apply(unit, to)
        current = moved(current, unit, to, frm) if frm != to else current
        assert after == pytest.approx(predicted, abs=1e-9, nan_ok=True)
        assert after == pytest.approx(scratch(current, b, w), abs=1e-9, nan_ok=True)
    np.testing.assert_allclose(ev.division().shares.toarray(), current.shares.toarray(), atol=1e-12)
    np.testing.assert_allclose(ev.table, contingency(current, b, w).table, atol=1e-6)


def test_move_into_a_better_region_gains() -> None:
    units = grid(4, 4)
    b = col_bands(units, 2)  # columns 0-1 | 2-3
    a = split_unit(b.renamed("a"), "GM0002", {"C0": 1.0})  # unit in column 2 wrongly in C0
    w = units["area_km2"]
    ev = MoveEvaluator(a, b, w)
    assert ev.congruence < 1.0
    assert ev.gain("GM0002", "C1") == pytest.approx(1.0 - ev.congruence)
    assert ev.gain("GM0002", "C0") == 0.0  # moving to where it already is
    assert ev.apply("GM0002", "C1") == pytest.approx(1.0)


def test_border_moves_match_a_brute_force_enumeration() -> None:
    units = grid(4, 5)
    a = split_unit(blocks(units, 2, 2), "GM0007", {"B0_1": 0.5, "B1_1": 0.5})
    ev = MoveEvaluator(a, row_bands(units, 2), units["inhabitants"])
    rows, cols = units["row"], units["col"]
    adjacency = {
        u: [v for v in units.index if abs(rows[u] - rows[v]) + abs(cols[u] - cols[v]) == 1]
        for u in units.index
    }
    expected = set()
    for u, neighbours in adjacency.items():
        shares = a.unit_regions(u)
        own = max((r for r in shares if r != NO_REGION), key=lambda r: shares[r])
        for v in neighbours:
            expected |= {(u, r) for r in a.unit_regions(v) if r not in (own, NO_REGION)}
    got = ev.border_moves(adjacency)
    assert set(got) == expected and len(got) == len(expected)
    # the same from a networkx graph and from an edge table
    import networkx as nx

    graph = nx.Graph([(u, v) for u, vs in adjacency.items() for v in vs])
    assert set(ev.border_moves(graph)) == expected
    edges = pd.DataFrame([(u, v) for u, vs in adjacency.items() for v in vs], columns=["a", "b"])
    assert set(ev.border_moves(edges)) == expected
    table = ev.evaluate(got)
    assert len(table) == len(got) and list(table.columns) == [
        "unit",
        "from",
        "to",
        "congruence",
        "gain",
    ]


def test_bad_moves_name_the_move_and_field() -> None:
    units = grid(2, 2)
    a = col_bands(units, 2)
    ev = MoveEvaluator(a, row_bands(units, 2), units["area_km2"])
    with pytest.raises(DivisionError, match=r"moves\[1\]: unknown unit 'GM9'"):
        ev.evaluate([("GM0000", "C1"), ("GM9", "C1")])
    with pytest.raises(DivisionError, match=r"moves\[0\]: unknown region 'C7'.*'to'"):
        ev.evaluate([("GM0000", "C7")])
    with pytest.raises(DivisionError, match=r"no share in region 'C1'.*'from'"):
        ev.gain("GM0000", "C0", from_region="C1")
    with pytest.raises(DivisionError, match="adjacency: unknown unit 'GMX'"):
        ev.border_moves({"GMX": ["GM0000"]})
    assert ev.evaluate([]).empty


def test_docstring_examples() -> None:
    assert doctest.testmod(importlib.import_module("geo.overlap.incremental")).failed == 0


@pytest.mark.integration
def test_real_border_moves_agree_with_recomputing(dataset) -> None:
    from geo.adjacency import queen_adjacency

    w = dataset.weight("pupils_po")
    # the evaluator works on the weight's shares (exact pupil shares of split gemeenten)
    a, b = dataset.division("swv_po").for_weight(w.name), dataset.division("jeugdregio")
    ev = MoveEvaluator(a, b, w)
    adjacency, _ = queen_adjacency(dataset.units)
    moves = ev.border_moves(adjacency)
    assert len(moves) > 300
    result = ev.evaluate(moves)
    rng = np.random.default_rng(3)
    for k in rng.choice(len(moves), 10, replace=False):
        unit, to, frm = result.loc[k, ["unit", "to", "from"]]
        expected = scratch(moved(a, unit, to, frm), b, w)
        assert expected == pytest.approx(scratch_moved(a, b, w, unit, to, frm), abs=1e-12)
        assert result.loc[k, "congruence"] == pytest.approx(expected, abs=1e-9)
