"""The sign-in throttle: failed sign-ins per account and per address, and a cap on password hashes.

Rules (issue 16, F7):

- Failed sign-ins are counted per account name (``REGIOKOMPAS_LOGIN_FAILURES_PER_ACCOUNT``,
  from any address) and per client address (``REGIOKOMPAS_LOGIN_FAILURES_PER_ADDRESS``, any
  names). Over either, the sign-in is refused with 429 and ``Retry-After`` *before* the password
  is looked at, so guessing stays slow even from many addresses, and one address cannot try
  many accounts. The per-account limit is the looser one on purpose: it is what an attacker
  can use to keep a real user out, so it only slows guessing down.
- **Shared by every server process.** With a SQLite store the failures are rows in the store
  (:mod:`api.safety.auth.failures`, exact sliding windows, at most
  ``4 x REGIOKOMPAS_RATE_KEYS`` rows), so ``regio serve --workers N`` or several servers on one
  state directory count them together. A store without that table (a test double) counts in
  this process (:class:`api.safety.windows.WindowLimiter`, ``REGIOKOMPAS_RATE_KEYS`` keys).
- At most ``REGIOKOMPAS_PASSWORD_HASHES`` password checks (Argon2, 64 MiB each) run at once
  in a process; the others wait up to :data:`HASH_WAIT` seconds, then get 503. 40 parallel
  wrong sign-ins no longer take 40 x 64 MiB.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from limits import parse

from api.safety.limits import ENV, LimitExceeded, Limits
from api.safety.windows import address_key, limiter

HASH_WAIT = 10.0
"""Seconds a sign-in waits for a free password-hash slot before 503."""

ROWS_PER_KEY = 4
"""The shared table keeps at most this many rows per remembered key (``REGIOKOMPAS_RATE_KEYS``)."""


class SharedWindow:
    """At most ``amount`` failures per ``seconds`` per key, counted in the store's
    ``login_failures`` table (an exact sliding window)."""

    def __init__(self, store: Any, prefix: str, rate: str, clock: Callable[[], float]) -> None:
        item = parse(rate)
        self.store, self.prefix, self.clock = store, prefix, clock
        self.amount, self.seconds = item.amount, float(item.get_expiry())

    def blocked(self, key: str) -> float:
        """Seconds ``key`` must wait before one more failure fits (0: it fits)."""
        now = self.clock()
        times = self.store.login_failure_times(self.prefix + key, now - self.seconds)
        if len(times) < self.amount:
            return 0.0
        oldest_that_counts = times[len(times) - self.amount]
        return max(1.0, oldest_that_counts + self.seconds - now)


class LoginThrottle:
    """Failed sign-in counters (shared through ``store`` when it can) and the password-hash
    semaphore of one app."""

    def __init__(
        self, limits: Limits, store: Any = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.limits = limits
        self.clock = clock
        self.shared = store is not None and hasattr(store, "record_login_failure")
        if self.shared:
            self.store = store
            self.accounts: Any = SharedWindow(
                store, "account:", limits.login_failures_per_account, clock
            )
            self.addresses: Any = SharedWindow(
                store, "address:", limits.login_failures_per_address, clock
            )
        else:
            self.accounts = limiter(limits.login_failures_per_account, limits.rate_keys)
            self.addresses = limiter(limits.login_failures_per_address, limits.rate_keys)
        self.hashes = threading.BoundedSemaphore(limits.password_hashes)

    def check(self, name: str, host: str | None) -> None:
        """Raise :class:`LimitExceeded` (429) when the account or the address must wait."""
        account = self.accounts.blocked(name.lower())
        address = self.addresses.blocked(address_key(host))
        if account or address:
            which = "account" if account >= address else "address"
            field = f"login_failures_per_{which}"
            wait = max(account, address)
            raise LimitExceeded(
                f"too many failed sign-ins for this {which} ({getattr(self.limits, field)}, "
                f"{ENV[field]}); try again in {int(wait) + 1} s",
                429,
                retry_after=int(wait) + 1,
                setting=ENV[field],
            )

    def failed(self, name: str, host: str | None) -> None:
        """Count one failed sign-in of ``name`` from ``host``."""
        if not self.shared:
            self.accounts.hit(name.lower())
            self.addresses.hit(address_key(host))
            return
        now = self.clock()
        longest = max(self.accounts.seconds, self.addresses.seconds)
        self.store.record_login_failure(
            [f"account:{name.lower()}", f"address:{address_key(host)}"],
            now,
            forget_before=now - longest,
            max_rows=ROWS_PER_KEY * self.limits.rate_keys,
        )

    @contextmanager
    def hashing(self) -> Iterator[None]:
        """Hold one of the password-hash slots (503 when none frees up in time)."""
        if not self.hashes.acquire(timeout=HASH_WAIT):
            raise LimitExceeded(
                f"the server is checking {self.limits.password_hashes} passwords already "
                f"({ENV['password_hashes']}); try again in a few seconds",
                503,
                setting=ENV["password_hashes"],
            )
        try:
            yield
        finally:
            self.hashes.release()
