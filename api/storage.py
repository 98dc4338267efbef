"""Durable scenario storage: the one module behind which scenarios are kept.

Rule: a scenario is a JSON document stored under a safe slug id (``^[a-z0-9][a-z0-9_-]{0,63}$``).
Every save is one SQLite transaction (WAL journal, ``synchronous=FULL``), so a save that
returned is on disk and survives a killed process; a save that failed changes nothing. Every
save gets a fresh, never reused ``revision`` number (a cache key for evaluated scenarios) and
the document's SHA-256, which :meth:`SQLiteScenarioStore.verify` re-checks. The schema is
versioned with ``PRAGMA user_version``. Library scenarios (``scenarios/*.yaml``) are seeded the
first time the store sees them; a library scenario deleted by a user stays deleted.

Another database can replace SQLite by implementing :class:`ScenarioStore`.

>>> import tempfile
>>> store = open_store(tempfile.mkdtemp(), library_dir=None)
>>> store.save("mijn-plan", {"name": "mijn-plan", "edits": []}).version
1
>>> [s.id for s in store.list()]
['mijn-plan']
>>> store.close()
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from geo.config import SCENARIO_LIBRARY, state_dir
from geo.errors import RegiokompasError

SCHEMA_VERSION = 1
"""Version of the SQLite schema (``PRAGMA user_version``)."""

DB_NAME = "scenarios.sqlite3"
SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
"""A safe scenario id: lower-case slug, never a path."""

SOURCES = ("library", "user", "import")


class StorageError(RegiokompasError):
    """The scenario store cannot be opened or written."""


class UnsafeScenarioId(StorageError, ValueError):
    """A scenario id that is not a safe slug (e.g. ``../../x``)."""


class ScenarioNotFound(StorageError, KeyError):
    """No stored scenario has this id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "scenario not found"


class ScenarioExists(StorageError):
    """A scenario with this id is stored already (and ``replace`` was not asked)."""


class RevisionConflict(StorageError):
    """A save named the revision it started from, and the scenario has been saved since."""


def check_scenario_id(scenario_id: object) -> str:
    """Return ``scenario_id`` if it is a safe slug, else raise :class:`UnsafeScenarioId`.

    >>> check_scenario_id("swv_binnen_jeugdregio")
    'swv_binnen_jeugdregio'
    >>> check_scenario_id("../../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    api.storage.UnsafeScenarioId: scenario id '../../x' is not a safe slug (...)
    """
    if not isinstance(scenario_id, str) or not SCENARIO_ID.fullmatch(scenario_id):
        raise UnsafeScenarioId(
            f"scenario id {scenario_id!r} is not a safe slug ({SCENARIO_ID.pattern})"
        )
    return scenario_id


