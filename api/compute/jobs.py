"""Background jobs: long tasks (e.g. proposal searches) run in a small thread pool.

>>> runner = JobRunner(max_workers=1)
>>> runner.wait(runner.submit("demo", lambda: 6 * 7).id).status
'done'
>>> runner.shutdown()
"""

from __future__ import annotations

import threading
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from geo.errors import RegiokompasError


@dataclass
class Job:
    """One background job and its outcome."""

    id: str
    kind: str
    status: str = "queued"
    """``queued``, ``running``, ``done``, ``failed`` or ``cancelled``."""
    owner: str | None = None
    """Who started it (user name, or client address when anonymous): slots and cancelling."""
    cancel_requested: threading.Event = field(default_factory=threading.Event, repr=False)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None
    result: Any = None
    error: str | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    """What the job reports while it runs (e.g. a proposal: the jeugdregio's done and left)."""


class JobCancelled(RegiokompasError):
    """Raised inside a job (by :func:`check_cancelled`) once its cancel was requested."""


_current = threading.local()


def current_job() -> Job | None:
    """In a job's thread: the job (to report its progress); elsewhere None."""
    return getattr(_current, "job", None)


def check_cancelled() -> None:
    """In a job's thread: raise :class:`JobCancelled` if the job was asked to stop (call it at
    safe points, e.g. between the jeugdregio's of a proposal); elsewhere a no-op."""
    job = getattr(_current, "job", None)
    if job is not None and job.cancel_requested.is_set():
        raise JobCancelled(f"job {job.id} was cancelled")


class JobRunner:
    """Runs long tasks (e.g. proposal searches) in a small thread pool; jobs are kept in memory.

    >>> runner = JobRunner(max_workers=1)
    >>> job = runner.submit("demo", lambda: 6 * 7)
    >>> runner.wait(job.id).result
    42
    >>> runner.shutdown()
    """

    def __init__(self, max_workers: int = 1, max_jobs: int = 1000) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="regio-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._futures: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.max_jobs = max_jobs

    def submit(
        self, kind: str, fn: Callable[..., Any], *args: Any, owner: str | None = None, **kwargs: Any
    ) -> Job:
        """Queue ``fn(*args, **kwargs)``; its return value becomes ``job.result``.

        A :class:`RegiokompasError` becomes ``job.error`` (its message); other exceptions too,
        prefixed with their type.
        """
        job = Job(id=uuid.uuid4().hex[:16], kind=kind, owner=owner)

        def run() -> None:
            if job.cancel_requested.is_set():  # cancelled while queued
                job.status, job.error = "cancelled", "cancelled on request"
                job.finished_at = datetime.now(UTC).isoformat()
                return
            job.status = "running"
            _current.job = job
            try:
                job.result = fn(*args, **kwargs)
                job.status = "done"
            except JobCancelled:
                job.error, job.status = "cancelled on request", "cancelled"
            except RegiokompasError as exc:
                job.error, job.status = str(exc), "failed"
            except Exception as exc:  # noqa: BLE001 - reported to the client, not swallowed
                job.error = f"{type(exc).__name__}: {exc}"
                job.status = "failed"
                traceback.print_exc()
            finally:
                _current.job = None
                job.finished_at = datetime.now(UTC).isoformat()

        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self.max_jobs:
                old, _ = self._jobs.popitem(last=False)
                self._futures.pop(old, None)
            self._futures[job.id] = self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job:
        """A job by id; :class:`KeyError` if unknown."""
        with self._lock:
            if job_id not in self._jobs:
                raise KeyError(f"unknown job {job_id!r}")
            return self._jobs[job_id]

    def cancel(self, job_id: str) -> Job:
        """Ask a job to stop: a queued one never starts (``cancelled`` at once), a running one
        stops at its next :func:`check_cancelled`; a finished one is left as it is.
        :class:`KeyError` if unknown."""
        job = self.get(job_id)
        if job.status in ("done", "failed", "cancelled"):
            return job
        job.cancel_requested.set()
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None and future.cancel():  # had not started: it never will
            job.status, job.error = "cancelled", "cancelled on request"
            job.finished_at = datetime.now(UTC).isoformat()
        return job

    def active(self, kind: str, owner: str | None = None) -> list[Job]:
        """Queued or running jobs of ``kind`` (of ``owner`` when given), oldest first."""
        with self._lock:
            jobs = list(self._jobs.values())
        return [
            j
            for j in jobs
            if j.kind == kind
            and j.status in ("queued", "running")
            and (owner is None or j.owner == owner)
        ]

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job has finished (for tests and scripts)."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)
        return self.get(job_id)

    def shutdown(self) -> None:
        """Stop accepting jobs; running ones finish."""
        self._pool.shutdown(wait=False, cancel_futures=True)
