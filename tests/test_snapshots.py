"""Snapshots of the public contracts: ``/openapi.json`` and the whole ``regio --help`` tree.

Both are recorded in ``tests/snapshots/`` and compared on every run, so a route, a model field,
a command, an option or a help text cannot change by accident (e.g. in a refactoring).

Changed one on purpose? Regenerate the snapshots and commit them with the change:

    REGIOKOMPAS_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_snapshots.py

The help is rendered by typer's ``CliRunner`` at a fixed terminal width (``COLUMNS``), without
colour, so the snapshot does not depend on the terminal running the tests. The OpenAPI document
comes from the app over the synthetic dataset (the schema does not depend on the data).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from api import create_app
from fixtures.synthetic import synthetic_dataset
from regio import app as regio_app

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("REGIOKOMPAS_UPDATE_SNAPSHOTS") == "1"
WIDTH = "100"
"""Terminal width the help is rendered at."""


def compare(name: str, text: str) -> None:
    """Compare ``text`` with the snapshot ``name`` (or write it when updating)."""
    path = SNAPSHOTS / name
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}; record it with REGIOKOMPAS_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} differs from its snapshot; if the change is on purpose, regenerate with "
        "REGIOKOMPAS_UPDATE_SNAPSHOTS=1 (see this test's docstring) and commit it"
    )


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the CLI, the root first (``()``, ``("data",)``, ...); a group is
    anything with ``commands`` (typer ships its own click)."""
    paths = [prefix]
    if isinstance(getattr(command, "commands", None), dict):
        for name in sorted(command.commands):
            paths.extend(command_paths(command.commands[name], (*prefix, name)))
    return paths


def help_tree() -> str:
    """``regio [sub-command ...] --help`` of every command, one section each."""
    runner = CliRunner()
    env = {"COLUMNS": WIDTH, "TERMINAL_WIDTH": WIDTH, "NO_COLOR": "1", "TERM": "dumb"}
    sections = []
    for path in command_paths(get_command(regio_app)):
        result = runner.invoke(regio_app, [*path, "--help"], env=env, prog_name="regio")
        assert result.exit_code == 0, (path, result.output)
        lines = [line.rstrip() for line in result.output.splitlines()]
        sections.append(f"$ regio {' '.join((*path, '--help'))}\n" + "\n".join(lines).strip())
    return "\n\n".join(sections) + "\n"


def test_regio_help_tree_matches_snapshot() -> None:
    compare("regio_help.txt", help_tree())


def test_help_tree_lists_every_command() -> None:
    """The snapshot covers every command: the tree's sections are the CLI's command paths."""
    text = help_tree()
    paths = command_paths(get_command(regio_app))
    assert {("data", "build"), ("propose",), ("serve",)} <= set(paths)
    for path in paths:
        assert f"$ regio {' '.join((*path, '--help'))}\n" in text


def test_help_does_not_depend_on_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    narrow_env = help_tree()
    monkeypatch.setenv("COLUMNS", "250")
    assert help_tree() == narrow_env


def test_openapi_matches_snapshot(tmp_path: Path) -> None:
    app = create_app(synthetic_dataset(), tmp_path, library_dir=None)
    text = json.dumps(app.openapi(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    compare("openapi.json", text)
