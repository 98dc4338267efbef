"""Import that keeps work (issue 18, item 9): a base, partial files, Dutch headers, typo'd
region codes named with their nearest codes, the CSV export's base coming back.

Every refused import is checked to leave the store as it was.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app

pytestmark = pytest.mark.integration

LIMBURG = {
    "name": "limburg-41",
    "base": "jeugdregio_41",
    "description": "Limburg on the 41 regions",
    "edits": [{"op": "move", "division": "swv_po", "unit": "GM0899", "to": "PO3102"}],
}


@pytest.fixture
def client(dataset, tmp_path: Path, sign_in) -> TestClient:
    return sign_in(TestClient(create_app(dataset, tmp_path / "state", upload_limit=200_000)))


def stored(client: TestClient) -> list[dict]:
    return [client.get(s["url"]).json() for s in client.get("/api/scenarios").json()]


def upload(client: TestClient, name: str, text: str, **form: str):
    return client.post(
        "/api/scenarios/import",
        files={"file": ("plan.csv", text.encode(), "text/csv")},
        data={"name": name, "division": "swv_po", **form},
    )


def regions_of(client: TestClient, scenario: str, division: str = "swv_po") -> pd.Series:
    csv = client.get(f"/api/scenarios/{scenario}/assignment.csv?division={division}").text
    table = pd.read_csv(io.StringIO(csv), dtype=str)
    return table.drop_duplicates("unit").set_index("unit")["region"]


def test_export_from_a_41_scenario_comes_back_with_its_base(client: TestClient) -> None:
    assert client.post("/api/scenarios", json=LIMBURG).status_code == 201
    csv = client.get("/api/scenarios/limburg-41/assignment.csv?division=swv_po").text
    table = pd.read_csv(io.StringIO(csv), dtype=str)
    assert list(table.columns) == ["unit", "region", "share", "base"]
    assert set(table["base"]) == {"jeugdregio_41"}
    r = upload(client, "limburg-back", csv)
    assert r.status_code == 201, r.text
    assert r.json()["base"] == "jeugdregio_41"
    doc = client.get("/api/scenarios/limburg-back").json()
    assert doc["base"] == "jeugdregio_41"
    jz = client.get("/api/divisions/jeugdregio?scenario=limburg-back").json()
    assert len(jz["regions"]) == 41
    assert regions_of(client, "limburg-back").equals(regions_of(client, "limburg-41"))
    assert regions_of(client, "limburg-back")["GM0899"] == "PO3102"


def test_library_exports_name_their_base(client: TestClient) -> None:
    huidig = pd.read_csv(
        io.StringIO(client.get("/api/scenarios/huidig/assignment.csv?division=swv_po").text)
    )
    assert huidig["base"].isna().all()  # today's data: no base
    jz41 = client.get("/api/scenarios/jeugdregio_41/assignment.csv?division=swv_po").text
    assert set(pd.read_csv(io.StringIO(jz41))["base"]) == {"jeugdregio_41"}


def test_partial_file_with_a_base_overrides_only_its_rows(client: TestClient, dataset) -> None:
    text = "gemeente;swv\nMaastricht;PO3102\nGM0917;PO3102\n"  # a name and a code
    r = upload(client, "twee", text, base="huidig")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["units"], body["kept"], body["base"]) == (2, 340, "huidig")
    got = regions_of(client, "twee")
    today = dataset.divisions["swv_po"].assignment()
    maastricht = dataset.units.index[dataset.units["name"] == "Maastricht"][0]
    assert got[maastricht] == "PO3102" and got["GM0917"] == "PO3102"
    changed = {u for u in today.index if got[u] != today[u]}
    assert changed <= {maastricht, "GM0917"}
    # a split gemeente the file does not list keeps its postcode split per weight
    rotterdam = "GM0599"
    imported = client.app.state.regio.evaluator.divisions("twee")["swv_po"]
    for weight in ("area", "pupils_po", "inhabitants"):
        today_split = dataset.divisions["swv_po"].for_weight(weight).unit_regions(rotterdam)
        assert len(today_split) > 1
        assert imported.for_weight(weight).unit_regions(rotterdam) == pytest.approx(today_split)


def test_partial_file_without_a_base_is_refused_in_words(client: TestClient) -> None:
    before = stored(client)
    r = upload(client, "half", "gemeentecode,regio,aandeel\nGM0935,PO3101,1\n")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "341 van de 342 gemeenten ontbreken" in detail
    assert "Kies een basisscenario" in detail
    assert stored(client) == before


def test_typo_region_code_names_the_nearest(client: TestClient) -> None:
    before = stored(client)
    r = upload(client, "typo", "gemeente,swv\nGM0935,PO31O1\n", base="huidig")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("plan.csv, regel 2: PO31O1 is geen bestaande regio van swv_po")
    assert "Bedoelt u PO3101" in detail
    assert stored(client) == before
    ok = upload(
        client, "typo", "gemeente,swv\nGM0935,PO31O1\n", base="huidig", allow_new_regions="true"
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["new_regions"] == ["PO31O1"]
    assert regions_of(client, "typo")["GM0935"] == "PO31O1"


def test_unknown_gemeente_in_the_planners_words(client: TestClient) -> None:
    before = stored(client)
    r = upload(client, "onbekend", "gemeente,swv\nGM0935,PO3101\nGM9944,PO3101\n", base="huidig")
    assert r.status_code == 422
    assert "regel 3: gemeente GM9944 bestaat niet" in r.json()["detail"]
    r = upload(client, "onbekend", "gemeente,swv\nMaastrcht,PO3101\n", base="huidig")
    assert "gemeente Maastrcht bestaat niet (bedoelt u Maastricht?)" in r.json()["detail"]
    assert stored(client) == before


def test_messages_follow_the_language(client: TestClient) -> None:
    r = client.post(
        "/api/scenarios/import",
        files={"file": ("plan.csv", b"gemeente,swv\nGM9944,PO3101\n", "text/csv")},
        data={"name": "en", "division": "swv_po", "base": "huidig"},
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    assert r.json()["detail"] == "plan.csv, line 2: gemeente GM9944 does not exist"


def test_unknown_or_private_base_is_refused_alike(client: TestClient, sign_in) -> None:
    private = {**LIMBURG, "name": "geheim"}
    assert client.post("/api/scenarios", json=private).status_code == 201
    other = sign_in(TestClient(client.app), "ander")
    before = stored(client)
    for base in ("bestaat-niet", "geheim"):
        r = upload(other, "x", "gemeente,swv\nGM0935,PO3101\n", base=base)
        assert r.status_code == 422
        assert f"basisscenario {base!r} bestaat niet" in r.json()["detail"]
    assert stored(client) == before


def test_replace_my_own_import(client: TestClient) -> None:
    assert upload(client, "mijn", "gemeente,swv\nGM0935,PO3101\n", base="huidig").status_code == 201
    again = upload(client, "mijn", "gemeente,swv\nGM0935,PO3102\n", base="huidig")
    assert again.status_code == 409
    replaced = upload(
        client, "mijn", "gemeente,swv\nGM0935,PO3102\n", base="huidig", replace="true"
    )
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["revision"] > 1 or replaced.json()["version"] > 1
    assert regions_of(client, "mijn")["GM0935"] == "PO3102"
