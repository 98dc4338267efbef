"""A small bounded memo for :class:`geo.editing.LiveEditor` when no app cache is given.

>>> m = Memo(max_entries=2)
>>> m.put("a", 1); m.put("b", 2); m.put("c", 3)
>>> m.get("a") is None, m.get("c"), m.get_or_compute("d", lambda: 4)
(True, 3, 4)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Protocol


class MemoLike(Protocol):
    """What :class:`~geo.editing.LiveEditor` needs of a cache (the web app passes its own,
    bounded by bytes)."""

    def get(self, key: Hashable) -> Any: ...

    def put(self, key: Hashable, value: Any, size: int = 0) -> None: ...

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any: ...


class Memo:
    """Least-recently-used memo bounded by entries (``size`` is accepted and ignored)."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Any:
        """The value under ``key`` (None when absent)."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any, size: int = 0) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond the bound."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value under ``key``, computed (and kept) when absent."""
        found = self.get(key)
        if found is None:
            found = compute()
            self.put(key, found)
        return found
