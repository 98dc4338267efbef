"""CLI and web speak the same documents (issue 18, item 8): ``regio verdict/score/report`` read
a scenario stored in the web app (``REGIOKOMPAS_STATE``) and the web's JSON export; the CLI's
verdict equals the web's verdict (round trip on the real data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from regio import app
from regio import common as cli_common

pytestmark = pytest.mark.integration
runner = CliRunner()

LIMBURG = {
    "name": "limburg-41",
    "base": "jeugdregio_41",
    "description": "Limburg on the 41 regions",
    "principles": [3],
    "edits": [{"op": "move", "division": "swv_po", "unit": "GM0899", "to": "PO3102"}],
}
CHILD = {
    "name": "limburg-kind",
    "base": "limburg-41",
    "description": "one more move on top of limburg-41",
    "edits": [{"op": "move", "division": "swv_vo", "unit": "GM0899", "to": "VO3102"}],
}


@pytest.fixture
def web(dataset, tmp_path: Path, sign_in, monkeypatch) -> TestClient:
    """A web app on its own state dir with two stored scenarios (one on top of the other); the
    CLI reads that state dir and the same dataset."""
    state = tmp_path / "state"
    client = sign_in(TestClient(create_app(dataset, state)))
    for doc in (LIMBURG, CHILD):
        assert client.post("/api/scenarios", json=doc).status_code == 201
    monkeypatch.setenv("REGIOKOMPAS_STATE", str(state))
    monkeypatch.setattr(cli_common, "load_data", lambda data: dataset)
    return client


def essentials(verdict: dict) -> dict:
    """What must agree between the CLI and the web: pass/fail and each check's figures."""
    return {
        "passed": verdict["passed"],
        "jeugdregio": verdict["jeugdregio"],
        "checks": {c["name"]: (c["passed"], c["summary"]) for c in verdict["checks"]},
    }


def test_verdict_of_a_stored_scenario_equals_the_web(web: TestClient) -> None:
    result = runner.invoke(app, ["verdict", "limburg-kind", "--json"])
    assert result.exit_code in (0, 1), result.output
    cli = json.loads(result.stdout)
    page = web.get("/api/scenarios/limburg-kind/verdict").json()
    assert essentials(cli) == essentials(page)
    assert cli["jeugdregio"]["regions"] == 41


def test_the_web_json_export_loads_in_the_cli(web: TestClient, tmp_path: Path, monkeypatch):
    exported = web.get("/api/scenarios/limburg-41").json()
    assert exported["document"]["base"] == "jeugdregio_41"
    path = tmp_path / "limburg-41.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    monkeypatch.setenv("REGIOKOMPAS_STATE", str(tmp_path / "no-state"))  # file + library only
    result = runner.invoke(app, ["verdict", str(path), "--json"])
    assert result.exit_code in (0, 1), result.output
    cli = json.loads(result.stdout)
    page = web.get("/api/scenarios/limburg-41/verdict").json()
    assert essentials(cli) == essentials(page)


def test_score_and_report_read_stored_scenarios(web: TestClient, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["score", "limburg-kind", "-d", "swv_po", "-a", "jeugdregio", "-w", "pupils_po",
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    page = web.get(
        "/api/scores?scenario=limburg-kind&division=swv_po&against=jeugdregio&weight=pupils_po"
    ).json()
    assert cli["summary"]["congruence"] == pytest.approx(page["summary"]["congruence"])
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "limburg-41", "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert "limburg-41" in out.read_text(encoding="utf-8")


def test_unknown_scenario_says_where_it_looked(web: TestClient) -> None:
    result = runner.invoke(app, ["verdict", "bestaat-niet"])
    assert result.exit_code == 2
    assert "REGIOKOMPAS_STATE" in result.output and "bestaat-niet" in result.output


def test_regional_report_from_the_cli(web: TestClient, tmp_path: Path) -> None:
    """``regio report limburg-41 --region JZ42 --out x.html`` (a stored scenario, cut to a
    region); a bad --out suffix, --appendix without --region and an unknown region exit 2."""
    out = tmp_path / "jz42.html"
    result = runner.invoke(app, ["report", "limburg-41", "--region", "JZ42", "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    html = out.read_text(encoding="utf-8")
    assert "limburg-41 — JZ42 Midden-Limburg" in html and 'class="swvs"' in html
    assert "Appendix" not in html
    bad = runner.invoke(app, ["report", "limburg-41", "--region", "JZ99", "--out", str(out)])
    assert bad.exit_code == 2 and "unknown region 'JZ99'" in bad.output
    assert out.read_text(encoding="utf-8") == html  # the earlier report survives the error
    assert runner.invoke(app, ["report", "limburg-41", "--out", "x.docx"]).exit_code == 2
    lonely = runner.invoke(app, ["report", "limburg-41", "--appendix", "--out", str(out)])
    assert lonely.exit_code == 2 and "--region" in lonely.output
