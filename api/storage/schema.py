"""The SQLite schema of the scenario store and its in-place migrations.

Rule: ``PRAGMA user_version`` is the schema version. :data:`MIGRATIONS` ``[n]`` lifts a database
from version ``n`` to ``n + 1``; :func:`migrate` runs the missing steps in the caller's
transaction, so an upgrade either completes or leaves the file as it was. A fresh file runs
every step from 0. Never edit a released step: add a new one.

- 0 -> 1: scenarios, revisions, library_seeded.
- 1 -> 2: accounts and ownership: scenario ``owner``, ``visibility`` and ``base`` columns
  (existing scenarios stay ``published`` with no owner, so only admins change them), ``users``,
  ``credentials`` (API tokens, browser sessions, share links, one-time login links; only
  hashes of their secrets) and the ``audit`` log.
- 2 -> 3: ``versions``: every stored document of every scenario (1, 2, 3 ... per scenario),
  kept by triggers on ``scenarios`` (so every write path records it: save, library seed and
  restore); the current documents of existing scenarios become their first kept version.
- 3 -> 4: ``login_failures``: failed sign-ins per account and address, shared by every server
  process (:mod:`api.safety.auth.failures`).
- 4 -> 5: ``shared_with``: the share links a signed-in user opened ("shared with me" on the
  home page; :mod:`api.storage.shared`), dropped with the link (a trigger on ``credentials``:
  revoking it, deleting its scenario) and with the user (foreign key).

>>> import sqlite3
>>> conn = sqlite3.connect(":memory:", isolation_level=None)
>>> migrate(conn.cursor(), ":memory:")
(0, 5)
>>> sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"))[:3]
['audit', 'credentials', 'library_seeded']
"""

from __future__ import annotations

import sqlite3

from geo.errors import RegiokompasError

_V1 = """
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

_V2 = """
ALTER TABLE scenarios ADD COLUMN owner TEXT;
ALTER TABLE scenarios ADD COLUMN visibility TEXT NOT NULL DEFAULT 'published';
ALTER TABLE scenarios ADD COLUMN base TEXT;
UPDATE scenarios SET base = json_extract(document, '$.base')
    WHERE json_valid(document) AND json_type(document, '$.base') = 'text';
CREATE INDEX scenarios_base ON scenarios (base);
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'planner')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE credentials (
    id          TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('token', 'session', 'share', 'login')),
    secret_hash TEXT NOT NULL,
    user        TEXT REFERENCES users (name) ON DELETE CASCADE,
    scenario_id TEXT,
    label       TEXT NOT NULL DEFAULT '',
    csrf        TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    PRIMARY KEY (kind, id)
);
CREATE INDEX credentials_scenario ON credentials (scenario_id);
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    revision    INTEGER,
    detail      TEXT NOT NULL DEFAULT ''
);
"""

_V3 = """
CREATE TABLE versions (
    scenario_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    revision    INTEGER NOT NULL,
    document    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (scenario_id, version)
);
INSERT INTO versions (scenario_id, version, revision, document, sha256, at)
    SELECT id, version, revision, document, sha256, updated_at FROM scenarios;
CREATE TRIGGER versions_keep AFTER INSERT ON scenarios BEGIN
    INSERT OR REPLACE INTO versions (scenario_id, version, revision, document, sha256, at)
    VALUES (NEW.id, NEW.version, NEW.revision, NEW.document, NEW.sha256, NEW.updated_at);
END;
CREATE TRIGGER versions_drop AFTER DELETE ON scenarios BEGIN
    DELETE FROM versions WHERE scenario_id = OLD.id;
END;
"""

_V4 = """
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  REAL NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);
"""

_V5 = """
CREATE TABLE shared_with (
    user      TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    share_id  TEXT NOT NULL,
    token     TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    PRIMARY KEY (user, share_id)
);
CREATE INDEX shared_with_share ON shared_with (share_id);
CREATE TRIGGER shared_with_revoked AFTER DELETE ON credentials WHEN OLD.kind = 'share' BEGIN
    DELETE FROM shared_with WHERE share_id = OLD.id;
END;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
"""``MIGRATIONS[n]`` upgrades schema version ``n`` to ``n + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)
"""Version of the SQLite schema (``PRAGMA user_version``) this code writes."""


def _statements(script: str) -> list[str]:
    """The statements of ``script`` (a trigger's ``BEGIN ... END`` body stays one statement)."""
    out: list[str] = []
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                out.append(pending.strip())
            pending = ""
    return out


def migrate(cur: sqlite3.Cursor, path: object) -> tuple[int, int]:
    """Upgrade the database of ``cur`` to :data:`SCHEMA_VERSION`; return ``(from, to)``.

    Runs inside the caller's transaction. A database newer than this code is refused with an
    error naming both versions (never downgraded).
    """
    version = cur.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RegiokompasError(
            f"{path}: schema version {version} is newer than this regiokompas supports "
            f"({SCHEMA_VERSION}); upgrade regiokompas"
        )
    for step in range(version, SCHEMA_VERSION):
        for statement in _statements(MIGRATIONS[step]):
            cur.execute(statement)
    if version != SCHEMA_VERSION:
        cur.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return version, SCHEMA_VERSION
