"""The placement among the valid divisions on the scenario page and in the placement API
(``/api/scenarios/{id}/placement``, GET for the stored scenario, POST for tentative edits), on a
synthetic grid of three jeugdregio's.

Expected values come from the stored Parquet files read directly (not from geo.space's readers):
a division made of one stored plan per jeugdregio lies in the space in 3 of 3 jeugdregio's, and
in each the count of valid divisions that disrupt fewer pupils is a plain count on the files.
Without ``REGIOKOMPAS_SPACE`` the page and the API say that no space was built and how to build
one; a space that cannot be read is shown as such and breaks nothing; a private scenario's
placement is a 404 for others.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.safety.auth.bootstrap import add_user
from api.safety.limits import Limits
from fixtures.accounts import bearer
from fixtures.proposal_grids import layout_dataset
from geo.space.build import SpaceSettings, build_space
from geo.space.model import parts_of_text
from tests.test_space_build import LAYOUT, PO, PUPILS, SCHOOLS, SETTINGS

DS = layout_dataset(LAYOUT, PO, pupils_po=PUPILS, pupils_vo=30.0, schools=SCHOOLS)


@pytest.fixture(scope="module")
def space(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("space")
    build_space(
        DS, out, proposal=SETTINGS, space=SpaceSettings(task_plans=5), scheduler="synchronous"
    )
    manifest = json.loads((out / "manifest.json").read_text())
    units = {e["jeugdregio"]: e["units"] for e in manifest["regions"]}
    files = sorted((out / "plans").glob("jeugdregio=*/part-*.parquet"))
    plans = pd.concat(
        [pd.read_parquet(f).assign(jeugdregio=f.parent.name.split("=")[1]) for f in files],
        ignore_index=True,
    )
    chosen = plans.groupby("jeugdregio").nth(1)
    assignment = {}
    for row in chosen.itertuples():
        for k, mask in enumerate(parts_of_text(row.plan)):
            for i, unit in enumerate(units[row.jeugdregio]):
                if mask >> i & 1:
                    assignment[unit] = f"S-{row.jeugdregio}-{k}"
    return {"dir": out, "plans": plans, "chosen": chosen, "assignment": assignment}


@pytest.fixture
def app(tmp_path, space):
    unlimited = Limits(rate_writes="100000/minute", rate_reads="100000/minute")
    app = create_app(DS, tmp_path / "state", library_dir=None, limits=unlimited)
    store = app.state.regio.store
    store.save(
        "huidig", {"name": "huidig", "description": "vandaag", "edits": []}, source="library"
    )
    for name in ("ann", "bob"):
        add_user(store, name, f"{name}'s long password")
    app.state.headers = {n: bearer(store, n) for n in ("ann", "bob")}
    doc = {
        "name": "plan",
        "description": "one stored plan per jeugdregio",
        "edits": [{"op": "assign", "division": "swv", "assignment": space["assignment"]}],
    }
    client = TestClient(app)
    r = client.post("/api/scenarios", json=doc, headers=app.state.headers["ann"])
    assert r.status_code == 201, r.text
    yield app
    store.close()


def test_without_a_space_the_page_says_how_to_build_one(app, monkeypatch) -> None:
    monkeypatch.delenv("REGIOKOMPAS_SPACE", raising=False)
    client = TestClient(app)
    page = client.get("/scenarios/huidig", headers={"accept-language": "nl"}).text
    assert 'id="space-none"' in page and "geen ruimte van geldige indelingen" in page
    assert "regio space build" in page and "REGIOKOMPAS_SPACE" in page
    out = client.get("/api/scenarios/huidig/placement").json()
    assert out["state"] == "none" and "regio space build" in out["how"]


def test_the_page_places_a_division_of_stored_plans(app, space, monkeypatch) -> None:
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space["dir"]))
    client = TestClient(app)
    ann = app.state.headers["ann"]
    page = client.get("/scenarios/plan", headers={**ann, "accept-language": "nl"})
    assert page.status_code == 200
    html = page.text
    assert 'id="ruimte"' in html and "hoort in 3 van de 3 jeugdregio" in html
    assert html.count('role="img"') >= 4 and "dit scenario" in html
    plans, chosen = space["plans"], space["chosen"]
    for row in chosen.itertuples():
        g = plans[plans["jeugdregio"] == row.jeugdregio]
        better = int((g["disrupted"] < row.disrupted - 1e-6).sum())
        sentence = f"in {row.jeugdregio} verhuizen bij {better} van de {len(g)} geldige"
        assert sentence in " ".join(html.split())

    # the API: the same numbers, in English on request
    out = client.get("/api/scenarios/plan/placement", headers={**ann, "accept-language": "en"})
    view = out.json()["view"]
    assert view["in_space_jeugdregios"] == 3 and view["in_space"] is True
    for r in view["rows"]:
        g = plans[plans["jeugdregio"] == r["code"]]
        value = float(chosen.loc[chosen["jeugdregio"] == r["code"], "disrupted"].iloc[0])
        assert r["better"] == int((g["disrupted"] < value - 1e-6).sum())
        assert r["plans"] == len(g) and r["in_space"] is True
    disrupted = next(c for c in view["charts"] if c["figure"] == "disrupted")
    assert disrupted["text"].startswith("pupils changing SWV:")
    assert "<svg" in disrupted["svg"] and disrupted["text_id"] in disrupted["svg"]

    # tentative edits: none -> the stored placement; a gemeente into another jeugdregio's
    # SWV -> an SWV across a border: in no space
    post = client.post(
        "/api/scenarios/plan/placement",
        json={"division": "swv", "edits": []},
        headers=ann,
    ).json()
    assert (
        post["view"]["rows"]
        == client.get("/api/scenarios/plan/placement", headers=ann).json()["view"]["rows"]
    )
    codes = DS.division("jeugdregio").assignment()
    unit = next(u for u in space["assignment"] if codes[u] == "JA")
    other = next(v for u, v in space["assignment"].items() if codes[u] != "JA")
    move = {"op": "move", "division": "swv", "unit": unit, "to": other}
    moved = client.post(
        "/api/scenarios/plan/placement",
        json={"division": "swv", "edits": [move]},
        headers=ann,
    ).json()
    assert moved["state"] == "ok" and moved["view"]["in_space_jeugdregios"] == 0
    assert moved["view"]["outside_text"]
    bad = {"op": "move", "division": "swv", "unit": "GM9999", "to": other}
    r = client.post("/api/scenarios/plan/placement", json={"edits": [bad]}, headers=ann)
    assert r.status_code == 422

    # the verdict API carries the reported check too
    verdict = client.get("/api/scenarios/plan/verdict", headers=ann).json()
    space_check = next(c for c in verdict["checks"] if c["name"] == "space")
    assert space_check["passed"] is None and space_check["figures"]["in_space_jeugdregios"] == 3


def test_a_private_scenarios_placement_is_hidden_from_others(app, space, monkeypatch) -> None:
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space["dir"]))
    client = TestClient(app)
    for headers in ({}, app.state.headers["bob"]):
        assert client.get("/api/scenarios/plan/placement", headers=headers).status_code == 404
        r = client.post("/api/scenarios/plan/placement", json={"edits": []}, headers=headers)
        assert r.status_code == 404


def test_a_space_that_cannot_be_read_breaks_nothing(app, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(tmp_path / "missing"))
    client = TestClient(app)
    page = client.get("/scenarios/huidig", headers={"accept-language": "nl"})
    assert page.status_code == 200 and 'id="space-error"' in page.text
    assert "regio space build" in page.text  # the error names the fix
    out = client.get("/api/scenarios/huidig/placement").json()
    assert out["state"] == "error" and "manifest.json" in out["error"]
