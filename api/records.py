"""What a stored scenario is: its safe id, its record, its checksum and the store's errors.

Shared by :mod:`api.storage.store` (the store) and :mod:`api.storage.library` (the shipped
scenarios);
import them from :mod:`api.storage.store`, which re-exports everything here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geo.errors import RegiokompasError

SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
"""A safe scenario id: lower-case slug, never a path."""

SOURCES = ("library", "user", "import")
VISIBILITIES = ("private", "published")
"""``private``: owner and admins only; ``published``: everyone may read it."""

MAX_BASE_DEPTH = 16
"""Longest chain of scenarios (a scenario and its bases) that is stored and shown."""


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


class ScenarioInUse(StorageError):
    """A scenario other stored scenarios use as their ``base`` (cannot be deleted)."""


class ScenarioTaken(ScenarioExists):
    """A save under an id the caller may not replace: the same words whatever the scenario is
    (another user's private one, a library scenario), so the answer reveals nothing about it."""


class BadBase(StorageError):
    """A ``base`` that is not stored, leads back to the scenario or makes the chain too deep."""


def taken(scenario_id: str) -> str:
    """The one message for an id that cannot be used: it exists (maybe unseen by the caller) or
    is still named as the base of a stored scenario."""
    return (
        f"name: scenario id {scenario_id!r} is taken; choose another name (replace=true "
        "replaces only a scenario you may change)"
    )


@dataclass(frozen=True)
class SaveChecks:
    """Checks a save makes inside its own transaction, so that no concurrent save, delete or
    queued job slips in between the check and the write (issue 16, F10 and F14)."""

    replace: Callable[[str, str | None, str], None] | None = None
    """Called with ``(id, owner, visibility)`` of the scenario a replacement would overwrite;
    raises to refuse (nothing is stored then)."""
    quota_owner: str | None = None
    """The user whose quota counts this save (None: no quota, e.g. admins)."""
    quota: Callable[[list[int], int, int], None] | None = None
    """Called with the stored sizes in bytes of every scenario ``quota_owner`` owns now, the size of
    the new document and the size of the scenario it replaces (0 when new); raises to refuse."""

    def check_quota(self, cur: Any, size: int, old_owner: str | None, old_size: int) -> None:
        """Run :attr:`quota` inside a save's transaction (``cur``, an SQLite cursor) with the
        stored sizes of every scenario of :attr:`quota_owner`."""
        if self.quota is None or self.quota_owner is None:
            return
        rows = cur.execute(
            "SELECT length(CAST(document AS BLOB)) FROM scenarios WHERE owner = ?",
            (self.quota_owner,),
        ).fetchall()
        replacing = old_size if old_owner == self.quota_owner else 0
        self.quota([int(r[0]) for r in rows], size, replacing)


def check_scenario_id(scenario_id: object) -> str:
    """Return ``scenario_id`` if it is a safe slug, else raise :class:`UnsafeScenarioId`.

    >>> check_scenario_id("swv_binnen_jeugdregio")
    'swv_binnen_jeugdregio'
    >>> check_scenario_id("../../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    api.records.UnsafeScenarioId: scenario id '../../x' is not a safe slug (...)
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
    owner: str | None = None
    """The user who owns it (``None``: library or no owner; only admins change it)."""
    visibility: str = "published"
    """``private`` (owner and admins) or ``published`` (everyone reads it)."""

    @property
    def base(self) -> str | None:
        """The id of the scenario this one is built on, if any."""
        base = self.document.get("base")
        return base if isinstance(base, str) and base else None


def now_ms() -> str:
    """The current UTC time as ISO text with milliseconds (the store's timestamps)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


STORED_COLUMNS = (
    "id, document, version, revision, source, sha256, created_at, updated_at, owner, visibility"
)
"""The ``scenarios`` columns :func:`stored_row` reads, in its order."""


def stored_row(row: tuple[Any, ...]) -> StoredScenario:
    """A :class:`StoredScenario` from a row of :data:`STORED_COLUMNS`."""
    return StoredScenario(
        id=row[0],
        document=json.loads(row[1]),
        version=row[2],
        revision=row[3],
        source=row[4],
        sha256=row[5],
        created_at=row[6],
        updated_at=row[7],
        owner=row[8],
        visibility=row[9],
    )
