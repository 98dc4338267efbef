"""Tests for geo.data.check and ``regio data check``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from geo.data.check import check_dataset
from regio import app

pytestmark = pytest.mark.integration


def test_report_on_real_data(dataset) -> None:
    report = check_dataset(dataset)
    assert report["problems"] == []
    assert report["units"] == 342
    assert report["totals"]["inhabitants"] == 17_942_942
    rotterdam = {r["unit"]: r["share"] for r in report["unassigned"]["swv_po"]}
    assert set(rotterdam) == {"GM0599"}
    split = {r["unit"] for r in report["split_units"]["swv_vo"]}
    assert "GM1940" in split  # De Fryske Marren lies in three VO SWVs


def test_cli_json_and_exit_code(dataset, data_dir) -> None:
    result = CliRunner().invoke(app, ["data", "check", "--json", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in ("units", "divisions", "split_units", "unassigned", "totals"):
        assert key in report
    assert report["divisions"]["swv_po"] == 76


def test_check_fails_on_an_inconsistency(dataset) -> None:
    broken = type(dataset)(
        units=dataset.units.assign(inhabitants=dataset.units["inhabitants"] + 1),
        divisions=dataset.divisions,
        special_schools=dataset.special_schools,
        report=dataset.report,
    )
    assert any("inhabitants" in p for p in check_dataset(broken)["problems"])


def test_cli_bad_data_dir_is_a_clear_error(tmp_path) -> None:
    result = CliRunner().invoke(app, ["data", "check", "--data", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not found" in result.output
