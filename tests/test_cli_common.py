"""Tests for regio.common: clear errors with exit code 2, data loading, atomic writes."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from geo.division import Division
from geo.errors import SourceError
from regio import common

runner = CliRunner()


def _app(command: object) -> typer.Typer:
    app = typer.Typer()
    app.command("go")(command)
    app.command("other")(lambda: None)  # two commands keep "go" a sub-command
    return app


def test_fail_prints_the_message_on_stderr_and_exits() -> None:
    def go() -> None:
        common.fail("the field 'x' is wrong", code=3)

    result = runner.invoke(_app(go), ["go"])
    assert result.exit_code == 3
    assert "error: the field 'x' is wrong" in result.stderr and result.stdout == ""
    assert "Traceback" not in result.output


def test_open_dataset_turns_a_data_problem_into_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: Path | None) -> None:
        raise SourceError(f"{data}/cbs/gemeente_2025.topojson", "missing")

    monkeypatch.setattr(common, "load_data", broken)

    def go() -> None:
        common.open_dataset(Path("/nowhere"))

    result = runner.invoke(_app(go), ["go"])
    assert result.exit_code == 2
    assert "/nowhere/cbs/gemeente_2025.topojson: missing" in result.stderr


def test_unknown_weight_and_division_list_the_options() -> None:
    divisions = {"swv_po": Division.from_assignment("swv_po", {"GM1": "A"})}

    def go(weight: str, division: str) -> None:
        common.check_weights([weight])
        common.check_divisions([division], divisions, "huidig")
        typer.echo("ok")

    app = _app(go)
    assert runner.invoke(app, ["go", "pupils", "swv_po"]).stdout == "ok\n"
    bad_weight = runner.invoke(app, ["go", "pupills", "swv_po"])
    assert bad_weight.exit_code == 2
    assert "unknown weight 'pupills'; choose one of area, inhabitants" in bad_weight.stderr
    bad_division = runner.invoke(app, ["go", "area", "swv_vo"])
    assert bad_division.exit_code == 2
    assert "unknown division 'swv_vo' in scenario 'huidig'; choose one of swv_po" in (
        bad_division.stderr
    )


def test_docstring_examples() -> None:
    module = importlib.import_module("regio.common")
    assert doctest.testmod(module).failed == 0
