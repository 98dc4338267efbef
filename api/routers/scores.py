"""``/api/scores``: the overlap score of two divisions, the JSON of ``regio score --json``.

Rule: the engine's ``Score.to_dict()`` is validated against :class:`api.models.ScoreOut` once,
serialised once and cached per (scenario revision chain, division, against, weight, tolerance,
min_piece); a repeated call is a cache lookup served from the event loop without a thread hop.

Hot path: :class:`RepeatScores` (ASGI middleware) answers a ``GET /api/scores`` whose exact query
string was answered with 200 before, and whose scenario chain has the same revisions as then,
straight from the cache — without FastAPI's parameter validation, which would give the same
result again. Anything else (new query, changed scenario, any error) goes through the route.
Only scores of published scenarios (or of no scenario) are remembered there, since the
middleware runs before the access policy; publishing or hiding a scenario is a new revision.
Such an answer is the same for every caller, so it is served whatever credentials the request
carries (a bad token on a remembered public score is not looked at; everywhere else it is a
401).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import (
    EvaluationCache,
    ScenarioEvaluator,
    ScenarioQuery,
    get_evaluator,
    unknown_as_404,
)
from api.models import (
    DIVISION_PATTERN,
    ERROR_RESPONSES,
    MIN_PIECE_RANGE,
    TOLERANCE_RANGE,
    ScoreOut,
    WeightName,
)
from geo.errors import RegiokompasError

router = APIRouter(prefix="/api/scores", tags=["scores"], responses=ERROR_RESPONSES)

DivisionQuery = Annotated[str, Query(pattern=DIVISION_PATTERN, description="e.g. swv_po")]


def score_json(
    evaluator: ScenarioEvaluator,
    key: tuple[Any, ...],
    scenario: str | None,
    division: str,
    against: str,
    weight: str,
    tolerance: float,
    min_piece: float,
) -> bytes:
    """The serialised, validated score (computed and cached on a miss)."""

    def compute() -> bytes:
        with unknown_as_404():  # an unknown division: 404 naming the options
            result = evaluator.score(
                scenario, division, against, weight, tolerance=tolerance, min_piece=min_piece
            )
        ScoreOut.model_validate(result)
        return json.dumps(result, ensure_ascii=False, allow_nan=False).encode("utf-8")

    return evaluator.cache.get_or_compute(key, compute)


@router.get("", response_model=ScoreOut, summary="Overlap score of two divisions")
async def get_scores(
    request: Request,
    division: DivisionQuery = "swv_po",
    against: DivisionQuery = "jeugdregio",
    weight: WeightName = "area",
    scenario: ScenarioQuery = None,
    tolerance: Annotated[
        float,
        Query(
            ge=TOLERANCE_RANGE[0],
            le=TOLERANCE_RANGE[1],
            allow_inf_nan=False,
            description="containment counted as nested from here (0.5 to 1)",
        ),
    ] = 0.995,
    min_piece: Annotated[
        float,
        Query(
            ge=MIN_PIECE_RANGE[0],
            le=MIN_PIECE_RANGE[1],
            allow_inf_nan=False,
            description="pieces below this share are not counted as splits (0 to 0.5)",
        ),
    ] = 0.0,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """How ``division`` lies in ``against``, weighted by ``weight``, in ``scenario``.

    Example: ``GET /api/scores?division=swv_po&against=jeugdregio&weight=area&scenario=huidig``
    returns the same object as ``regio score swv_po jeugdregio --weight area --json``.
    """
    chain = evaluator.key(scenario)
    key = ("score_json", chain, division, against, weight, tolerance, min_piece)
    body = evaluator.cache.get(key)
    if body is None:
        body = await run_in_threadpool(
            score_json, evaluator, key, scenario, division, against, weight, tolerance, min_piece
        )
    if scenario is None or evaluator.stored(scenario).visibility == "published":
        # only what anyone may read is answered by RepeatScores (which skips the policy)
        repeat_cache(request.app.state.regio).put(
            request.scope["query_string"], (scenario, chain, body)
        )
    return Response(body, media_type="application/json")


REPEAT_ENTRIES = 512
"""Distinct query strings remembered by :class:`RepeatScores`."""


REPEAT_BYTES = 16 * 1024 * 1024
"""Memory of the remembered bodies (a score body is a few kB)."""


def repeat_cache(state: Any) -> EvaluationCache:
    """The app's ``query string -> (scenario, revision chain, body)`` cache."""
    cache = getattr(state, "repeat_scores", None)
    if cache is None:
        cache = state.repeat_scores = EvaluationCache(REPEAT_ENTRIES, max_bytes=REPEAT_BYTES)
    return cache


class RepeatScores:
    """ASGI middleware: serve a repeated, unchanged ``GET /api/scores`` from the cache.

    A hit needs the identical raw query string (so the same validated parameters) and the
    same revisions of the scenario and its bases as when the route answered it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == router.prefix:
            state = scope["app"].state.regio
            entry = repeat_cache(state).get(scope["query_string"])
            if entry is not None:
                scenario, chain, body = entry
                try:
                    current = state.evaluator.key(scenario)
                except (KeyError, RegiokompasError):
                    current = None  # gone or broken: let the route answer with the error
                if current == chain:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 200,
                            "headers": [
                                (b"content-length", str(len(body)).encode()),
                                (b"content-type", b"application/json"),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)
