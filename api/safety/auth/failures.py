"""Failed sign-ins in the scenario store, so every server process counts the same failures.

A ``regio serve --workers N`` (or several servers on one state directory) must not give an
attacker N times the guesses: :class:`api.safety.auth.throttle.LoginThrottle` keeps its
counters here, one row per failure and key (``account:<name>``, ``address:<address key>``),
with the wall-clock time. Reads count the rows of one key inside a window (an exact sliding
window); every write first drops rows older than the longest window and keeps at most
``max_rows`` rows (the oldest go first), so the table stays bounded whatever the keys.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager


class SQLiteLoginFailures:
    """Mixed into :class:`api.storage.store.SQLiteScenarioStore` (``_transaction``,
    ``_reader``); table ``login_failures`` (schema version 4)."""

    def _transaction(self) -> AbstractContextManager[sqlite3.Cursor]:  # pragma: no cover
        raise NotImplementedError

    def _reader(self) -> sqlite3.Connection:  # pragma: no cover
        raise NotImplementedError

    def record_login_failure(
        self, keys: Sequence[str], at: float, *, forget_before: float, max_rows: int
    ) -> None:
        """Count one failed sign-in at ``at`` (seconds since the epoch) for each of ``keys``."""
        with self._transaction() as cur:
            cur.execute("DELETE FROM login_failures WHERE at < ?", (forget_before,))
            cur.executemany(
                "INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k, at) for k in keys]
            )
            cur.execute(
                "DELETE FROM login_failures WHERE rowid <= "
                "(SELECT max(rowid) FROM login_failures) - ?",
                (int(max_rows),),
            )

    def login_failure_times(self, key: str, since: float) -> list[float]:
        """When ``key`` failed after ``since``, oldest first."""
        rows = self._reader().execute(
            "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at", (key, since)
        )
        return [float(r[0]) for r in rows]
