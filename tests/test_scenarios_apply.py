"""Applying scenarios: on synthetic data, and the library on the real data (integration)."""

from __future__ import annotations

import textwrap

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from fixtures.synthetic import synthetic_dataset
from geo.division import NO_REGION, Division
from geo.scenarios import ScenarioError, apply_scenario, library, load_scenario


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset()


def write(path, text: str):
    path.write_text(textwrap.dedent(text))
    return path


def same_shares(a: Division, b: Division) -> bool:
    b = b.reindexed(a.units)
    return list(a.columns) == list(b.columns) and (a.shares != b.shares).nnz == 0


# ------------------------------------------------------------------------------------ synthetic
def test_empty_scenario_returns_the_current_divisions_in_a_new_dict(ds) -> None:
    result = apply_scenario(load_scenario("huidig"), ds)
    assert result is not ds.divisions
    assert all(result[name] is division for name, division in ds.divisions.items())


def test_edits_see_the_results_of_earlier_edits(ds, tmp_path) -> None:
    path = write(
        tmp_path / "plan.yaml",
        """
        name: plan
        description: copy, then edit the copy
        edits:
          - {op: copy, division: plan, from: swv_po}
          - {op: merge, division: plan, regions: [C0, C1], into: C01, name: West}
          - {op: move, division: plan, unit: GM0002, to: C2}
          - {op: rename, division: plan, region: C3, code: EAST}
        """,
    )
    result = apply_scenario(load_scenario(path), ds)
    plan = result["plan"]
    assert list(plan.regions) == ["C01", "C2", "EAST"]
    assert plan.region_names["C01"] == "West"
    assert plan.unit_regions("GM0002") == {"C2": 1.0}
    assert same_shares(result["swv_po"], ds.divisions["swv_po"])  # the original is untouched
    assert plan.unit_regions("GM0000") == {"C01": 0.5, NO_REGION: 0.5}


def test_base_scenario_is_applied_first(ds, tmp_path) -> None:
    write(
        tmp_path / "base.yaml",
        """
        name: base
        description: merge two jeugdregio's
        edits:
          - {op: merge, division: jeugdregio, regions: [B0_0, B0_1], into: NW}
        """,
    )
    top = write(
        tmp_path / "top.yaml",
        """
        name: top
        description: on top of base
        base: base.yaml
        edits:
          - {op: split_by, division: swv_vo, by: jeugdregio}
        """,
    )
    result = apply_scenario(load_scenario(top), ds)
    assert "NW" in result["jeugdregio"].regions
    assert "R0-NW" in result["swv_vo"].regions
    library_base = write(tmp_path / "lib.yaml", "name: lib\ndescription: d\nbase: jeugdregio_41\n")
    with pytest.raises(ScenarioError) as info:  # the library base needs real jeugdregio codes
        apply_scenario(load_scenario(library_base), ds)
    assert "jeugdregio_41.yaml" in info.value.source and info.value.field == "regions"


def test_assign_from_a_csv_next_to_the_scenario(ds, tmp_path) -> None:
    units = list(ds.units.index)
    rows = [f"{u},{'N' if i < 24 else 'S'}" for i, u in enumerate(units)]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "plan.csv").write_text("unit,region\n" + "\n".join(rows) + "\n")
    path = write(
        tmp_path / "plan.yaml",
        """
        name: plan
        description: two halves from a Districtr-style CSV
        edits:
          - op: assign
            division: halves
            csv: data/plan.csv
            region_names: {N: Noord, S: Zuid}
          - {op: move, division: halves, unit: GM0000, to: S}
        """,
    )
    halves = apply_scenario(load_scenario(path), ds)["halves"]
    assert halves.n_regions == 2 and halves.region_names == {"N": "Noord", "S": "Zuid"}
    assert halves.assignment()["GM0000"] == "S"
    assert len(halves.region_units("N")) == 23


