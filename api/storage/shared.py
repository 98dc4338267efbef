"""Shared with me: the share links a signed-in user opened, kept in the store (schema 4).

Rules:

- opening ``/share/<token>`` while signed in remembers the link for that user (once per link;
  opening it again only updates when), unless the user owns the shared scenario;
- the list holds only links that still work: revoking a link or deleting its scenario drops it
  for everyone (a trigger on ``credentials``), removing the user drops theirs, and an expired
  link is not listed;
- the user may remove an entry (the link itself stays valid; opening it again brings it back).

The token is kept with the entry, because the list must link to ``/share/<token>`` and the store
keeps only a hash of each link's secret. It gives its holder read access to one scenario that is
in the same file anyway, so the file reveals nothing more with it; it is never shown to anyone
but the user who opened it. Remembering and removing are in the audit log.

>>> import tempfile
>>> from api.safety.auth.bootstrap import add_user
>>> from api.safety.auth.credentials import new_credential
>>> from api.storage.store import open_store
>>> store = open_store(tempfile.mkdtemp(), library_dir=None)
>>> _ = add_user(store, "bob", "bob's long password")
>>> _ = store.save("plan", {"name": "plan", "edits": []}, owner=None)
>>> cred, token = new_credential("share", scenario_id="plan", label="raad")
>>> store.add_credential(cred)
>>> store.remember_share("bob", cred.id, token)
True
>>> [(e.scenario_id, e.label, e.token == token) for e in store.shared_with("bob")]
[('plan', 'raad', True)]
>>> store.remove_credential("share", cred.id)  # revoked: gone from every list
True
>>> store.shared_with("bob")
[]
>>> store.close()
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass

from api.safety.auth.credentials import now_iso


@dataclass(frozen=True)
class SharedEntry:
    """One share link in a user's "shared with me" list."""

    share_id: str
    token: str
    scenario_id: str
    label: str
    opened_at: str

    @property
    def url(self) -> str:
        """The link's page."""
        return f"/share/{self.token}"


class NoSharedList:
    """The default of :class:`api.storage.store.ScenarioStore`: a store that keeps no list."""

    def remember_share(self, user: str, share_id: str, token: str) -> bool:
        """Remember that ``user`` opened the share link ``share_id``; True when it was new."""
        return False

    def shared_with(self, user: str) -> list[SharedEntry]:
        """The share links ``user`` opened that still work, the most recently opened first."""
        return []

    def forget_share(self, user: str, share_id: str) -> bool:
        """Remove one entry of ``user``'s list; True when there was one."""
        return False


class SQLiteSharedList(NoSharedList):
    """The SQLite implementation; mixed into :class:`api.storage.store.SQLiteScenarioStore`
    (before :class:`api.safety.auth.accounts.SQLiteAccounts`, whose ``_audit`` it uses), which
    provides ``_transaction()`` and ``_reader()``."""

    def _transaction(self) -> AbstractContextManager[sqlite3.Cursor]:  # pragma: no cover
        raise NotImplementedError

    def _reader(self) -> sqlite3.Connection:  # pragma: no cover
        raise NotImplementedError

    def remember_share(self, user: str, share_id: str, token: str) -> bool:
        now = now_iso()
        with self._transaction() as cur:
            link = cur.execute(
                "SELECT scenario_id FROM credentials WHERE kind = 'share' AND id = ?", (share_id,)
            ).fetchone()
            if link is None:  # revoked meanwhile: nothing to remember
                return False
            known = cur.execute(
                "UPDATE shared_with SET opened_at = ? WHERE user = ? AND share_id = ?",
                (now, user, share_id),
            ).rowcount
            if known:
                return False
            cur.execute(
                "INSERT INTO shared_with (user, share_id, token, opened_at) VALUES (?, ?, ?, ?)",
                (user, share_id, token, now),
            )
            self._audit(cur, user, "share.remember", link[0] or "", detail=f"id={share_id}")
        return True

    def shared_with(self, user: str) -> list[SharedEntry]:
        rows = self._reader().execute(
            "SELECT s.share_id, s.token, c.scenario_id, c.label, s.opened_at "
            "FROM shared_with s JOIN credentials c ON c.kind = 'share' AND c.id = s.share_id "
            "WHERE s.user = ? AND (c.expires_at IS NULL OR c.expires_at > ?) "
            "ORDER BY s.opened_at DESC, s.share_id",
            (user, now_iso()),
        )
        return [SharedEntry(*row) for row in rows]

    def forget_share(self, user: str, share_id: str) -> bool:
        with self._transaction() as cur:
            gone = cur.execute(
                "DELETE FROM shared_with WHERE user = ? AND share_id = ?", (user, share_id)
            ).rowcount
            if gone:
                self._audit(cur, user, "share.forget", user, detail=f"id={share_id}")
        return bool(gone)
