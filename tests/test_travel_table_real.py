"""The operator's travel table on the real data (issue 19, item 3): a data directory whose sources
are links to the real ones plus a synthetic PC4 x PC4 table made here from the real PC4 codes of
Zeeland (values from :func:`fixtures.travel_tables.synthetic_km`, never real travel times)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from fixtures.travel_tables import data_dir_with_table, synthetic_km, write_table
from geo.checks import build_context, verdict
from geo.checks.locations import SPECIAL_TYPES
from geo.data import store
from geo.data.travel_table import TRAVEL_TABLE_FILE
from geo.errors import SourceError

MODEL = "afstand uit de reistabel van de beheerder"


def _zeeland(dataset) -> tuple[list[str], list[str], list[str]]:
    """Zeeland's gemeenten, their PC4s and the PC4s of their special-education locations."""
    prov = dataset.divisions["provincie"]
    units = [u for u, r in prov.assignment().items() if prov.region_names[r] == "Zeeland"]
    pc4s = sorted(set(dataset.postcodes.loc[dataset.postcodes["unit"].isin(units), "pc4"]))
    schools = dataset.special_schools
    targets = sorted(set(schools.loc[schools["unit"].isin(units), "pc4"]))
    return units, pc4s, targets


@pytest.fixture(scope="module")
def table_data(dataset, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    units, pc4s, targets = _zeeland(dataset)
    assert len(units) >= 10 and len(pc4s) > 100 and len(targets) >= 5
    data = data_dir_with_table(data_dir, tmp_path_factory.mktemp("travel") / "data")
    write_table(data / TRAVEL_TABLE_FILE, ["from_pc4", "to_pc4", "km"],
                [(a, b) for a in pc4s for b in targets])  # fmt: skip
    return data


@pytest.fixture(scope="module")
def table_dataset(table_data: Path, cache_dir: Path):
    return store.load_dataset(table_data, cache_dir)


@pytest.fixture(scope="module")
def ctx(table_dataset):
    return build_context(table_dataset)


def test_the_store_carries_the_table_and_its_key_follows_the_content(
    table_data: Path, table_dataset, data_dir: Path, dataset
) -> None:
    units, pc4s, targets = _zeeland(dataset)
    table = table_dataset.travel_table
    assert table is not None and table.layout == "pc4" and table.value == "km"
    assert len(table.rows) == len(pc4s) * len(targets)
    assert table_dataset.report["travel_table"]["file"] == TRAVEL_TABLE_FILE
    from geo.data.check import check_dataset  # `regio data check` reports the table

    checked = check_dataset(table_dataset)["travel_table"]
    assert checked["layout"] == "pc4" and checked["rows"] == len(pc4s) * len(targets)
    key = store.fingerprint(table_data)
    assert key != store.fingerprint(data_dir)
    path = table_data / TRAVEL_TABLE_FILE
    raw = path.read_bytes()
    try:
        path.write_bytes(raw + f"{pc4s[0]},{pc4s[1]},1\n".encode())
        assert store.fingerprint(table_data) != key  # one more row: another store
    finally:
        path.write_bytes(raw)
    assert store.fingerprint(table_data) == key


def test_p2_uses_the_table_and_says_so(table_dataset, dataset, ctx) -> None:
    units, _, _ = _zeeland(dataset)
    assert ctx.distance["name"] == MODEL
    # one Zeeland gemeente x location pair, independently: children-weighted mean over its PC4s
    pieces = table_dataset.postcodes
    schools = table_dataset.special_schools
    po = schools[schools["type"].isin(SPECIAL_TYPES["po"]) & schools["unit"].notna()]
    j = int(np.flatnonzero(po["unit"].isin(units).to_numpy())[0])
    target = str(po["pc4"].iloc[j])
    unit = units[0]
    mine = pieces[pieces["unit"] == unit]
    w = mine["inhabitants_0_15"].to_numpy(float)
    expected = sum(wi * synthetic_km(p, target) for wi, p in zip(w, mine["pc4"], strict=True))
    i = ctx.units.get_loc(unit)
    assert ctx.travel["po"].dist[i, j] == pytest.approx(expected / w.sum())
    stats = ctx.distance["levels"]["po"]
    n_po = len(po)
    assert stats["pairs"] == len(ctx.units) * n_po
    assert 0 < stats["from_table"] < stats["pairs"]
    assert stats["from_table"] + stats["fallback"] == stats["pairs"]
    assert stats["from_table"] >= len(units) * int(po["unit"].isin(units).sum())
    p2 = verdict(ctx, table_dataset.divisions).result("P2")
    assert p2.figures["distance_model"] == MODEL
    assert "gemeente-location pairs not in the table" in p2.summary
    assert "PC4s weighted by inhabitants aged 0-14" in p2.figures["point_rule"]


def test_editor_and_report_name_the_table(table_dataset, ctx, tmp_path: Path, sign_in) -> None:
    from api.app import create_app
    from geo.checks import scenario_verdict
    from maps.report import render_report

    client = sign_in(TestClient(create_app(table_dataset, tmp_path / "state")), "t19", admin=True)
    out = client.post(
        "/api/scenarios/huidig/evaluate",
        json={"division": "swv_po", "against": "jeugdregio", "weight": "pupils_po", "edits": []},
    ).json()
    assert out["travel"]["po"]["model"] == MODEL
    html = render_report([scenario_verdict(ctx, "huidig")], region="Zeeland")
    assert MODEL in html and "eigen reistabel van de beheerder" in html


def test_a_bad_row_stops_the_build_and_keeps_the_previous_store(
    table_data: Path, table_dataset, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    data = data_dir_with_table(table_data, tmp_path / "bad")  # its own reistijd/ folder
    write_table(data / TRAVEL_TABLE_FILE, ["from_pc4", "to_pc4", "km"], [("1011", "1012")])
    good, _ = store.build_store(data, cache)
    with (data / TRAVEL_TABLE_FILE).open("a") as f:
        f.write("1011,1013,-2\n0000,1012,3\n")
    with pytest.raises(SourceError) as info:
        store.build_store(data, cache)
    message = str(info.value)
    assert "reistabel.csv" in message and "line 3: km -2 is negative" in message
    assert "line 4: unknown PC4 '0000' in from_pc4" in message
    assert (good / "manifest.json").is_file()
    assert store.read_store(good).travel_table is not None
