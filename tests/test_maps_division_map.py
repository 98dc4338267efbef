"""Tests of maps.division_map: synthetic squares for the rules, the real data for size/content."""

from __future__ import annotations

import pytest

from fixtures.synthetic import synthetic_dataset
from geo.dataset import Dataset
from geo.division import Division
from geo.errors import DivisionError
from geo.overlap import score
from maps.changes import swv_changes
from maps.division_map import (
    change_label,
    division_map,
    overlay_names,
    page_html,
    scored_divisions,
)
from maps.layers import CHANGE_LAYER
from maps.page import page_layers

MAX_PAGE_BYTES = 1_500_000
"""The national map page must stay under 1.5 MB (issue 4)."""


def _score(ds: Dataset, division: str, against: str, weight: str) -> dict:
    return score(
        ds.division(division), ds.division(against), ds.weight(weight), weight_name=weight
    ).to_dict()


@pytest.fixture(scope="module")
def synthetic() -> Dataset:
    return synthetic_dataset()


def test_synthetic_page_has_every_layer_and_the_legend(synthetic: Dataset) -> None:
    ds = synthetic
    s = _score(ds, "swv_po", "jeugdregio", "inhabitants")
    page = page_html(division_map(ds, ds.divisions, s, scenario="toets", assets="/v", locale="en"))
    found = page_layers(page)
    units = found["gemeenten: swv_po by containment"]
    assert units.shown and len(units.features) == len(ds.units)
    assert found["swv_po borders"].shown and len(found["swv_po borders"].features) == 4
    assert found["jeugdregio borders"].shown
    assert len(found["jeugdregio borders"].features) == ds.divisions["jeugdregio"].n_regions
    split = found["gemeenten split between swv_po regions"]
    assert [f["id"] for f in split.features] == ds.divisions["swv_po"].split_units()
    hidden = {
        "provinces",
        "arbeidsmarktregio borders",
        "ggdregio borders",
        "swv_vo borders",
        "veiligheidsregio borders",
    }
    assert hidden <= set(found) and not any(found[name].shown for name in hidden)
    assert "special-education locations" not in found, "the synthetic dataset has no schools"
    assert "rk-legend" in page and "rk-metrics" in page
    assert (
        "Figures of scenario toets" in page
        and "<title>toets: swv_po compared with jeugdregio · regiokompas</title>" in page
    )
    congruence = f"{s['summary']['congruence']:.3f}"
    assert congruence in page
    assert '<script src="/v/leaflet/leaflet.js"></script>' in page
    assert "cdn.jsdelivr" not in page and "code.jquery" not in page
    names = {f["properties"]["gemeente"] for f in units.features}
    assert "Gemeente 0-0 (GM0000)" in names


def test_a_changed_swv_division_outlines_the_gemeenten_whose_swv_changes(
    synthetic: Dataset,
) -> None:
    ds = synthetic
    swv = Division.from_assignment("swv", ds.division("swv_vo").assignment())
    divisions = {**ds.divisions, "swv": swv}
    s = score(swv, ds.division("jeugdregio"), ds.weight("pupils"), weight_name="pupils").to_dict()
    page = page_html(division_map(ds, divisions, s, scenario="voorstel", locale="en"))
    found = page_layers(page)
    changes = swv_changes(ds, swv, "en")
    assert changes is not None
    marked = list(changes.index[changes["swv_changes"]])
    assert 0 < len(marked) < len(ds.units)
    outline = found[CHANGE_LAYER]
    assert outline.shown and [f["id"] for f in outline.features] == marked
    tooltips = {f["id"]: f["properties"] for f in found["gemeenten: swv by containment"].features}
    assert all(tooltips[code]["swv_change"].startswith("PO C") for code in marked)
    assert {tooltips[code]["swv_change"] for code in tooltips if code not in marked} == {"no"}
    assert change_label(changes, "en") in page and '"SWV changes"' in page
    # today's division and mark_changes=False: no outline, no tooltip row
    plain = page_html(
        division_map(ds, divisions, s, scenario="voorstel", mark_changes=False, locale="en")
    )
    assert CHANGE_LAYER not in page_layers(plain) and '"SWV changes"' not in plain
    today = page_html(
        division_map(ds, ds.divisions, _score(ds, "swv_po", "jeugdregio", "area"), scenario="h")
    )
    assert CHANGE_LAYER not in page_layers(today)


def test_colours_follow_the_score_not_the_division_name(synthetic: Dataset) -> None:
    ds = synthetic
    reverse = _score(ds, "jeugdregio", "swv_po", "area")
    page = page_html(division_map(ds, ds.divisions, reverse, scenario="x", locale="en"))
    found = page_layers(page)
    assert "gemeenten: jeugdregio by containment" in found
    props = found["gemeenten: jeugdregio by containment"].features[0]["properties"]
    assert props["against_region"].startswith("C0") or "no region" in props["against_region"]
    assert '"area (km\\u00b2) (weight)"' in page


def test_overlays_can_be_chosen_and_unknown_ones_are_named(synthetic: Dataset) -> None:
    ds = synthetic
    s = _score(ds, "swv_vo", "jeugdregio", "inhabitants")
    page = page_html(
        division_map(ds, ds.divisions, s, scenario="x", overlays=["provincie"], locale="en")
    )
    found = page_layers(page)
    assert "provinces" in found and "ggdregio borders" not in found
    with pytest.raises(DivisionError, match="'nope'"):
        division_map(ds, ds.divisions, s, scenario="x", overlays=["nope"])


