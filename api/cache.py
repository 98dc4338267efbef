"""The evaluation cache: a bounded LRU cache with single-flight computation per key.

Rule: a stored scenario is applied once per *revision* of itself and of its base chain (the
store gives every save a new revision, and the revisions are part of every key), so a replaced
scenario is never served stale and repeated score calls cost a dictionary lookup.

>>> cache = EvaluationCache(max_entries=2)
>>> cache.get_or_compute(("a",), lambda: 1), cache.get_or_compute(("a",), lambda: 2)
(1, 1)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING = object()
"""Marks a cache miss (a cached value may be anything)."""


class EvaluationCache:
    """A bounded LRU cache with single-flight computation per key (thread-safe).

    Concurrent callers asking for the same missing key wait for one computation instead of
    repeating it; a computation that raises is not cached.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def _hit(self, key: Hashable) -> Any:
        """The cached value (a hit, now most recently used) or :data:`_MISSING`; hold the lock."""
        if key not in self._data:
            return _MISSING
        self._data.move_to_end(key)
        self.hits += 1
        return self._data[key]

    def _store(self, key: Hashable, value: Any) -> None:
        """Store as most recently used and evict the least recently used; hold the lock."""
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def get(self, key: Hashable) -> Any | None:
        """The cached value or None (counts as a hit when found)."""
        with self._lock:
            value = self._hit(key)
        return None if value is _MISSING else value

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for ``key``, computing it with ``compute()`` on a miss."""
        with self._lock:
            value = self._hit(key)
            if value is not _MISSING:
                return value
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                value = self._hit(key)  # computed by another caller meanwhile
            if value is not _MISSING:
                return value
            try:
                value = compute()
            finally:
                with self._lock:
                    self._key_locks.pop(key, None)
            with self._lock:
                self.misses += 1
                self._store(key, value)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        """Store a value (evicting the least recently used entry when full)."""
        with self._lock:
            self._store(key, value)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
