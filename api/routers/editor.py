"""The map editor: ``/edit/{scenario}`` and the API behind it.

- ``GET /edit/{scenario}?division=swv_po&against=jeugdregio&weight=pupils_po`` — the editor page
  (HTML; its script and style are static files under ``/edit/static/``, Leaflet is vendored);
- ``GET /api/editor/gemeenten.geojson`` — gemeente polygons with a normalised search key;
- ``GET /api/editor/borders.geojson`` — the shared border line of every pair of neighbouring
  gemeenten (``a``, ``b``): the page shows a line iff ``a`` and ``b`` lie in different regions;
- ``POST /api/scenarios/{scenario}/evaluate`` — the panel's figures for tentative edits
  (nothing stored);
- ``POST /api/scenarios/{scenario}/edits`` — append edits to a stored scenario (a new
  revision), naming the base revision: 409 when the scenario was saved since;
- ``POST /api/scenarios/{scenario}/save-as`` — store a new scenario (``base`` = this one) with
  the edits, also naming the base revision.

Rule: every edit is validated against the scenario's divisions before anything is stored; a
bad edit gets 422 naming ``edits[i].field``; a refused request stores nothing.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path as FsPath
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
import scipy.sparse as sp
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.compute.workers import WorkerPool
from api.deps import ScenarioEvaluator, cached_response, get_evaluator, get_limits, get_store
from api.editor.context import editor_context
from api.editor.models import (
    AppendIn,
    EvaluateIn,
    EvaluateOut,
    SaveAsIn,
    SavedOut,
    edit_documents,
)
from api.editor.parts import check_edits_api_safe, editor_resources
from api.editor.session import LiveFigures
from api.editor.work import EvaluateTask, figures_json, run_in_worker
from api.models import DIVISION_PATTERN, ERROR_RESPONSES, SCENARIO_PATTERN, ErrorOut, WeightName
from api.pages.editor import SIGN_IN_TO_SAVE, editor_viewer, render_editor, save_refusal
from api.pages.links import edit_url
from api.pages.locale import get_locale
from api.routers.scenarios import check_document, owner_checks, scenario_url
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.costs import CancelFlag, Gate, client_key, evaluation_gate, run_cancellable
from api.safety.limits import LimitExceeded, Limits, check_document_limits, cost_budget
from api.storage.store import RevisionConflict, ScenarioNotFound, ScenarioStore
from geo.dataset import WEIGHTS
from geo.scenarios.budget import within
from geo.scenarios.descriptions import edited_description
from maps.borders import unit_borders
from maps.geometry import feature_collection, web_geometry
from maps.i18n import written_text

router = APIRouter(tags=["editor"], responses=ERROR_RESPONSES)

STATIC_DIR = FsPath(__file__).resolve().parent.parent / "static" / "editor"
"""The editor's script and style sheet (served under ``/edit/static/``)."""

JSON = "application/json"

CONFLICT = {409: {"model": ErrorOut, "description": "the scenario was saved since base_revision"}}

ScenarioPath = Annotated[str, Path(pattern=SCENARIO_PATTERN, description="stored scenario id")]

ALIASES: dict[str, tuple[str, ...]] = {
    "'s-Hertogenbosch": ("den bosch",),
    "'s-Gravenhage": ("den haag", "the hague"),
}
"""Names planners type for gemeenten whose official name differs."""


def search_key(name: str) -> str:
    """A gemeente name for searching: accents and punctuation removed, lower case, plus the
    common aliases (the page normalises the query the same way).

    >>> search_key("Súdwest-Fryslân")
    'sudwest fryslan'
    >>> search_key("'s-Hertogenbosch")
    's hertogenbosch|den bosch'
    """
    keys = [name, *ALIASES.get(name, ())]
    out = []
    for key in keys:
        text = unicodedata.normalize("NFKD", key)
        text = "".join(c for c in text if not unicodedata.combining(c)).lower()
        out.append(re.sub(r"[^a-z0-9]+", " ", text).strip())
    return "|".join(out)


def live_figures(request: Request) -> LiveFigures:
    """The app's :class:`LiveFigures` (created on first use)."""
    state = request.app.state.regio
    live = getattr(state, "live_figures", None)
    if live is None:
        live = LiveFigures(state.evaluator, cache_bytes=state.limits.editor_cache_bytes)
        state.live_figures = live
    return live


