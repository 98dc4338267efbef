"""Tests of maps.compare_map: two synchronised maps with one scale and both scores."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from fixtures.synthetic import synthetic_dataset
from geo.dataset import Dataset
from geo.division import Division
from geo.overlap import score
from maps.changes import swv_changes
from maps.compare_map import ScenarioView, compare_map
from maps.division_map import change_label, page_html
from maps.layers import CHANGE_LAYER
from maps.page import page_layers


def _view(ds: Dataset, scenario: str, divisions: dict[str, Division]) -> ScenarioView:
    s = score(
        divisions["swv_po"],
        divisions["jeugdregio"],
        ds.weight("inhabitants"),
        weight_name="inhabitants",
    ).to_dict()
    return ScenarioView(scenario, divisions, s)


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return synthetic_dataset()


def _aligned(ds: Dataset) -> dict[str, Division]:
    """swv_po replaced by the jeugdregio blocks themselves: every region nested."""
    jr = ds.divisions["jeugdregio"]
    swv = Division.from_assignment("swv_po", jr.assignment(), region_names=jr.region_names)
    return {**ds.divisions, "swv_po": swv}


def test_compare_page_has_two_synced_maps_and_both_scores(ds: Dataset) -> None:
    left, right = _view(ds, "huidig", ds.divisions), _view(ds, "aligned", _aligned(ds))
    page = page_html(compare_map(ds, left, right, assets="/v", locale="en"))
    maps = sorted(set(re.findall(r"var (map_[0-9a-f]+) = L\.map", page)))
    assert len(maps) == 2
    assert f"{maps[0]}.sync({maps[1]})" in page or f"{maps[1]}.sync({maps[0]})" in page
    assert "/v/leaflet.sync/L.Map.Sync.js" in page and "cdn.jsdelivr" not in page
    assert "scenario huidig" in page and "scenario aligned" in page
    assert page.count("rk-legend") == 1 and page.count("rk-box rk-metrics") == 2
    found = page_layers(page)
    left_units = found["huidig: swv_po by containment"].features
    right_units = found["aligned: swv_po by containment"].features
    assert len(left_units) == len(right_units) == len(ds.units)
    assert {f["properties"]["m_containment"] for f in right_units} == {"1.000"}
    assert {f["properties"]["m_containment"] for f in left_units} != {"1.000"}
    assert f"{right.score['summary']['congruence']:.3f}" in page
    assert f"{left.score['summary']['congruence']:.3f}" in page
    assert "left: jeugdregio borders" in found and "right: jeugdregio borders" in found


def test_compare_needs_the_same_against_and_weight(ds: Dataset) -> None:
    left = _view(ds, "a", ds.divisions)
    other = score(
        ds.divisions["swv_po"], ds.divisions["jeugdregio"], ds.weight("area"), weight_name="area"
    ).to_dict()
    with pytest.raises(ValueError, match="same against/weight"):
        compare_map(ds, left, ScenarioView("b", ds.divisions, other))


def test_compare_puts_a_combined_swv_beside_todays_swv_po(ds: Dataset) -> None:
    swv = Division.from_assignment("swv", ds.divisions["swv_vo"].assignment())
    divisions = {**ds.divisions, "swv": swv}
    right = ScenarioView(
        "voorstel",
        divisions,
        score(
            swv, ds.divisions["jeugdregio"], ds.weight("inhabitants"), weight_name="inhabitants"
        ).to_dict(),
    )
    page = page_html(compare_map(ds, _view(ds, "huidig", ds.divisions), right, locale="en"))
    found = page_layers(page)
    assert {"huidig: swv_po by containment", "voorstel: swv by containment"} <= set(found)
    title = "huidig and voorstel side by side: swv_po | swv compared with jeugdregio"
    assert f"<title>{title} · regiokompas</title>" in page
    # only the proposal's side marks changes (huidig shows today's division)
    changes = swv_changes(ds, swv, "en")
    assert changes is not None
    outline = found[CHANGE_LAYER]
    assert [f["id"] for f in outline.features] == list(changes.index[changes["swv_changes"]])
    assert not any(name.startswith("left: ") and CHANGE_LAYER in name for name in found)
    assert page.count("rk-legend") == 1 and change_label(changes, "en") in page


def test_scenario_view_key() -> None:
    view = ScenarioView("x", {}, {"division": "swv_vo", "against": "jeugdregio", "weight": "area"})
    assert view.key == ("swv_vo", "jeugdregio", "area")
    assert pd.Series(dict.fromkeys(view.key, 1)).size == 3
