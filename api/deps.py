"""Shared state of the app and the FastAPI dependencies that hand it to routers.

One :class:`AppState` per app holds the dataset (loaded lazily, once), the scenario store, the
scenario evaluation cache and a background job runner. Routers ask for what they need:

    @router.get("/x")
    def x(evaluator: ScenarioEvaluator = Depends(get_evaluator)) -> ...:
        divisions = evaluator.divisions("huidig")

Rule of the evaluation cache: a stored scenario is applied once per *revision* of itself and of
its base chain (the store gives every save a new revision), so a replaced scenario is never
served stale and repeated score calls cost a dictionary lookup.

>>> cache = EvaluationCache(max_entries=2)
>>> cache.get_or_compute(("a",), lambda: 1), cache.get_or_compute(("a",), lambda: 2)
(1, 1)
"""

from __future__ import annotations

import dataclasses
import threading
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Query, Request
from fastapi.responses import Response

from api.limits import Limits
from api.storage import ScenarioNotFound, ScenarioStore, StoredScenario
from geo.dataset import Dataset
from geo.division import Division
from geo.errors import RegiokompasError
from geo.scenarios.budget import time_budget

T = TypeVar("T")

ScenarioQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="stored scenario id (e.g. huidig); omitted: the current divisions",
    ),
]
"""The optional ``?scenario=`` query parameter shared by the routers."""

MAX_BASE_DEPTH = 16
"""Longest chain of ``base`` scenarios followed before it is called a cycle."""


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


def _api_document(stored: StoredScenario) -> dict[str, Any]:
    """The stored document with ``base`` removed (bases are applied by the evaluator)."""
    return {k: v for k, v in stored.document.items() if k != "base"}


class ScenarioEvaluator:
    """Applied divisions and scores of stored scenarios, cached per revision.

    ``scenario=None`` means the current divisions of the dataset.

    >>> from fixtures.synthetic import synthetic_dataset
    >>> import tempfile; from api.storage import open_store
    >>> store = open_store(tempfile.mkdtemp(), library_dir=None)
    >>> ev = ScenarioEvaluator(synthetic_dataset(), store, EvaluationCache())
    >>> ev.division(None, "jeugdregio").n_regions
    12
    """

    def __init__(
        self,
        dataset: Dataset,
        store: ScenarioStore,
        cache: EvaluationCache,
        budget: float | None = None,
    ) -> None:
        self.dataset = dataset
        self.store = store
        self.cache = cache
        self.budget = budget
        """Seconds one scenario (its bases included) may take to apply; None: no limit."""

    # ------------------------------------------------------------------ keys
    def chain(self, scenario: str) -> list[StoredScenario]:
        """The scenario followed by its bases (nearest first); errors name the broken link."""
        out: list[StoredScenario] = []
        seen: set[str] = set()
        current: str | None = scenario
        while current is not None:
            if current in seen or len(out) >= MAX_BASE_DEPTH:
                raise RegiokompasError(
                    f"scenario {scenario!r}: base chain {' -> '.join(s.id for s in out)} -> "
                    f"{current} loops or is deeper than {MAX_BASE_DEPTH}"
                )
            seen.add(current)
            try:
                stored = self.stored(current)
            except ScenarioNotFound:
                if out:
                    raise RegiokompasError(
                        f"scenario {out[-1].id!r}: base {current!r} is not a stored scenario"
                    ) from None
                raise
            out.append(stored)
            base = stored.document.get("base")
            current = base if isinstance(base, str) and base else None
        return out

    def stored(self, scenario: str) -> StoredScenario:
        """A stored scenario, read from the store only when its revision changed."""
        revision = self.store.revision(scenario)
        hit = self.cache.get(("stored", scenario, revision))
        if hit is not None:
            return hit
        stored = self.store.get(scenario)
        self.cache.put(("stored", scenario, stored.revision), stored)
        return stored

    def key(self, scenario: str | None) -> tuple[tuple[str, int], ...]:
        """Cache key of a scenario: ``(id, revision)`` along its base chain."""
        if scenario is None:
            return ()
        return tuple((s.id, s.revision) for s in self.chain(scenario))

    # ------------------------------------------------------------------ evaluation
    def divisions(self, scenario: str | None) -> dict[str, Division]:
        """All divisions with the scenario's edits (and its bases' edits) applied."""
        if scenario is None:
            return self.dataset.divisions
        chain = self.chain(scenario)
        return self._apply(chain)

    def _apply(self, chain: list[StoredScenario]) -> dict[str, Division]:
        key = ("divisions", tuple((s.id, s.revision) for s in chain))

        def compute() -> dict[str, Division]:
            from geo.scenarios import apply_scenario, validate_scenario

            base = self._apply(chain[1:]) if len(chain) > 1 else self.dataset.divisions
            dataset = dataclasses.replace(self.dataset, divisions=dict(base))
            head = chain[0]
            if self.budget is None:
                doc = validate_scenario(
                    _api_document(head), dataset, source=f"scenario {head.id!r}"
                )
                return apply_scenario(doc, dataset)
            with time_budget(self.budget, setting="REGIOKOMPAS_EVALUATION_SECONDS"):
                doc = validate_scenario(
                    _api_document(head), dataset, source=f"scenario {head.id!r}"
                )
                return apply_scenario(doc, dataset)

        return self.cache.get_or_compute(key, compute)

    def division(self, scenario: str | None, name: str) -> Division:
        """One division of a scenario; :class:`KeyError` names the options."""
        divisions = self.divisions(scenario)
        if name not in divisions:
            where = f" in scenario {scenario!r}" if scenario else ""
            raise KeyError(
                f"unknown division {name!r}{where}; choose one of {', '.join(sorted(divisions))}"
            )
        return divisions[name]

    def score(
        self,
        scenario: str | None,
        division: str,
        against: str,
        weight: str,
        *,
        tolerance: float = 0.995,
        min_piece: float = 0.0,
    ) -> dict[str, Any]:
        """``geo.overlap.score(...).to_dict()`` for a scenario, cached per revision."""
        key = ("score", self.key(scenario), division, against, weight, tolerance, min_piece)

        def compute() -> dict[str, Any]:
            from geo.overlap import score

            a = self.division(scenario, division)
            b = self.division(scenario, against)
            weights = self.dataset.weight(weight)
            return score(
                a, b, weights, weight_name=weight, tolerance=tolerance, min_piece=min_piece
            ).to_dict()

        return self.cache.get_or_compute(key, compute)


