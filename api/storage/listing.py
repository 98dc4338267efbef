"""The list entries of stored scenarios, for ``GET /api/scenarios`` (issue 16, F16).

Rule: a page of the list is selected by SQLite (what the reader may see, ``id > after``,
``LIMIT``) and its fields are read from the stored JSON by SQLite itself
(:func:`select_page`), so answering the list loads no document whole and parses none in Python.
:func:`listing` gives the same entry for one loaded scenario.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from api.records import StoredScenario

_LISTING = (
    "id, json_extract(document, '$.name'), json_extract(document, '$.title'), "
    "json_extract(document, '$.description'), json_extract(document, '$.principles'), base, "
    "CASE json_type(document, '$.edits') WHEN 'array' THEN json_array_length(document, '$.edits') "
    "ELSE 0 END, source, owner, visibility, version, revision, created_at, updated_at"
)
"""The list entry of a scenario, read by SQLite from the stored JSON (no document parsed in
Python, none loaded whole)."""


def listing(stored: StoredScenario) -> dict[str, Any]:
    """The list entry of a stored scenario (the fields of ``api.models.ScenarioSummary``
    without its url)."""
    doc = stored.document
    edits = doc.get("edits")
    return _entry(
        stored.id, doc.get("name"), doc.get("title"), doc.get("description"),
        doc.get("principles"), stored.base, len(edits) if isinstance(edits, list) else 0,
        stored.source, stored.owner, stored.visibility, stored.version, stored.revision,
        stored.created_at, stored.updated_at,
    )  # fmt: skip


def _entry(*row: Any) -> dict[str, Any]:
    (id_, name, title, description, principles, base, edits, source, owner, visibility,
     version, revision, created, updated) = row  # fmt: skip
    if isinstance(principles, str):  # JSON text from SQLite
        try:
            principles = json.loads(principles)
        except ValueError:
            principles = []
    return {
        "id": id_,
        "name": str(name if name is not None else id_),
        "title": str(title or id_),
        "description": str(description if description is not None else ""),
        "principles": [
            int(p) for p in principles or [] if isinstance(p, int) and not isinstance(p, bool)
        ] if isinstance(principles, list) else [],
        "base": base if isinstance(base, str) and base else None,
        "edits": int(edits or 0),
        "source": source,
        "owner": owner,
        "visibility": visibility,
        "version": version,
        "revision": revision,
        "created_at": created,
        "updated_at": updated,
    }  # fmt: skip


def select_page(
    conn: sqlite3.Connection, reader: str | None, *, admin: bool, limit: int, after: str
) -> list[dict[str, Any]]:
    """One page of the list entries ``reader`` may read (published ones, their own; all for an
    ``admin``), by id after ``after``."""
    where = "id > ?" if admin else "id > ? AND (visibility = 'published' OR owner = ?)"
    args: tuple[Any, ...] = (after,) if admin else (after, reader)
    rows = conn.execute(
        f"SELECT {_LISTING} FROM scenarios WHERE {where} ORDER BY id LIMIT ?", (*args, int(limit))
    ).fetchall()
    return [_entry(*row) for row in rows]


def filter_page(
    scenarios: Iterable[StoredScenario],
    reader: str | None,
    *,
    admin: bool,
    limit: int,
    after: str,
) -> list[dict[str, Any]]:
    """:func:`select_page` for a store without SQL (from loaded scenarios)."""
    rows = [
        s
        for s in scenarios
        if s.id > after and (admin or s.visibility == "published" or s.owner == reader)
    ]
    return [listing(s) for s in sorted(rows, key=lambda s: s.id)[:limit]]
