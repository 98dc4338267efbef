"""The architecture rules of docs/architecture.md, enforced on every test run (so in CI).

- The import rule: nothing imports upward (``regio > api > maps > geo``; inside ``geo`` the flow
  of docs/architecture.md). The contracts are in ``pyproject.toml`` (``[tool.importlinter]``)
  and run by import-linter, whose graph (grimp) includes imports inside functions.
- No import cycles, between modules or between sibling packages.
- No module in geo/, api/, maps/ or regio/ is longer than 500 lines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("geo", "api", "maps", "regio")
MAX_LINES = 500


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "3 kept" in result.stdout, result.stdout


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    imports = nx.DiGraph()
    for module in graph.modules:
        imports.add_edges_from((module, i) for i in graph.find_modules_directly_imported_by(module))
    cycles = sorted(nx.simple_cycles(imports))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_no_module_is_longer_than_500_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


def test_the_web_app_is_imported_only_by_the_command_layer() -> None:
    """The same rule, read directly off the graph: who imports ``api`` from outside it."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    importers = {
        module.split(".")[0]
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.split(".")[0] == "api"
    }
    assert importers == {"api", "regio"}