def test_unknown_scored_division_is_named() -> None:
    with pytest.raises(DivisionError, match=r"'swv'.*score\['division'\].*jeugdregio"):
        scored_divisions({"jeugdregio": None}, {"division": "swv", "against": "jeugdregio"})


def test_overlay_names_put_provinces_first() -> None:
    names = overlay_names(dict.fromkeys(["swv_vo", "provincie", "ggdregio", "swv_po"]), ["swv_po"])
    assert names == ["provincie", "ggdregio", "swv_vo"]


# ---------------------------------------------------------------------- real data
@pytest.mark.integration
def test_national_map_is_light_and_complete(dataset: Dataset) -> None:
    s = _score(dataset, "swv_po", "jeugdregio", "inhabitants")
    page = page_html(
        division_map(
            dataset,
            dataset.divisions,
            s,
            scenario="huidig",
            assets="/maps/static/vendor",
            locale="en",
        )
    )
    size = len(page.encode("utf-8"))
    assert size < MAX_PAGE_BYTES, f"national map page is {size:,} bytes"
    found = page_layers(page)
    units = found["gemeenten: swv_po by containment"]
    assert len(units.features) == len(dataset.units) == 342
    tooltips = {f["id"]: f["properties"] for f in units.features}
    assert tooltips["GM0363"]["gemeente"] == "Amsterdam (GM0363)"
    amsterdam_jr = dataset.division("jeugdregio").assignment()["GM0363"]
    assert f"({amsterdam_jr})" in tooltips["GM0363"]["against_region"]
    assert (
        tooltips["GM0363"]["w_inhabitants"] == f"{dataset.units.loc['GM0363', 'inhabitants']:,.0f}"
    )
    # every gemeente's tooltip carries its region's containment from the score
    by_region = {r["region"]: r["containment"] for r in s["regions"]}
    main = dataset.division("swv_po").assignment()
    for code, props in tooltips.items():
        if main[code] in by_region:
            assert props["m_containment"] == f"{by_region[main[code]]:.3f}"
    split = found["gemeenten split between swv_po regions"]
    assert {f["id"] for f in split.features} == set(dataset.division("swv_po").split_units())
    assert len(found["jeugdregio borders"].features) == 42
    schools = found["special-education locations"]
    expected_schools = int(dataset.special_schools.geometry.notna().sum())
    assert len(schools.features) == expected_schools > 800
    for name in (
        "provinces",
        "swv_vo borders",
        "ggdregio borders",
        "veiligheidsregio borders",
        "arbeidsmarktregio borders",
    ):
        assert name in found and not found[name].shown
    assert len(found["provinces"].features) == 12
    assert "rk-legend" in page
    assert f"{s['summary']['congruence']:.3f}" in page


def test_national_map_draws_the_real_swv_borders(dataset: Dataset) -> None:
    """Inside split gemeenten the SWV borders follow the postcodes: Hoek van Holland (part of
    Rotterdam) lies in PO2803's area, Weesp (part of Amsterdam) in PO2709's, and the Europoort
    is drawn as 'no SWV'; the SWV areas neither overlap nor leave gaps where they meet."""
    import shapely

    s = _score(dataset, "swv_po", "jeugdregio", "inhabitants")
    page = page_html(division_map(dataset, dataset.divisions, s, scenario="huidig", locale="en"))
    found = page_layers(page)
    borders = {
        f["id"]: shapely.geometry.shape(f["geometry"]) for f in found["swv_po borders"].features
    }
    assert len(borders) == 76
    hoek_van_holland, weesp = shapely.Point(4.13, 51.977), shapely.Point(5.042, 52.307)
    rotterdam_centre, amsterdam_centre = shapely.Point(4.48, 51.92), shapely.Point(4.90, 52.37)
    assert borders["PO2803"].contains(hoek_van_holland)
    assert borders["PO2806"].contains(rotterdam_centre)
    assert borders["PO2709"].contains(weesp)
    assert borders["PO2707"].contains(amsterdam_centre)
    no_swv = found["no swv_po region"]
    europoort = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in no_swv.features])
    assert europoort.contains(shapely.Point(4.05, 51.96))  # Maasvlakte
    assert not any(b.contains(shapely.Point(4.05, 51.96)) for b in borders.values())
    # neighbours share borders exactly: the areas of PO2803 and PO2806 do not overlap
    assert shapely.area(shapely.intersection(borders["PO2803"], borders["PO2806"])) < 1e-7


@pytest.mark.parametrize(
    ("locale", "words"),
    [("nl", "OpenStreetMap</a>-bijdragers"), ("en", "OpenStreetMap</a> contributors")],
)
def test_the_background_maps_credit_is_in_the_readers_language(locale: str, words: str) -> None:
    """OpenStreetMap's required credit ('© OpenStreetMap contributors') in the page's language:
    no English word in the corner of a Dutch map."""
    import json
    import re

    from maps.division_map import new_map

    page = new_map("OpenStreetMap", locale=locale).get_root().render()
    credits = [json.loads(a) for a in re.findall(r'"attribution": ("(?:[^"\\]|\\.)*")', page)]
    assert len(credits) == 1 and words in credits[0], credits
    assert "openstreetmap.org/copyright" in credits[0]
