"""Tests for regio.propose: ``regio propose`` and ``regio ensemble`` end to end."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import regio.common as cli_common
from fixtures.proposal_grids import layout_dataset
from geo.scenarios import apply_scenario, load_scenario
from regio import app

runner = CliRunner()


@pytest.fixture
def synthetic(monkeypatch):
    ds = layout_dataset(
        ["AAABBB", "AAABBB"],
        ["aaaabb", "aaabbb"],
        schools=[(f"GM{r:02d}{c:02d}", "(V)SO") for r in range(2) for c in range(6)],
    )
    monkeypatch.setattr(cli_common, "load_data", lambda data: ds)
    return ds


def test_propose_writes_a_scenario_that_scores_nested(synthetic, tmp_path) -> None:
    out = tmp_path / "proposal.yaml"
    result = runner.invoke(app, ["propose", "--out", str(out), "--json", "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["out"] == str(out)
    assert report["totals"]["disrupted"] == 150.0
    doc = load_scenario(out)
    assert sorted(apply_scenario(doc, synthetic)["swv"].regions) == ["SWV-JA-1", "SWV-JB-1"]
    scored = runner.invoke(
        app, ["score", str(out), "--division", "swv", "--against", "jeugdregio", "--json"]
    )
    assert scored.exit_code == 0, scored.output
    regions = json.loads(scored.stdout)["regions"]
    assert len(regions) == 2 and all(r["nested"] for r in regions)


def test_propose_prints_a_report(synthetic, tmp_path) -> None:
    out = tmp_path / "p.json"
    result = runner.invoke(app, ["propose", "--out", str(out), "--name", "v1"])
    assert result.exit_code == 0, result.output
    assert "pupils changing SWV" in result.stdout and "SWV-JA-1" in result.stdout
    assert json.loads(out.read_text())["name"] == "v1"


def test_infeasible_bound_is_a_message_and_keeps_the_old_file(synthetic, tmp_path) -> None:
    out = tmp_path / "proposal.yaml"
    out.write_text("old content\n")
    result = runner.invoke(
        app, ["propose", "--out", str(out), "--min-pupils", "5000", "--max-pupils", "9000"]
    )
    assert result.exit_code == 2
    assert "jeugdregio JA: min_pupils" in result.stderr
    assert "Traceback" not in result.output
    assert out.read_text() == "old content\n"


def test_ensemble_command(synthetic, tmp_path) -> None:
    result = runner.invoke(
        app,
        [
            "ensemble",
            "--jeugdregio",
            "JA",
            "--steps",
            "5",
            "--swvs",
            "2",
            "--min-pupils",
            "1",
            "--max-extra-km",
            "5",
            "--max-extra-mean-km",
            "5",
            "--out",
            str(tmp_path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["samples"] == 5 and summary["swvs"] == 2
    assert (tmp_path / "ensemble.png").is_file() and (tmp_path / "ensemble.csv").is_file()


def test_ensemble_bad_jeugdregio(synthetic, tmp_path) -> None:
    result = runner.invoke(app, ["ensemble", "--jeugdregio", "JZ99", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown jeugdregio 'JZ99'" in result.stderr


@pytest.mark.integration
def test_real_propose_then_score_shows_every_region_nested(dataset, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_common, "load_data", lambda data: dataset)
    out = tmp_path / "proposal.yaml"
    result = runner.invoke(app, ["propose", "--out", str(out), "--json", "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    swvs = json.loads(result.stdout)["totals"]["swvs"]
    scored = runner.invoke(
        app, ["score", str(out), "--division", "swv", "--against", "jeugdregio", "--json"]
    )
    assert scored.exit_code == 0, scored.output
    regions = json.loads(scored.stdout)["regions"]
    assert len(regions) == swvs
    assert all(r["nested"] for r in regions)


def test_options_left_out_take_the_library_defaults() -> None:
    from typer.main import get_command

    from geo.proposals.propose import (
        DEFAULT_MAX_EXTRA_KM,
        DEFAULT_MAX_EXTRA_MEAN_KM,
        DEFAULT_TIME_LIMIT,
        ProposalSettings,
    )
    from regio.propose import proposal_settings

    assert proposal_settings(time_limit=None, max_extra_km=None, min_pupils=None) == (
        ProposalSettings()
    )
    assert proposal_settings(time_limit=3.0).time_limit == 3.0
    stated = {  # the defaults the help names, as the library has them
        "--time-limit": DEFAULT_TIME_LIMIT,
        "--max-extra-km": DEFAULT_MAX_EXTRA_KM,
        "--max-extra-mean-km": DEFAULT_MAX_EXTRA_MEAN_KM,
    }
    for command in ("propose", "ensemble"):
        params = {p.opts[0]: p for p in get_command(app).commands[command].params}
        for option, value in stated.items():
            assert f"default: {value:g})" in params[option].help, (command, option)
