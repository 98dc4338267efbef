"""``/api/scenarios/{scenario}/placement``: where a scenario lies among the valid divisions.

- ``GET`` the placement of the stored scenario (``?division=swv_po``; default its ``swv``, else
  ``swv_po``) as the pages show it (:mod:`maps.space_view`, in the caller's language);
- ``POST`` the same for tentative edits (the editor's body: ``division``, ``edits``,
  ``base_revision``), nothing stored; the editor's figure panel shows it.

Rule: the server's space is ``REGIOKOMPAS_SPACE`` (:mod:`api.compute.placement`). The answer
always has ``state``: ``none`` (no space built: ``text`` and ``how`` say how to build one),
``error`` (the space cannot be read or the division cannot be placed: ``error``) or ``ok``
(``view``: per figure a sentence and an SVG histogram, per jeugdregio a sentence). The POST
costs what an evaluation costs: the same gate, budget and document limits as ``evaluate``.
Who may call them: whoever may read the scenario (a share link too), as ``evaluate``.
"""

from __future__ import annotations

import json
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from api.compute.placement import placement_page
from api.deps import ScenarioEvaluator, get_evaluator, get_limits, get_store
from api.editor.models import EvaluateIn, edit_documents
from api.editor.parts import check_edits_api_safe
from api.editor.session import LiveFigures
from api.models import DIVISION_PATTERN, ERROR_RESPONSES, SCENARIO_PATTERN
from api.pages.locale import get_locale
from api.routers.editor import CONFLICT, _check_revision, evaluation_slot, live_figures
from api.safety.costs import Gate, run_cancellable
from api.safety.limits import Limits, check_document_limits, cost_budget
from api.storage.store import ScenarioNotFound, ScenarioStore
from geo.scenarios.budget import within

router = APIRouter(prefix="/api/scenarios", tags=["verdict"])

ScenarioPath = Annotated[str, Path(pattern=SCENARIO_PATTERN, description="stored scenario id")]
PLACED = ("swv", "swv_po", "swv_vo")
"""Divisions that can be placed (the space holds SWV divisions)."""


def _division(name: str | None) -> str | None:
    return name if name in PLACED else None


def _json(payload: dict[str, Any]) -> Response:
    payload = {k: v for k, v in payload.items() if k != "figures"}
    return Response(json.dumps(payload, ensure_ascii=False, default=str), media_type=JSON)


JSON = "application/json"


@router.get(
    "/{scenario}/placement",
    responses=ERROR_RESPONSES,
    summary="Placement among the valid divisions (when the server has a space)",
)
def get_placement(
    request: Request,
    scenario: ScenarioPath,
    division: Annotated[str | None, Query(pattern=DIVISION_PATTERN)] = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """The stored scenario's placement (module rule), in the caller's language."""
    locale = get_locale(request)
    try:
        out = placement_page(evaluator, scenario, locale, division=_division(division))
    except ScenarioNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return _json(out)


@router.post(
    "/{scenario}/placement",
    responses={**ERROR_RESPONSES, **CONFLICT},
    summary="Placement of tentative edits among the valid divisions (nothing stored)",
)
async def post_placement(
    request: Request,
    scenario: ScenarioPath,
    body: EvaluateIn,
    slot: tuple[Gate, str] = Depends(evaluation_slot),
    live: LiveFigures = Depends(live_figures),
    store: ScenarioStore = Depends(get_store),
    limits: Limits = Depends(get_limits),
) -> Any:
    """Apply ``edits`` after the stored scenario's own edits and place the edited division
    (when it is an SWV division, else the scenario's ``swv`` or ``swv_po``)."""
    locale = get_locale(request)

    def run(cancel: threading.Event) -> Response:
        edits = edit_documents(body.edits)
        check_edits_api_safe(edits)
        check_document_limits({"name": scenario, "edits": edits}, limits)  # before any work
        with within(cost_budget(limits, cancel=cancel)):
            _check_revision(store, scenario, body.base_revision)
            after = live.apply(scenario, edits) if edits else None
            out = placement_page(
                live.evaluator,
                scenario,
                locale,
                divisions=after,
                division=_division(body.division),
                edits=tuple(json.dumps(e, sort_keys=True, default=str) for e in edits),
                id_prefix="editor-space",
            )
        return _json(out)

    gate, client = slot
    return await run_cancellable(
        request, run, limits, spent=lambda seconds: gate.record(client, seconds)
    )
