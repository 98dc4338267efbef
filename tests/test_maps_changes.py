"""Tests of maps.changes: which gemeenten change SWV, by the disruption definition."""

from __future__ import annotations

import pandas as pd
import pytest

from fixtures.synthetic import synthetic_dataset
from geo.dataset import Dataset
from geo.division import NO_REGION, Division
from maps.changes import swv_changes


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return synthetic_dataset()


def _expected_changed(ds: Dataset, new: pd.Series, levels: tuple[str, ...]) -> set[str]:
    """Gemeenten with a pupil whose current SWV is continued elsewhere, counted with pandas.

    Continuation of a current SWV = the new SWV holding most of its pupils (ties: first code).
    """
    changed: set[str] = set()
    for level in levels:
        m = ds.division(f"swv_{level}").membership
        m = m[m["region"] != NO_REGION].copy()
        m["pupils"] = m["share"] * m["unit"].map(ds.units[f"pupils_{level}"].astype(float))
        m["new"] = m["unit"].map(new)
        received = m.groupby(["region", "new"])["pupils"].sum().reset_index()
        received = received.sort_values(["region", "pupils", "new"], ascending=[True, False, True])
        cont = received.drop_duplicates("region").set_index("region")["new"]
        moved = m[(m["new"] != m["region"].map(cont)) & (m["pupils"] > 0)]
        changed |= set(moved["unit"])
    return changed


def test_a_combined_swv_marks_gemeenten_by_both_levels(ds: Dataset) -> None:
    # the VO row bands as the combined SWVs: VO keeps everyone, every PO column band is cut in
    # two and its smaller half (by pupils) changes
    new = ds.division("swv_vo").assignment()
    changes = swv_changes(ds, Division.from_assignment("swv", new))
    assert changes is not None and changes.index.equals(ds.units.index)
    marked = set(changes.index[changes["swv_changes"]])
    assert marked == _expected_changed(ds, new, ("po", "vo"))
    assert 0 < len(marked) < len(ds.units)
    assert changes["changed_vo"].sum() == 0.0
    assert (changes.loc[~changes["swv_changes"], "text"] == "nee").all(), "Dutch by default"
    assert changes["changed"].equals(changes["changed_po"] + changes["changed_vo"])


def test_tooltip_text_names_the_move_and_the_pupils(ds: Dataset) -> None:
    # GM0001 (row 0, col 1) lies in PO band C0 and VO band R0; give it an SWV of its own
    new = pd.Series("REST", index=ds.units.index)
    new["GM0001"] = "X"
    changes = swv_changes(ds, Division.from_assignment("swv", new))
    assert changes is not None
    po, vo = (int(ds.units.loc["GM0001", f"pupils_{level}"]) for level in ("po", "vo"))
    assert changes.loc["GM0001", "text"] == (
        f"PO C0 → X ({po:,} leerlingen); VO R0 → X ({vo:,} leerlingen)".replace(",", ".")
    )
    assert list(changes.index[changes["swv_changes"]]) == ["GM0001"]
    english = swv_changes(ds, Division.from_assignment("swv", new), "en")
    assert english is not None
    assert english.loc["GM0001", "text"] == f"PO C0 → X ({po:,} pupils); VO R0 → X ({vo:,} pupils)"


def test_one_level_division_counts_only_its_own_pupils(ds: Dataset) -> None:
    # swv_vo replaced by the jeugdregio blocks: only VO pupils count, only the VO line shows
    new = ds.division("jeugdregio").assignment()
    changes = swv_changes(ds, Division.from_assignment("swv_vo", new))
    assert changes is not None
    assert changes["changed_po"].sum() == 0.0
    assert set(changes.index[changes["swv_changes"]]) == _expected_changed(ds, new, ("vo",))
    texts = changes.loc[changes["swv_changes"], "text"]
    assert texts.str.startswith("VO ").all() and not texts.str.contains("PO ").any()


def test_a_split_gemeente_that_keeps_its_shares_is_not_marked(ds: Dataset) -> None:
    # today's swv_po splits GM0000 half into C0, half into no SWV; relabel C0 -> K0 only
    membership = ds.division("swv_po").membership
    relabelled = membership.assign(region=membership["region"].replace({"C0": "K0"}))
    changes = swv_changes(ds, Division.from_membership("swv_po", relabelled))
    assert changes is not None and not changes["swv_changes"].any()


def test_today_and_non_swv_divisions_mark_nothing(ds: Dataset) -> None:
    assert swv_changes(ds, ds.division("swv_po")) is None
    assert swv_changes(ds, ds.division("swv_vo")) is None
    assert swv_changes(ds, ds.division("jeugdregio")) is None


@pytest.mark.integration
def test_real_cut_along_jeugdregio_borders_changes_exactly_the_unavoidable_pupils(
    dataset: Dataset,
) -> None:
    """swv_binnen_jeugdregio keeps each SWV's piece in its home jeugdregio and relabels the
    rest, split gemeenten included: the pupils it changes are exactly those outside their SWV's
    home jeugdregio (home_regions, counted without any new division)."""
    from geo.overlap.disruption import home_regions
    from geo.scenarios import apply_scenario, load_scenario

    divisions = apply_scenario(load_scenario("swv_binnen_jeugdregio"), dataset)
    regions = dataset.division("jeugdregio").assignment()
    for level in ("po", "vo"):
        changes = swv_changes(dataset, divisions[f"swv_{level}"])
        assert changes is not None
        outside = home_regions(
            dataset.division(f"swv_{level}"), dataset.weight(f"pupils_{level}"), regions
        )["outside_home"].sum()
        assert changes[f"changed_{level}"].sum() == pytest.approx(outside, abs=0.5)
        assert changes["changed"].sum() == changes[f"changed_{level}"].sum()
    # po_vo_samen only merges SWVs: nobody changes
    merged = apply_scenario(load_scenario("po_vo_samen"), dataset)
    changes = swv_changes(dataset, merged["swv"])
    assert changes is not None and not changes["swv_changes"].any()
