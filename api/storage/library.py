"""The shipped scenario library (``scenarios/*.yaml``) in the store: seeded once, restorable.

Rule: a library scenario is seeded the first time a store sees it; deleting or replacing it
later is respected (it is not seeded again). ``regio library restore`` stores the shipped
documents again: deleted ones come back, changed ones get the shipped document as a new version,
owned by nobody and published (so only admins change them).

>>> sorted(library_documents())[:2]
['huidig', 'jeugdregio_41']
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import yaml

from api.records import StorageError, check_scenario_id, document_sha256
from api.records import now_ms as _now
from geo.config import SCENARIO_LIBRARY


class SQLiteLibrary:
    """Library seeding and restoring; mixed into :class:`api.storage.store.SQLiteScenarioStore`,
    which provides ``_transaction()`` and ``_audit()``."""

    def _transaction(self) -> AbstractContextManager[sqlite3.Cursor]:  # pragma: no cover
        raise NotImplementedError

    def seed_library(self, documents: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """Store library documents never seeded before (one transaction); return their ids.

        A library scenario is seeded once: deleting or replacing it later is respected.
        """
        now = _now()
        seeded: list[str] = []
        with self._transaction() as cur:
            done = {r[0] for r in cur.execute("SELECT name FROM library_seeded")}
            for name, document in sorted(documents.items()):
                if name in done:
                    continue
                check_scenario_id(name)
                digest = document_sha256(document)
                exists = cur.execute("SELECT 1 FROM scenarios WHERE id = ?", (name,)).fetchone()
                if exists is None:
                    cur.execute(
                        "INSERT INTO revisions (scenario_id, action, sha256, at) "
                        "VALUES (?, 'seed', ?, ?)",
                        (name, digest, now),
                    )
                    self._write_library(cur, name, document, cur.lastrowid, 1, now, now)
                    seeded.append(name)
                cur.execute(
                    "INSERT INTO library_seeded (name, sha256, at) VALUES (?, ?, ?)",
                    (name, digest, now),
                )
        return seeded

    @staticmethod
    def _write_library(
        cur: sqlite3.Cursor,
        name: str,
        document: Mapping[str, Any],
        revision: int | None,
        version: int,
        created: str,
        now: str,
    ) -> None:
        base = document.get("base")
        cur.execute(
            "INSERT OR REPLACE INTO scenarios (id, document, sha256, version, revision, source, "
            "created_at, updated_at, owner, visibility, base) "
            "VALUES (?, ?, ?, ?, ?, 'library', ?, ?, NULL, 'published', ?)",
            (name, json.dumps(document, ensure_ascii=False), document_sha256(document))
            + (version, revision, created, now, base if isinstance(base, str) else None),
        )

    def restore_library(
        self, documents: Mapping[str, Mapping[str, Any]], *, actor: str = "system"
    ) -> list[str]:
        """Store the shipped library documents again (one transaction): deleted ones come
        back, changed ones get the shipped document as a new version, owned by nobody and
        published. Returns the ids whose stored document changed."""
        now = _now()
        changed: list[str] = []
        with self._transaction() as cur:
            for name, document in sorted(documents.items()):
                check_scenario_id(name)
                digest = document_sha256(document)
                old = cur.execute(
                    "SELECT version, created_at, sha256, source, owner, visibility "
                    "FROM scenarios WHERE id = ?",
                    (name,),
                ).fetchone()
                if old is not None and old[2:] == (digest, "library", None, "published"):
                    continue
                cur.execute(
                    "INSERT INTO revisions (scenario_id, action, sha256, at) "
                    "VALUES (?, 'restore', ?, ?)",
                    (name, digest, now),
                )
                revision = cur.lastrowid
                version, created = (1, now) if old is None else (old[0] + 1, old[1])
                self._write_library(cur, name, document, revision, version, created, now)
                cur.execute(
                    "INSERT OR REPLACE INTO library_seeded (name, sha256, at) VALUES (?, ?, ?)",
                    (name, digest, now),
                )
                self._audit(cur, actor, "library.restore", name, revision)
                changed.append(name)
        return changed


def library_documents(
    directory: str | os.PathLike[str] | None = SCENARIO_LIBRARY,
) -> dict[str, dict]:
    """The raw documents of ``<directory>/*.yaml`` keyed by file stem (the scenario id).

    Raises :class:`StorageError` naming the file when one is not a YAML mapping.
    """
    if directory is None:
        return {}
    out: dict[str, dict] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise StorageError(f"{path}: cannot read library scenario: {exc}") from exc
        if not isinstance(document, dict):
            raise StorageError(f"{path}: a scenario document must be a mapping")
        out[check_scenario_id(path.stem)] = document
    return out
