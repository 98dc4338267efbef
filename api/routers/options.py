"""Options instead of one answer, from the browser: ``regio options`` as a background job.

- ``GET /options/new``: the form: how many options (K), the jeugdregio division (one per space
  the server has, ``REGIOKOMPAS_SPACE``), and optionally a fixed number of SWVs per jeugdregio
  (``JZ14=2, JZ39=3``; the valid numbers per jeugdregio are listed);
- ``POST /options`` starts the job (checked first: a division without a space, an unknown
  jeugdregio or a number of SWVs it has no valid division with is a 422 naming it) and opens
  its page;
- ``GET /options/{job_id}``: progress (the front, then the proposal per jeugdregio, which marks
  the chart), a cancel button, and when done the trade-off chart (disruption against travel,
  one point per option, today and the proposal marked; the options table is its text
  alternative) with a form to keep chosen options;
- ``POST /options/{job_id}/save``: stores each chosen option as a private scenario of the
  planner (``<title>-optie-<n>``, a free id) and opens the first one's page;
- ``POST /options/{job_id}/cancel``;
- ``POST /api/options`` and ``GET /api/options/{job_id}``: the same for scripts (JSON).

Rule: the job flow of proposals (:mod:`api.routers.job_flow`: slots, the page, cancel): a
signed-in user starts options, only the starter (or an admin) sees the job (anyone else hears
of an unknown options job, as for an id that does not exist), forms carry the session's CSRF
token. Nothing is stored until the planner keeps an option. The proposal's mark is solved once
per data, space and settings and shared by later jobs (:mod:`api.compute.proposal_marks`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.compute.jobs import Job, current_job
from api.compute.placement import spaces
from api.compute.proposal_marks import cached_marks, mark_key
from api.compute.proposal_scope import progress_reporter
from api.deps import (
    EvaluationCache,
    JobRunner,
    ScenarioEvaluator,
    get_evaluator,
    get_jobs,
    get_limits,
    get_proposal_marks,
    get_store,
)
from api.models import ERROR_RESPONSES, ErrorOut
from api.pages.locale import get_locale
from api.pages.templating import render_page
from api.routers.job_flow import JobPath, JobRoutes, csrf
from api.routers.scenario_pages import slug
from api.routers.scenarios import check_document, owner_checks
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.limits import Limits
from api.safety.security import nonce_scripts
from api.storage.store import ScenarioNotFound, ScenarioStore
from geo.scenarios.descriptions import option_description
from maps.i18n import gettext, written_text

router = APIRouter(include_in_schema=True)

JOB_KIND = "options"
OPTIONS = JobRoutes(
    JOB_KIND,
    plural="options jobs",
    api="/api/options",
    page_url="/options",
    cancel_hint="cancel it",
)
"""The job routes of options (:mod:`api.routers.job_flow`)."""
MAX_K = 10


class OptionsRequest(BaseModel):
    """What a planner asks: how many options, in which jeugdregio division, fixed SWVs."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field("Opties", min_length=1, max_length=200)
    k: int = Field(5, ge=1, le=MAX_K, description="most options")
    jeugdregio: str | None = Field(
        None, max_length=64, description="the division the space was built for (default: the first)"
    )
    fixed_swvs: dict[str, int] = Field(
        default_factory=dict, description="jeugdregio code -> its number of SWVs"
    )


class OptionsJobOut(BaseModel):
    """The job's status and, when done, the options (without their documents)."""

    job_id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    error: str | None = None
    progress: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] | None = None


def manifest_counts(space: str) -> dict[str, dict[str, Any]]:
    """Per jeugdregio of a space: its name and the numbers of SWVs it has valid divisions with."""
    import json
    from pathlib import Path as FsPath

    manifest = json.loads((FsPath(space) / "manifest.json").read_text())
    return {
        e["jeugdregio"]: {
            "name": e.get("name", ""),
            "swvs": sorted(int(k) for k, v in e["count_by_swvs"].items() if int(v) > 0),
        }
        for e in manifest["regions"]
    }


def parse_fixed(text: str) -> dict[str, int]:
    """``JZ14=2, JZ39=3`` -> ``{"JZ14": 2, "JZ39": 3}`` (422 naming a bad item).

    >>> parse_fixed("JZ14=2, jz39 = 3")
    {'JZ14': 2, 'JZ39': 3}
    """
    out: dict[str, int] = {}
    for item in re.split(r"[,;\s]+(?=[A-Za-z])", text.strip()):
        if not item.strip():
            continue
        code, sep, n = item.replace(" ", "").partition("=")
        if not sep or not code or not n.isdigit():
            raise HTTPException(422, f"swvs: {item.strip()!r}: write JEUGDREGIO=N, e.g. JZ14=2")
        out[code.upper()] = int(n)
    return out


