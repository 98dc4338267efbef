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

import json
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.records import (
    MAX_BASE_DEPTH,
    SCENARIO_ID,
    SOURCES,
    STORED_COLUMNS,
    VISIBILITIES,
    BadBase,
    RevisionConflict,
    SaveChecks,
    ScenarioExists,
    ScenarioInUse,
    ScenarioNotFound,
    ScenarioTaken,
    StorageError,
    StoredScenario,
    UnsafeScenarioId,
    check_scenario_id,
    document_sha256,
    stored_row,
    taken,
)
from api.records import now_ms as _now
from api.safety.auth.accounts import AccountStore, SQLiteAccounts
from api.safety.auth.failures import SQLiteLoginFailures
from api.storage.history import CurrentVersionOnly, SQLiteHistory, VersionRecord
from api.storage.library import SQLiteLibrary, library_documents
from api.storage.listing import filter_page, select_page
from api.storage.schema import SCHEMA_VERSION, migrate
from api.storage.shared import NoSharedList, SQLiteSharedList
from geo.config import SCENARIO_LIBRARY, state_dir
from geo.errors import RegiokompasError

DB_NAME = "scenarios.sqlite3"

__all__ = [  # re-exported: callers import the store's vocabulary from here
    "MAX_BASE_DEPTH",
    "SCENARIO_ID",
    "SCHEMA_VERSION",
    "SOURCES",
    "VISIBILITIES",
    "BadBase",
    "ScenarioExists",
    "ScenarioInUse",
    "RevisionConflict",
    "SaveChecks",
    "ScenarioNotFound",
    "ScenarioTaken",
    "StorageError",
    "StoredScenario",
    "UnsafeScenarioId",
    "VersionRecord",
    "check_scenario_id",
    "document_sha256",
    "library_documents",
]


class ScenarioStore(CurrentVersionOnly, NoSharedList, AccountStore, ABC):
    """What the API needs from a scenario store; implement it for another database (the
    history of :class:`api.storage.history.CurrentVersionOnly` unless it keeps old documents)."""

    @abstractmethod
    def list(self) -> list[StoredScenario]:
        """All stored scenarios, ordered by id."""

    def list_page(
        self, reader: str | None, *, admin: bool = False, limit: int = 100, after: str = ""
    ) -> list[dict[str, Any]]:
        """One page of the scenarios ``reader`` may read (published ones and their own; all
        for an ``admin``), ordered by id, after the id ``after``: the list entries only
        (:func:`listing` of each). Stores should answer it without loading every document."""
        return filter_page(self.list(), reader, admin=admin, limit=limit, after=after)

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
        owner: str | None = None,
        visibility: str | None = None,
        actor: str = "system",
        expected_revision: int | None = None,
        checks: SaveChecks | None = None,
    ) -> StoredScenario:
        """Store a document atomically; :class:`ScenarioTaken` (a :class:`ScenarioExists`)
        unless ``replace``.

        In the same transaction: its ``base`` must be stored, not lead back to it, and the
        chain stay within :data:`MAX_BASE_DEPTH` (else :class:`BadBase`), and the save is
        written to the audit log as done by ``actor``. ``owner`` is the owner of a new scenario
        (a replacement keeps its owner, and its visibility unless given); a new scenario is
        ``private`` unless from the library. With ``expected_revision``, the stored scenario
        must still be at that revision, else :class:`RevisionConflict`. ``checks``
        (:class:`SaveChecks`: who may replace, the owner's quota) run inside the transaction.
        """

    @abstractmethod
    def delete(
        self,
        scenario_id: str,
        *,
        actor: str = "system",
        blocks: Callable[[str | None, str], bool] | None = None,
    ) -> StoredScenario:
        """Remove a scenario and its share links; return what was removed.

        :class:`ScenarioNotFound` if there is none; :class:`ScenarioInUse` when another
        scenario is built on it (checked in the same transaction as the delete) and
        ``blocks(owner, visibility)`` of that scenario is true (None: every one blocks). The
        others are left with a missing base: they read as "unknown scenario" until their owner
        rebases them, and the id is not given out again while a scenario names it as base.
        """

    @abstractmethod
    def set_visibility(
        self, scenario_id: str, visibility: str, *, actor: str = "system"
    ) -> StoredScenario:
        """Publish or hide a scenario (a new revision, so caches of it are not reused)."""

    @abstractmethod
    def verify(self) -> list[str]:
        """Problems found (integrity check, checksums); empty when the store is sound."""

    def close(self) -> None:  # noqa: B027 - optional for stores without resources
        """Release resources."""