def test_chained_merges_are_fine_but_a_merge_back_is_a_cycle(ds, tmp_path) -> None:
    ok = write(
        tmp_path / "ok.yaml",
        """
        name: ok
        description: chain
        edits:
          - {op: merge, division: jeugdregio, regions: [B0_0], into: B0_1}
          - {op: merge, division: jeugdregio, regions: [B0_1], into: B0_2}
        """,
    )
    assert apply_scenario(load_scenario(ok), ds)["jeugdregio"].n_regions == 10
    cycle = write(
        tmp_path / "cycle.yaml",
        """
        name: cycle
        description: chain and back
        edits:
          - {op: merge, division: jeugdregio, regions: [B0_0], into: B0_1}
          - {op: merge, division: jeugdregio, regions: [B0_1], into: B0_2}
          - {op: merge, division: jeugdregio, regions: [B0_2], into: B0_0}
        """,
    )
    with pytest.raises(ScenarioError) as info:
        apply_scenario(load_scenario(cycle), ds)
    assert (info.value.position, info.value.field) == ("edits[2]", "into")
    assert "edits[0] merged 'B0_0' into 'B0_2'" in info.value.problem


def test_inline_document_without_a_file(ds) -> None:
    from geo.scenarios import validate_scenario

    doc = validate_scenario(
        {"name": "x", "description": "d", "edits": [{"op": "derive_swv", "rule": "po_base"}]},
        ds,
    )
    result = apply_scenario(doc, ds)
    assert same_shares(result["swv"], ds.divisions["swv_po"])


# ---------------------------------------------------------------------------------- real data
def component_partition(po: Division, vo: Division) -> dict[str, frozenset[str]]:
    """Unit -> PO/VO codes of its connected component in the overlap graph (networkx)."""
    graph = nx.Graph()
    for division, tag in ((po, "po"), (vo, "vo")):
        m = division.membership
        m = m[m["region"] != NO_REGION]
        graph.add_nodes_from((tag, r) for r in division.regions)
        graph.add_edges_from(
            (("unit", u), (tag, r)) for u, r in zip(m["unit"], m["region"], strict=True)
        )
    out: dict[str, frozenset[str]] = {}
    for component in nx.connected_components(graph):
        codes = frozenset(code for kind, code in component if kind != "unit")
        out.update({code: codes for kind, code in component if kind == "unit"})
    return out


@pytest.mark.integration
def test_po_vo_samen_has_one_swv_per_connected_component(dataset) -> None:
    result = apply_scenario(load_scenario("po_vo_samen"), dataset)
    swv = result["swv"]
    po, vo = dataset.divisions["swv_po"], dataset.divisions["swv_vo"]
    components = component_partition(po, vo)
    n_components = len(set(components.values()))
    print(f"po_vo_samen: {po.n_regions} PO + {vo.n_regions} VO SWVs -> {swv.n_regions} joint SWVs")
    assert swv.n_regions == n_components
    region_of = swv.assignment()
    pairs = pd.DataFrame({"swv": region_of, "component": pd.Series(components)})
    assert pairs.groupby("swv")["component"].nunique().eq(1).all()
    assert pairs.groupby("component")["swv"].nunique().eq(1).all()
    assert same_shares(result["swv_po"], swv) and same_shares(result["swv_vo"], swv)
    # the Europoort share of Rotterdam stays in no SWV
    assert swv.unassigned().to_dict() == pytest.approx(po.unassigned().to_dict())


@pytest.mark.integration
def test_swv_binnen_jeugdregio_nests_every_piece_by_area(dataset) -> None:
    result = apply_scenario(load_scenario("swv_binnen_jeugdregio"), dataset)
    area = dataset.weight("area")
    jz = dataset.divisions["jeugdregio"].membership
    for name in ("swv_po", "swv_vo"):
        pieces = result[name].membership
        pieces = pieces[pieces["region"] != NO_REGION].merge(jz, on="unit", suffixes=("", "_jz"))
        pieces["n"] = pieces["share"] * pieces["share_jz"] * pieces["unit"].map(area)
        table = pieces.groupby(["region", "region_jz"])["n"].sum()
        per_region = table.groupby(level="region")
        containment = per_region.max() / per_region.sum()
        assert containment.min() == pytest.approx(1.0, abs=1e-12)
        assert len(containment) == result[name].n_regions
        # each piece's jeugdregio is the one in its code
        assert all(r.rsplit("-", 1)[1] == j for r, j in table.index if table[(r, j)] > 0)
        # a refinement: the pieces of an SWV add up to the SWV
        totals = result[name].totals(area).drop(NO_REGION)
        parent = totals.groupby(totals.index.str.rsplit("-", n=1).str[0]).sum()
        original = dataset.divisions[name].totals(area).drop(NO_REGION)
        np.testing.assert_allclose(parent.reindex(original.index), original, rtol=1e-12)
        print(f"swv_binnen_jeugdregio: {name} {len(original)} -> {len(totals)} SWVs")


