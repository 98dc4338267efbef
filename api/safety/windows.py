"""Per-key rate counters with bounded memory: the rate limits and the sign-in throttle.

Rule: each key (a user, a client address, an account name) has a sliding-window counter of a
fixed size: the hits of the current fixed window and of the previous one, the previous one
weighted by how much of it still overlaps the sliding window (the usual approximation of a
moving window, exact at window boundaries). At most ``max_keys`` keys are kept: the least
recently used one is dropped first, so spoofed or rotating keys cost at most
``max_keys`` x ~200 bytes, never more (issue 16, F17). Dropping a key forgets its count,
i.e. it fails open for that one client, never closed for everyone.

IPv6 clients are counted per /64 network (:func:`address_key`): one customer line usually has
a whole /64, so rotating addresses inside it does not give fresh counters.

>>> clock = [0.0]
>>> limiter = WindowLimiter(2, 60.0, clock=lambda: clock[0])
>>> [limiter.hit("a")[0] for _ in range(3)]
[True, True, False]
>>> clock[0] = 150.0; limiter.hit("a")[0]
True
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from limits import parse

DEFAULT_MAX_KEYS = 20_000
"""Keys one limiter keeps (about 4 MB)."""


def address_key(host: str | None) -> str:
    """The counting key of a client address: IPv4 as it is, IPv6 by its /64 network.

    >>> address_key("192.0.2.7"), address_key("2001:db8:1:2:aaaa::1"), address_key(None)
    ('192.0.2.7', '2001:db8:1:2::/64', 'unknown')
    """
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class WindowLimiter:
    """At most ``amount`` hits per ``seconds`` per key (sliding window), in bounded memory."""

    def __init__(
        self,
        amount: int,
        seconds: float,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.amount = amount
        self.seconds = seconds
        self.max_keys = max_keys
        self._clock = clock
        self._entries: OrderedDict[str, list[float]] = OrderedDict()
        """key -> [window index, hits in that window, hits in the window before]."""
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _entry(self, key: str, now: float) -> list[float]:
        window = math.floor(now / self.seconds)
        entry = self._entries.get(key)
        if entry is None:
            entry = [window, 0.0, 0.0]
            self._entries[key] = entry
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)  # the least recently used key
        else:
            self._entries.move_to_end(key)
            if entry[0] == window - 1:
                entry[:] = [window, 0.0, entry[1]]
            elif entry[0] != window:
                entry[:] = [window, 0.0, 0.0]
        return entry

    def _estimate(self, entry: list[float], now: float) -> float:
        elapsed = now / self.seconds - entry[0]  # 0..1 into the current window
        return entry[2] * (1.0 - elapsed) + entry[1]

    def _wait(self, entry: list[float], now: float) -> float:
        """Seconds until one more hit fits."""
        start, s = entry[0] * self.seconds, self.seconds
        if entry[1] + 1 > self.amount:  # after this window, the current hits weigh as previous
            return start + s - now + s * (1.0 - (self.amount - 1) / entry[1])
        if entry[2] <= 0:
            return 0.0
        # previous * (1 - t/s) + current + 1 <= amount  ->  t >= s * (1 - (amount-current-1)/prev)
        return max(0.0, start + s * (1.0 - (self.amount - entry[1] - 1) / entry[2]) - now)

    def hit(self, key: str, cost: float = 1.0) -> tuple[bool, float]:
        """Count one hit of ``key`` if it fits: ``(allowed, seconds to wait when not)``."""
        with self._lock:
            now = self._clock()
            entry = self._entry(key, now)
            if self._estimate(entry, now) + cost > self.amount:
                return False, max(1.0, self._wait(entry, now))
            entry[1] += cost
            return True, 0.0

    def add(self, key: str, cost: float) -> None:
        """Count ``cost`` more hits of ``key``, up to what its window has left (a request that
        turned out to cost more than one)."""
        with self._lock:
            now = self._clock()
            entry = self._entry(key, now)
            entry[1] += max(0.0, min(cost, self.amount - self._estimate(entry, now)))

    def blocked(self, key: str) -> float:
        """Seconds ``key`` must wait before one more hit fits (0: it fits); counts nothing."""
        with self._lock:
            if key not in self._entries:
                return 0.0
            now = self._clock()
            entry = self._entry(key, now)
            if self._estimate(entry, now) + 1 > self.amount:
                return max(1.0, self._wait(entry, now))
            return 0.0


def limiter(rate: str, max_keys: int = DEFAULT_MAX_KEYS) -> WindowLimiter:
    """A :class:`WindowLimiter` of a rate in the ``limits`` syntax.

    >>> limiter("10/15minutes").seconds
    900.0
    """
    item = parse(rate)
    return WindowLimiter(item.amount, float(item.get_expiry()), max_keys=max_keys)