def _space_for(request: OptionsRequest) -> str:
    have = spaces()
    if not have:
        raise HTTPException(
            409,
            "no space of valid divisions on this server: run 'regio space build --out space/' "
            "and start the server with REGIOKOMPAS_SPACE=space/",
        )
    division = request.jeugdregio or next(iter(have))
    if division not in have:
        raise HTTPException(
            422, f"jeugdregio: no space built for {division!r}; built: {', '.join(have)}"
        )
    space = have[division]
    counts = manifest_counts(space)
    for code, n in request.fixed_swvs.items():
        if code not in counts:
            raise HTTPException(422, f"swvs: unknown jeugdregio {code!r} in {division}")
        if n not in counts[code]["swvs"]:
            valid = ", ".join(str(v) for v in counts[code]["swvs"])
            raise HTTPException(
                422, f"swvs: {code} has no valid division with {n} SWVs; valid numbers: {valid}"
            )
    return space


def _run(
    request: OptionsRequest, space: str, evaluator: ScenarioEvaluator, marks: EvaluationCache
) -> dict[str, Any]:
    """The job: the front and the options, then the proposal with the space's settings (the
    chart's mark; progress per jeugdregio), taken from ``marks`` when an earlier job on the same
    data, space and settings computed it (:mod:`api.compute.proposal_marks`)."""
    from geo.space.placement import space_settings
    from geo.space.report import compute_options

    dataset = evaluator.dataset
    job = current_job()
    if job is not None:
        job.progress.update(stage="front")
    regions = sorted(manifest_counts(space))
    settings = space_settings(space)
    reporter = progress_reporter(dataset, settings.time_limit, regions)
    if job is not None:
        job.progress["stage"] = "proposal"
    computed: dict[str, bool] = {}
    found = compute_options(
        dataset,
        space,
        k=request.k,
        fixed=request.fixed_swvs or None,
        progress=reporter,
        memo=cached_marks(marks, mark_key(dataset, space), computed),
    )
    pupils = found["pupils"]
    return {
        "title": request.title,
        "k": request.k,
        "jeugdregio": found["jeugdregio"],
        "fixed_swvs": request.fixed_swvs,
        "front": [[float(x), float(y) / pupils, float(n)] for x, y, n in found["front_values"]],
        "front_count": found["front"],
        "front_thinned": found["front_thinned"],
        "options": found["options"],
        "marks": found["marks"],
        "proposal_cached": not computed.get("proposal", True),
        "saved": {},
    }


def start_options(
    request: OptionsRequest,
    evaluator: ScenarioEvaluator,
    jobs: JobRunner,
    limits: Limits,
    principal: Principal,
    marks: EvaluationCache,
) -> Job:
    """Check the request and queue the job (the slots of proposals, counted apart)."""
    space = _space_for(request)
    return OPTIONS.submit(jobs, limits, principal, _run, request, space, evaluator, marks)


def _summary(job: Job) -> dict[str, Any] | None:
    if not isinstance(job.result, dict):
        return None
    r = job.result
    return {
        **{k: v for k, v in r.items() if k not in ("options", "front")},
        "options": [{k: v for k, v in o.items() if k != "document"} for o in r["options"]],
    }


# ---------------------------------------------------------------------- JSON API
@router.post(
    "/api/options",
    status_code=202,
    tags=["proposals"],
    responses={
        **ERROR_RESPONSES,
        409: {"model": ErrorOut, "description": "no space of valid divisions on this server"},
    },
    summary="Start options on the Pareto front of the valid divisions (background job)",
)
def post_options(
    body: OptionsRequest,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    jobs: JobRunner = Depends(get_jobs),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
    marks: EvaluationCache = Depends(get_proposal_marks),
) -> dict[str, str]:
    """Queue ``regio options`` on the server's space; poll the returned ``url``."""
    job = start_options(body, evaluator, jobs, limits, principal, marks)
    return {"job_id": job.id, "status": job.status, "url": f"/api/options/{job.id}"}


@router.get(
    "/api/options/{job_id}",
    response_model=OptionsJobOut,
    tags=["proposals"],
    responses=ERROR_RESPONSES,
    summary="Status and options of an options job",
)
def get_options(job_id: JobPath, jobs: JobRunner = Depends(get_jobs)) -> OptionsJobOut:
    """The job's status and progress; when done the front size, the options and the marks."""
    job = OPTIONS.find(jobs, job_id)
    return OptionsJobOut(
        job_id=job.id,
        status=job.status,  # type: ignore[arg-type]
        error=job.error,
        progress=dict(job.progress),
        result=_summary(job),
    )


