"""``/maps``: Folium map pages of stored scenarios and the side-by-side compare view.

- ``GET /maps/{scenario}?division=swv_po&against=jeugdregio&weight=inhabitants`` — the national
  map of one division coloured by containment (:func:`maps.division_map.division_map`);
- ``GET /maps/compare?left=huidig&right=swv_binnen_jeugdregio&division=...`` — two scenarios
  with synchronised pan and zoom (:func:`maps.compare_map.compare_map`); the sides may show
  different divisions (``left_division``/``right_division``), e.g. a proposal's ``swv`` beside
  huidig's ``swv_po``;
- ``GET /maps/static/vendor/...`` — the vendored Leaflet files the pages load (no CDN needed).

Rule: the colours come from the same cached score as ``/api/scores``; a rendered page is cached
per (scenario revision chain, division, against, weight), so a repeated request is a lookup.
A map of an SWV division (``swv``, ``swv_po``, ``swv_vo``) that differs from today's marks the
gemeenten whose SWV changes (:mod:`maps.changes`, the definition of
:mod:`geo.overlap.disruption`).
Unknown scenarios, divisions or weights give a 404/422 naming them, as an HTML page when the
client asks for HTML and as ``{"detail": ...}`` otherwise. A scenario called ``compare`` or
``static`` cannot be shown here (those paths are taken).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.deps import EvaluationCache, ScenarioEvaluator, get_evaluator, get_state
from api.models import DIVISION_PATTERN, ERROR_RESPONSES, SCENARIO_PATTERN, WeightName
from api.pages import map_pages
from api.pages.links import edit_url
from api.pages.locale import get_locale
from api.pages.map_pages import (
    MapPage,
    compare_page_texts,
    division_page_texts,
    render_map_page,
    within_budget,
)
from api.safety.costs import charge
from api.safety.limits import LimitExceeded, cost_budget
from api.storage.store import ScenarioNotFound
from geo.errors import RegiokompasError
from geo.scenarios.budget import CostExceeded, check_budget, within
from maps.assets import vendor_file
from maps.compare_map import ScenarioView, compare_map
from maps.division_map import division_map, page_parts
from maps.i18n import gettext

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
VersionQuery = Annotated[
    int | None,
    Query(ge=1, description="the scenario as it was at this version (1, 2, 3 ...)"),
]
SideDivisionQuery = Annotated[
    str | None,
    Query(
        pattern=DIVISION_PATTERN,
        description="division shown on this side instead of `division`, e.g. swv_po",
    ),
]

COMBINED = "swv"
"""The combined PO+VO division; a compare side without it shows :data:`COMBINED_FALLBACK`."""
COMBINED_FALLBACK = "swv_po"


def side_division(
    evaluator: ScenarioEvaluator, scenario: str, division: str, explicit: str | None
) -> str:
    """The division one side of the compare view shows.

    Rule: ``explicit`` (``left_division``/``right_division``) when given; else ``division``;
    except that ``division=swv`` on a scenario without ``swv`` (huidig) shows its ``swv_po``:
    today's PO SWVs beside the proposal's combined SWVs (ask ``left_division=swv_vo`` for VO).
    """
    if explicit is not None:
        return explicit
    if division == COMBINED and COMBINED not in evaluator.divisions(scenario):
        return COMBINED_FALLBACK
    return division


def page_cache(request: Request) -> EvaluationCache:
    """The app's cache of rendered map pages (created on first use)."""
    state = get_state(request)
    cache = getattr(state, "map_pages", None)
    if cache is None:
        cache = EvaluationCache(
            max_entries=PAGE_CACHE_ENTRIES, max_bytes=state.limits.page_cache_bytes
        )
        state.map_pages = cache  # type: ignore[attr-defined]
    return cache


def share_token(request: Request) -> str | None:
    """The ``?share=`` token a page was opened with (the policy checked it), kept in its
    links."""
    token = request.query_params.get("share")
    return token if token and len(token) <= 100 else None


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML (a browser), False for scripts asking for JSON."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The HTML error page in the reader's language (:func:`api.pages.map_pages.error_page`)."""
    return map_pages.error_page(request, status, message)


class Refused(str):
    """A page refused for its size, kept in the page cache in place of the page (so asking
    again costs a lookup, not the work up to the refusal)."""


