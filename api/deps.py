"""What routers import: the FastAPI dependencies, the shared query parameter, route helpers.

The app's shared objects live one job per module - :mod:`api.compute.cache` (the evaluation cache),
:mod:`api.compute.evaluator` (the scenario service), :mod:`api.compute.jobs` (background jobs) and
:mod:`api.state` (:class:`AppState`, one per app). Routers get them through the dependencies
here and may import the types for their annotations from here too:

    @router.get("/x")
    def x(evaluator: ScenarioEvaluator = Depends(get_evaluator)) -> ...:
        divisions = evaluator.divisions("huidig")
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import Response

from api.compute.cache import EvaluationCache
from api.compute.evaluator import ScenarioEvaluator
from api.compute.jobs import Job, JobRunner
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.limits import Limits
from api.state import AppState
from api.storage.store import ScenarioStore
from geo.division import Division

__all__ = [
    "AppState",
    "EvaluationCache",
    "Job",
    "JobRunner",
    "ScenarioEvaluator",
    "ScenarioQuery",
    "cached_response",
    "division_or_404",
    "get_evaluator",
    "get_jobs",
    "get_limits",
    "get_proposal_marks",
    "get_state",
    "get_store",
    "not_found",
    "unknown_as_404",
]

ScenarioQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="stored scenario id (e.g. huidig); omitted: the current divisions",
    ),
]
"""The optional ``?scenario=`` query parameter shared by the routers."""


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


# ---------------------------------------------------------------------- dependencies
# The dependencies are ``async def`` on purpose: they only look up shared objects, and FastAPI
# would run a plain ``def`` dependency in the thread pool (a thread hop per request).


def get_state(request: Request) -> AppState:
    """The :class:`AppState` of the app serving ``request`` (a plain function, not a
    dependency)."""
    return request.app.state.regio


async def get_store(request: Request) -> ScenarioStore:
    """The scenario store."""
    return get_state(request).store


async def get_evaluator(
    request: Request, principal: Principal = Depends(enforce)
) -> ScenarioEvaluator:
    """The scenario evaluator (cached applied divisions and scores), restricted to what the
    caller may read (:meth:`ScenarioEvaluator.restricted`): a scenario a route names by itself
    (a default, ``?jeugdregio=``, a base) is checked like the ids the policy checks."""
    return get_state(request).evaluator.restricted(principal.can_read_link)


async def get_limits(request: Request) -> Limits:
    """The cost limits of the app (:class:`api.safety.limits.Limits`)."""
    return get_state(request).limits


async def get_jobs(request: Request) -> JobRunner:
    """The background job runner (for long tasks such as proposal searches)."""
    return get_state(request).jobs


async def get_proposal_marks(request: Request) -> EvaluationCache:
    """The proposal marks the options jobs share (:mod:`api.compute.proposal_marks`)."""
    return get_state(request).proposal_marks


def not_found(message: str) -> HTTPException:
    """A 404 with a message naming the unknown id or code."""
    return HTTPException(status_code=404, detail=message)