# ---------------------------------------------------------------------- page and assets
@router.get("/edit/static/{name}", include_in_schema=False)
def editor_asset(name: str) -> FileResponse:
    """The editor's ``editor.js`` / ``editor.css``; 404 for anything else."""
    path = (STATIC_DIR / name).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise HTTPException(404, f"no editor asset {name!r}")
    return FileResponse(path, headers={"Cache-Control": "no-cache"})


@router.get("/edit/{scenario}", response_class=HTMLResponse, summary="Map editor of a scenario")
def editor_page(
    scenario: ScenarioPath,
    division: Annotated[str, Query(pattern=DIVISION_PATTERN)] = "swv_po",
    against: Annotated[str, Query(pattern=DIVISION_PATTERN)] = "jeugdregio",
    weight: WeightName = "pupils_po",
    *,
    request: Request,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    principal: Principal = Depends(enforce),
) -> HTMLResponse:
    """Edit ``division`` of ``scenario`` on the map with live figures against ``against``.

    Example: ``/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po``.
    """
    try:
        stored = evaluator.stored(scenario)
        divisions = evaluator.divisions(scenario)
    except ScenarioNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    for name in (division, against):
        if name not in divisions:
            raise HTTPException(
                404,
                f"unknown division {name!r} in scenario {scenario!r}; choose one of "
                f"{', '.join(sorted(divisions))}",
            )
    session, viewer, login_url = editor_viewer(request, principal)
    can_save = principal.can_change(stored)
    page = render_editor(
        request,
        csrf_token=session.csrf if session else "",
        scenario=scenario,
        revision=stored.revision,
        version=stored.version,
        division=division,
        against=against,
        weight=weight,
        weight_names=list(WEIGHTS),
        against_options=sorted(d for d in divisions if d != division),
        description=str(stored.document.get("description", "")),
        source=stored.source,
        stored_edits=len(stored.document.get("edits") or []),
        can_save=can_save,
        save_reason="" if can_save else save_refusal(stored, principal, viewer),
        owner=stored.owner or "",
        can_save_as=viewer is not None,
        save_as_reason="" if viewer is not None else SIGN_IN_TO_SAVE,
        login_url=login_url,
        share_save=principal.via == "share" and viewer is not None,
        map_url=f"/maps/{scenario}?"
        + urlencode({"division": division, "against": against, "weight": weight}),
    )
    return HTMLResponse(page)


@router.get(
    "/api/editor/gemeenten.geojson",
    summary="Gemeente polygons for the editor (with a search key)",
    responses={200: {"content": {"application/geo+json": {}}}},
)
def gemeenten_geojson(evaluator: ScenarioEvaluator = Depends(get_evaluator)) -> Response:
    """Every gemeente as a GeoJSON feature with ``name`` and ``search`` (normalised name and
    aliases: "sudwest" finds Súdwest-Fryslân, "den bosch" finds 's-Hertogenbosch)."""

    def compute() -> bytes:
        import json

        units = evaluator.dataset.units
        names = units["name"].astype(str)
        codes = units.index.astype(str)
        adjacency = editor_resources(evaluator).adjacency.tolil()
        props = pd.DataFrame(
            {
                "name": names.to_numpy(),
                "search": [search_key(n) for n in names],
                "neighbours": [[str(codes[j]) for j in row] for row in adjacency.rows],
            },
            index=codes,
        )
        return json.dumps(feature_collection(web_geometry(units.geometry), props)).encode()

    return cached_response(evaluator, ("editor_gemeenten",), compute, "application/geo+json")


@router.get(
    "/api/editor/borders.geojson",
    summary="Shared border lines between neighbouring gemeenten (for region borders)",
    responses={200: {"content": {"application/geo+json": {}}}},
)
def borders_geojson(evaluator: ScenarioEvaluator = Depends(get_evaluator)) -> Response:
    """Every border two neighbouring gemeenten share, once, as a GeoJSON line feature with
    properties ``a`` and ``b`` (the gemeente codes, ``a < b``; id ``"a|b"``). The editor draws
    the edited division's region borders by showing the lines whose two gemeenten lie in
    different regions (largest share), restyled after every edit without new geometry.
    Lines lie exactly on the edges of ``/api/editor/gemeenten.geojson``."""

    def compute() -> bytes:
        import json

        geometry = web_geometry(evaluator.dataset.units.geometry)
        adjacency = sp.triu(editor_resources(evaluator).adjacency, k=1).tocoo()
        codes = geometry.index
        pairs = zip(codes[adjacency.row], codes[adjacency.col], strict=True)
        borders = unit_borders(geometry, pairs)
        borders.index = borders["a"] + "|" + borders["b"]
        return json.dumps(feature_collection(borders.geometry, borders[["a", "b"]])).encode()

    return cached_response(evaluator, ("editor_borders",), compute, "application/geo+json")