# ---------------------------------------------------------------------- pages
@router.get("/options/new", response_class=HTMLResponse, include_in_schema=False)
def options_form(request: Request, principal: Principal = Depends(enforce)) -> HTMLResponse:
    """The options form (signed-in users; others are asked to sign in)."""
    have = spaces()
    counts = {division: manifest_counts(d) for division, d in have.items()}
    page = render_page(
        request,
        "options_new.html",
        signed_in=principal.is_user,
        csrf=csrf(principal),
        spaces=have,
        counts=counts,
        max_k=MAX_K,
    )
    return HTMLResponse(nonce_scripts(page))


@router.post("/options", include_in_schema=False)
def start_from_form(
    title: Annotated[str, Form(min_length=1, max_length=200)],
    k: Annotated[int, Form(ge=1, le=MAX_K)] = 5,
    jeugdregio: Annotated[str, Form(max_length=64)] = "",
    swvs: Annotated[str, Form(max_length=2000)] = "",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    jobs: JobRunner = Depends(get_jobs),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
    marks: EvaluationCache = Depends(get_proposal_marks),
) -> Response:
    """Start the options of the form and open their page."""
    body = OptionsRequest(
        title=title.strip(), k=k, jeugdregio=jeugdregio or None, fixed_swvs=parse_fixed(swvs)
    )
    job = start_options(body, evaluator, jobs, limits, principal, marks)
    return RedirectResponse(f"/options/{job.id}", status_code=303)


def _page(request: Request, job: Job) -> dict[str, Any]:
    """What the options page shows beside the progress: when done, the chart and the options."""
    from maps.i18n import gettext
    from maps.i18n.formats import format_decimal, format_number
    from maps.options_chart import tradeoff_svg

    locale = get_locale(request)
    _ = gettext(locale)
    chart = None
    result = job.result if isinstance(job.result, dict) else None
    if result is not None:
        labels = {"today": _("today"), "proposal": _("proposal")}
        chart = tradeoff_svg(
            [[p[0], p[1]] for p in result["front"]],
            [
                {"label": str(i), "x": o["disrupted"], "y": o["travel_km"]}
                for i, o in enumerate(result["options"], start=1)
            ],
            {
                key: (m["disrupted"], m["travel_km"], labels[key])
                for key, m in result["marks"].items()
            },
            "options-chart-caption",
            _("pupils changing samenwerkingsverband (po and vo)"),
            _("km to special education (pupil-weighted)"),
            lambda v: format_number(v, locale),
            lambda v: format_decimal(v, locale, digits=2),
        )
    return {"result": result, "chart": chart}


OPTIONS.add_page_routes(router, "options_job.html", _page)


def _free_id(store: ScenarioStore, wanted: str) -> str:
    candidate, n = wanted, 1
    while True:
        try:
            store.get(candidate)
        except ScenarioNotFound:
            return candidate
        n += 1
        candidate = f"{wanted[:60]}-{n}"


@router.post("/options/{job_id}/save", include_in_schema=False)
def save_from_form(
    request: Request,
    job_id: JobPath,
    option: Annotated[list[int] | None, Form()] = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    jobs: JobRunner = Depends(get_jobs),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
) -> Response:
    """Store the chosen options as private scenarios of the caller; open the first one."""
    job = OPTIONS.find(jobs, job_id)
    if job.status != "done" or not isinstance(job.result, dict):
        raise HTTPException(409, f"job_id: options job {job_id!r} is {job.status}, not done")
    result = job.result
    chosen = sorted(set(option or []))
    if not chosen:
        raise HTTPException(422, "option: choose at least one option to keep")
    n_options = len(result["options"])
    bad = [i for i in chosen if not 1 <= i <= n_options]
    if bad:
        raise HTTPException(422, f"option: {bad[0]} is not one of the options 1 to {n_options}")
    user = principal.name
    locale = get_locale(request)  # the kept options are written in the planner's language
    _ = gettext(locale)
    stored = []
    for i in chosen:
        if str(i) in result["saved"]:
            stored.append(result["saved"][str(i)])
            continue
        o = result["options"][i - 1]
        base = slug(result["title"]) or "opties"
        document = dict(o["document"])
        document["name"] = _free_id(store, f"{base[:50]}-optie-{i}")
        document["title"] = _("%(title)s: option %(n)s") % {"title": result["title"], "n": i}
        summary = option_description(o, result["jeugdregio"])
        document["description"] = written_text(summary, locale)
        scenario_id = check_document(document, evaluator, source=f"option {i}", limits=limits)
        store.save(
            scenario_id,
            document,
            source="user",
            owner=user,
            actor=user,
            checks=owner_checks(principal, limits),
        )
        result["saved"][str(i)] = scenario_id
        stored.append(scenario_id)
    return RedirectResponse(f"/scenarios/{stored[0]}", status_code=303)


__all__ = ["OptionsRequest", "parse_fixed", "router", "start_options"]
