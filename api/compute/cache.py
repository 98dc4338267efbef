"""The evaluation cache: a bounded LRU cache with single-flight computation per key.

Rule: a stored scenario is applied once per *revision* of itself and of its base chain (the
store gives every save a new revision, and the revisions are part of every key), so a replaced
scenario is never served stale and repeated score calls cost a dictionary lookup.

Bounded twice: by entries and by bytes (:func:`sizeof`, an estimate of the memory a value
holds), so a few huge values (the score of a 270,000-region division) cannot fill the memory
the way many small ones would not.

>>> cache = EvaluationCache(max_entries=2)
>>> cache.get_or_compute(("a",), lambda: 1), cache.get_or_compute(("a",), lambda: 2)
(1, 1)
>>> small = EvaluationCache(max_bytes=100)
>>> small.put("x", b"1" * 60); small.put("y", b"2" * 60); list(small._data), small.bytes
(['y'], 60)
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")

_MISSING = object()
"""Marks a cache miss (a cached value may be anything)."""


def sizeof(value: Any, _seen: set[int] | None = None, _depth: int = 0) -> int:
    """Estimated bytes held by ``value``: buffers by length, pandas and numpy by their memory,
    containers and objects by their parts (each object counted once per call).

    >>> sizeof(b"abc"), sizeof(pd.Series([1, 2, 3], dtype="int64")) >= 24
    (3, True)
    """
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, bytes | bytearray | str):
        return len(value)
    if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        usage = value.memory_usage(deep=True)
        return int(usage.sum() if hasattr(usage, "sum") else usage)
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    size = sys.getsizeof(value, 64)
    if _depth > 8:
        return size
    if isinstance(value, dict):
        return size + sum(
            sizeof(k, seen, _depth + 1) + sizeof(v, seen, _depth + 1) for k, v in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return size + sum(sizeof(v, seen, _depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, f.name, None) for f in dataclasses.fields(value)]
        return size + sum(sizeof(v, seen, _depth + 1) for v in parts)
    if hasattr(value, "data") and hasattr(value, "indptr"):  # scipy sparse matrices
        return size + sum(int(getattr(value, a).nbytes) for a in ("data", "indices", "indptr"))
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return size + sizeof(attributes, seen, _depth + 1)
    return size


class EvaluationCache:
    """A bounded LRU cache with single-flight computation per key (thread-safe).

    Concurrent callers asking for the same missing key wait for one computation instead of
    repeating it; a computation that raises is not cached.
    """

    def __init__(self, max_entries: int = 256, max_bytes: int | None = None) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        """Bound on the summed :func:`sizeof` of the values (None: entries only)."""
        self.bytes = 0
        self._sizes: dict[Hashable, int] = {}
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

    def _store(self, key: Hashable, value: Any, size: int = 0) -> None:
        """Store as most recently used and evict the least recently used; hold the lock.

        A value larger than the whole byte bound is not stored (its caller still gets it).
        """
        if self.max_bytes is not None and size > self.max_bytes:
            return
        self.bytes += size - self._sizes.get(key, 0)
        self._sizes[key] = size
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries or (
            self.max_bytes is not None and self.bytes > self.max_bytes
        ):
            old, _ = self._data.popitem(last=False)
            self.bytes -= self._sizes.pop(old, 0)

    def _size(self, value: Any) -> int:
        return sizeof(value) if self.max_bytes is not None else 0

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
            size = self._size(value)  # outside the lock: may take a moment for big values
            with self._lock:
                self.misses += 1
                self._store(key, value, size)
            return value

    def put(self, key: Hashable, value: Any, size: int | None = None) -> None:
        """Store a value (evicting the least recently used entry when full); ``size``: its
        bytes when the caller knows better than :func:`sizeof` (e.g. what it alone holds)."""
        size = self._size(value) if size is None else size
        with self._lock:
            self._store(key, value, size)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._data)
