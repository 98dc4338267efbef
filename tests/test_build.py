"""Integration tests of geo.data.build on the real data, with facts checked independently."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.division import NO_REGION

pytestmark = pytest.mark.integration


def test_counts(dataset) -> None:
    assert len(dataset.units) == 342
    expected = {
        "jeugdregio": 42,
        "provincie": 12,
        "ggdregio": 25,
        "veiligheidsregio": 25,
        "swv_po": 76,
        "swv_vo": 74,
    }
    for name, n in expected.items():
        assert dataset.divisions[name].n_regions == n, name
    assert dataset.divisions["arbeidsmarktregio"].n_regions == 35


def test_every_share_sum_is_one(dataset) -> None:
    for name, division in dataset.divisions.items():
        assert np.abs(division.share_sums() - 1.0).max() <= 1e-9, name


def test_inhabitants_total_and_amsterdam(dataset, data_dir: Path) -> None:
    assert int(dataset.units["inhabitants"].sum()) == 17_942_942
    raw = json.loads((data_dir / "population/cbs_kwb2024_85984NED_gm_wk_stripped.json").read_text())
    assert (
        int(dataset.units.loc["GM0363", "inhabitants"])
        == raw["GM0363"]["AantalInwoners_5"]
        == 931_298
    )


def test_pupils_match_a_plain_dedup_of_the_schools_file(dataset, data_dir: Path) -> None:
    import geopandas as gpd

    raw = gpd.read_file(data_dir / "schools/duo_scholen_20241122.geojson")
    dedup = raw.drop_duplicates("vestigingscode")
    special = dedup["type"].isin(["SBAO", "SO", "VSO", "(V)SO"])
    po = dedup["type"] == "basisschool"
    assert int(dataset.units["pupils_po"].sum()) == int(dedup.loc[po, "leerlingen"].sum())
    assert int(dataset.units["pupils_special"].sum()) == int(dedup.loc[special, "leerlingen"].sum())
    assert int(dataset.units["pupils_vo"].sum()) == int(
        dedup.loc[~po & ~special, "leerlingen"].sum()
    )
    assert len(dataset.special_schools) == int(special.sum())


def test_area_close_to_cbs_total(dataset) -> None:
    # CBS: land + water of the Netherlands is about 41,500 km²; the generalised boundaries
    # leave out most of the coastal waters and the Wadden Sea, so about 35,000 km² remain.
    assert 33_000 < dataset.units["area_km2"].sum() < 42_000


def test_rotterdam_keeps_europoort_as_no_swv(dataset, data_dir: Path) -> None:
    """By area, Rotterdam's 'no SWV' share is the Europoort postcodes' share of the area of its
    postcodes (computed here from the PC4 file); by inhabitants it is almost nothing."""
    import pyogrio

    table = pd.read_csv(data_dir / "swv/swv_pc4_2015.csv", dtype=str)
    europoort = set(table.loc[table["po_swv"] == "Europoort", "pc4"])
    pc4 = pyogrio.read_dataframe(data_dir / "pc4/pc4_2020_inwoners_2021.geojson")
    pieces = dataset.postcodes
    mine = set(pieces.loc[(pieces["unit"] == "GM0599") & (pieces["fraction"] == 1), "pc4"])
    pc4 = pc4[pc4["pc4"].isin(mine)].to_crs(28992)
    area = pc4.geometry.make_valid().area  # some Europoort polygons self-intersect
    expected = area[pc4["pc4"].isin(europoort)].sum() / area.sum()
    for name in ("swv_po", "swv_vo"):
        by_area = dataset.divisions[name].for_weight("area").unit_regions("GM0599")
        assert by_area[NO_REGION] == pytest.approx(expected, rel=1e-3)
        assert sum(by_area.values()) == pytest.approx(1.0)
        people = dataset.divisions[name].for_weight("inhabitants").unit_regions("GM0599")
        assert 0 < people[NO_REGION] < 1e-4


def test_whole_gemeente_swv_matches_postcode_table(dataset, data_dir: Path) -> None:
    table = pd.read_csv(data_dir / "swv/swv_pc4_2015.csv", dtype=str)
    # Utrecht (unchanged since 2015) lies in one PO and one VO SWV in the Regeling
    utrecht = table[table["gemeente"] == "Utrecht"]
    assert utrecht["po_swv"].nunique() == 1
    assert dataset.divisions["swv_po"].unit_regions("GM0344") == {utrecht["po_swv"].iloc[0]: 1.0}
    assert dataset.divisions["swv_vo"].unit_regions("GM0344") == {utrecht["vo_swv"].iloc[0]: 1.0}


def test_haaren_split_over_four_gemeenten(dataset) -> None:
    splits = {s["gemeente_2015"]: s["to"] for s in dataset.report["crosswalk"]["splits"]}
    haaren = splits["GM0788 Haaren"]
    assert {k.split()[0] for k in haaren} == {"GM0757", "GM0824", "GM0855", "GM0865"}
    assert sum(haaren.values()) == pytest.approx(1.0)
    # Muiden's overlay sliver (IJmeer water into Amsterdam) is NOT a split
    assert not any(k.endswith("Muiden") for k in splits)


def test_jeugdregio_facts(dataset) -> None:
    jz = dataset.divisions["jeugdregio"]
    a = jz.assignment()
    assert jz.region_names[a["GM0363"]].startswith("Amsterdam")
    assert a["GM0599"] == a["GM0606"]  # Rotterdam and Schiedam: Rijnmond
    assert jz.region_names[a["GM0014"]] == "Groningen"


def test_pupil_weighted_points(dataset, data_dir: Path) -> None:
    import geopandas as gpd
    from pyproj import Transformer

    units = dataset.units
    assert set(units["point_rule"]) <= {"pupils", "representative_point"}
    has_pupils = (units["pupils_po"] + units["pupils_vo"]) > 0
    assert (units["point_rule"] == "pupils").equals(has_pupils)
    # every point lies in the convex hull of its gemeente (EPSG:28992)
    hulls = units.geometry.to_crs("EPSG:28992").convex_hull.buffer(1.0)
    points = gpd.points_from_xy(units["point_x"], units["point_y"], crs="EPSG:28992")
    assert hulls.contains(gpd.GeoSeries(points, index=units.index)).all()
    # Utrecht, recomputed from the raw file by DUO municipality (not point in polygon)
    raw = gpd.read_file(data_dir / "schools/duo_scholen_20241122.geojson")
    raw = raw.drop_duplicates("vestigingscode")
    regular = raw[
        ~raw["type"].isin(["SBAO", "SO", "VSO", "(V)SO"])
        & (raw["gemeente"] == "UTRECHT")
        & (raw["leerlingen"].fillna(0) > 0)
    ]
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    x, y = to_rd.transform(regular.geometry.x.to_numpy(), regular.geometry.y.to_numpy())
    w = regular["leerlingen"].to_numpy(float)
    expected = np.array([(w * x).sum() / w.sum(), (w * y).sum() / w.sum()])
    got = units.loc["GM0344", ["point_x", "point_y"]].to_numpy(float)
    assert np.hypot(*(got - expected)) < 100.0  # metres
