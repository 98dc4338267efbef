"""``/maps``: Folium map pages of stored scenarios and the side-by-side compare view.

- ``GET /maps/{scenario}?division=swv_po&against=jeugdregio&weight=inhabitants`` — the national
  map of one division coloured by containment (:func:`maps.division_map.division_map`);
- ``GET /maps/compare?left=huidig&right=swv_binnen_jeugdregio&division=...`` — two scenarios
  with synchronised pan and zoom (:func:`maps.compare_map.compare_map`);
- ``GET /maps/static/vendor/...`` — the vendored Leaflet files the pages load (no CDN needed).

Rule: the colours come from the same cached score as ``/api/scores``; a rendered page is cached
per (scenario revision chain, division, against, weight), so a repeated request is a lookup.
Unknown scenarios, divisions or weights give a 404/422 naming them, as an HTML page when the
client asks for HTML and as ``{"detail": ...}`` otherwise. A scenario called ``compare`` or
``static`` cannot be shown here (those paths are taken).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.deps import EvaluationCache, ScenarioEvaluator, get_evaluator, get_state
from api.models import DIVISION_PATTERN, ERROR_RESPONSES, SCENARIO_PATTERN, WeightName
from api.storage import ScenarioNotFound
from geo.errors import RegiokompasError
from maps.assets import vendor_file
from maps.compare_map import ScenarioView, compare_map
from maps.division_map import division_map, page_html

router = APIRouter(prefix="/maps", tags=["maps"], responses=ERROR_RESPONSES)

ASSET_URL = "/maps/static/vendor"
"""URL prefix of the vendored Leaflet files (see :func:`vendor_asset`)."""

PAGE_CACHE_ENTRIES = 24
"""Rendered map pages kept in memory per app (each is about 1 MB)."""

DivisionQuery = Annotated[str, Query(pattern=DIVISION_PATTERN, description="e.g. swv_po")]
AgainstQuery = Annotated[
    str, Query(pattern=DIVISION_PATTERN, description="division drawn on top, e.g. jeugdregio")
]
ScenarioPath = Annotated[
    str, Path(pattern=SCENARIO_PATTERN, description="stored scenario id, e.g. huidig")
]
ScenarioParam = Annotated[
    str, Query(pattern=SCENARIO_PATTERN, description="stored scenario id, e.g. huidig")
]


def page_cache(request: Request) -> EvaluationCache:
    """The app's cache of rendered map pages (created on first use)."""
    state = get_state(request)
    cache = getattr(state, "map_pages", None)
    if cache is None:
        cache = EvaluationCache(max_entries=PAGE_CACHE_ENTRIES)
        state.map_pages = cache  # type: ignore[attr-defined]
    return cache


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML (a browser), False for scripts asking for JSON."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def error_page(status: int, message: str) -> HTMLResponse:
    """A small HTML error page naming what is wrong, with a link to the home page."""
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>regiokompas: error {status}</title></head><body style='font-family:sans-serif'>"
        f"<h1>Error {status}</h1><p class='detail'>{html.escape(message)}</p>"
        "<p><a href='/'>back to the scenarios</a></p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def render_or_error(request: Request, render: Callable[[], str]) -> Response:
    """``render()`` as an HTML response; unknown names -> 404, invalid ones -> 422."""
    try:
        return HTMLResponse(render())
    except (ScenarioNotFound, KeyError) as exc:
        status, message = 404, str(exc) if isinstance(exc, ScenarioNotFound) else exc.args[0]
    except (RegiokompasError, ValueError) as exc:
        status, message = 422, str(exc)
    if wants_html(request):
        return error_page(status, str(message))
    raise HTTPException(status, str(message))


@router.get("/static/vendor/{asset:path}", include_in_schema=False)
def vendor_asset(asset: str) -> FileResponse:
    """A vendored Leaflet file (``leaflet/leaflet.js``, ...); 404 for anything else."""
    try:
        path = vendor_file(asset)
    except FileNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


@router.get(
    "/compare",
    response_class=HTMLResponse,
    summary="Two scenarios side by side (synchronised maps)",
)
def compare_page(
    request: Request,
    left: ScenarioParam = "huidig",
    right: ScenarioParam = "swv_binnen_jeugdregio",
    division: DivisionQuery = "swv_po",
    against: AgainstQuery = "jeugdregio",
    weight: WeightName = "inhabitants",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """Left and right scenario, each coloured by the containment of ``division`` in ``against``.

    Example: ``/maps/compare?left=huidig&right=swv_binnen_jeugdregio&division=swv_vo``.
    """

    def render() -> str:
        key = ("compare", evaluator.key(left), evaluator.key(right), division, against, weight)

        def build() -> str:
            views = [
                ScenarioView(
                    side,
                    evaluator.divisions(side),
                    evaluator.score(side, division, against, weight),
                )
                for side in (left, right)
            ]
            dual = compare_map(evaluator.dataset, views[0], views[1], assets=ASSET_URL)
            return page_html(dual)

        return page_cache(request).get_or_compute(key, build)

    return render_or_error(request, render)


@router.get(
    "/{scenario}",
    response_class=HTMLResponse,
    summary="Map of a scenario's division coloured by containment",
)
def scenario_page(
    request: Request,
    scenario: ScenarioPath,
    division: DivisionQuery = "swv_po",
    against: AgainstQuery = "jeugdregio",
    weight: WeightName = "inhabitants",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """The national map of ``division`` in ``scenario``, with ``against`` drawn on top.

    Example: ``/maps/huidig?division=swv_po&against=jeugdregio&weight=inhabitants``. Tooltips
    name the gemeente, its regions, its weights and its region's metrics; a layer control toggles
    special-education locations, provinces and the other divisions.
    """

    def render() -> str:
        key = ("map", evaluator.key(scenario), division, against, weight)

        def build() -> str:
            score = evaluator.score(scenario, division, against, weight)
            m = division_map(
                evaluator.dataset,
                evaluator.divisions(scenario),
                score,
                scenario=scenario,
                assets=ASSET_URL,
            )
            return page_html(m)

        return page_cache(request).get_or_compute(key, build)

    return render_or_error(request, render)