class SQLiteScenarioStore(
    SQLiteLibrary,
    SQLiteHistory,
    SQLiteSharedList,
    SQLiteAccounts,
    SQLiteLoginFailures,
    ScenarioStore,
):
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
            try:
                migrate(cur, self.path)
            except RegiokompasError as exc:
                raise StorageError(str(exc)) from None

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
        rows = (
            self._reader().execute(f"SELECT {STORED_COLUMNS} FROM scenarios ORDER BY id").fetchall()
        )
        return [stored_row(r) for r in rows]

    def list_page(
        self, reader: str | None, *, admin: bool = False, limit: int = 100, after: str = ""
    ) -> list[dict[str, Any]]:
        return select_page(self._reader(), reader, admin=admin, limit=limit, after=after)

    def get(self, scenario_id: str) -> StoredScenario:
        check_scenario_id(scenario_id)
        row = (
            self._reader()
            .execute(f"SELECT {STORED_COLUMNS} FROM scenarios WHERE id = ?", (scenario_id,))
            .fetchone()
        )
        if row is None:
            raise ScenarioNotFound(f"unknown scenario {scenario_id!r}")
        return stored_row(row)

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
    @staticmethod
    def _check_base(cur: sqlite3.Cursor, scenario_id: str, base: str | None) -> None:
        """Inside the save's transaction: the base chain exists, has no cycle, is not too deep."""
        chain = [scenario_id]
        current = base
        while current is not None:
            if current in chain:
                raise BadBase(f"base: {' -> '.join([*chain, current])} is a cycle of bases")
            row = cur.execute("SELECT base FROM scenarios WHERE id = ?", (current,)).fetchone()
            if row is None:
                where = "base" if len(chain) == 1 else f"base of {chain[-1]!r}"
                raise BadBase(f"{where}: unknown scenario {current!r}")
            chain.append(current)
            if len(chain) > MAX_BASE_DEPTH:
                raise BadBase(
                    f"base: the chain {' -> '.join(chain)} -> ... is deeper than "
                    f"{MAX_BASE_DEPTH} scenarios"
                )
            current = row[0]

    def save(
        self,
        scenario_id: str,
        document: Mapping[str, Any],
        *,
        source: str = "user",
        replace: bool = False,
        owner: str | None = None,
        visibility: str | None = None,
        actor: str = "system",
        expected_revision: int | None = None,
        checks: SaveChecks | None = None,
    ) -> StoredScenario:
        check_scenario_id(scenario_id)
        if source not in SOURCES:
            raise StorageError(f"source {source!r} is not one of {', '.join(SOURCES)}")
        if visibility is not None and visibility not in VISIBILITIES:
            raise StorageError(f"visibility {visibility!r} is not one of {VISIBILITIES}")
        try:
            text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise StorageError(f"scenario {scenario_id!r}: document is not JSON: {exc}") from exc
        base = document.get("base")
        if base is not None and not isinstance(base, str):
            raise BadBase(f"base: must be a scenario id, not {type(base).__name__}")
        digest = document_sha256(document)
        now = _now()
        with self._transaction() as cur:
            old = cur.execute(
                "SELECT version, created_at, owner, visibility, revision, "
                "length(CAST(document AS BLOB)) FROM scenarios WHERE id = ?",
                (scenario_id,),
            ).fetchone()
            if expected_revision is not None and (old is None or old[4] != expected_revision):
                now_at = "deleted" if old is None else f"now at revision {old[4]}"
                raise RevisionConflict(
                    f"scenario {scenario_id!r} was saved by someone else since revision "
                    f"{expected_revision} ({now_at}); nothing was stored"
                )
            if old is not None and not replace:
                raise ScenarioTaken(taken(scenario_id))
            if (
                old is None
                and cur.execute(
                    "SELECT 1 FROM scenarios WHERE base = ? AND owner IS NOT ? LIMIT 1",
                    (scenario_id, owner),
                ).fetchone()
            ):  # a deleted id another owner's scenario names as base: never re-filled under it
                raise ScenarioTaken(taken(scenario_id))
            checks = checks or SaveChecks()
            if old is not None and checks.replace is not None:
                checks.replace(scenario_id, old[2], old[3])
            size = len(text.encode("utf-8"))
            checks.check_quota(cur, size, *((old[2], int(old[5])) if old else (None, 0)))
            self._check_base(cur, scenario_id, base)
            cur.execute(
                "INSERT INTO revisions (scenario_id, action, sha256, at) VALUES (?, 'save', ?, ?)",
                (scenario_id, digest, now),
            )
            revision = int(cur.lastrowid or 0)
            version = 1 if old is None else old[0] + 1
            created = now if old is None else old[1]
            if old is not None:  # a replacement never changes the owner
                owner = old[2]
            if visibility is None:
                default = "published" if source == "library" else "private"
                visibility = old[3] if old is not None else default
            cur.execute(
                "INSERT OR REPLACE INTO scenarios (id, document, sha256, version, revision, "
                "source, created_at, updated_at, owner, visibility, base) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (scenario_id, text, digest, version, revision, source, created, now, owner)
                + (visibility, base),
            )
            action = "scenario.create" if old is None else "scenario.replace"
            self._audit(cur, actor, action, scenario_id, revision, f"source={source}")
        return StoredScenario(
            scenario_id, json.loads(text), version, revision, source, digest, created, now,
            owner, visibility,
        )  # fmt: skip

    def delete(
        self,
        scenario_id: str,
        *,
        actor: str = "system",
        blocks: Callable[[str | None, str], bool] | None = None,
    ) -> StoredScenario:
        check_scenario_id(scenario_id)
        with self._transaction() as cur:
            row = cur.execute(
                f"SELECT {STORED_COLUMNS} FROM scenarios WHERE id = ?", (scenario_id,)
            ).fetchone()
            if row is None:
                raise ScenarioNotFound(f"unknown scenario {scenario_id!r}")
            dependants = cur.execute(
                "SELECT id, owner, visibility FROM scenarios WHERE base = ? ORDER BY id",
                (scenario_id,),
            ).fetchall()
            users = [r[0] for r in dependants if blocks is None or blocks(r[1], r[2])]
            detached = len(dependants) - len(users)
            if users:
                raise ScenarioInUse(
                    f"scenario {scenario_id!r} is the base of {', '.join(map(repr, users))}; "
                    "delete or rebase those first"
                )
            cur.execute("DELETE FROM scenarios WHERE id = ?", (scenario_id,))
            cur.execute(
                "DELETE FROM credentials WHERE kind = 'share' AND scenario_id = ?", (scenario_id,)
            )
            cur.execute(
                "INSERT INTO revisions (scenario_id, action, sha256, at) "
                "VALUES (?, 'delete', NULL, ?)",
                (scenario_id, _now()),
            )
            self._audit(
                cur, actor, "scenario.delete", scenario_id, int(cur.lastrowid or 0),
                f"detached={detached}" if detached else "",
            )  # fmt: skip
        return stored_row(row)

    def set_visibility(
        self, scenario_id: str, visibility: str, *, actor: str = "system"
    ) -> StoredScenario:
        check_scenario_id(scenario_id)
        if visibility not in VISIBILITIES:
            raise StorageError(f"visibility {visibility!r} is not one of {VISIBILITIES}")
        with self._transaction() as cur:
            row = cur.execute("SELECT sha256 FROM scenarios WHERE id = ?", (scenario_id,))
            digest = row.fetchone()
            if digest is None:
                raise ScenarioNotFound(f"unknown scenario {scenario_id!r}")
            cur.execute(
                "INSERT INTO revisions (scenario_id, action, sha256, at) "
                "VALUES (?, 'visibility', ?, ?)",
                (scenario_id, digest[0], _now()),
            )
            revision = int(cur.lastrowid or 0)
            cur.execute(
                "UPDATE scenarios SET visibility = ?, revision = ? WHERE id = ?",
                (visibility, revision, scenario_id),
            )
            self._audit(cur, actor, f"scenario.{visibility}", scenario_id, revision)
        return self.get(scenario_id)

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
