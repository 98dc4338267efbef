"""``regio verdict``: table and JSON, exit 0 / 1 / 2, the claimed-principle warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from fixtures.verdict_cases import CASES, grid_dataset
from regio import app
from regio import common as cli_common

runner = CliRunner()
BOUNDS = ["--min-pupils", "400", "--max-pupils", "3000"]


def scenario_file(tmp_path: Path, case: str, principles: list[int]) -> str:
    """A scenario document whose one edit assigns the case's ``swv``."""
    _, layout, _ = CASES[case]
    assignment = {
        f"GM{r:02d}{c:02d}": ch for r, row in enumerate(layout) for c, ch in enumerate(row)
    }
    doc = {
        "name": case,
        "description": f"verdict case {case}",
        "principles": principles,
        "edits": [{"op": "assign", "division": "swv", "assignment": assignment}],
    }
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return str(path)


@pytest.fixture()
def dense(monkeypatch):
    ds = grid_dataset("dense")
    monkeypatch.setattr(cli_common, "load_data", lambda data: ds)
    return ds


def test_valid_scenario_exits_0_with_a_table(dense, tmp_path) -> None:
    result = runner.invoke(app, ["verdict", scenario_file(tmp_path, "valid", [1, 3]), *BOUNDS])
    assert result.exit_code == 0, result.output
    for name in ("P1", "P2", "P3", "size", "contiguity", "disruption", "uniform"):
        assert name in result.stdout
    assert "PASSES every hard check" in result.stdout


def test_failing_scenario_exits_1_and_json_has_the_schema(dense, tmp_path) -> None:
    path = scenario_file(tmp_path, "two_jeugdregio", [])
    result = runner.invoke(app, ["verdict", path, *BOUNDS, "--json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["scenario"] == "two_jeugdregio" and out["passed"] is False
    checks = {c["name"]: c for c in out["checks"]}
    assert checks["P3"]["passed"] is False and checks["size"]["passed"] is True
    assert checks["P3"]["offenders"][0]["code"] == "X"
    assert checks["disruption"]["passed"] is None and checks["disruption"]["hard"] is False


def test_claimed_principle_that_fails_is_warned_about(dense, tmp_path) -> None:
    path = scenario_file(tmp_path, "two_jeugdregio", [1, 3])
    result = runner.invoke(app, ["verdict", path, *BOUNDS])
    assert result.exit_code == 1
    assert "warning" in result.stderr and "claims principle 3" in result.stderr
    assert "principle 1" not in result.stderr  # P1 holds: no warning for it


def test_jeugdregio_option_names_a_division_of_the_scenario(dense, tmp_path) -> None:
    path = scenario_file(tmp_path, "two_jeugdregio", [])
    # provincie of the grid = two halves of 4 columns: the same as the jeugdregio's here
    result = runner.invoke(app, ["verdict", path, *BOUNDS, "--jeugdregio", "swv", "--json"])
    out = json.loads(result.stdout)
    assert out["jeugdregio"]["source"] == "two_jeugdregio: swv"
    assert {c["name"]: c["passed"] for c in out["checks"]}["P3"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verdict", "no_such_scenario"], "unknown scenario 'no_such_scenario'"),
        (["verdict", "huidig", "--jeugdregio", "jz_nope"], "unknown jeugdregio division 'jz_nope'"),
        (["verdict", "huidig", "--min-pupils", "9", "--max-pupils", "1"], "cannot be met"),
        (["verdict", "huidig", "--weight", "nope"], "unknown weight 'nope'"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(dense, args, message) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_scenario_without_swv_division_exits_2(monkeypatch, tmp_path) -> None:
    ds = grid_dataset("dense")
    del ds.divisions["swv_po"], ds.divisions["swv_vo"]
    monkeypatch.setattr(cli_common, "load_data", lambda data: ds)
    doc = {"name": "no_swv", "description": "no SWVs at all", "principles": [], "edits": []}
    path = tmp_path / "no_swv.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = runner.invoke(app, ["verdict", str(path)])
    assert result.exit_code == 2
    assert "scenario 'no_swv' has no SWV division (swv, swv_po or swv_vo)" in result.stderr


@pytest.mark.integration
def test_real_huidig_exits_1_failing_p1_and_p3(dataset, monkeypatch) -> None:
    monkeypatch.setattr(cli_common, "load_data", lambda data: dataset)
    result = runner.invoke(app, ["verdict", "huidig", "--json"])
    assert result.exit_code == 1
    failed = {c["name"] for c in json.loads(result.stdout)["checks"] if c["passed"] is False}
    assert {"P1", "P3"} <= failed


def test_report_writes_one_self_contained_html(dense, tmp_path) -> None:
    out = tmp_path / "r" / "report.html"
    paths = [scenario_file(tmp_path, c, [3]) for c in ("valid", "two_jeugdregio")]
    result = runner.invoke(app, ["report", *paths, "--out", str(out), *BOUNDS])
    assert result.exit_code == 1  # two_jeugdregio fails P3
    html = out.read_text(encoding="utf-8")
    assert html.count('class="swv-map"') == 2 and "data:image/png;base64," in html
    assert '<th scope="col">valid<br>' in html and '<th scope="col">two_jeugdregio<br>' in html
    # the report speaks Dutch (the warning too, issue 17); the CLI's stderr stays English
    assert "claimt uitgangspunt 3" in html and "claims principle 3" not in html
    assert "claims principle 3" in result.stderr
    assert 'src="http' not in html and 'href="http' not in html


def test_report_keeps_an_existing_file_on_error(dense, tmp_path) -> None:
    out = tmp_path / "report.html"
    out.write_text("old", encoding="utf-8")
    result = runner.invoke(app, ["report", "no_such_scenario", "--out", str(out)])
    assert result.exit_code == 2 and "unknown scenario 'no_such_scenario'" in result.stderr
    assert out.read_text(encoding="utf-8") == "old"
