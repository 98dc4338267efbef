"""``regio space build``, ``regio verdict --space``, ``regio options`` and the verdict API with
``REGIOKOMPAS_SPACE``, on a synthetic grid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fixtures.accounts import sign_in
from fixtures.proposal_grids import layout_dataset
from regio import app
from regio import common as cli_common

runner = CliRunner()
LAYOUT = ["AAABB", "AAABB", "CCCBB"]
PO = ["ppqrr", "ppqrr", "sssrr"]
SCHOOLS = [(f"GM{r:02d}{c:02d}", "(V)SO") for r in range(3) for c in range(5) if (r + c) % 2 == 0]
PUPILS = {f"GM{r:02d}{c:02d}": 50.0 + 11 * r + 5 * c for r in range(3) for c in range(5)}
BOUNDS = ["--min-pupils", "100", "--max-pupils", "420"]


@pytest.fixture(scope="module")
def ds():
    return layout_dataset(LAYOUT, PO, pupils_po=PUPILS, pupils_vo=30.0, schools=SCHOOLS)


@pytest.fixture(scope="module")
def space(ds, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "space"
    mp = pytest.MonkeyPatch()
    mp.setattr(cli_common, "load_data", lambda data: ds)
    try:
        result = runner.invoke(
            app,
            ["space", "build", "--out", str(out), "--scheduler", "synchronous", *BOUNDS, "--json"],
        )
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["exact"] == 3
    return out


@pytest.fixture()
def patched(ds, monkeypatch):
    monkeypatch.setattr(cli_common, "load_data", lambda data: ds)
    return ds


def scenario(tmp_path: Path, assignment: dict[str, str]) -> str:
    doc = {
        "name": "plan",
        "description": "a plan",
        "edits": [{"op": "assign", "division": "swv", "assignment": assignment}],
    }
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return str(path)


def test_verdict_with_space_adds_a_reported_check(patched, space, tmp_path) -> None:
    assignment = {u: f"S-{u[3]}-{'AB'[int(u[5]) > 2]}" for u in patched.units.index}
    path = scenario(tmp_path, assignment)
    result = runner.invoke(app, ["verdict", path, "--space", str(space), *BOUNDS, "--json"])
    assert result.exit_code in (0, 1), result.output
    body = json.loads(result.stdout)
    check = next(c for c in body["checks"] if c["name"] == "space")
    assert check["hard"] is False and check["passed"] is None
    figs = check["figures"]
    assert figs["jeugdregios"] == 3 and "disrupted" in figs["national"]
    assert figs["national"]["disrupted"]["histogram"]["edges"]
    assert (
        len(figs["sentences"]) == 3
        and "valid divisions disrupt fewer pupils" in figs["sentences"][0]["text"]
    )


def test_verdict_with_a_missing_space_exits_2(patched, tmp_path) -> None:
    assignment = {u: "X" for u in patched.units.index}
    result = runner.invoke(
        app, ["verdict", scenario(tmp_path, assignment), "--space", str(tmp_path / "none")]
    )
    assert result.exit_code == 2 and "no space here" in result.output


def test_options_write_scenarios_and_a_chart(patched, space, tmp_path) -> None:
    out = tmp_path / "options"
    result = runner.invoke(
        app, ["options", "--space", str(space), "--k", "3", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert 1 <= len(body["options"]) <= 3 and body["front"] >= len(body["options"])
    assert (out / "tradeoff.png").stat().st_size > 1000
    for o in body["options"]:
        doc = yaml.safe_load(Path(o["file"]).read_text())
        assert set(doc["edits"][0]["assignment"]) == set(patched.units.index)
    assert set(body["marks"]) == {"today", "proposal"}
    # the options are each valid: their verdict passes size and contiguity
    verdict = runner.invoke(app, ["verdict", body["options"][0]["file"], *BOUNDS, "--json"])
    checks = {c["name"]: c["passed"] for c in json.loads(verdict.stdout)["checks"]}
    assert checks["size"] and checks["contiguity"] and checks["P3"]


def test_options_with_a_fixed_number_of_swvs(patched, space, tmp_path) -> None:
    bad = runner.invoke(
        app, ["options", "--space", str(space), "--swvs", "JA=99", "--out", str(tmp_path)]
    )
    assert bad.exit_code == 2 and "no valid division with 99 SWVs" in bad.output
    assert "valid numbers: 2, 3" in bad.output
    ok = runner.invoke(
        app,
        [
            "options",
            "--space",
            str(space),
            "--swvs",
            "JA=3",
            "--out",
            str(tmp_path / "o"),
            "--json",
        ],
    )
    assert ok.exit_code == 0, ok.output
    for o in json.loads(ok.stdout)["options"]:
        doc = yaml.safe_load(Path(o["file"]).read_text())
        ja = {
            v
            for k, v in doc["edits"][0]["assignment"].items()
            if k[2:4] in ("00", "01") and int(k[4:]) < 3
        }
        assert len(ja) == 3


def test_api_verdict_with_a_configured_space(ds, space, tmp_path, monkeypatch) -> None:
    from api.app import create_app

    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space))
    client = sign_in(TestClient(create_app(ds, tmp_path / "state", library_dir=None)))
    doc = {
        "name": "all-one",
        "description": "one SWV per jeugdregio",
        "edits": [
            {
                "op": "assign",
                "division": "swv",
                "assignment": {
                    u: "S" + ds.division("jeugdregio").assignment()[u] for u in ds.units.index
                },
            }
        ],
    }
    assert client.post("/api/scenarios", json=doc).status_code == 201
    body = client.get(
        "/api/scenarios/all-one/verdict", params={"min_pupils": 100, "max_pupils": 420}
    ).json()
    check = next(c for c in body["checks"] if c["name"] == "space")
    assert check["figures"]["jeugdregios"] == 3
    # the summary as a message: English as before, Dutch on Dutch pages, same figures
    from maps.i18n.messages import render_message

    nat = check["figures"]["national"]
    inside = check["figures"]["in_space_jeugdregios"]
    english = render_message(check["message"], "en")
    assert english == check["summary"]
    assert f"disrupted p{nat['disrupted']['percentile']:.0f}" in english
    assert f"in the space in {inside} of 3 jeugdregio's" in english
    dutch = render_message(check["message"], "nl")
    assert "landelijk percentiel" in dutch and f"binnen de ruimte in {inside} van de 3" in dutch
    assert f"leerlingen die verhuizen: percentiel {nat['disrupted']['percentile']:.0f}" in dutch
    report = client.get("/api/scenarios/all-one/report")
    assert report.status_code == 200 and "Placement among the valid divisions" in report.text
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(tmp_path / "missing"))
    body = client.get("/api/scenarios/all-one/verdict", params={"min_pupils": 101}).json()
    assert "space" not in [c["name"] for c in body["checks"]]
    assert any("no space here" in w for w in body["warnings"])
