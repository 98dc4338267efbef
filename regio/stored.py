"""Scenarios for the CLI from every place a planner keeps them: files, the library, the web app.

Rule (the order ``regio verdict/report/score/run/variants SCENARIO`` tries):

1. an existing file: a scenario document (YAML/JSON), or the web app's JSON export of a stored
   scenario (``GET /api/scenarios/{id}``: the document under ``"document"``);
2. a library name (``huidig``, ``jeugdregio_41``, ...);
3. a scenario id stored in the web app's store (``REGIOKOMPAS_STATE``, default a per-user data
   dir). The CLI runs with the operator's access to that file, so it reads any stored scenario.

A ``base`` of a stored scenario or of an exported document is looked up in the web app's store
first (where the web app looks), then as a file next to the document or a library name. So a
scenario gives the same verdict in the CLI as on its web page. The store is opened read-only in
effect: nothing is written, and a missing store is no error (only rule 3 then finds nothing).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import ScenarioError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from api.storage.store import SQLiteScenarioStore
    from geo.dataset import Dataset
    from geo.division import Division
    from geo.scenarios import ScenarioDoc

MAX_DEPTH = 32
"""How deep a chain of stored bases may go (a longer one is a cycle or a mistake)."""


class UnknownScenario(ScenarioError, LookupError):
    """No file, library scenario or stored scenario has this name."""


def store_path(state: str | os.PathLike[str] | None = None) -> Path:
    """The web app's SQLite file in the state directory (``REGIOKOMPAS_STATE``)."""
    from api.storage.store import DB_NAME
    from geo.config import state_dir

    return state_dir(state) / DB_NAME


@dataclass
class WebStore:
    """The web app's stored scenarios, opened on first use (None when there is no store)."""

    path: Path
    _store: SQLiteScenarioStore | None = field(default=None, repr=False)
    _opened: bool = False

    def document(self, scenario_id: str) -> dict[str, Any] | None:
        """The stored document of ``scenario_id``, or None."""
        from api.storage.store import ScenarioNotFound, SQLiteScenarioStore, UnsafeScenarioId

        if not self._opened:
            self._opened = True
            if self.path.is_file():
                self._store = SQLiteScenarioStore(self.path)
        if self._store is None:
            return None
        try:
            return dict(self._store.get(scenario_id).document)
        except (ScenarioNotFound, UnsafeScenarioId):
            return None

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None


@dataclass
class StoreBases:
    """A :class:`geo.scenarios.BaseResolver`: stored scenarios first, then files and the
    library (:class:`geo.scenarios.FileBases`)."""

    dataset: Dataset
    store: WebStore
    chain: tuple[str, ...] = ()

    def __call__(self, base: str, doc: ScenarioDoc) -> Mapping[str, Division]:
        from geo.scenarios import FileBases, apply_scenario, parse_scenario

        document = self.store.document(base)
        if document is None:
            return FileBases(self.dataset)(base, doc)
        if base in self.chain or len(self.chain) >= MAX_DEPTH:
            loop = " -> ".join((*self.chain, base))
            raise ScenarioError(doc.source, None, "base", f"cycle of stored bases: {loop}")
        stored = parse_scenario(document, source=f"stored scenario {base!r}")
        return apply_scenario(
            stored, self.dataset, bases=StoreBases(self.dataset, self.store, (*self.chain, base))
        )


def load_cli_scenario(
    scenario: str, dataset: Dataset, *, state: str | os.PathLike[str] | None = None
) -> tuple[ScenarioDoc, dict[str, Division]]:
    """The document and applied divisions of ``scenario`` by the module rule; a scenario found
    nowhere raises :class:`ScenarioError` saying where it was looked for."""
    from geo.scenarios import apply_scenario, load_scenario, parse_scenario
    from geo.scenarios.library import resolve_scenario

    store = WebStore(store_path(state))
    try:
        try:
            resolve_scenario(scenario)
            found = True
        except ScenarioError:
            found = False
        if found:
            doc = load_scenario(scenario)
        else:
            document = store.document(scenario)
            if document is None:
                raise UnknownScenario(
                    scenario,
                    None,
                    None,
                    "no such scenario file, no library scenario and no scenario of that id in "
                    f"the web app's store ({store.path}; set REGIOKOMPAS_STATE)",
                )
            doc = parse_scenario(document, source=f"stored scenario {scenario!r}")
        return doc, apply_scenario(doc, dataset, bases=StoreBases(dataset, store))
    finally:
        store.close()


__all__ = ["StoreBases", "UnknownScenario", "WebStore", "load_cli_scenario", "store_path"]
