"""Tests of maps.layers on hand-made squares whose containment is known in closed form."""

from __future__ import annotations

import dataclasses

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from fixtures.synthetic import col_bands, grid, synthetic_dataset
from geo.config import CRS_WEB
from geo.dataset import WEIGHTS, Dataset
from geo.division import NO_REGION, Division
from geo.overlap import score
from maps import layers, style
from maps.geometry import web_geometry
from maps.i18n import weight_label
from maps.page import page_layers

INHABITANTS = [100.0, 300.0, 100.0, 500.0]
"""GM0000..GM0003 of a 2 x 2 grid: left column 200, right column 800."""


def _rgb(color: str) -> list[int]:
    return [int(color[i : i + 2], 16) for i in (1, 3, 5)]


def _lerp(a: str, b: str, t: float) -> list[float]:
    """Linear interpolation of two '#rrggbb' colours, done here without branca."""
    return [x + (y - x) * t for x, y in zip(_rgb(a), _rgb(b), strict=True)]


@pytest.fixture()
def square_dataset() -> Dataset:
    """2 x 2 squares: swv_po = one region P over all four, jeugdregio = two columns C0, C1.

    By hand: P's weight is 1000, of which 800 lies in C1, so P's containment is 0.8; each
    column lies wholly in P (reverse containment 1).
    """
    base = synthetic_dataset(2, 2)
    units = base.units.copy()
    units["inhabitants"] = INHABITANTS
    metric = grid(2, 2)
    divisions = {
        "swv_po": Division.from_assignment(
            "swv_po", dict.fromkeys(units.index, "P"), region_names={"P": "Passend P"}
        ),
        "jeugdregio": col_bands(metric, 2, name="jeugdregio"),
        "provincie": col_bands(metric, 1, name="provincie"),
    }
    return dataclasses.replace(base, units=units, divisions=divisions)


def _score(ds: Dataset, division: str = "swv_po", against: str = "jeugdregio") -> dict:
    return score(
        ds.divisions[division],
        ds.divisions[against],
        ds.weight("inhabitants"),
        weight_name="inhabitants",
    ).to_dict()


def test_unit_frame_colours_every_gemeente_by_its_regions_containment(
    square_dataset: Dataset,
) -> None:
    ds = square_dataset
    frame = layers.unit_frame(
        ds, web_geometry(ds.units), ds.divisions["swv_po"], ds.divisions["jeugdregio"], _score(ds)
    )
    assert frame["containment"].tolist() == pytest.approx([0.8] * 4)
    # 0.8 lies between the stops 0.75 and 0.875 of the scale, 40 % of the way
    expected = _lerp(style.CONTAINMENT_COLORS[2], style.CONTAINMENT_COLORS[3], 0.4)
    assert frame["fill"].nunique() == 1
    assert _rgb(frame["fill"].iloc[0]) == pytest.approx(expected, abs=1.0)  # 8-bit rounding
    assert frame.loc["GM0001", "m_containment"] == "0,800", "Dutch decimal comma"
    assert frame.loc["GM0001", "m_best_match_name"] == ds.divisions["jeugdregio"].region_names["C1"]
    assert frame.loc["GM0001", "m_nested"] == "nee"
    assert frame.loc["GM0003", "w_inhabitants"] == "500"
    assert frame.loc["GM0000", "gemeente"] == "Gemeente 0-0 (GM0000)"
    assert frame.loc["GM0000", "region"] == "Passend P (P)"
    assert frame.loc["GM0000", "against_region"] == "jeugdregio C0 (C0)"


def test_unit_frame_reverse_direction_is_nested(square_dataset: Dataset) -> None:
    ds = square_dataset
    frame = layers.unit_frame(
        ds,
        web_geometry(ds.units),
        ds.divisions["jeugdregio"],
        ds.divisions["swv_po"],
        _score(ds, "jeugdregio", "swv_po"),
    )
    assert frame["containment"].tolist() == pytest.approx([1.0] * 4)
    assert set(frame["fill"]) == {style.CONTAINMENT_COLORS[-1]}
    assert set(frame["m_nested"]) == {"ja"}


