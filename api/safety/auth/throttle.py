"""The sign-in throttle: failed sign-ins per account and per address, and a cap on password hashes.

Rules (issue 16, F7):

- Failed sign-ins are counted per account name (``REGIOKOMPAS_LOGIN_FAILURES_PER_ACCOUNT``,
  from any address) and per client address (``REGIOKOMPAS_LOGIN_FAILURES_PER_ADDRESS``, any
  names). Over either, the sign-in is refused with 429 and ``Retry-After`` *before* the password
  is looked at, so guessing stays slow even from many addresses, and one address cannot try
  many accounts. The per-account limit is the looser one on purpose: it is what an attacker
  can use to keep a real user out, so it only slows guessing down.
- At most ``REGIOKOMPAS_PASSWORD_HASHES`` password checks (Argon2, 64 MiB each) run at once;
  the others wait up to :data:`HASH_WAIT` seconds, then get 503. 40 parallel wrong sign-ins
  no longer take 40 x 64 MiB.
- Counters live in bounded :class:`api.safety.windows.WindowLimiter` (``REGIOKOMPAS_RATE_KEYS``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from api.safety.limits import ENV, LimitExceeded, Limits
from api.safety.windows import address_key, limiter

HASH_WAIT = 10.0
"""Seconds a sign-in waits for a free password-hash slot before 503."""


class LoginThrottle:
    """Failed sign-in counters and the password-hash semaphore of one app."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
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
            )

    def failed(self, name: str, host: str | None) -> None:
        """Count one failed sign-in of ``name`` from ``host``."""
        self.accounts.hit(name.lower())
        self.addresses.hit(address_key(host))

    @contextmanager
    def hashing(self) -> Iterator[None]:
        """Hold one of the password-hash slots (503 when none frees up in time)."""
        if not self.hashes.acquire(timeout=HASH_WAIT):
            raise LimitExceeded(
                f"the server is checking {self.limits.password_hashes} passwords already "
                f"({ENV['password_hashes']}); try again in a few seconds",
                503,
            )
        try:
            yield
        finally:
            self.hashes.release()