def cached_page(request: Request, key: Hashable, build: Callable[[], MapPage]) -> MapPage:
    """The page ``build()`` makes, cached under ``key``; the build runs under the cost budget
    (time, regions, share rows, divisions: :func:`api.safety.limits.cost_budget`), and a refusal for
    size (413) is cached too and raised again on every later request."""
    limits = get_state(request).limits

    def run() -> MapPage | Refused:
        with within(cost_budget(limits)):
            try:
                page = build()
                check_budget("map page")
                return page
            except (LimitExceeded, CostExceeded) as exc:
                if getattr(exc, "status", 413) != 413:
                    raise
                return Refused(str(exc))

    page = page_cache(request).get_or_compute(key, run)
    if isinstance(page, Refused):
        raise LimitExceeded(str(page))
    return page


def render_or_error(request: Request, render: Callable[[], str]) -> Response:
    """``render()`` as an HTML response; unknown names -> 404, invalid ones -> 422, over a
    limit -> its status (413, also for a remembered refusal). The CPU time it took counts in
    the client's rate limit (:func:`api.safety.costs.charge`)."""
    start = time.thread_time()
    try:
        return HTMLResponse(render())
    except LimitExceeded as exc:
        status, message = exc.status, str(exc)
    except (ScenarioNotFound, KeyError) as exc:
        status, message = 404, str(exc) if isinstance(exc, ScenarioNotFound) else exc.args[0]
    except CostExceeded as exc:
        status, message = 413, str(exc)
    except (RegiokompasError, ValueError) as exc:
        status, message = 422, str(exc)
    finally:
        charge(request.scope, time.thread_time() - start, get_state(request).limits)
    if wants_html(request):
        return error_page(request, status, str(message))
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
    left_division: SideDivisionQuery = None,
    right_division: SideDivisionQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """Left and right scenario, each coloured by the containment of its division in ``against``.

    Both sides show ``division`` unless ``left_division``/``right_division`` name another; with
    ``division=swv`` a side without ``swv`` (huidig) shows ``swv_po``. Gemeenten whose SWV
    changes compared with today are outlined on the side that changes them. Examples:
    ``/maps/compare?left=huidig&right=swv_binnen_jeugdregio&division=swv_vo``,
    ``/maps/compare?left=huidig&right=voorstel-swv&division=swv&left_division=swv_vo``.
    """

    share = share_token(request)
    locale = get_locale(request)

    def render() -> str:
        sides = [
            (left, side_division(evaluator, left, division, left_division)),
            (right, side_division(evaluator, right, division, right_division)),
        ]
        key = ("compare", *((evaluator.key(s), d) for s, d in sides), against, weight, share)
        key += (locale,)

        def build() -> MapPage:
            views = [
                ScenarioView(
                    side,
                    evaluator.divisions(side),
                    evaluator.score(side, shown, against, weight),
                    edit_url=edit_url(side, shown, against, share=share),
                )
                for side, shown in sides
            ]
            dual = compare_map(
                evaluator.dataset, views[0], views[1], assets=ASSET_URL, locale=locale
            )
            page = compare_page_texts(evaluator, views, page_parts(dual), locale)
            return within_budget(page, get_state(request).limits)

        return render_map_page(request, cached_page(request, key, build), locale)

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
    version: VersionQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """The national map of ``division`` in ``scenario``, with ``against`` drawn on top
    (``version``: the scenario as it was at that version; a share link's token is kept in the
    page's editor link).

    Example: ``/maps/huidig?division=swv_po&against=jeugdregio&weight=inhabitants``. Tooltips
    name the gemeente, its regions, its weights and its region's metrics; a layer control toggles
    special-education locations, provinces and the other divisions. For an SWV division that
    differs from today's (a proposal's ``swv``) the gemeenten whose SWV changes are outlined
    (layer ``gemeenten whose SWV changes``) and every tooltip has an ``SWV changes`` row.
    """

    share = share_token(request)
    locale = get_locale(request)

    def render() -> str:
        key = ("map", evaluator.key(scenario, version), division, against, weight, share, locale)

        def build() -> MapPage:
            score = evaluator.score(scenario, division, against, weight, version=version)
            divisions = evaluator.divisions(scenario, version)
            _ = gettext(locale)
            shown = (
                scenario
                if version is None
                else _("%(scenario)s (version %(version)s)")
                % {"scenario": scenario, "version": version}
            )
            m = division_map(
                evaluator.dataset,
                divisions,
                score,
                scenario=shown,
                assets=ASSET_URL,
                edit_url=None if version else edit_url(scenario, division, against, share=share),
                locale=locale,
            )
            page = division_page_texts(evaluator, shown, divisions, score, page_parts(m), locale)
            return within_budget(page, get_state(request).limits)

        return render_map_page(request, cached_page(request, key, build), locale)

    return render_or_error(request, render)
