"""``/api/scenarios/{id}/verdict`` and ``/report``: the verdict of a stored scenario.

Rule: the same checks as ``regio verdict`` (:mod:`geo.checks`), on the stored scenario applied
with its base chain, against its own jeugdregio division or the one named by ``?jeugdregio=`` (a
division of the scenario or a stored scenario whose ``jeugdregio`` is used). Cached per revision
of the scenario (and of that jeugdregio scenario). The report is the self-contained HTML of
``regio report`` (:mod:`maps.report`). Unknown scenario or jeugdregio division: 404; a scenario
without an SWV division or bounds that cannot be met: 422; both name the problem.

When the server is given a space (``REGIOKOMPAS_SPACE``: a directory written by
``regio space build``), the verdict and the report carry the reported check ``space``: the
scenario's percentiles among the valid divisions (:mod:`geo.space.verdict`; the scenario's
``swv``, else its ``swv_po``), cached per scenario revision and space build. A space that cannot
be read is named in the verdict's ``warnings`` and leaves the other checks as they are.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from api.compute.placement import placement, space_dir
from api.deps import ScenarioEvaluator, get_evaluator, unknown_as_404
from api.models import ERROR_RESPONSES, SCENARIO_PATTERN
from api.pages.locale import get_locale

router = APIRouter(prefix="/api/scenarios", tags=["verdict"])

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}
ScenarioPath = Annotated[str, Path(pattern=SCENARIO_PATTERN, description="scenario id")]


class VerdictCheckOut(BaseModel):
    """One check of the verdict (schema in docs/verdict.md)."""

    name: str = Field(description="P1, P2, P3, size, contiguity (hard); disruption, uniform")
    title: str
    hard: bool = Field(description="hard checks decide the verdict; the others are reported")
    passed: bool | None = Field(description="null for a reported check")
    summary: str = Field(description="one line in English")
    message: dict[str, Any] | None = Field(
        None,
        description="the summary as a msgid with its values ({msgid, params}; a figure is "
        "{value, format}, a list {join, items}), for showing it in another language; each "
        "offender has one too, beside its English problem",
    )
    figures: dict[str, Any]
    offenders: list[dict[str, Any]] = Field(
        description="regions or gemeenten breaking the check, each with code, name, problem "
        "(and message)"
    )


class JeugdregioOut(BaseModel):
    """The jeugdregio division the scenario was checked against."""

    source: str
    division: str
    regions: int


class VerdictSettingsOut(BaseModel):
    """The settings the checks ran with."""

    tolerance: float
    weight: str
    margin_km: float
    min_pupils: float
    max_pupils: float


class VerdictOut(BaseModel):
    """The verdict of one scenario: ``regio verdict --json``."""

    scenario: str
    passed: bool = Field(description="every hard check passes")
    jeugdregio: JeugdregioOut
    divisions: list[str] = Field(description="the SWV divisions judged (swv, or swv_po and swv_vo)")
    principles_claimed: list[int]
    principles_source: str = Field(
        "", description="where the claim comes from: the scenario's own document (never its base)"
    )
    warnings: list[str] = Field(description="principles the scenario claims but fails")
    warning_messages: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the warnings as msgids with their values (as a check's message)",
    )
    settings: VerdictSettingsOut
    checks: list[VerdictCheckOut]


JeugdregioQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="division of the scenario, or a stored scenario whose jeugdregio is used "
        "(default: the scenario's own jeugdregio)",
    ),
]
ToleranceQuery = Annotated[float, Query(ge=0, le=1, description="P3 containment tolerance")]
WeightQuery = Annotated[
    str,
    Query(
        pattern=r"^[a-z0-9_]{1,40}$",
        description="P3 weight: pupils (the SWV's level) or a weight name",
    ),
]
MarginQuery = Annotated[float, Query(ge=0, le=1000, description="P2 margin in km")]
PupilsQuery = Annotated[float | None, Query(ge=0, description="size bound (PO+VO pupils)")]


def _verdict(
    evaluator: ScenarioEvaluator,
    scenario_id: str,
    jeugdregio: str | None,
    tolerance: float,
    weight: str,
    margin_km: float,
    min_pupils: float | None,
    max_pupils: float | None,
) -> Any:
    from geo.checks import VerdictSettings

    settings = VerdictSettings(
        tolerance=tolerance,
        weight=weight,
        margin_km=margin_km,
        min_pupils=min_pupils,
        max_pupils=max_pupils,
    )
    with unknown_as_404():
        v = evaluator.verdict(scenario_id, jeugdregio=jeugdregio, settings=settings)
    return with_space(evaluator, scenario_id, v)


def with_space(evaluator: ScenarioEvaluator, scenario_id: str, v: Any) -> Any:
    """``v`` with the reported check ``space`` when ``REGIOKOMPAS_SPACE`` names a space."""
    if v.state is None:
        return v
    from geo.errors import RegiokompasError

    try:
        result = placement(evaluator, scenario_id, v.state.divisions, title=v.scenario)
    except RegiokompasError as exc:
        return replace(v, warnings=[*v.warnings, f"space {space_dir()}: {exc}"])
    return v if result is None else replace(v, results=[*v.results, result])


@router.get(
    "/{scenario_id}/verdict",
    response_model=VerdictOut,
    responses=ERROR_RESPONSES,
    summary="Verdict on the three principles, size and contiguity",
)
def get_verdict(
    scenario_id: ScenarioPath,
    jeugdregio: JeugdregioQuery = None,
    tolerance: ToleranceQuery = 0.995,
    weight: WeightQuery = "pupils",
    margin_km: MarginQuery = 0.0,
    min_pupils: PupilsQuery = None,
    max_pupils: PupilsQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> VerdictOut:
    """Every check of :mod:`geo.checks` on a stored scenario (``regio verdict --json``)."""
    v = _verdict(
        evaluator, scenario_id, jeugdregio, tolerance, weight, margin_km, min_pupils, max_pupils
    )
    return VerdictOut.model_validate(v.to_dict())


HTML_ERRORS = {  # errors stay JSON: documented as such (not as the route's own type)
    status: {
        "description": spec["description"],
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }
    for status, spec in ERROR_RESPONSES.items()
}
RegionQuery = Annotated[
    str | None,
    Query(
        max_length=80,
        description="regional report: a jeugdregio code (JZ42), a province (PV31 or Limburg) or "
        "an SWV code; maps zoomed to it, tables of the SWVs that touch it",
    ),
]
AppendixQuery = Annotated[
    bool, Query(description="with region: add the national tables as an appendix")
]


def _report_html(
    evaluator: ScenarioEvaluator,
    scenario_id: str,
    jeugdregio: str | None,
    region: str | None,
    appendix: bool,
    links: str,
    locale: str = "nl",
) -> str:
    """The report of a stored scenario in ``locale`` (cached per revision, region, appendix,
    links and locale)."""
    from maps.report import render_report

    v = _verdict(evaluator, scenario_id, jeugdregio, 0.995, "pupils", 0.0, None, None)
    region = region.strip() if region else None

    def render() -> str:
        with unknown_as_404():
            return render_report([v], region=region, appendix=appendix, links=links, locale=locale)

    key = ("report", evaluator.key(scenario_id), jeugdregio, region, appendix, links, locale)
    key += (id(v),)
    made, html = evaluator.cache.get_or_compute(key, lambda: (v, render()))
    if made is not v:  # an id reused after eviction: render this verdict
        html = render()
    return html


@router.get(
    "/{scenario_id}/report",
    response_class=HTMLResponse,
    summary="Printable self-contained HTML report of the verdict",
    responses={200: {"content": {"text/html": {}}, "description": "the report"}, **HTML_ERRORS},
)
def get_report(
    request: Request,
    scenario_id: ScenarioPath,
    jeugdregio: JeugdregioQuery = None,
    region: RegionQuery = None,
    appendix: AppendixQuery = False,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> HTMLResponse:
    """The ``regio report`` HTML of one stored scenario: scorecard, maps, tables, sources;
    ``?region=JZ42`` for a regional report (its links point to the app's own pages)."""
    locale = get_locale(request)
    html = _report_html(evaluator, scenario_id, jeugdregio, region, appendix, "", locale)
    # its own meta CSP forbids any request (and api.safety.security adds one)
    return HTMLResponse(html)


@router.get(
    "/{scenario_id}/report.pdf",
    response_class=Response,
    summary="The report as PDF, printed on the server by headless Chromium",
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the report (A4)"},
        503: {
            "description": "Chromium is not installed on the server",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
        **HTML_ERRORS,
    },
)
def get_report_pdf(
    request: Request,
    scenario_id: ScenarioPath,
    jeugdregio: JeugdregioQuery = None,
    region: RegionQuery = None,
    appendix: AppendixQuery = False,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """``regio report --out x.pdf`` on the server: the report of :func:`get_report` printed to
    A4 by headless Chromium (links absolute to this app). 503 when Chromium is missing."""
    from maps.pdf import PdfError, PdfUnavailable, html_to_pdf

    links = str(request.base_url).rstrip("/")
    html = _report_html(
        evaluator, scenario_id, jeugdregio, region, appendix, links, get_locale(request)
    )
    try:
        pdf = html_to_pdf(html)
    except PdfUnavailable as exc:
        raise HTTPException(503, str(exc)) from None
    except PdfError as exc:
        raise HTTPException(500, str(exc)) from None
    name = f"{scenario_id}{'_' + region.strip().replace(' ', '_') if region else ''}.pdf"
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "._-")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
