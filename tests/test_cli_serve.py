"""Tests of regio.serve: options, environment hand-over to the app factory, clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regio import app


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--data", "--state", "--workers"):
        assert option in result.output


def test_options_reach_uvicorn_and_the_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: calls.append((a, kw)))
    for name in ("REGIOKOMPAS_STATE", "REGIOKOMPAS_DATA"):  # restored after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    data = tmp_path / "data"
    data.mkdir()
    state = tmp_path / "state"
    result = CliRunner().invoke(
        app,
        ["serve", "--port", "8123", "--data", str(data), "--state", str(state), "--workers", "2"],
    )
    assert result.exit_code == 0, result.output
    ((args, kwargs),) = calls
    assert args == ("api.app:create_app",)
    assert kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("127.0.0.1", 8123, 2)
    assert os.environ["REGIOKOMPAS_STATE"] == str(state.resolve())
    assert os.environ["REGIOKOMPAS_DATA"] == str(data.resolve())
    assert (state / "scenarios.sqlite3").is_file()  # created (with the library) on first start


def test_unusable_state_dir_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: pytest.fail("must not start"))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(app, ["serve", "--state", str(blocker / "state")])
    assert result.exit_code == 2
    assert "error:" in result.output and "cannot open the scenario store" in result.output
    assert "Traceback" not in result.output


def test_bad_port_is_refused() -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2
