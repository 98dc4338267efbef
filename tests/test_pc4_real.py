"""Real-data checks of the postcode-exact SWVs against an independent computation in this file.

The independent computation: read the PC4 GeoJSON and the annex CSV directly (pyogrio/pandas),
put each PC4 *whole* in the jeugdregio with which it overlaps most (geopandas overlay in
EPSG:28992), take its SWV from the annex CSV, and sum area and (2021) inhabitants per
SWV x jeugdregio. The dataset's figures come from the engine (contingency of the SWV division
with the jeugdregio division for the weight), i.e. gemeenten with weight-specific shares.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.overlap import contingency

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def independent(data_dir) -> pd.DataFrame:
    pc4 = pyogrio.read_dataframe(data_dir / "pc4" / "pc4_2020_inwoners_2021.geojson")
    pc4 = pc4[~pc4.geometry.is_empty].to_crs(28992)
    pc4["geometry"] = pc4.geometry.make_valid()
    jr = pyogrio.read_dataframe(data_dir / "cbs" / "jeugdregio_2025.topojson")
    jr = jr.set_crs(4326, allow_override=True).to_crs(28992)
    jr["geometry"] = jr.geometry.make_valid()
    over = gpd.overlay(pc4[["pc4", "geometry"]], jr[["statcode", "geometry"]], keep_geom_type=True)
    over["a"] = over.area
    best = over.sort_values("a", ascending=False).drop_duplicates("pc4")
    annex = pd.read_csv(data_dir / "swv" / "swv_pc4_2015.csv", dtype=str)
    out = pd.DataFrame(
        {
            "pc4": pc4["pc4"].to_numpy(),
            "area": pc4.area.to_numpy(),
            "inhabitants": pc4["inwoners"].fillna(0).to_numpy(),
        }
    )
    out["jr"] = out["pc4"].map(best.set_index("pc4")["statcode"])
    out = out.merge(annex[["pc4", "po_swv", "vo_swv"]], on="pc4", how="inner")
    return out


def _containment(table: pd.DataFrame) -> pd.Series:
    return table.max(axis=1) / table.sum(axis=1)


@pytest.mark.parametrize("level", ["po", "vo"])
@pytest.mark.parametrize("weight", ["area", "inhabitants"])
def test_containment_agrees_with_whole_pc4s(dataset, independent, level, weight) -> None:
    ref = independent[independent[f"{level}_swv"] != "Europoort"]
    ref_table = ref.pivot_table(
        index=f"{level}_swv", columns="jr", values=weight, aggfunc="sum", fill_value=0.0
    )
    ref_c = _containment(ref_table)
    table = contingency(
        dataset.divisions[f"swv_{level}"], dataset.divisions["jeugdregio"], dataset.weight(weight)
    ).to_frame()
    table = table.drop(index="GEEN").drop(columns="GEEN")
    ours = _containment(table).reindex(ref_c.index)
    diff = (ours - ref_c).abs()
    agree = float((diff <= 0.02).mean())
    assert len(ref_c) == (76 if level == "po" else 74)
    assert agree >= 0.96, diff.sort_values().tail(8)
    nested_ref = int((ref_c >= 0.995).sum())
    nested_ours = int((ours >= 0.995).sum())
    assert abs(nested_ref - nested_ours) <= 1


def test_europoort_is_no_swv_with_few_inhabitants(dataset) -> None:
    for name in ("swv_po", "swv_vo"):
        totals = dataset.divisions[name].totals(dataset.weight("inhabitants"))
        assert 0 < totals["GEEN"] < 1_000
        area = dataset.divisions[name].totals(dataset.weight("area"))
        assert 100 < area["GEEN"] < 130  # Europoort: 116 km² of Rotterdam
    pieces = dataset.postcodes
    assert set(pieces.loc[pieces["swv_po"] == "GEEN", "pc4"]) == {"3197", "3198", "3199"}


def test_totals_unchanged(dataset, data_dir) -> None:
    assert int(dataset.units["inhabitants"].sum()) == 17_942_942
    assert dataset.postcodes["inhabitants"].sum() == pytest.approx(17_942_942, abs=1e-3)
    for name in ("swv_po", "swv_vo"):
        division = dataset.divisions[name]
        for weight in ("inhabitants", "pupils_po", "pupils_vo", "pupils", "area"):
            w = dataset.weight(weight)
            assert division.totals(w).sum() == pytest.approx(w.sum(), rel=1e-12)
    schools = pyogrio.read_dataframe(
        data_dir / "schools" / "duo_scholen_20241122.geojson", read_geometry=False
    )
    assert dataset.units["pupils_po"].sum() > 1_000_000  # regular PO pupils
    assert (
        dataset.units["pupils_total"].sum()
        <= pd.to_numeric(schools["leerlingen"], errors="coerce").sum()
    )


def test_inhabitants_0_15_are_the_age_groups(dataset, data_dir) -> None:
    pc4 = pyogrio.read_dataframe(data_dir / "pc4" / "pc4_2020_inwoners_2021.geojson")
    young_2021 = sum(
        a.get("0-4", 0) + a.get("5-9", 0) + a.get("10-14", 0)
        for a in pc4["leeftijd"]
        if isinstance(a, dict)
    )
    raw_total = pc4["inwoners"].sum()
    expected = young_2021 * 17_942_942 / raw_total  # raking scales by about this factor
    assert dataset.units["inhabitants_0_15"].sum() == pytest.approx(expected, rel=0.01)


def test_every_annex_postcode_is_accounted_for(dataset, data_dir) -> None:
    annex = pd.read_csv(data_dir / "swv" / "swv_pc4_2015.csv", dtype=str)
    pc4 = dataset.report["pc4"]
    in_layer = set(dataset.postcodes["pc4"])
    without = {r["pc4"] for r in pc4["annex_without_polygon"]}
    assert without == {"1099", "6236"}
    assert set(annex["pc4"]) <= in_layer | without
    derived = {r["pc4"] for r in pc4["derived_swv"]}
    assert derived == in_layer - set(annex["pc4"])
    assert {"1262", "1384", "2212", "4125", "5156", "5352", "5359", "7732", "9614"} <= derived
    assert len(derived) + len(pc4["pc4_without_polygon"]) == 24
    # an annex postcode keeps the annex's SWV
    merged = dataset.postcodes.merge(annex, on="pc4")
    ok = merged["po_swv"].replace("Europoort", "GEEN") == merged["swv_po"]
    assert ok.all()


def test_rotterdam_shares_depend_on_the_weight(dataset) -> None:
    po = dataset.divisions["swv_po"]
    area = po.for_weight("area").unit_regions("GM0599")
    people = po.for_weight("inhabitants").unit_regions("GM0599")
    assert area["GEEN"] > 0.3  # the Europoort is a third of Rotterdam's area ...
    assert people["GEEN"] < 1e-4  # ... and has almost no inhabitants
    assert np.isclose(sum(area.values()), 1.0) and np.isclose(sum(people.values()), 1.0)
    weesp = dataset.divisions["swv_po"].for_weight("inhabitants").unit_regions("GM0363")
    assert len(weesp) >= 2  # Amsterdam includes Weesp, in another PO SWV


def test_a_scenario_moves_one_postcode(dataset) -> None:
    from geo.scenarios.apply import apply_scenario
    from geo.scenarios.model import ScenarioDoc

    pieces = dataset.postcodes
    rotterdam = pieces[(pieces["unit"] == "GM0599") & (pieces["swv_po"] == "PO2806")]
    pc4 = rotterdam.sort_values("inhabitants").iloc[-1]  # the most populous one
    doc = ScenarioDoc.model_validate(
        {
            "name": "pc4-move",
            "description": "one Rotterdam postcode to PO2803",
            "edits": [
                {"op": "move_postcode", "division": "swv_po", "pc4": pc4["pc4"], "to": "PO2803"}
            ],
        }
    )
    after = apply_scenario(doc, dataset)["swv_po"]
    before = dataset.divisions["swv_po"]
    total = pieces.loc[pieces["unit"] == "GM0599", "inhabitants"].sum()
    gained = (
        after.for_weight("inhabitants").unit_regions("GM0599")["PO2803"]
        - before.for_weight("inhabitants").unit_regions("GM0599")["PO2803"]
    )
    assert gained == pytest.approx(pc4["inhabitants"] / total, rel=1e-9)
    w = dataset.weight("inhabitants")
    moved = after.totals(w)["PO2803"] - before.totals(w)["PO2803"]
    assert moved == pytest.approx(pc4["inhabitants"], rel=1e-9)
    assert after.totals(w).sum() == pytest.approx(w.sum())
    # other gemeenten are untouched
    assert after.for_weight("inhabitants").unit_regions("GM0363") == before.for_weight(
        "inhabitants"
    ).unit_regions("GM0363")
