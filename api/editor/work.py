"""The editor's evaluate as one unit of work, run in a thread of the server or in a worker.

:func:`figures_json` is the whole evaluation (the figures of
:class:`api.editor.session.LiveFigures`, the jeugdregio pieces, the answer serialised): the same
function runs in a thread of the server (an embedded app, ``REGIOKOMPAS_EVALUATION_WORKERS=0``)
or in a worker process (:mod:`api.compute.workers`; ``regio serve`` starts one per
``REGIOKOMPAS_EVALUATIONS``). A worker has its own connection to the scenario store, its own
evaluator and editor caches, and the dataset and editor resources of the server, shared
copy-on-write.

Errors cross the process boundary as the HTTP answer they stand for (:func:`as_work_error`),
so an answer from a worker is the same, byte for byte, as one made in the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from pydantic import ValidationError

from api.compute.cache import EvaluationCache
from api.compute.evaluator import ScenarioEvaluator
from api.compute.workers import WorkerPool, WorkError, WorkStopped
from api.editor.context import jeugdregio_pieces
from api.editor.models import EvaluateOut
from api.editor.parts import editor_resources
from api.editor.session import LiveFigures
from api.errors import status_of
from api.safety.limits import ENV, LimitExceeded, Limits, check_divisions, cost_budget
from api.state import AppState
from api.storage.store import ScenarioNotFound, SQLiteScenarioStore
from geo.scenarios import apply_scenario, parse_scenario
from geo.scenarios.budget import BudgetExceeded, Cancelled, within
from maps.i18n import render_message


@dataclass(frozen=True)
class EvaluateTask:
    """One evaluation, as sent to a worker (plain data: it is pickled)."""

    scenario: str
    edits: Sequence[dict[str, Any]]
    division: str
    against: str
    weight: str
    revision: int
    start: float
    """:func:`time.perf_counter` when the request arrived (the same clock in every process)."""
    locale: str = "nl"
    """The reader's language: each check's ``text`` (its ``detail`` translated)."""


@dataclass(frozen=True)
class CheckTask:
    """Apply a scenario document to be stored, to check it (a save's validation)."""

    document: dict[str, Any]
    source: str


def check_applied(
    evaluator: ScenarioEvaluator, document: dict[str, Any], source: str, limits: Limits
) -> None:
    """Apply ``document`` on its bases within the time budget; its result must stay within the
    division and region limits. Raises 422/413 naming the field or the setting."""
    try:
        with within(cost_budget(limits)):
            parsed = parse_scenario(document, source=source)
            applied = apply_scenario(parsed, evaluator.dataset, bases=evaluator.bases)
    except ValidationError as exc:  # a document the typed model refuses late
        raise HTTPException(422, f"{source}: {exc.errors()[0].get('msg')}") from None
    check_divisions(applied, limits, source=source)


CHECK_SHARE = 2
"""Save checks may hold at most ``1 / CHECK_SHARE`` of the workers at once (the rest stay for
the editor's evaluations, which have their own gate)."""

_CHECK_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_CHECK_SLOTS_LOCK = threading.Lock()


def check_in_worker_or_here(
    evaluator: ScenarioEvaluator, document: dict[str, Any], source: str, limits: Limits
) -> None:
    """:func:`check_applied` in one of the app's evaluation workers when it has them (the
    evaluator's ``pool``), else in this thread. Answers are the same either way."""
    pool: WorkerPool | None = getattr(evaluator, "pool", None)
    if pool is None:
        check_applied(evaluator, document, source, limits)
        return
    with _CHECK_SLOTS_LOCK:
        slots = _CHECK_SLOTS.setdefault(
            id(pool), threading.BoundedSemaphore(max(1, pool.size // CHECK_SHARE))
        )
    with slots:
        run_in_worker(pool, CheckTask(document, source), threading.Event(), limits)


def run_in_worker(pool: WorkerPool, task: Any, cancel: threading.Event, limits: Limits) -> Any:
    """``task`` in one of the app's workers; its refusals as the app's answers; its CPU time
    added to ``cancel.cpu_elsewhere`` when the flag has one. A worker that overruns the time
    budget, whose client went away or that ended is killed: 422, 499 or 413."""

    def spent(seconds: float) -> None:
        if hasattr(cancel, "cpu_elsewhere"):
            cancel.cpu_elsewhere += seconds

    try:
        done = pool.run(task, cancel, deadline=worker_deadline(limits))
    except WorkError as exc:
        spent(exc.cpu_seconds)
        raise HTTPException(exc.status, exc.detail, headers=exc.headers) from None
    except WorkStopped as exc:
        spent(exc.cpu_seconds)
        if exc.reason == "cancelled":
            raise Cancelled("evaluation: stopped, the client went away") from None
        if exc.reason == "deadline":
            raise BudgetExceeded(deadline_message(limits)) from None
        raise LimitExceeded(died_message(limits), 413) from None
    spent(done.cpu_seconds)
    return done.value


def figures_json(live: LiveFigures, task: EvaluateTask) -> bytes:
    """The evaluate answer for ``task`` (run inside the request's cost budget)."""
    try:
        out = live.evaluate(task.scenario, task.edits, task.division, task.against, task.weight)
    except KeyError as exc:
        if isinstance(exc, ScenarioNotFound):
            raise
        raise HTTPException(404, str(exc.args[0]) if exc.args else "unknown") from None
    after = live.apply(task.scenario, task.edits)  # the prefix cache has it: no work
    pieces = {}
    if "jeugdregio" in after:
        pieces = jeugdregio_pieces(
            after[task.division].for_weight(task.weight),
            after["jeugdregio"].for_weight(task.weight),
            live.evaluator.dataset.weight(task.weight),
        )
    checks = [
        {**c, "text": render_message(c.get("message"), task.locale, c["detail"])}
        for c in out["checks"]
    ]  # new dicts: the evaluation may be cached and shared between readers
    out = {**out, "checks": checks, "revision": task.revision, "pieces": pieces}
    out["timing_ms"] = (time.perf_counter() - task.start) * 1e3
    return EvaluateOut.model_validate(out).model_dump_json().encode()


def as_work_error(exc: BaseException) -> WorkError:
    """``exc`` as the answer the app's error handlers give it (``api.app``)."""
    if isinstance(exc, HTTPException):
        return WorkError(exc.status_code, str(exc.detail), dict(exc.headers or {}) or None)
    if isinstance(exc, LimitExceeded):
        retry = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return WorkError(exc.status, str(exc), retry)
    status = status_of(exc)
    if status is None:
        raise exc
    return WorkError(status, str(exc))


def worker_setup(state: AppState) -> Callable[[], Callable[[EvaluateTask], bytes]]:
    """What a worker runs once: its own store connection, evaluator and editor caches."""
    limits, dataset = state.limits, state.dataset
    path = state.store.path  # type: ignore[attr-defined]

    def setup() -> Callable[[EvaluateTask], bytes]:
        store = SQLiteScenarioStore(path)
        evaluator = ScenarioEvaluator(
            dataset,
            store,
            EvaluationCache(256, max_bytes=limits.cache_bytes),
            budget=cost_budget(limits),
        )
        live = LiveFigures(evaluator, cache_bytes=limits.editor_cache_bytes)

        def handle(task: EvaluateTask | CheckTask) -> bytes:
            try:
                if isinstance(task, CheckTask):
                    check_applied(evaluator, task.document, task.source, limits)
                    return b""
                with within(cost_budget(limits)):
                    return figures_json(live, task)
            except MemoryError:
                raise WorkError(413, memory_message(limits), fatal=True) from None
            except Exception as exc:  # noqa: BLE001 - every refusal goes back as its answer
                raise as_work_error(exc) from None

        return handle

    return setup


def start_evaluation_workers(state: AppState) -> WorkerPool | None:
    """Start the app's evaluation workers (``REGIOKOMPAS_EVALUATION_WORKERS`` > 0 and a
    SQLite store a worker can open by itself); None: evaluations run in server threads.
    Builds the editor's resources first, so every worker shares them."""
    pool: WorkerPool | None = getattr(state, "evaluation_pool", None)
    if pool is not None or state.limits.evaluation_workers <= 0:
        return pool
    if not isinstance(state.store, SQLiteScenarioStore):
        return None
    editor_resources(state.evaluator)  # the dataset's editor arrays, before the fork
    pool = WorkerPool(
        worker_setup(state),
        size=state.limits.evaluation_workers,
        nice=state.limits.evaluation_nice,
        memory=state.limits.evaluation_memory,
    )
    pool.start()
    state.evaluation_pool = pool  # type: ignore[attr-defined]
    state.evaluator.pool = pool  # type: ignore[attr-defined] # save checks (restricted views too)
    return pool


def worker_deadline(limits: Limits) -> float:
    """Seconds after which a worker that has not answered is killed: the time budget (which the
    worker checks itself, between edits and weight views) plus a margin for one view's work.

    >>> worker_deadline(Limits(evaluation_seconds=20))
    27.0
    """
    return limits.evaluation_seconds * 1.25 + 2.0


def deadline_message(limits: Limits) -> str:
    """The refusal of an evaluation stopped at :func:`worker_deadline`."""
    return (
        f"evaluation: the time budget of {limits.evaluation_seconds:g} s is spent "
        f"({ENV['evaluation_seconds']}); the work was stopped"
    )


def stop_evaluation_workers(state: AppState) -> None:
    """Kill the app's evaluation workers (when the app shuts down)."""
    pool: WorkerPool | None = getattr(state, "evaluation_pool", None)
    if pool is not None:
        pool.close()
        state.evaluation_pool = None  # type: ignore[attr-defined]
        state.evaluator.pool = None  # type: ignore[attr-defined]


def memory_message(limits: Limits) -> str:
    """The refusal of an evaluation that needed more memory than its worker may have."""
    return (
        f"evaluation: needed more memory than the limit of {limits.evaluation_memory} bytes "
        f"({ENV['evaluation_memory']}); nothing was kept"
    )


def died_message(limits: Limits) -> str:
    """The refusal of an evaluation whose worker ended (its memory cap, most likely)."""
    return (
        f"evaluation: the worker process ended before answering; it may have needed more "
        f"than its memory limit ({ENV['evaluation_memory']})"
    )