# ---------------------------------------------------------------------- route helpers
@contextmanager
def unknown_as_404() -> Iterator[None]:
    """Inside the block, a :class:`KeyError` (unknown scenario, division or key) becomes a 404
    whose detail is the error's message (which names the options).

    >>> with unknown_as_404():
    ...     {}["x"]
    Traceback (most recent call last):
    fastapi.exceptions.HTTPException: 404: x
    """
    try:
        yield
    except KeyError as exc:
        raise not_found(str(exc.args[0]) if exc.args else "unknown key") from None


def division_or_404(evaluator: ScenarioEvaluator, scenario: str | None, name: str) -> Division:
    """A division of a scenario, or a 404 naming the options."""
    with unknown_as_404():
        division = evaluator.division(scenario, name)
    return division


def cached_response(
    evaluator: ScenarioEvaluator,
    key: Hashable,
    compute: Callable[[], bytes],
    media_type: str = "application/json",
) -> Response:
    """The body ``compute()`` makes, cached under ``key`` (per scenario revision in the key)."""
    return Response(evaluator.cache.get_or_compute(key, compute), media_type=media_type)


# ---------------------------------------------------------------------- background jobs
@dataclass
class Job:
    """One background job and its outcome."""

    id: str
    kind: str
    status: str = "queued"
    """``queued``, ``running``, ``done`` or ``failed``."""
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None
    result: Any = None
    error: str | None = None


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

    def submit(self, kind: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
        """Queue ``fn(*args, **kwargs)``; its return value becomes ``job.result``.

        A :class:`RegiokompasError` becomes ``job.error`` (its message); other exceptions too,
        prefixed with their type.
        """
        job = Job(id=uuid.uuid4().hex[:16], kind=kind)

        def run() -> None:
            job.status = "running"
            try:
                job.result = fn(*args, **kwargs)
                job.status = "done"
            except RegiokompasError as exc:
                job.error, job.status = str(exc), "failed"
            except Exception as exc:  # noqa: BLE001 - reported to the client, not swallowed
                job.error = f"{type(exc).__name__}: {exc}"
                job.status = "failed"
                traceback.print_exc()
            finally:
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


# ---------------------------------------------------------------------- app state
class AppState:
    """Everything the routers share; one per app (``app.state.regio``)."""

    def __init__(
        self,
        *,
        dataset: Dataset | None,
        store: ScenarioStore,
        data: str | Path | None = None,
        upload_limit: int = 5 * 1024 * 1024,
        cache_entries: int = 256,
        limits: Limits | None = None,
    ) -> None:
        self._dataset = dataset
        self._data = data
        self._dataset_lock = threading.Lock()
        self.store = store
        self.cache = EvaluationCache(cache_entries)
        self.jobs = JobRunner()
        self.upload_limit = upload_limit
        self.limits = limits or Limits()
        self._evaluator: ScenarioEvaluator | None = None

    @property
    def dataset(self) -> Dataset:
        """The dataset, loaded with :func:`geo.data.store.load_dataset` on first use."""
        if self._dataset is None:
            with self._dataset_lock:
                if self._dataset is None:
                    from geo.data.store import load_dataset

                    self._dataset = load_dataset(self._data)
        return self._dataset

    @property
    def evaluator(self) -> ScenarioEvaluator:
        """The scenario evaluator over :attr:`dataset` and :attr:`store`."""
        if self._evaluator is None:
            self._evaluator = ScenarioEvaluator(
                self.dataset, self.store, self.cache, budget=self.limits.evaluation_seconds
            )
        return self._evaluator

    def close(self) -> None:
        """Stop the job runner and close the store."""
        self.jobs.shutdown()
        self.store.close()


# ---------------------------------------------------------------------- dependencies
# The dependencies are ``async def`` on purpose: they only look up shared objects, and FastAPI
# would run a plain ``def`` dependency in the thread pool (a thread hop per request).


def get_state(request: Request) -> AppState:
    """The :class:`AppState` of the app serving ``request`` (a plain function, not a
    dependency)."""
    return request.app.state.regio


async def get_dataset(request: Request) -> Dataset:
    """The dataset."""
    return get_state(request).dataset


async def get_store(request: Request) -> ScenarioStore:
    """The scenario store."""
    return get_state(request).store


async def get_evaluator(request: Request) -> ScenarioEvaluator:
    """The scenario evaluator (cached applied divisions and scores)."""
    return get_state(request).evaluator


async def get_limits(request: Request) -> Limits:
    """The cost limits of the app (:class:`api.limits.Limits`)."""
    return get_state(request).limits


async def get_jobs(request: Request) -> JobRunner:
    """The background job runner (for long tasks such as proposal searches)."""
    return get_state(request).jobs


def not_found(message: str) -> HTTPException:
    """A 404 with a message naming the unknown id or code."""
    return HTTPException(status_code=404, detail=message)


def unprocessable(message: str) -> HTTPException:
    """A 422 with a message naming the invalid field."""
    return HTTPException(status_code=422, detail=message)