@pytest.mark.integration
def test_jeugdregio_41_merges_the_two_midden_limburg_regions(dataset) -> None:
    doc = load_scenario("jeugdregio_41")
    result = apply_scenario(doc, dataset)
    jz = dataset.divisions["jeugdregio"]
    by_name = {name: code for code, name in jz.region_names.items()}
    ml = {by_name["Midden-Limburg West"], by_name["Midden-Limburg Oost"]}
    merge = doc.edits[0]
    assert set(merge.regions) == ml
    new = result["jeugdregio"]
    assert new.n_regions == 41
    merged_units = set(jz.region_units(by_name["Midden-Limburg West"])) | set(
        jz.region_units(by_name["Midden-Limburg Oost"])
    )
    assert set(new.region_units(merge.into)) == merged_units
    assert new.region_names[merge.into] == "Midden-Limburg"


@pytest.mark.integration
@pytest.mark.parametrize(
    "name", ["huidig", "po_vo_samen", "swv_binnen_jeugdregio", "jeugdregio_41"]
)
def test_library_scenarios_preserve_totals_on_the_real_data(dataset, name) -> None:
    result = apply_scenario(library()[name], dataset)
    assert set(dataset.divisions) <= set(result)
    for weight in ("area", "inhabitants", "pupils"):
        w = dataset.weight(weight)
        for division_name, division in result.items():
            division.validate()
            assert division.totals(w).sum() == pytest.approx(w.sum(), rel=1e-12)
            before = dataset.divisions.get(division_name, dataset.divisions["swv_po"])
            assert division.totals(w)[NO_REGION] == pytest.approx(
                before.totals(w)[NO_REGION], rel=1e-12, abs=1e-9
            )


@pytest.mark.integration
def test_assign_keeps_the_postcode_split_of_gemeenten_it_leaves_alone(dataset) -> None:
    """An assign of today's own table changes nothing for any weight; one that moves
    Eindhoven changes only Eindhoven (and its rows become the table's for every weight)."""
    import warnings

    from geo.scenarios import apply_scenario, parse_scenario

    po = dataset.division("swv_po")
    rows = [{"unit": u, "region": r, "share": s} for u, r, s in po.membership.itertuples(False)]
    moved = [{**r, "region": "PO3008"} if r["unit"] == "GM0772" else r for r in rows]
    for table, changed in ((rows, set()), (moved, {"GM0772"})):
        doc = parse_scenario(
            {"name": "x", "description": "y",
             "edits": [{"op": "assign", "division": "swv_po", "membership": table}]}
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            after = apply_scenario(doc, dataset)["swv_po"]
        for weight in ("pupils_po", "inhabitants", "area"):
            one = po.for_weight(weight).membership.set_index(["unit", "region"])["share"]
            two = after.for_weight(weight).membership.set_index(["unit", "region"])["share"]
            both = pd.concat([one.rename("a"), two.rename("b")], axis=1).fillna(0.0)
            units = set(both.index[(both["a"] - both["b"]).abs() > 1e-12].get_level_values("unit"))
            assert units == changed, (weight, units)
        assert after.for_weight("pupils_po").unit_regions("GM0772") == (
            {"PO3008": 1.0} if changed else po.for_weight("pupils_po").unit_regions("GM0772")
        )
    assert po.split_units(), "the real swv_po splits gemeenten by postcode"
