"""``/api/scores``: the overlap score of two divisions, the JSON of ``regio score --json``.

Rule: the engine's ``Score.to_dict()`` is validated against :class:`api.models.ScoreOut` once,
serialised once and cached per (scenario revision chain, division, against, weight, tolerance,
min_piece); a repeated call is a cache lookup served from the event loop without a thread hop.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import ScenarioEvaluator, ScenarioQuery, get_evaluator
from api.models import DIVISION_PATTERN, ERROR_RESPONSES, ScoreOut, WeightName

router = APIRouter(prefix="/api/scores", tags=["scores"], responses=ERROR_RESPONSES)

DivisionQuery = Annotated[str, Query(pattern=DIVISION_PATTERN, description="e.g. swv_po")]


def score_dict(
    evaluator: ScenarioEvaluator,
    scenario: str | None,
    division: str,
    against: str,
    weight: str,
    tolerance: float = 0.995,
    min_piece: float = 0.0,
) -> dict[str, Any]:
    """``Score.to_dict()`` of a scenario; unknown divisions raise a 404 naming the options."""
    try:
        return evaluator.score(
            scenario, division, against, weight, tolerance=tolerance, min_piece=min_piece
        )
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0]) if exc.args else "unknown key") from None


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
        result = score_dict(evaluator, scenario, division, against, weight, tolerance, min_piece)
        ScoreOut.model_validate(result)
        return json.dumps(result, ensure_ascii=False, allow_nan=False).encode("utf-8")

    return evaluator.cache.get_or_compute(key, compute)


@router.get("", response_model=ScoreOut, summary="Overlap score of two divisions")
async def get_scores(
    division: DivisionQuery = "swv_po",
    against: DivisionQuery = "jeugdregio",
    weight: WeightName = "area",
    scenario: ScenarioQuery = None,
    tolerance: Annotated[
        float, Query(gt=0, le=1, description="containment counted as nested from here")
    ] = 0.995,
    min_piece: Annotated[
        float, Query(ge=0, le=1, description="pieces below this share are not counted as splits")
    ] = 0.0,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """How ``division`` lies in ``against``, weighted by ``weight``, in ``scenario``.

    Example: ``GET /api/scores?division=swv_po&against=jeugdregio&weight=area&scenario=huidig``
    returns the same object as ``regio score swv_po jeugdregio --weight area --json``.
    """
    key = ("score_json", evaluator.key(scenario), division, against, weight, tolerance, min_piece)
    body = evaluator.cache.get(key)
    if body is None:
        body = await run_in_threadpool(
            score_json, evaluator, key, scenario, division, against, weight, tolerance, min_piece
        )
    return Response(body, media_type="application/json")