def document_sha256(document: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON form (sorted keys) of a document."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredScenario:
    """One stored scenario: its document and bookkeeping."""

    id: str
    document: dict[str, Any]
    version: int
    """1 for the first save under this id, +1 for each replacement."""
    revision: int
    """Store-wide, never reused number of this save (changes on every save)."""
    source: str
    """``library``, ``user`` or ``import``."""
    sha256: str
    created_at: str
    updated_at: str


class ScenarioStore(ABC):
    """What the API needs from a scenario store; implement it for another database."""

    @abstractmethod
    def list(self) -> list[StoredScenario]:
        """All stored scenarios, ordered by id."""

    @abstractmethod
    def get(self, scenario_id: str) -> StoredScenario:
        """One scenario; raises :class:`ScenarioNotFound` or :class:`UnsafeScenarioId`."""

    @abstractmethod
    def revision(self, scenario_id: str) -> int:
        """The current revision of one scenario (cheap; for cache keys)."""

    @abstractmethod
    def save(
        self,
        scenario_id: str,
        document: Mapping[str, Any],
        *,
        source: str = "user",
        replace: bool = False,
        expected_revision: int | None = None,
    ) -> StoredScenario:
        """Store a document atomically; :class:`ScenarioExists` unless ``replace``.

        With ``expected_revision``, the stored scenario must still be at that revision (checked
        in the same transaction as the write), else :class:`RevisionConflict`.
        """

    @abstractmethod
    def delete(self, scenario_id: str) -> None:
        """Remove a scenario; raises :class:`ScenarioNotFound` if there is none."""

    @abstractmethod
    def verify(self) -> list[str]:
        """Problems found (integrity check, checksums); empty when the store is sound."""

    def close(self) -> None:  # noqa: B027 - optional for stores without resources
        """Release resources."""


_SCHEMA = """
CREATE TABLE scenarios (
    id         TEXT PRIMARY KEY,
    document   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    source     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE revisions (
    revision    INTEGER PRIMARY KEY AUTOINCREMENT,
    scenario_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    sha256      TEXT,
    at          TEXT NOT NULL
);
CREATE TABLE library_seeded (
    name   TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    at     TEXT NOT NULL
);
"""

_COLUMNS = "id, document, version, revision, source, sha256, created_at, updated_at"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _row(row: tuple[Any, ...]) -> StoredScenario:
    return StoredScenario(
        id=row[0],
        document=json.loads(row[1]),
        version=row[2],
        revision=row[3],
        source=row[4],
        sha256=row[5],
        created_at=row[6],
        updated_at=row[7],
    )


class SQLiteScenarioStore(ScenarioStore):
    """Scenario store in one SQLite file (``<state dir>/scenarios.sqlite3``).

    Writes go through one connection guarded by a lock; reads use one read-only connection per
    thread, so (thanks to WAL) they never wait for a save's fsync. Several processes may open
    the same file (SQLite locking, ``busy_timeout`` 10 s).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10.0
            )
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"{self.path}: cannot open the scenario store: {exc}") from exc
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[tuple[threading.Thread, sqlite3.Connection]] = []
        """Read connections and the threads that opened them (closed once a thread is gone)."""
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise StorageError(f"{self.path}: not a usable scenario store: {exc}") from exc

    # ------------------------------------------------------------------ schema
    def _migrate(self) -> None:
        with self._transaction() as cur:
            version = cur.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"{self.path}: schema version {version} is newer than this regiokompas "
                    f"supports ({SCHEMA_VERSION}); upgrade regiokompas"
                )
            if version == 0:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    cur.execute(statement)
                cur.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any error)."""
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    # ------------------------------------------------------------------ reads
    def _reader(self) -> sqlite3.Connection:
        """This thread's read-only connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False, timeout=10.0
                )
                conn.execute("PRAGMA query_only=ON")
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: cannot read the scenario store: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                # threads come and go (thread pools retire idle workers): close the readers of
                # finished threads so their connections do not pile up
                for thread, old in self._readers:
                    if not thread.is_alive():
                        old.close()
                self._readers = [(t, c) for t, c in self._readers if t.is_alive()]
                self._readers.append((threading.current_thread(), conn))
        return conn

    def list(self) -> list[StoredScenario]:
        rows = self._reader().execute(f"SELECT {_COLUMNS} FROM scenarios ORDER BY id").fetchall()
        return [_row(r) for r in rows]

    def get(self, scenario_id: str) -> StoredScenario:
        check_scenario_id(scenario_id)
        row = (
            self._reader()
            .execute(f"SELECT {_COLUMNS} FROM scenarios WHERE id = ?", (scenario_id,))
            .fetchone()
        )
        if row is None:
            raise ScenarioNotFound(f"unknown scenario {scenario_id!r}")
        return _row(row)

    def revision(self, scenario_id: str) -> int:
        check_scenario_id(scenario_id)
        row = (
            self._reader()
            .execute("SELECT revision FROM scenarios WHERE id = ?", (scenario_id,))
            .fetchone()
        )
        if row is None:
            raise ScenarioNotFound(f"unknown scenario {scenario_id!r}")
        return int(row[0])

    # ------------------------------------------------------------------ writes
    def save(
        self,
        scenario_id: str,
        document: Mapping[str, Any],
        *,
        source: str = "user",
        replace: bool = False,
        expected_revision: int | None = None,
    ) -> StoredScenario:
        check_scenario_id(scenario_id)
        if source not in SOURCES:
            raise StorageError(f"source {source!r} is not one of {', '.join(SOURCES)}")
        try:
            text = json.dumps(document, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise StorageError(f"scenario {scenario_id!r}: document is not JSON: {exc}") from exc
        digest = document_sha256(document)
        now = _now()
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT version, created_at, revision FROM scenarios WHERE id = ?", (scenario_id,)
            ).fetchone()
            if expected_revision is not None and (old is None or old[2] != expected_revision):
                now_at = "deleted" if old is None else f"now at revision {old[2]}"
                raise RevisionConflict(
                    f"scenario {scenario_id!r} was saved by someone else since revision "
                    f"{expected_revision} ({now_at}); nothing was stored"
                )
            if old is not None and not replace:
                raise ScenarioExists(
                    f"scenario {scenario_id!r} exists already (version {old[0]}); "
                    "save with replace to make a new version"
                )
            cur.execute(
                "INSERT INTO revisions (scenario_id, action, sha256, at) VALUES (?, 'save', ?, ?)",
                (scenario_id, digest, now),
            )
            revision = cur.lastrowid
            version = 1 if old is None else old[0] + 1
            created = now if old is None else old[1]
            cur.execute(
                "INSERT OR REPLACE INTO scenarios "
                "(id, document, sha256, version, revision, source, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (scenario_id, text, digest, version, revision, source, created, now),
            )
        return StoredScenario(
            scenario_id, json.loads(text), version, int(revision or 0), source, digest, created, now
        )

    def delete(self, scenario_id: str) -> None:
        check_scenario_id(scenario_id)
        with self._transaction() as cur:
            cur.execute("DELETE FROM scenarios WHERE id = ?", (scenario_id,))
            if cur.rowcount == 0:
                raise ScenarioNotFound(f"unknown scenario {scenario_id!r}")
            cur.execute(
                "INSERT INTO revisions (scenario_id, action, sha256, at) "
                "VALUES (?, 'delete', NULL, ?)",
                (scenario_id, _now()),
            )

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
                    cur.execute(
                        "INSERT INTO scenarios (id, document, sha256, version, revision, source, "
                        "created_at, updated_at) VALUES (?, ?, ?, 1, ?, 'library', ?, ?)",
                        (
                            name,
                            json.dumps(document, ensure_ascii=False),
                            digest,
                            cur.lastrowid,
                            now,
                            now,
                        ),
                    )
                    seeded.append(name)
                cur.execute(
                    "INSERT INTO library_seeded (name, sha256, at) VALUES (?, ?, ?)",
                    (name, digest, now),
                )
        return seeded

    # ------------------------------------------------------------------ checks
    def verify(self) -> list[str]:
        problems: list[str] = []
        with self._lock:
            result = [r[0] for r in self._conn.execute("PRAGMA integrity_check")]
            rows = self._conn.execute("SELECT id, document, sha256 FROM scenarios").fetchall()
        if result != ["ok"]:
            problems.extend(f"integrity_check: {r}" for r in result)
        for scenario_id, text, digest in rows:
            try:
                actual = document_sha256(json.loads(text))
            except ValueError as exc:
                problems.append(f"scenario {scenario_id!r}: document is not JSON ({exc})")
                continue
            if actual != digest:
                problems.append(f"scenario {scenario_id!r}: checksum mismatch")
        return problems

    def close(self) -> None:
        with self._lock:
            for _, conn in self._readers:
                conn.close()
            self._readers.clear()
            self._local = threading.local()
            self._conn.close()


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


def open_store(
    directory: str | os.PathLike[str] | None = None,
    *,
    library_dir: str | os.PathLike[str] | None = SCENARIO_LIBRARY,
    library: Mapping[str, Mapping[str, Any]] | None = None,
) -> SQLiteScenarioStore:
    """Open (create on first use) the store in ``directory`` (default :func:`state_dir`).

    Library scenarios come from ``library`` when given, else from ``library_dir/*.yaml``.
    """
    store = SQLiteScenarioStore(state_dir(directory) / DB_NAME)
    try:
        store.seed_library(library if library is not None else library_documents(library_dir))
    except BaseException:
        store.close()
        raise
    return store
