"""What one expensive request may cost the server: concurrency, cancellation, rate-limit cost.

Rules (settings in :class:`api.safety.limits.Limits`, documented in ``docs/security.md``):

- **Concurrency and CPU.** :class:`Gate` admits at most ``total`` requests of one kind at once
  in the app and ``per_client`` per client (the signed-in user, else the client address), and
  none for a client that spent its ``cpu_per_minute`` CPU seconds in the last minute; one more
  gets 429 with ``Retry-After`` before any work. (A steady stream of valid but heavy requests
  from one client is what takes the server's throughput: the work holds the interpreter lock.)
- **Cancellation.** :func:`run_cancellable` runs the work in a worker thread with a fresh
  cancel flag and polls ``request.is_disconnected()`` while it waits: when the client goes away
  the flag is set, and the work stops at its next check (:func:`geo.scenarios.budget.
  check_budget`, between edits and between weight views of one edit).
- **Cost.** A request counts in the rate limit by the CPU time it took: one expensive read per
  ``cost_seconds`` (:func:`charge`, through the hook :class:`api.safety.ratelimit.RateLimit` leaves
  in
  the request's scope), so a client cannot spend more CPU per minute than its read limit allows.

>>> gate = Gate("evaluations", total=2, per_client=1)
>>> with gate.admit("ann"):
...     gate.admit("ann").__enter__()  # doctest: +ELLIPSIS
Traceback (most recent call last):
api.safety.limits.LimitExceeded: evaluations: 1 already running for this client, the limit (...
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.safety.limits import ENV, LimitExceeded, Limits

T = TypeVar("T")

CHARGE_KEY = "regiokompas.charge"
"""Scope key of the rate limiter's hook: ``scope[CHARGE_KEY](extra)`` counts ``extra`` more
expensive reads for the request's client."""

POLL_SECONDS = 0.1
"""How often :func:`run_cancellable` asks whether the client is still there."""


