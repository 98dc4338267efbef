"""What a store keeps about accounts: users, credentials and the audit log.

:class:`AccountStore` is the abstract part every scenario store implements as well (see
:class:`api.storage.store.ScenarioStore`); :class:`SQLiteAccounts` is the SQLite implementation,
sharing the scenario store's connection and transactions (schema in :mod:`api.storage.schema`).

Rules: user names are safe slugs; roles are ``admin`` (manages users and the library) and
``planner`` (owns scenarios). Removing a user removes their credentials in the same
transaction and leaves their scenarios without an owner (only admins change those then).
Every change here writes an :class:`AuditEntry` in the same transaction.
"""

from __future__ import annotations

import re
import sqlite3
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from api.safety.auth.credentials import KINDS, Credential, now_iso
from geo.errors import RegiokompasError

ROLES = ("admin", "planner")
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
"""A user name: lower-case letters, digits, ``_ . -``; at most 64 characters."""


class AccountError(RegiokompasError):
    """A user or credential operation that cannot be done (the message says why)."""


class AccountExists(AccountError):
    """A user of this name exists already."""


class AccountNotFound(AccountError, KeyError):
    """No user (or credential) of this name or id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "not found"


def check_user_name(name: object) -> str:
    """Return ``name`` if it is a valid user name, else raise :class:`AccountError`.

    >>> check_user_name("ann.planner")
    'ann.planner'
    >>> check_user_name("Ann Smith")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    api.safety.auth.accounts.AccountError: user name 'Ann Smith' is not valid (...)
    """
    if not isinstance(name, str) or not USER_NAME.fullmatch(name):
        raise AccountError(f"user name {name!r} is not valid ({USER_NAME.pattern})")
    return name


@dataclass(frozen=True)
class User:
    """One account."""

    name: str
    role: str
    """``admin`` or ``planner``."""
    password_hash: str
    created_at: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: who did what to which target, at which revision."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    revision: int | None
    detail: str


class AccountStore(ABC):
    """Users, credentials and the audit log of a store."""

    @abstractmethod
    def add_user(self, user: User, *, replace: bool = False, actor: str = "system") -> None:
        """Store an account; :class:`AccountExists` unless ``replace``."""

    @abstractmethod
    def get_user(self, name: str) -> User | None:
        """The account of this name, or ``None``."""

    @abstractmethod
    def list_users(self) -> list[User]:
        """All accounts, ordered by name."""

    @abstractmethod
    def remove_user(self, name: str, *, actor: str = "system") -> None:
        """Remove an account and its credentials; :class:`AccountNotFound` if unknown."""

    @abstractmethod
    def add_credential(self, cred: Credential, *, actor: str = "system") -> None:
        """Store a credential (only its secret's hash is in it)."""

    @abstractmethod
    def get_credential(self, kind: str, cred_id: str) -> Credential | None:
        """A credential of ``kind`` by id, or ``None`` (expired ones too: check ``expired``)."""

    @abstractmethod
    def list_credentials(
        self, kind: str, *, user: str | None = None, scenario_id: str | None = None
    ) -> list[Credential]:
        """Credentials of ``kind`` (of one user / one scenario when given), oldest first."""

    @abstractmethod
    def remove_credential(self, kind: str, cred_id: str, *, actor: str = "system") -> bool:
        """Revoke a credential; True when there was one."""

    @abstractmethod
    def audit(
        self,
        actor: str,
        action: str,
        target: str,
        *,
        revision: int | None = None,
        detail: str = "",
    ) -> None:
        """Append one entry to the audit log."""

    @abstractmethod
    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` audit entries, newest first."""


_CRED_COLUMNS = "id, kind, secret_hash, user, scenario_id, label, csrf, created_at, expires_at"


def _cred(row: tuple[Any, ...]) -> Credential:
    return Credential(*row)


class SQLiteAccounts(AccountStore):
    """The SQLite implementation; mixed into :class:`api.storage.store.SQLiteScenarioStore`, which
    provides ``_transaction()`` (write) and ``_reader()`` (read-only connection)."""

    def _transaction(self) -> AbstractContextManager[sqlite3.Cursor]:  # pragma: no cover
        raise NotImplementedError

    def _reader(self) -> sqlite3.Connection:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def _audit(
        cur: sqlite3.Cursor,
        actor: str,
        action: str,
        target: str,
        revision: int | None = None,
        detail: str = "",
    ) -> None:
        cur.execute(
            "INSERT INTO audit (at, actor, action, target, revision, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (now_iso(), actor, action, target, revision, detail),
        )

    # ------------------------------------------------------------------ users
    def add_user(self, user: User, *, replace: bool = False, actor: str = "system") -> None:
        check_user_name(user.name)
        if user.role not in ROLES:
            raise AccountError(f"role {user.role!r} is not one of {', '.join(ROLES)}")
        with self._transaction() as cur:
            exists = cur.execute("SELECT 1 FROM users WHERE name = ?", (user.name,)).fetchone()
            if exists and not replace:
                raise AccountExists(f"user {user.name!r} exists already")
            cur.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET role = excluded.role, "
                "password_hash = excluded.password_hash",
                (user.name, user.role, user.password_hash, user.created_at or now_iso()),
            )
            if exists:  # a new password ends the old sessions
                cur.execute(
                    "DELETE FROM credentials WHERE user = ? AND kind = 'session'", (user.name,)
                )
            action = "user.replace" if exists else "user.add"
            self._audit(cur, actor, action, user.name, detail=f"role={user.role}")

    def get_user(self, name: str) -> User | None:
        sql = "SELECT name, role, password_hash, created_at FROM users WHERE name = ?"
        row = self._reader().execute(sql, (name,)).fetchone()
        return User(*row) if row else None

    def list_users(self) -> list[User]:
        rows = self._reader().execute(
            "SELECT name, role, password_hash, created_at FROM users ORDER BY name"
        )
        return [User(*r) for r in rows]

    def remove_user(self, name: str, *, actor: str = "system") -> None:
        with self._transaction() as cur:
            cur.execute("DELETE FROM users WHERE name = ?", (name,))
            if cur.rowcount == 0:
                raise AccountNotFound(f"unknown user {name!r}")
            cur.execute("DELETE FROM credentials WHERE user = ?", (name,))
            owned = cur.execute("SELECT id, sha256 FROM scenarios WHERE owner = ?", (name,))
            for scenario_id, digest in owned.fetchall():  # a new revision: no cache keeps the owner
                cur.execute(
                    "INSERT INTO revisions (scenario_id, action, sha256, at) "
                    "VALUES (?, 'disown', ?, ?)",
                    (scenario_id, digest, now_iso()),
                )
                cur.execute(
                    "UPDATE scenarios SET owner = NULL, revision = ? WHERE id = ?",
                    (cur.lastrowid, scenario_id),
                )
            self._audit(cur, actor, "user.remove", name)

    # ------------------------------------------------------------------ credentials
    def add_credential(self, cred: Credential, *, actor: str = "system") -> None:
        if cred.kind not in KINDS:
            raise AccountError(f"kind {cred.kind!r} is not one of {', '.join(KINDS)}")
        with self._transaction() as cur:
            if cred.kind in ("session", "login"):  # expired ones are useless: drop them
                cur.execute(
                    "DELETE FROM credentials WHERE kind = ? AND expires_at <= ?",
                    (cred.kind, now_iso()),
                )
            cur.execute(
                f"INSERT INTO credentials ({_CRED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cred.id,
                    cred.kind,
                    cred.secret_hash,
                    cred.user,
                    cred.scenario_id,
                    cred.label,
                    cred.csrf,
                    cred.created_at or now_iso(),
                    cred.expires_at,
                ),
            )
            target = cred.scenario_id if cred.kind == "share" else (cred.user or "")
            self._audit(cur, actor, f"{cred.kind}.create", target, detail=f"id={cred.id}")

    def get_credential(self, kind: str, cred_id: str) -> Credential | None:
        row = (
            self._reader()
            .execute(
                f"SELECT {_CRED_COLUMNS} FROM credentials WHERE kind = ? AND id = ?",
                (kind, cred_id),
            )
            .fetchone()
        )
        return _cred(row) if row else None

    def list_credentials(
        self, kind: str, *, user: str | None = None, scenario_id: str | None = None
    ) -> list[Credential]:
        sql = f"SELECT {_CRED_COLUMNS} FROM credentials WHERE kind = ?"
        args: list[Any] = [kind]
        if user is not None:
            sql, args = sql + " AND user = ?", [*args, user]
        if scenario_id is not None:
            sql, args = sql + " AND scenario_id = ?", [*args, scenario_id]
        rows = self._reader().execute(sql + " ORDER BY created_at, id", args)
        return [_cred(r) for r in rows]

    def remove_credential(self, kind: str, cred_id: str, *, actor: str = "system") -> bool:
        with self._transaction() as cur:
            row = cur.execute(
                "SELECT user, scenario_id FROM credentials WHERE kind = ? AND id = ?",
                (kind, cred_id),
            ).fetchone()
            if row is None:
                return False
            cur.execute("DELETE FROM credentials WHERE kind = ? AND id = ?", (kind, cred_id))
            target = row[1] if kind == "share" else (row[0] or "")
            self._audit(cur, actor, f"{kind}.revoke", target, detail=f"id={cred_id}")
        return True

    # ------------------------------------------------------------------ audit
    def audit(
        self,
        actor: str,
        action: str,
        target: str,
        *,
        revision: int | None = None,
        detail: str = "",
    ) -> None:
        with self._transaction() as cur:
            self._audit(cur, actor, action, target, revision, detail)

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        rows = self._reader().execute(
            "SELECT id, at, actor, action, target, revision, detail FROM audit "
            "ORDER BY id DESC LIMIT ?",
            (int(limit),),
        )
        return [AuditEntry(*r) for r in rows]