def test_unit_in_no_region_gets_the_no_data_colour(square_dataset: Dataset) -> None:
    ds = square_dataset
    membership = pd.DataFrame(
        {
            "unit": ["GM0000", "GM0001", "GM0002", "GM0003", "GM0003"],
            "region": [NO_REGION, "P", "P", "P", NO_REGION],
            "share": [1.0, 1.0, 1.0, 0.25, 0.75],
        }
    )
    swv = Division.from_membership("swv_po", membership, units=ds.units.index)
    frame = layers.unit_frame(
        ds,
        web_geometry(ds.units),
        swv,
        ds.divisions["jeugdregio"],
        score(swv, ds.divisions["jeugdregio"], ds.weight("inhabitants"), weight_name="w").to_dict(),
    )
    assert frame.loc["GM0000", "fill"] == style.NO_DATA_COLOR
    assert frame.loc["GM0003", "fill"] == style.NO_DATA_COLOR
    assert frame.loc["GM0001", "fill"] != style.NO_DATA_COLOR
    assert frame.loc["GM0003", "region"] == "geen regio 75% · P 25%"
    assert frame.loc["GM0000", "m_containment"] == "–"


def test_region_labels_name_every_share() -> None:
    m = pd.DataFrame(
        {
            "unit": ["a", "b", "b", "b"],
            "region": ["X", "X", "Y", NO_REGION],
            "share": [1.0, 0.5, 0.3, 0.2],
        }
    )
    d = Division.from_membership("d", m, region_names={"X": "Ex", "Y": "Why"})
    labels = layers.region_labels(d)
    assert labels["a"] == "Ex (X)"
    assert labels["b"] == "Ex (X) 50% · Why (Y) 30% · geen regio 20%"
    assert layers.region_labels(d, "en")["b"] == "Ex (X) 50% · Why (Y) 30% · no region 20%"


def test_unit_fields_show_the_chosen_weight_then_all_weights() -> None:
    fields = layers.unit_fields("swv_vo", "jeugdregio", "pupils_vo", locale="en")
    names = [name for name, _ in fields]
    assert names[:5] == ["gemeente", "region", "against_region", "w_pupils_vo", "weights"]
    assert [n for n in names if n.startswith("w_")] == ["w_pupils_vo"]
    assert dict(fields)["w_pupils_vo"] == "pupils in secondary education (weight)"
    assert dict(fields)["region"] == "samenwerkingsverband vo"
    dutch = dict(layers.unit_fields("swv_vo", "jeugdregio", "pupils_vo"))
    assert dutch["w_pupils_vo"] == "leerlingen vo (weging)"
    assert [n for n in names if n.startswith("m_")] == [f"m_{k}" for k, _ in layers.REGION_METRICS]


def test_weights_row_lists_every_weight(square_dataset: Dataset) -> None:
    ds = square_dataset
    frame = layers.unit_frame(
        ds, web_geometry(ds.units), ds.divisions["swv_po"], ds.divisions["jeugdregio"], _score(ds)
    )
    row = frame.loc["GM0003", "weights"]
    assert row.startswith("oppervlakte (km²) 1 · inwoners 500 · ")
    labels = [weight_label(name, "nl") for name in WEIGHTS]
    assert [part.rsplit(" ", 1)[0] for part in row.split(" · ")] == labels


def _render(*children: folium.Element) -> str:
    m = folium.Map(tiles=None)
    for child in children:
        child.add_to(m)
    folium.LayerControl().add_to(m)
    return m.get_root().render()


def test_unit_layer_embeds_tooltips_and_ids(square_dataset: Dataset) -> None:
    ds = square_dataset
    layer = layers.unit_layer(
        ds,
        web_geometry(ds.units),
        ds.divisions["swv_po"],
        ds.divisions["jeugdregio"],
        _score(ds),
        "inhabitants",
        name="units",
    )
    page = _render(layer)
    data = page_layers(page)["units"]
    assert data.shown
    assert [f["id"] for f in data.features] == list(ds.units.index)
    props = data.features[3]["properties"]
    assert props["gemeente"] == "Gemeente 1-1 (GM0003)" and props["w_inhabitants"] == "500"
    assert "w_area" not in props and "inwoners 500" in props["weights"]
    assert "bbox" not in data.features[0]
    assert '"inwoners (weging)"' in page and '"inbedding van de regio"' in page


