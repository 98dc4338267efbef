"""A prefix cache of live sessions: the editor sends the whole list of tentative edits per click.

Rule: sessions are kept per ``key`` (e.g. ``(scenario, revision, division, against, weight)``)
and per prefix of the edit list (each edit as canonical JSON). :meth:`LiveCache.session` finds
the longest cached prefix of ``edits``, copies that session and advances it over the remaining
edits with ``step(session, i)`` (the caller's: e.g. sync the session to the division after
``edits[: i + 1]``), caching every new prefix it passes. So a click (one more edit) costs one
step, and undo/redo (a shorter or an earlier list) none. At most ``max_sessions`` sessions are
kept (least recently used go first); the start of a key is never recomputed while cached.

Sessions returned are shared with the cache: read their figures, do not change them
(``copy()`` first). An exception from ``step`` propagates, and nothing is cached for that edit.

>>> from geo.division import Division
>>> from geo.overlap.live import LiveSession
>>> from geo.scenarios.edits import move
>>> import pandas as pd
>>> d = Division.from_assignment("d", {"GM1": "A", "GM2": "A", "GM3": "B"})
>>> cache = LiveCache()
>>> start = lambda: LiveSession.start(d, d, pd.Series(1.0, index=d.units), weight_name="w")
>>> edits = [{"op": "move", "division": "d", "unit": "GM1", "to": "B"}]
>>> step = lambda session, i: session.sync(move(d, "GM1", "B"), op="move")
>>> cache.session("k", edits, start, step).edits, cache.session("k", [], start, step).edits
(1, 0)
>>> cache.stats["applied"], cache.stats["starts"]
(1, 1)
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from geo.overlap.live import LiveSession


def edit_key(edit: Any) -> str:
    """JSON of one edit (model or dict): equal for equal edits given in the same form (a model
    is dumped by pydantic in field order, a dict with sorted keys; a difference in form only
    costs a cache miss).

    >>> edit_key({"op": "rename", "division": "d", "region": "A", "name": "x"})
    '{"division":"d","name":"x","op":"rename","region":"A"}'
    """
    if hasattr(edit, "model_dump_json"):
        return edit.model_dump_json(by_alias=True, exclude_none=True)
    edit = {k: v for k, v in dict(edit).items() if v is not None}
    return json.dumps(edit, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def session_bytes(session: LiveSession) -> int:
    """Estimated bytes a session holds of its own: its dense arrays (shares, pupil shares,
    table, received rows); the start state and the ``against`` table are shared by copies.

    >>> from geo.division import Division
    >>> import pandas as pd
    >>> d = Division.from_assignment("d", {"GM1": "A", "GM2": "B"})
    >>> s = LiveSession.start(d, d, pd.Series(1.0, index=d.units), weight_name="w")
    >>> session_bytes(s) > 0
    True
    """
    arrays = [session.S, session.table, *session.P.values()]
    own = {id(a): a.nbytes for a in arrays}
    received = sum(getattr(v, "nbytes", 0) for v in session.received.values())
    return 1024 + sum(own.values()) + received + 100 * len(session.slot_code)


class LiveCache:
    """Live sessions per key and edit-list prefix (rule in the module docstring)."""

    def __init__(self, max_sessions: int = 256, max_bytes: int | None = None) -> None:
        self.max_sessions = max_sessions
        self.max_bytes = max_bytes
        """Bound on the summed :func:`session_bytes` of the kept sessions (None: count only)."""
        self.bytes = 0
        self._sizes: dict[tuple[Hashable, str], int] = {}
        self._sessions: OrderedDict[tuple[Hashable, str], LiveSession] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = {"hits": 0, "applied": 0, "starts": 0}

    def _get(self, key: tuple[Hashable, str]) -> LiveSession | None:
        found = self._sessions.get(key)
        if found is not None:
            self._sessions.move_to_end(key)
        return found

    def _put(self, key: tuple[Hashable, str], session: LiveSession) -> None:
        size = session_bytes(session) if self.max_bytes is not None else 0
        if self.max_bytes is not None and size > self.max_bytes:
            return  # larger than the whole bound: used once, not kept
        self.bytes += size - self._sizes.get(key, 0)
        self._sizes[key] = size
        self._sessions[key] = session
        self._sessions.move_to_end(key)
        while len(self._sessions) > self.max_sessions or (
            self.max_bytes is not None and self.bytes > self.max_bytes
        ):
            old, _ = self._sessions.popitem(last=False)
            self.bytes -= self._sizes.pop(old, 0)

    def session(
        self,
        key: Hashable,
        edits: Sequence[Any],
        start: Callable[[], LiveSession],
        step: Callable[[LiveSession, int], None],
        *,
        digests: Sequence[str] | None = None,
    ) -> LiveSession:
        """The session of ``key`` after ``edits`` (``start()`` makes the start state when the
        key is not cached; ``step(session, i)`` advances a session by ``edits[i]``).
        ``digests``: the caller's keys of every prefix (``len(edits) + 1``, equal for equal
        prefixes), when it has them already; by default a hash chain of :func:`edit_key`."""
        if digests is None:
            digests = [""]
            for edit in edits:
                text = digests[-1] + "\0" + edit_key(edit)
                digests.append(hashlib.sha1(text.encode()).hexdigest())
        elif len(digests) != len(edits) + 1:
            raise ValueError("digests: one per prefix of the edits, the empty one included")
        with self._lock:
            found, depth = None, 0
            for depth in range(len(edits), -1, -1):
                found = self._get((key, digests[depth]))
                if found is not None:
                    break
            if found is not None and depth == len(edits):
                self.stats["hits"] += 1
                return found
        if found is None:
            found, depth = start(), 0
            with self._lock:
                self.stats["starts"] += 1
                self._put((key, ""), found)
        if depth == len(edits):
            return found
        session = found.copy()
        for i in range(depth, len(edits)):
            step(session, i)
            with self._lock:
                self.stats["applied"] += 1
                self._put((key, digests[i + 1]), session)
            if i + 1 < len(edits):
                session = session.copy()
        return session

    def clear(self, key: Hashable | None = None) -> None:
        """Forget every session (of ``key`` only, when given), e.g. after a save."""
        with self._lock:
            if key is None:
                self._sessions.clear()
                self._sizes.clear()
                self.bytes = 0
            else:
                for k in [k for k in self._sessions if k[0] == key]:
                    del self._sessions[k]
                    self.bytes -= self._sizes.pop(k, 0)
