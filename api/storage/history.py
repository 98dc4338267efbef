"""The history of a stored scenario: every version it had, who saved it, and what changed.

Rule: a scenario's versions count 1, 2, 3 ... per scenario (``StoredScenario.version``; the
store-wide ``revision`` is only a cache key and never shown as a version). The ``versions``
table (schema 3, :mod:`api.storage.schema`) keeps every document ever stored under the id, written
by
triggers on ``scenarios`` so that every write path (save, library seed and restore) is kept.
Who saved a version comes from the audit log entry of its store revision (``system`` for the
seeded library). The edits a version made are the edits its document has beyond the longest
common prefix with the version before it (``added``), and those of the version before beyond
that prefix (``removed``, e.g. after an undo or a replacement).

>>> import tempfile
>>> from api.storage.store import open_store
>>> store = open_store(tempfile.mkdtemp(), library_dir=None)
>>> move = {"op": "move", "division": "jeugdregio", "unit": "GM1", "to": "B"}
>>> _ = store.save("p", {"name": "p", "description": "x", "edits": []}, actor="ann")
>>> _ = store.save("p", {"name": "p", "description": "x", "edits": [move]}, replace=True,
...                actor="ann")
>>> [(v.version, v.actor, len(v.added)) for v in store.history("p")]
[(2, 'ann', 1), (1, 'ann', 0)]
>>> store.version_of("p", 1).document["edits"]
[]
>>> store.close()
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from api.records import ScenarioNotFound, StoredScenario, check_scenario_id


@dataclass(frozen=True)
class VersionRecord:
    """One kept version of a scenario."""

    version: int
    revision: int
    at: str
    actor: str
    sha256: str
    document: dict[str, Any]
    added: list[dict[str, Any]] = field(default_factory=list)
    """Edits this version has beyond the common prefix with the version before it."""
    removed: list[dict[str, Any]] = field(default_factory=list)
    """Edits of the version before that this one no longer has."""


def edit_changes(
    before: Sequence[Any], after: Sequence[Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(added, removed)``: the edits of ``after`` and of ``before`` beyond their longest
    common prefix.

    >>> edit_changes([{"op": "a"}], [{"op": "a"}, {"op": "b"}])
    ([{'op': 'b'}], [])
    >>> edit_changes([{"op": "a"}, {"op": "b"}], [{"op": "c"}])
    ([{'op': 'c'}], [{'op': 'a'}, {'op': 'b'}])
    """
    common = 0
    for old, new in zip(before, after, strict=False):
        if old != new:
            break
        common += 1
    keep = [e for e in after[common:] if isinstance(e, dict)]
    gone = [e for e in before[common:] if isinstance(e, dict)]
    return keep, gone


def _edits(document: dict[str, Any]) -> list[Any]:
    edits = document.get("edits")
    return edits if isinstance(edits, list) else []


class CurrentVersionOnly:
    """The history of a store that keeps no old documents: only the current version (the
    default of :class:`api.storage.store.ScenarioStore`, which provides ``get()``)."""

    def get(self, scenario_id: str) -> StoredScenario:  # pragma: no cover
        raise NotImplementedError

    def history(self, scenario_id: str) -> list[VersionRecord]:
        """The current version only."""
        s = self.get(scenario_id)
        edits = [e for e in s.document.get("edits") or [] if isinstance(e, dict)]
        actor = s.owner or "system"
        return [
            VersionRecord(s.version, s.revision, s.updated_at, actor, s.sha256, s.document, edits)
        ]

    def version_of(self, scenario_id: str, version: int) -> StoredScenario:
        """The current version; :class:`ScenarioNotFound` for any other."""
        stored = self.get(scenario_id)
        if version != stored.version:
            raise ScenarioNotFound(f"scenario {scenario_id!r} has no kept version {version}")
        return stored


class SQLiteHistory:
    """Reading the kept versions; mixed into :class:`api.storage.store.SQLiteScenarioStore`, which
    provides ``_reader()`` and ``get()``."""

    def _reader(self) -> sqlite3.Connection:  # pragma: no cover
        raise NotImplementedError

    def get(self, scenario_id: str) -> StoredScenario:  # pragma: no cover
        raise NotImplementedError

    def history(self, scenario_id: str) -> list[VersionRecord]:
        """Every kept version of a scenario, newest first, with who saved it and its edits;
        :class:`ScenarioNotFound` for an unknown id."""
        current = self.get(scenario_id)
        rows = (
            self._reader()
            .execute(
                "SELECT v.version, v.revision, v.at, v.sha256, v.document, "
                "(SELECT a.actor FROM audit a WHERE a.target = v.scenario_id "
                "AND a.revision = v.revision ORDER BY a.id LIMIT 1) "
                "FROM versions v WHERE v.scenario_id = ? ORDER BY v.version",
                (scenario_id,),
            )
            .fetchall()
        )
        out: list[VersionRecord] = []
        before: list[Any] = []
        for version, revision, at, digest, text, actor in rows:
            document = json.loads(text)
            added, removed = edit_changes(before, _edits(document))
            out.append(
                VersionRecord(
                    version, revision, at, actor or current.owner or "system", digest,
                    document, added, removed,
                )
            )  # fmt: skip
            before = _edits(document)
        return out[::-1]

    def version_of(self, scenario_id: str, version: int) -> StoredScenario:
        """The scenario as it was at ``version`` (owner and visibility as they are now);
        :class:`ScenarioNotFound` names an unknown id or version."""
        check_scenario_id(scenario_id)
        current = self.get(scenario_id)
        if version == current.version:
            return current
        row = (
            self._reader()
            .execute(
                "SELECT revision, at, sha256, document FROM versions "
                "WHERE scenario_id = ? AND version = ?",
                (scenario_id, int(version)),
            )
            .fetchone()
        )
        if row is None:
            raise ScenarioNotFound(
                f"scenario {scenario_id!r} has no version {version} "
                f"(versions 1 to {current.version})"
            )
        revision, at, digest, text = row
        return replace(
            current, document=json.loads(text), version=int(version), revision=int(revision),
            sha256=digest, updated_at=at,
        )  # fmt: skip