class Gate:
    """At most ``total`` admitted at once, ``per_client`` per client key (asyncio or thread
    callers alike: the counts are under a lock; memory is one entry per client now running)."""

    WINDOW = 60.0
    """Seconds over which a client's CPU time is summed."""
    MAX_TRACKED = 10_000
    """Clients whose recent CPU time is remembered (the oldest are forgotten first)."""

    def __init__(
        self,
        what: str,
        *,
        total: int,
        per_client: int,
        cpu_per_minute: float | None = None,
        settings: tuple[str, ...] = ("", "", ""),
    ) -> None:
        self.what = what
        self.total = total
        self.per_client = per_client
        self.cpu_per_minute = cpu_per_minute
        self.settings = (*settings, "", "", "")[:3]
        self.running = 0
        self.by_client: dict[str, int] = {}
        self._spent: OrderedDict[str, deque[tuple[float, float]]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> tuple[float, float]:
        """CPU seconds ``client`` spent in the last :attr:`WINDOW` and the seconds until it
        falls under its limit again; hold the lock."""
        entries = self._spent.get(client)
        if not entries:
            return 0.0, 0.0
        while entries and entries[0][0] <= now - self.WINDOW:
            entries.popleft()
        if not entries:
            del self._spent[client]
            return 0.0, 0.0
        total = sum(seconds for _, seconds in entries)
        wait, left = 0.0, total
        for when, seconds in entries:
            if self.cpu_per_minute is None or left < self.cpu_per_minute:
                break
            left -= seconds
            wait = when + self.WINDOW - now
        return total, wait

    def record(self, client: str, seconds: float) -> None:
        """Count ``seconds`` of CPU time spent for ``client`` now."""
        if self.cpu_per_minute is None or seconds <= 0:
            return
        with self._lock:
            entries = self._spent.setdefault(client, deque())
            entries.append((time.monotonic(), seconds))
            self._spent.move_to_end(client)
            while len(self._spent) > self.MAX_TRACKED:
                self._spent.popitem(last=False)

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold one place for ``client`` inside the block; 429 (:class:`LimitExceeded` with
        ``retry_after``) when the app or the client is at its limit."""
        with self._lock:
            spent, wait = self._recent(client, time.monotonic())
            if self.cpu_per_minute is not None and spent >= self.cpu_per_minute:
                raise LimitExceeded(
                    f"{self.what}: {spent:.1f} CPU seconds spent by this client in the last "
                    f"minute, the limit ({self.settings[2] or 'per client'}); try again in "
                    f"{math.ceil(wait)} s",
                    429,
                    retry_after=max(1, math.ceil(wait)),
                    setting=self.settings[2],
                )
            mine = self.by_client.get(client, 0)
            if mine >= self.per_client:
                raise LimitExceeded(
                    f"{self.what}: {mine} already running for this client, the limit "
                    f"({self.settings[1] or 'per client'}); wait for them or try again",
                    429,
                    retry_after=1,
                    setting=self.settings[1],
                )
            if self.running >= self.total:
                raise LimitExceeded(
                    f"{self.what}: {self.running} running in the server, the limit "
                    f"({self.settings[0] or 'per app'}); try again in a moment",
                    429,
                    retry_after=1,
                    setting=self.settings[0],
                )
            self.running += 1
            self.by_client[client] = mine + 1
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
                left = self.by_client.get(client, 1) - 1
                if left > 0:
                    self.by_client[client] = left
                else:
                    self.by_client.pop(client, None)


def evaluation_gate(request: Request, limits: Limits) -> Gate:
    """The app's :class:`Gate` of editor evaluations (created on first use)."""
    state = request.app.state.regio
    gate = getattr(state, "evaluation_gate", None)
    if gate is None:
        gate = Gate(
            "editor evaluations",
            total=limits.evaluations,
            per_client=limits.evaluations_per_client,
            cpu_per_minute=limits.evaluation_cpu_per_minute,
            settings=(
                ENV["evaluations"],
                ENV["evaluations_per_client"],
                ENV["evaluation_cpu_per_minute"],
            ),
        )
        state.evaluation_gate = gate
    return gate


def client_key(request: Request, user: str | None) -> str:
    """Who a per-client limit counts: the signed-in user, else the client address."""
    if user:
        return f"user:{user}"
    return f"addr:{request.client.host if request.client else 'unknown'}"


class CancelFlag(threading.Event):
    """The cancel flag :func:`run_cancellable` hands its work: set when the client goes away;
    ``cpu_elsewhere`` collects CPU seconds the work spent in other processes (a worker), which
    count like the thread's own."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu_elsewhere = 0.0


def charge(scope: Any, seconds: float, limits: Limits) -> int:
    """Count a request that took ``seconds`` of CPU as ``ceil(seconds / cost_seconds)``
    expensive reads (the one the rate limiter counted on arrival included); returns the extra
    reads counted. No-op without the rate limiter's hook (an app without it)."""
    reads = max(1, math.ceil(seconds / limits.cost_seconds))
    hook = scope.get(CHARGE_KEY) if isinstance(scope, dict) else None
    if hook is None or reads <= 1:
        return 0
    hook(reads - 1)
    return reads - 1


async def run_cancellable(
    request: Request,
    work: Callable[[CancelFlag], T],
    limits: Limits,
    spent: Callable[[float], None] | None = None,
) -> T:
    """``work(cancel)`` in a worker thread; ``cancel`` is set when the client disconnects (the
    work stops at its next budget check, or its worker process is killed). Its CPU time (the
    thread's plus ``cancel.cpu_elsewhere``) is charged to the client's rate limit
    (:func:`charge`) and given to ``spent`` whether it ends, fails or is stopped."""
    cancel = CancelFlag()

    def run() -> T:
        start = time.thread_time()
        try:
            return work(cancel)
        finally:
            seconds = time.thread_time() - start + cancel.cpu_elsewhere
            charge(request.scope, seconds, limits)
            if spent is not None:
                spent(seconds)

    task = asyncio.ensure_future(run_in_threadpool(run))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_SECONDS)
            if done:
                return task.result()
            if not cancel.is_set() and await request.is_disconnected():
                cancel.set()  # keep waiting: the place in the gate is held until the work stops
    finally:
        if not task.done():  # this coroutine itself was cancelled: stop the work too
            cancel.set()