def test_border_and_split_layers(square_dataset: Dataset) -> None:
    ds = square_dataset
    geometry = web_geometry(ds.units)
    split = Division.from_membership(
        "swv_po",
        pd.DataFrame(
            {
                "unit": ["GM0000", "GM0001", "GM0002", "GM0003", "GM0003"],
                "region": ["P", "P", "Q", "Q", "P"],
                "share": [1, 1, 1, 0.6, 0.4],
            }
        ),
    )
    page = _render(
        layers.border_layer(
            geometry, ds.divisions["jeugdregio"], name="jr", style=style.AGAINST_STYLE
        ),
        layers.border_layer(
            geometry, ds.divisions["provincie"], name="prov", style=style.REGION_STYLE, show=False
        ),
        layers.split_layer(geometry, split, name="split"),
    )
    found = page_layers(page)
    assert len(found["jr"].features) == 2 and found["jr"].shown
    assert len(found["prov"].features) == 1 and not found["prov"].shown
    assert [f["id"] for f in found["split"].features] == ["GM0003"]
    assert page.count('"interactive": false') == 3
    prov = shapely.geometry.shape(found["prov"].features[0]["geometry"])
    assert prov.area == pytest.approx(shapely.area(geometry.to_numpy()).sum(), rel=1e-9)


def test_school_layer_points_and_tooltips() -> None:
    schools = gpd.GeoDataFrame(
        {
            "naam": ["De Wissel", "Het Anker"],
            "type": ["SBAO", "(V)SO"],
            "leerlingen": [259.0, float("nan")],
        },
        geometry=[shapely.Point(5.1, 52.1), shapely.Point(5.123456789, 52.0)],
        crs=CRS_WEB,
    )
    found = page_layers(_render(layers.school_layer(schools, name="schools")))["schools"]
    assert not found.shown
    assert [f["properties"] for f in found.features] == [
        {"naam": "De Wissel", "type": "SBAO", "leerlingen": "259"},
        {"naam": "Het Anker", "type": "(V)SO", "leerlingen": "–"},
    ]
    assert found.features[1]["geometry"]["coordinates"] == pytest.approx([5.12346, 52.0])


def test_legend_shows_the_scale_stops_and_line_symbols() -> None:
    out = layers.legend_html("swv_po", "jeugdregio", locale="en")
    for color in style.CONTAINMENT_COLORS:
        assert color in out
    assert "0.50" in out and "1.00" in out
    assert "jeugdregio border" in out and "gemeente split between regions (swv_po)" in out
    assert "badly split" in out and "within one region" in out, "words, not colour alone"
    dutch = layers.legend_html("swv_po", "jeugdregio")
    assert "0,50" in dutch and "grens jeugdregio" in dutch and "Legenda" in dutch
    control = layers.legend_control("swv_po", "jeugdregio")
    assert "rk-legend" in control.css_class


def test_change_layer_outlines_changed_gemeenten_and_tooltips_say_how(
    square_dataset: Dataset,
) -> None:
    ds = square_dataset
    geometry = web_geometry(ds.units)
    changed = pd.Series([False, True, False, True], index=ds.units.index)
    texts = pd.Series(["no", "PO P → A (3 pupils)", "no", "PO P → A (5 pupils)"], ds.units.index)
    page = _render(
        layers.unit_layer(
            ds,
            geometry,
            ds.divisions["swv_po"],
            ds.divisions["jeugdregio"],
            _score(ds),
            "inhabitants",
            name="units",
            changes=texts,
        ),
        layers.change_layer(geometry, changed),
    )
    found = page_layers(page)
    outline = found["gemeenten waarvan het samenwerkingsverband wijzigt"]
    assert outline.shown and [f["id"] for f in outline.features] == ["GM0001", "GM0003"]
    props = [f["properties"] for f in found["units"].features]
    assert [p["swv_change"] for p in props] == texts.tolist()
    assert '"wijziging samenwerkingsverband"' in page
    assert f'"color": "{style.CHANGE_STYLE["color"]}"' in page
    fields = [name for name, _ in layers.unit_fields("swv", "jeugdregio", "area", changes=True)]
    assert fields.index("swv_change") == fields.index("against_region") + 1
    assert "swv_change" not in dict(layers.unit_fields("swv", "jeugdregio", "area"))


def test_legend_lists_the_change_line_only_when_asked() -> None:
    label = "gemeente whose SWV changes vs today (2 gemeenten, 8 pupils)"
    out = layers.legend_html("swv", "jeugdregio", changes=label)
    assert label in out and style.CHANGE_STYLE["color"] in out
    assert style.CHANGE_STYLE["color"] not in layers.legend_html("swv", "jeugdregio")
