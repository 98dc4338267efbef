"""Each edit verb on synthetic divisions, with expected values computed independently."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.synthetic import blocks, col_bands, grid, row_bands, split_unit, synthetic_dataset
from geo.division import NO_REGION, Division
from geo.scenarios import edits
from geo.scenarios.errors import EditError, EmptiedRegionWarning


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset()


@pytest.fixture(scope="module")
def area(ds) -> pd.Series:
    return ds.weight("pupils")


def shares_of(division: Division) -> pd.DataFrame:
    """Dense unit x column table of shares (for comparisons in tests)."""
    return pd.DataFrame(division.shares.toarray(), index=division.units, columns=division.columns)


# ----------------------------------------------------------------------------------------- move
def test_move_whole_unit_changes_totals_by_its_weight(ds, area) -> None:
    po = ds.divisions["swv_po"]
    before = po.totals(area)
    after = edits.move(po, "GM0001", "C1")
    assert after.unit_regions("GM0001") == {"C1": 1.0}
    moved = float(area["GM0001"])
    totals = after.totals(area)
    assert totals["C0"] == pytest.approx(before["C0"] - moved)
    assert totals["C1"] == pytest.approx(before["C1"] + moved)
    assert totals.sum() == pytest.approx(area.sum())


def test_move_keeps_the_no_region_share(ds) -> None:
    po = ds.divisions["swv_po"]
    assert po.unit_regions("GM0000") == {"C0": 0.5, NO_REGION: 0.5}
    after = edits.move(po, "GM0000", "C2")
    assert after.unit_regions("GM0000") == {"C2": 0.5, NO_REGION: 0.5}


def test_move_a_share_from_a_region(ds) -> None:
    vo = ds.divisions["swv_vo"]
    after = edits.move(vo, "GM0002", "R1", from_="R0", share=0.25)
    assert after.unit_regions("GM0002") == pytest.approx({"R0": 0.75, "R1": 0.25})
    again = edits.move(after, "GM0002", "R1", from_="R0")
    assert again.unit_regions("GM0002") == {"R1": 1.0}


def test_move_share_of_a_split_unit_needs_from() -> None:
    d = Division.from_membership(
        "d",
        pd.DataFrame({"unit": ["a", "a", "b"], "region": ["X", "Y", "Z"], "share": [0.5, 0.5, 1]}),
    )
    with pytest.raises(EditError) as info:
        edits.move(d, "a", "Z", share=0.1)
    assert info.value.field == "from"
    with pytest.raises(EditError) as info:
        edits.move(d, "a", "Z", from_="X", share=0.6)
    assert info.value.field == "share" and "sum to 1" in info.value.problem


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"unit": "GM9999", "to": "C1"}, "unit"),
        ({"unit": "GM0001", "to": "C9"}, "to"),
        ({"unit": "GM0001", "to": NO_REGION}, "to"),
        ({"unit": "GM0001", "to": "C1", "from_": "C3"}, "from"),
        ({"unit": "GM0001", "to": "C0"}, "to"),
        ({"unit": "GM0001", "to": "C0", "from_": "C0"}, "to"),
    ],
)
def test_move_rejects_bad_arguments_naming_the_field(ds, kwargs, field) -> None:
    with pytest.raises(EditError) as info:
        edits.move(ds.divisions["swv_po"], **kwargs)
    assert info.value.field == field


def test_move_of_the_last_unit_removes_the_region() -> None:
    d = Division.from_assignment("d", {"a": "X", "b": "Y"}, region_names={"X": "x", "Y": "y"})
    with pytest.warns(EmptiedRegionWarning, match="left region\\(s\\) X without units"):
        after = edits.move(d, "a", "Y")
    assert list(after.regions) == ["Y"] and dict(after.region_names) == {"Y": "y"}


# ---------------------------------------------------------------------------------------- merge
def test_merge_sums_region_totals(ds, area) -> None:
    jz = ds.divisions["jeugdregio"]
    before = jz.totals(area)
    after = edits.merge(jz, ["B0_0", "B0_1"], "B0_0", name="North-west")
    assert after.n_regions == jz.n_regions - 1
    assert after.region_names["B0_0"] == "North-west"
    assert after.totals(area)["B0_0"] == pytest.approx(before["B0_0"] + before["B0_1"])
    members = {u for u, c in jz.assignment().items() if c in {"B0_0", "B0_1"}}
    assert set(after.region_units("B0_0")) == members


def test_merge_into_new_code_and_into_another_existing_region(ds, area) -> None:
    jz = ds.divisions["jeugdregio"]
    new = edits.merge(jz, ["B0_0", "B0_1"], "NW")
    assert "NW" in new.regions and "B0_0" not in new.regions
    assert new.region_names["NW"] == "jeugdregio B0_0 + jeugdregio B0_1"
    three = edits.merge(jz, ["B0_0", "B0_1"], "B1_0")
    before = jz.totals(area)
    assert three.totals(area)["B1_0"] == pytest.approx(before[["B0_0", "B0_1", "B1_0"]].sum())


def test_merge_keeps_no_region_and_rejects_bad_codes(ds, area) -> None:
    po = ds.divisions["swv_po"]
    after = edits.merge(po, ["C0", "C1"], "C01")
    assert after.unit_regions("GM0000") == {"C01": 0.5, NO_REGION: 0.5}
    assert after.totals(area)[NO_REGION] == pytest.approx(po.totals(area)[NO_REGION])
    for regions, into, field in [
        (["C0", "C0"], "X", "regions"),
        (["C0", "C9"], "X", "regions"),
        (["C0", NO_REGION], "X", "regions"),
        (["C0"], NO_REGION, "into"),
    ]:
        with pytest.raises(EditError) as info:
            edits.merge(po, regions, into)
        assert info.value.field == field


# --------------------------------------------------------------------------------------- rename
def test_rename_code_and_name(ds) -> None:
    vo = ds.divisions["swv_vo"]
    after = edits.rename(vo, "R0", code="NORTH", name="Noord")
    assert list(after.regions) == ["NORTH", "R1"]
    assert after.region_names["NORTH"] == "Noord"
    assert (shares_of(after)["NORTH"] == shares_of(vo)["R0"]).all()
    only_name = edits.rename(vo, "R1", name="Zuid")
    assert only_name.region_names["R1"] == "Zuid" and list(only_name.regions) == ["R0", "R1"]
    with pytest.raises(EditError) as info:
        edits.rename(vo, "R0", code="R1")
    assert info.value.field == "code"
    with pytest.raises(EditError) as info:
        edits.rename(vo, "R7", code="X")
    assert info.value.field == "region"


# --------------------------------------------------------------------------------------- assign
def test_assign_builds_a_division_with_split_and_no_region_shares() -> None:
    units = pd.Index(["GM1", "GM2", "GM3"])
    m = pd.DataFrame(
        {
            "unit": ["GM1", "GM2", "GM2", "GM3"],
            "region": ["A", "A", NO_REGION, "B"],
            "share": [1.0, 0.7, 0.3, 1.0],
        }
    )
    d = edits.assign("plan", m, units, region_names={"A": "Alpha"})
    assert d.name == "plan" and list(d.regions) == ["A", "B"]
    assert d.unit_regions("GM2") == pytest.approx({"A": 0.7, NO_REGION: 0.3})
    assert d.region_names == {"A": "Alpha", "B": "B"}


@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        ([("GM1", "A", 1.0), ("GM2", "A", 1.0)], "membership", "not assigned"),
        ([("GM1", "A", 1), ("GM2", "A", 1), ("GM3", "B", 1), ("GM4", "B", 1)], "membership", "GM4"),
        ([("GM1", "A", 1), ("GM2", "A", 0.5), ("GM3", "B", 1)], "membership", "sum to 0.5"),
        (
            [("GM1", "A", 1), ("GM2", "A", -1), ("GM2", "B", 2), ("GM3", "B", 1)],
            "membership",
            ">= 0",
        ),
    ],
)
def test_assign_rejects_incomplete_or_inconsistent_tables(rows, field, words) -> None:
    m = pd.DataFrame(rows, columns=["unit", "region", "share"])
    with pytest.raises(EditError) as info:
        edits.assign("plan", m, pd.Index(["GM1", "GM2", "GM3"]))
    assert info.value.field == field and words in info.value.problem


def test_assign_rejects_names_of_regions_that_do_not_occur() -> None:
    m = pd.DataFrame({"unit": ["GM1"], "region": ["A"], "share": [1.0]})
    with pytest.raises(EditError) as info:
        edits.assign("plan", m, pd.Index(["GM1"]), region_names={"Z": "zed"})
    assert info.value.field == "region_names"


# ----------------------------------------------------------------------------------- derive_swv
def _components_by_networkx(po: Division, vo: Division) -> dict[str, frozenset[str]]:
    """Unit -> the set of PO and VO codes in its connected component (independent check)."""
    graph = nx.Graph()
    for division, prefix in ((po, "po:"), (vo, "vo:")):
        m = division.membership
        m = m[m["region"] != NO_REGION]
        graph.add_nodes_from(prefix + m["region"])
        for unit, regions in m.groupby("unit")["region"]:
            graph.add_edge("unit:" + unit, prefix + regions.iloc[0])
            for region in regions:
                graph.add_edge("unit:" + unit, prefix + region)
    out = {}
    for component in nx.connected_components(graph):
        codes = frozenset(n for n in component if not n.startswith("unit:"))
        for n in component:
            if n.startswith("unit:"):
                out[n[5:]] = codes
    return out


def test_derive_swv_components_match_networkx() -> None:
    units = grid(4, 6)
    po = col_bands(units, 3, name="swv_po")  # C0 C1 C2 (two columns each)
    vo = blocks(units, 4, 3, name="swv_vo")  # B0_0 (cols 0-2), B0_1 (cols 3-5)
    swv = edits.derive_swv(po, vo)
    assert swv.n_regions == 1  # C1 spans both VO blocks: everything is connected
    vo2 = col_bands(units, 3, name="swv_vo")
    swv2 = edits.derive_swv(po, edits.merge(vo2, ["C0", "C1"], "V01"))
    assert swv2.n_regions == 2
    expected = _components_by_networkx(po, edits.merge(vo2, ["C0", "C1"], "V01"))
    assignment = swv2.assignment()
    for u in units.index:
        for v in units.index:
            assert (assignment[u] == assignment[v]) == (expected[u] == expected[v])


def test_derive_swv_rules_and_no_region() -> None:
    ds = synthetic_dataset()
    po, vo = ds.divisions["swv_po"], ds.divisions["swv_vo"]
    assert shares_of(edits.derive_swv(po, vo, rule="vo_base")).equals(shares_of(vo))
    assert shares_of(edits.derive_swv(po, vo, rule="po_base")).equals(shares_of(po))
    joint = edits.derive_swv(po, vo, rule="components")
    # GM0000 is half in no PO SWV but wholly in a VO SWV: the smaller no-SWV share (0) counts
    assert joint.unassigned().empty
    vo_geen = split_unit(vo, "GM0000", {"R0": 0.5, NO_REGION: 0.5})
    assert edits.derive_swv(po, vo_geen).unassigned().to_dict() == {"GM0000": 0.5}
    with pytest.raises(EditError) as info:
        edits.derive_swv(po, vo, rule="largest")  # type: ignore[arg-type]
    assert info.value.field == "rule"


def test_derive_swv_requires_the_same_units() -> None:
    po = Division.from_assignment("swv_po", {"a": "P"})
    vo = Division.from_assignment("swv_vo", {"b": "V"})
    with pytest.raises(EditError) as info:
        edits.derive_swv(po, vo)
    assert info.value.field == "vo"


# ------------------------------------------------------------------------------------- split_by
def test_split_by_nests_every_piece_and_merges_back(ds, area) -> None:
    po, jz = ds.divisions["swv_po"], ds.divisions["jeugdregio"]
    cut = edits.split_by(po, jz)
    assert "C0-B0_0" in cut.regions and cut.region_names["C0-B0_0"] == "swv_po C0 / jeugdregio B0_0"
    jz_of = jz.assignment()
    for region in cut.regions:
        assert len({jz_of[u] for u in cut.region_units(region)}) == 1
    assert cut.totals(area)[NO_REGION] == pytest.approx(po.totals(area)[NO_REGION])
    back = cut
    for parent in po.regions:
        pieces = [r for r in back.regions if r.startswith(parent + "-")]
        back = edits.merge(back, pieces, parent)
    assert shares_of(back.reindexed(po.units))[list(po.columns)].equals(shares_of(po))


def test_split_by_divides_split_units_in_proportion() -> None:
    a = Division.from_assignment("a", {"u": "A", "v": "A"})
    b = Division.from_membership(
        "b",
        pd.DataFrame(
            {
                "unit": ["u", "u", "u", "v"],
                "region": ["X", "Y", NO_REGION, "Y"],
                "share": [0.2, 0.6, 0.2, 1.0],
            }
        ),
    )
    cut = edits.split_by(a, b, name="cut")
    assert cut.name == "cut"
    assert cut.unit_regions("u") == pytest.approx({"A-X": 0.25, "A-Y": 0.75})
    only_geen = Division.from_membership(
        "b", pd.DataFrame({"unit": ["u", "v"], "region": [NO_REGION, "Y"], "share": [1.0, 1.0]})
    )
    assert edits.split_by(a, only_geen).unit_regions("u") == {"A": 1.0}


# ------------------------------------------------------------------------------- property tests
@st.composite
def fractional_division(draw: st.DrawFn, n_units: int = 8, n_regions: int = 4) -> Division:
    """A random division with split units and 'no region' shares."""
    rows = []
    for i in range(n_units):
        k = draw(st.integers(1, 3))
        regions = draw(
            st.lists(
                st.sampled_from([f"R{j}" for j in range(n_regions)] + [NO_REGION]),
                min_size=k,
                max_size=k,
                unique=True,
            )
        )
        raw = np.array(draw(st.lists(st.integers(1, 9), min_size=k, max_size=k)), float)
        for region, share in zip(regions, raw / raw.sum(), strict=True):
            rows.append((f"u{i}", region, share))
    m = pd.DataFrame(rows, columns=["unit", "region", "share"])
    return Division.from_membership("d", m, units=[f"u{i}" for i in range(n_units)])


weights_strategy = st.lists(
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False), min_size=8, max_size=8
)


def _check_preserved(before: Division, after: Division, w: pd.Series, *, geen: bool = True) -> None:
    after.validate()
    assert list(after.units) == list(before.units)
    assert after.totals(w).sum() == pytest.approx(w.sum(), rel=1e-9, abs=1e-6)
    if geen:
        assert after.totals(w)[NO_REGION] == pytest.approx(before.totals(w)[NO_REGION], abs=1e-6)
        assert after.unassigned().to_dict() == pytest.approx(before.unassigned().to_dict())


@pytest.mark.filterwarnings("ignore::geo.scenarios.errors.EmptiedRegionWarning")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=fractional_division(), values=weights_strategy, data=st.data())
def test_every_edit_preserves_totals_and_no_region(d, values, data) -> None:
    w = pd.Series(values, index=d.units)
    if d.n_regions >= 1:
        regions = list(d.regions)
        unit = data.draw(st.sampled_from(list(d.units)))
        to = data.draw(st.sampled_from(regions))
        try:
            _check_preserved(d, edits.move(d, unit, to), w)
        except EditError as exc:  # only when the unit already lies wholly in 'to' or nowhere
            in_regions = {r for r in d.unit_regions(unit) if r != NO_REGION}
            assert exc.field == ("to" if in_regions else "unit") and in_regions <= {to}
        members = data.draw(st.lists(st.sampled_from(regions), min_size=1, unique=True))
        merged = edits.merge(d, members, "M")
        _check_preserved(d, merged, w)
        assert merged.totals(w)["M"] == pytest.approx(d.totals(w)[members].sum(), abs=1e-6)
        _check_preserved(d, edits.rename(d, regions[0], code="NEW"), w)
    other = data.draw(fractional_division())
    _check_preserved(d, edits.split_by(d, other), w)
    _check_preserved(d, edits.copy(d, "e"), w)
    for rule in ("vo_base", "components"):
        _check_preserved(d, edits.derive_swv(other, d, rule=rule), w, geen=rule == "vo_base")
    _check_preserved(d, edits.derive_swv(d, other, rule="po_base"), w)
    _check_preserved(d, edits.derive_swv(d, d, rule="components"), w)
    m = d.membership
    _check_preserved(d, edits.assign("x", m, d.units), w)


def draw_share_and_target(d: Division, data: st.DataObject) -> tuple[pd.Series, str] | None:
    """A random (unit, region, share) row of ``d`` in a region and another region to move it
    to; None when ``d`` has no such pair."""
    m = d.membership
    in_regions = m[m["region"] != NO_REGION]
    if in_regions.empty or d.n_regions < 2:
        return None
    row = in_regions.iloc[data.draw(st.integers(0, len(in_regions) - 1))]
    return row, data.draw(st.sampled_from([r for r in d.regions if r != row["region"]]))


@pytest.mark.filterwarnings("ignore::geo.scenarios.errors.EmptiedRegionWarning")
@settings(max_examples=40, deadline=None)
@given(d=fractional_division(), data=st.data())
def test_move_of_a_share_is_exact(d, data) -> None:
    drawn = draw_share_and_target(d, data)
    if drawn is None:
        return
    row, to = drawn
    share = data.draw(st.floats(1e-6, float(row["share"])))
    after = edits.move(d, row["unit"], to, from_=row["region"], share=share)
    before_row, after_row = d.unit_regions(row["unit"]), after.unit_regions(row["unit"])
    assert after_row.get(row["region"], 0.0) == pytest.approx(before_row[row["region"]] - share)
    assert after_row[to] == pytest.approx(before_row.get(to, 0.0) + share)


def _move_by_table(d: Division, unit: str, to: str, from_: str | None, share: float | None):
    """The move rule written on the membership table (independent of the CSR splice)."""
    row = d.unit_regions(unit)
    in_regions = {r: s for r, s in row.items() if r != NO_REGION}
    if from_ is None and share is not None:
        from_ = next(iter(in_regions))
    if from_ is None:
        moving = {r: s for r, s in in_regions.items() if r != to}
    else:
        have = in_regions[from_]
        moving = {from_: min(have if share is None else share, have)}
    m = d.membership
    rows = m.loc[m["unit"] == unit].set_index("region")["share"]
    for region, amount in moving.items():
        rows[region] = 0.0 if amount >= rows[region] else rows[region] - amount
    rows[to] = rows.get(to, 0.0) + sum(moving.values())
    new = pd.concat(
        [m.loc[m["unit"] != unit], pd.DataFrame({"unit": unit, "region": rows.index,
                                                 "share": rows.to_numpy()})],
        ignore_index=True,
    )  # fmt: skip
    new = new.loc[new["share"] > 0]
    names = {c: n for c, n in d.region_names.items() if c in set(new["region"])}
    return Division.from_membership(d.name, new, units=d.units, region_names=names)


@pytest.mark.filterwarnings("ignore::geo.scenarios.errors.EmptiedRegionWarning")
@settings(max_examples=150, deadline=None)
@given(d=fractional_division(), data=st.data())
def test_move_equals_the_membership_table_rule_bit_for_bit(d, data) -> None:
    drawn = draw_share_and_target(d, data)
    if drawn is None:
        return
    row, to = drawn
    whole = data.draw(st.booleans())
    split = len([r for r in d.unit_regions(row["unit"]) if r != NO_REGION]) > 1
    from_ = None if whole and not split else row["region"]
    share = None if whole else data.draw(st.floats(1e-6, float(row["share"])))
    got = edits.move(d, row["unit"], to, from_=from_, share=share)
    want = _move_by_table(d, row["unit"], to, from_, share)
    assert list(got.regions) == list(want.regions)
    assert dict(got.region_names) == dict(want.region_names)
    assert (got.shares != want.shares).nnz == 0  # exactly the same floats
    assert got.shares.has_sorted_indices


def test_move_to_a_new_region_needs_a_free_code() -> None:
    d = Division.from_assignment("d", {"a": "X", "b": "X", "c": "Y"})
    new = edits.move(d, "b", "Z", name="Nieuw")
    assert list(new.regions) == ["X", "Y", "Z"] and new.region_names["Z"] == "Nieuw"
    assert new.unit_regions("b") == {"Z": 1.0}
    with pytest.raises(EditError, match="already exists") as info:
        edits.move(d, "b", "Y", name="Nieuw")
    assert info.value.field == "to"
    with pytest.raises(EditError, match="reserved") as info:
        edits.move(d, "b", NO_REGION, name="Nieuw")
    with pytest.raises(EditError, match="unknown region 'Z'"):
        edits.move(d, "b", "Z")  # without a name, 'to' must exist
    # the last unit of a region may start a new one: the old region disappears
    with pytest.warns(EmptiedRegionWarning):
        only = edits.move(d, "c", "W", name="w")
    assert list(only.regions) == ["W", "X"]


def test_bands_fixture_sanity() -> None:
    """The fixtures used above behave as documented (guards the expectations of this module)."""
    units = grid(6, 8)
    assert row_bands(units, 2).n_regions == 2 and col_bands(units, 4).n_regions == 4