@router.get(
    "/api/scenarios/{scenario}/editor-context",
    summary="Where each gemeente and postcode lies, for the editor's search and picker",
)
def editor_context_json(
    scenario: ScenarioPath,
    division: Annotated[str, Query(pattern=DIVISION_PATTERN)] = "swv_po",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """For the stored scenario: ``unit_jeugdregio`` / ``unit_provincie`` (gemeente -> code),
    ``jeugdregio`` / ``provincie`` (code -> name) and ``postcodes`` (``[pc4, [gemeenten],
    plaats, region of division]``; region ``null`` for a division without postcode column)."""
    try:
        key = evaluator.key(scenario)
        divisions = evaluator.divisions(scenario)
    except ScenarioNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    if division not in divisions:
        raise HTTPException(
            404,
            f"unknown division {division!r} in scenario {scenario!r}; choose one of "
            f"{', '.join(sorted(divisions))}",
        )

    def compute() -> bytes:
        import json

        context = editor_context(divisions, division, evaluator.dataset.postcodes)
        return json.dumps({"scenario": scenario, **context}).encode()

    return cached_response(evaluator, ("editor_context", key, division), compute)


# ---------------------------------------------------------------------- API
def _check_revision(store: ScenarioStore, scenario: str, base_revision: int | None) -> int:
    """The scenario's current revision; 409 when ``base_revision`` is given and differs."""
    current = store.revision(scenario)
    if base_revision is not None and base_revision != current:
        raise HTTPException(
            409,
            f"scenario {scenario!r} was saved by someone else since you started (your base "
            f"revision {base_revision}, now {current}); nothing was stored and your edits are "
            "kept: save them as a new scenario, or reload to start from the newer version",
        )
    return current


async def evaluation_slot(
    request: Request,
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
) -> AsyncIterator[tuple[Gate, str]]:
    """A place in the app's :class:`~api.safety.costs.Gate` of evaluations for the caller (the user,
    else the address), held until the answer is made; 429 with ``Retry-After`` when the app or
    the client is at its limit or the client spent its CPU for the minute. A dependency, so a
    refused request is refused before its body is validated."""
    user = principal.user.name if principal.user is not None else None
    gate, client = evaluation_gate(request, limits), client_key(request, user)
    admission = gate.admit(client)
    try:
        admission.__enter__()
    except LimitExceeded as exc:  # audited (deduplicated: api.safety.refusals), then 429
        write = request.app.state.regio.refusals.refused(
            user or "anonymous",
            "evaluate.refused",
            request.path_params.get("scenario", ""),
            client=client,
            setting=exc.setting,
        )
        if write is not None:
            await run_in_threadpool(write)
        raise
    try:
        yield gate, client
    finally:
        admission.__exit__(None, None, None)


@router.post(
    "/api/scenarios/{scenario}/evaluate",
    response_model=EvaluateOut,
    summary="Figures of tentative edits (nothing stored)",
    responses=CONFLICT,
)
async def evaluate_edits(
    request: Request,
    scenario: ScenarioPath,
    body: EvaluateIn,
    slot: tuple[Gate, str] = Depends(evaluation_slot),
    live: LiveFigures = Depends(live_figures),
    store: ScenarioStore = Depends(get_store),
    limits: Limits = Depends(get_limits),
) -> Any:
    """Apply ``edits`` after the stored scenario's own edits and return the editor's figures:
    headline metrics before/after, every region, containment of touched regions before ->
    after, pupils whose SWV changes against huidig, travel change, checks.

    Costs no more than saving the edits would: the edit list gets the document limits of a
    stored scenario (413 before any work), the work runs under the cost budget (time, regions,
    share rows, divisions: 413/422 naming the setting), stops when the client goes away, counts
    in the rate limit by its CPU time, and only a few run at once (429 with ``Retry-After``).

    Example body: ``{"division": "swv_po", "against": "jeugdregio", "weight": "pupils_po",
    "edits": [{"op": "move", "division": "swv_po", "unit": "GM0772", "to": "PO3008"}]}``.
    """
    start = time.perf_counter()

    def run(cancel: CancelFlag) -> Response:
        edits = edit_documents(body.edits)
        check_edits_api_safe(edits)
        check_document_limits({"name": scenario, "edits": edits}, limits)  # before any work
        pool: WorkerPool | None = getattr(request.app.state.regio, "evaluation_pool", None)
        if pool is None:
            with within(cost_budget(limits, cancel=cancel)):
                revision = _check_revision(store, scenario, body.base_revision)
                task = EvaluateTask(scenario, edits, body.division, body.against, body.weight,
                                    revision, start, get_locale(request))  # fmt: skip
                answer = figures_json(live, task)
        else:
            revision = _check_revision(store, scenario, body.base_revision)
            task = EvaluateTask(scenario, edits, body.division, body.against, body.weight,
                                revision, start, get_locale(request))  # fmt: skip
            answer = bytes(run_in_worker(pool, task, cancel, limits))
        # serialised in the thread or the worker (counted as this client's work, off the loop)
        return Response(answer, media_type=JSON)

    gate, client = slot
    return await run_cancellable(
        request, run, limits, spent=lambda seconds: gate.record(client, seconds)
    )


def save_edits(
    store: ScenarioStore,
    evaluator: ScenarioEvaluator,
    scenario_id: str,
    document: dict[str, Any],
    *,
    replace: bool,
    expected_revision: int | None,
    division: str,
    principal: Principal,
    limits: Limits,
) -> SavedOut:
    check_document(document, evaluator, source="edits", limits=limits)
    try:
        stored = store.save(
            scenario_id,
            document,
            replace=replace,
            expected_revision=expected_revision,
            owner=principal.name,
            actor=principal.name,
            checks=owner_checks(principal, limits),
        )
    except RevisionConflict as exc:
        raise HTTPException(409, f"{exc}; your edits are kept in the page") from None
    return SavedOut(
        id=stored.id,
        url=scenario_url(stored.id),
        version=stored.version,
        revision=stored.revision,
        edits=len(stored.document.get("edits") or []),
        editor_url=edit_url(stored.id, division, "jeugdregio"),
    )


@router.post(
    "/api/scenarios/{scenario}/edits",
    response_model=SavedOut,
    summary="Append edits to a stored scenario (new revision)",
    responses=CONFLICT,
)
def append_edits(
    scenario: ScenarioPath,
    body: AppendIn,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
    limits: Limits = Depends(get_limits),
) -> SavedOut:
    """Store the scenario with ``edits`` appended, if it is still at ``base_revision`` (else
    409, nothing stored). Example body: ``{"base_revision": 7, "edits": [{"op": "move",
    "division": "swv_po", "unit": "GM0772", "to": "PO3008"}]}``.
    """
    edits = edit_documents(body.edits)
    check_edits_api_safe(edits)
    _check_revision(store, scenario, body.base_revision)
    stored = store.get(scenario)
    document = {**stored.document, "edits": [*(stored.document.get("edits") or []), *edits]}
    division = str(edits[0].get("division", "swv_po"))
    return save_edits(
        store,
        evaluator,
        scenario,
        document,
        replace=True,
        expected_revision=body.base_revision,
        division=division,
        principal=principal,
        limits=limits,
    )


@router.post(
    "/api/scenarios/{scenario}/save-as",
    response_model=SavedOut,
    status_code=201,
    summary="Store the edits as a new scenario based on this one",
    responses=CONFLICT,
)
def save_as(
    scenario: ScenarioPath,
    body: SaveAsIn,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
    limits: Limits = Depends(get_limits),
    locale: str = Depends(get_locale),
) -> SavedOut:
    """A new scenario ``name`` with ``base: <scenario>`` and the edits, if ``scenario`` is still
    at ``base_revision`` (else 409); 409 too when ``name`` exists."""
    edits = edit_documents(body.edits)
    check_edits_api_safe(edits)
    _check_revision(store, scenario, body.base_revision)
    document: dict[str, Any] = {
        "name": body.name,
        "description": body.description
        or written_text(edited_description(scenario, len(edits)), locale),  # caller's language
        # the new scenario's own claim: the base's claims are not inherited (issue 19)
        "principles": sorted(set(body.principles)),
        "base": scenario,
        "edits": edits,
    }
    division = str(edits[0].get("division", "swv_po"))
    return save_edits(
        store,
        evaluator,
        body.name,
        document,
        replace=False,
        expected_revision=None,
        division=division,
        principal=principal,
        limits=limits,
    )
