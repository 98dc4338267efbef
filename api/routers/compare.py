"""``/api/compare``: several scenarios against one pair of divisions, one table of metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import ScenarioEvaluator, get_evaluator, unknown_as_404
from api.models import ERROR_RESPONSES, CompareIn, CompareOut, CompareRow

router = APIRouter(prefix="/api/compare", tags=["compare"], responses=ERROR_RESPONSES)


@router.post("", response_model=CompareOut, summary="Compare scenarios")
def compare(body: CompareIn, evaluator: ScenarioEvaluator = Depends(get_evaluator)) -> CompareOut:
    """Score ``division`` against ``against`` in every scenario; a row per scenario.

    Rule: the row of a scenario is the ``summary`` of ``GET /api/scores`` with the same
    parameters; columns are the summary keys in the engine's order. Example body:
    ``{"scenarios": ["huidig", "swv_binnen_jeugdregio"], "division": "swv_po",
    "against": "jeugdregio", "weight": "pupils_po"}``.
    """
    rows: list[CompareRow] = []
    columns: list[str] = []
    for scenario in body.scenarios:
        with unknown_as_404():
            result = evaluator.score(
                scenario, body.division, body.against, body.weight, tolerance=body.tolerance
            )
        metrics = result["summary"]
        columns += [c for c in metrics if c not in columns]
        rows.append(CompareRow(scenario=scenario, metrics=metrics))
    return CompareOut(
        division=body.division,
        against=body.against,
        weight=body.weight,
        columns=columns,
        rows=rows,
    )
