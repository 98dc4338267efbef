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
    assert kwargs["proxy_headers"] is False  # no forwarded header is trusted by default
    assert "forwarded_allow_ips" not in kwargs


def test_forwarded_allow_ips_names_the_trusted_proxies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: calls.append(kw))
    monkeypatch.setenv("REGIOKOMPAS_STATE", str(tmp_path / "state"))
    ok = CliRunner().invoke(app, ["serve", "--forwarded-allow-ips", "127.0.0.1, ::1"])
    assert ok.exit_code == 0, ok.output
    assert calls[-1]["proxy_headers"] is True
    assert calls[-1]["forwarded_allow_ips"] == "127.0.0.1,::1"
    star = CliRunner().invoke(app, ["serve", "--forwarded-allow-ips", "*"])
    assert star.exit_code == 2 and "any client" in star.output
    assert len(calls) == 1


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


def test_first_start_prints_a_one_time_login_link_that_signs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh state dir: ``regio serve`` creates the admin and prints a link; the link signs the
    browser in once; a second start prints none."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from fixtures.synthetic import synthetic_dataset

    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: None)
    monkeypatch.setenv("REGIOKOMPAS_STATE", str(tmp_path))
    first = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert first.exit_code == 0, first.output
    assert "created the user 'admin'" in first.output
    link = next(w for w in first.output.split() if "/login/once?token=" in w)
    assert link.startswith("http://127.0.0.1:8123/login/once?token=")
    second = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert "/login/once" not in second.output

    client = TestClient(create_app(synthetic_dataset(), tmp_path, library_dir=None))
    path = link.removeprefix("http://127.0.0.1:8123")
    signed = client.get(path, follow_redirects=False)
    assert signed.status_code == 303 and "regio_session" in signed.cookies
    assert client.get("/api/me").json()["user"] == "admin"
    spent = TestClient(client.app).get(path, follow_redirects=False)
    assert spent.status_code == 404 and "inloglink is niet geldig" in spent.text  # Dutch default
    english = TestClient(client.app).get(
        path, follow_redirects=False, headers={"Accept-Language": "en"}
    )
    assert english.status_code == 404 and "login link is not valid" in english.text
