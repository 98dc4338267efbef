"""``/api/proposals``: run ``regio propose`` as a background job; the result is a stored scenario.

Rule: ``POST /api/proposals`` checks the request (scenario id free or ``replace``, base scenario
known) and answers ``202`` with a job id at once; the job solves the proposal
(:func:`geo.proposals.propose.propose`) and stores its scenario document under ``name``
(validated like any ``POST /api/scenarios``). ``GET /api/proposals/{job_id}`` reports
``queued``/``running``/``done``/``failed``, the stored scenario, the full report and links to
its map (changed gemeenten outlined) and to the compare view beside ``huidig`` (the proposal's
``swv`` beside today's ``swv_po`` and ``swv_vo``). An infeasible bound fails the job with a
message naming the jeugdregio and the bound; nothing is stored then.

Example: ``POST /api/proposals {"name": "voorstel-a", "max_extra_km": 2}`` ->
``{"job_id": "3f2a...", "status": "queued", "url": "/api/proposals/3f2a..."}``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from api.compute.jobs import check_cancelled
from api.compute.proposal_scope import progress_reporter, resolve_regions
from api.deps import JobRunner, ScenarioEvaluator, get_evaluator, get_jobs, get_limits, get_store
from api.models import ERROR_RESPONSES, SCENARIO_PATTERN, ErrorOut
from api.pages.locale import get_locale
from api.routers.home import BASELINE, compare_links, map_url
from api.routers.job_flow import JobPath, JobRoutes
from api.routers.scenarios import check_document, owner_checks, scenario_url
from api.safety.auth.policy import check_replace, enforce
from api.safety.auth.principal import Principal
from api.safety.flags import StrictFlag
from api.safety.limits import Limits
from api.storage.store import ScenarioNotFound, ScenarioStore, taken
from geo.errors import RegiokompasError
from geo.proposals.propose import (
    DEFAULT_MAX_EXTRA_KM,
    DEFAULT_MAX_EXTRA_MEAN_KM,
    DEFAULT_TIME_LIMIT,
    ProposalSettings,
    propose,
)
from geo.proposals.regional import regional_document, regional_message
from maps.i18n import written_text

router = APIRouter(prefix="/api/proposals", tags=["proposals"], responses=ERROR_RESPONSES)

MAX_TIME_LIMIT = 60.0
"""Largest solver time per jeugdregio accepted over the API (seconds)."""

JOB_KIND = "proposal"
PROPOSALS = JobRoutes(
    JOB_KIND,
    plural="proposals",
    api="/api/proposals",
    page_url="/proposals",
    cancel_hint="cancel it with DELETE",
)
"""The job routes of proposals (:mod:`api.routers.job_flow`)."""

LINK_WEIGHT = "pupils"
"""Weight of the map and compare links of a finished proposal (it is about pupils)."""

MAX_ACTIVE_JOBS = Limits().proposal_slots
"""Default proposal jobs queued or running at once per app (``REGIOKOMPAS_PROPOSAL_SLOTS``)."""


class ProposalRequest(BaseModel):
    """The planner's settings for one proposal (all optional except the scenario name)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        "voorstel-swv",
        pattern=SCENARIO_PATTERN,
        description="id of the scenario the proposal is stored as",
    )
    title: str | None = Field(None, max_length=200, description="readable title of the result")
    base: str | None = Field(
        None,
        pattern=SCENARIO_PATTERN,
        description="stored scenario whose 'jeugdregio' the SWVs must nest in (e.g. "
        "jeugdregio_41); default: today's 42 jeugdregio's",
    )
    min_pupils: float | None = Field(None, ge=0, description="minimum PO+VO pupils per SWV")
    max_pupils: float | None = Field(None, gt=0, description="maximum PO+VO pupils per SWV")
    target: int | None = Field(None, ge=1, description="national number of SWVs")
    target_per_jeugdregio: int | None = Field(None, ge=1, description="SWVs per jeugdregio")
    time_limit: float = Field(
        DEFAULT_TIME_LIMIT, gt=0, le=MAX_TIME_LIMIT, description="solver seconds per jeugdregio"
    )
    max_extra_km: float = Field(
        DEFAULT_MAX_EXTRA_KM, ge=0, description="largest growth of a gemeente's distance (km)"
    )
    max_extra_mean_km: float = Field(
        DEFAULT_MAX_EXTRA_MEAN_KM,
        ge=0,
        description="largest growth of a jeugdregio's pupil-weighted mean distance (km)",
    )
    regions: list[str] | None = Field(
        None,
        max_length=50,
        description="solve only these jeugdregio's (codes of the base's jeugdregio, e.g. "
        "JZ42); the result then changes swv_po and swv_vo there only",
    )
    provinces: list[str] | None = Field(
        None,
        max_length=12,
        description="solve only the jeugdregio's of these provinces (code PV31 or name "
        "Limburg; a jeugdregio belongs to the province of most of its gemeenten)",
    )
    replace: StrictFlag = Field(
        False,
        description="replace a stored scenario of this name (JSON true or false); checked "
        "again, with who may replace it, when the result is stored",
    )


class ProposalJobCreated(BaseModel):
    """The accepted job."""

    job_id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    url: str = Field(description="GET this for the status and, when done, the result")


class ProposalJobCancelled(BaseModel):
    """The job after a cancel: ``cancelled`` at once when it was queued; ``running`` with
    ``cancel_requested`` until it reaches its next stopping point."""

    job_id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    cancel_requested: bool


class ProposalJobOut(BaseModel):
    """Status of a proposal job and, when done, the stored scenario and the report."""

    job_id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    created_at: str
    finished_at: str | None = None
    error: str | None = Field(None, description="why the job failed (names jeugdregio and bound)")
    scenario_id: str | None = None
    scenario_url: str | None = None
    report: dict[str, Any] | None = Field(
        None, description="the report of 'regio propose --json' (totals, travel, SWVs, gemeenten)"
    )
    map_url: str | None = Field(
        None, description="map of the proposal's swv, gemeenten whose SWV changes outlined"
    )
    compare_urls: dict[str, str] = Field(
        default_factory=dict,
        description="compare views beside huidig: 'swv vs swv_po' and 'swv vs swv_vo'",
    )
    progress: dict[str, Any] = Field(
        default_factory=dict,
        description="while it runs: 'total' and 'done' jeugdregio's, 'current', 'regions' "
        "(code, name, status, seconds) and 'eta_seconds' (mean time per jeugdregio so far times "
        "those left; before the first one ends: the time limit each)",
    )


CONFLICT = {
    409: {"model": ErrorOut, "description": "the name exists and replace was not asked"},
    429: {"model": ErrorOut, "description": f"{MAX_ACTIVE_JOBS} proposals are running already"},
}


def _status(jobs: JobRunner, job_id: str) -> str | None:
    try:
        return jobs.get(job_id).status
    except KeyError:  # dropped from the runner's memory
        return None


def _run(
    request: ProposalRequest,
    evaluator: ScenarioEvaluator,
    store: ScenarioStore,
    limits: Limits | None = None,
    principal: Principal | None = None,
    locale: str = "en",
) -> dict[str, Any]:
    """The job: solve, validate the scenario like any other, store it as ``principal``'s (who
    may replace and their quota checked in the store's transaction: a name taken meanwhile by
    someone else is never overwritten), return the result."""
    principal = principal or Principal()
    user = principal.name if principal.is_user else "system"
    dataset = evaluator.dataset
    if request.base is not None:
        dataset = dataclasses.replace(dataset, divisions=dict(evaluator.divisions(request.base)))
    settings = ProposalSettings(
        jeugdregio="jeugdregio",
        min_pupils=request.min_pupils,
        max_pupils=request.max_pupils,
        target=request.target,
        target_per_jeugdregio=request.target_per_jeugdregio,
        time_limit=request.time_limit,
        max_extra_km=request.max_extra_km,
        max_extra_mean_km=request.max_extra_mean_km,
        name=request.name,
        regions=resolve_regions(dataset, request.regions, request.provinces),
    )
    proposal = propose(  # the report lists what warnings say; a cancel stops between regions
        dataset,
        settings,
        warn=False,
        progress=progress_reporter(dataset, request.time_limit, settings.regions),
    )
    if proposal.scenario is None:  # only some jeugdregio's: swv_po and swv_vo change there
        document = regional_document(dataset, proposal, settings, base=request.base)
        description = regional_message(proposal, settings)
    else:
        document = dict(proposal.scenario)
        description = proposal.description
    if description is not None:  # written for who started it
        document["description"] = written_text(description, locale)
    if request.base is not None:
        document["base"] = request.base
    if request.title:
        document["title"] = request.title
    scenario_id = check_document(
        document, evaluator, source=f"proposal {request.name!r}", limits=limits
    )
    check_cancelled()  # a cancelled proposal is never stored
    try:
        store.save(
            scenario_id,
            document,
            source="user",
            replace=request.replace,
            owner=user,
            actor=user,
            checks=owner_checks(principal, limits or Limits()) if principal.is_user else None,
        )
    except HTTPException as exc:  # a job reports failures as errors with a message
        raise RegiokompasError(str(exc.detail)) from None
    return {"scenario_id": scenario_id, "report": proposal.report}


@router.post(
    "",
    response_model=ProposalJobCreated,
    status_code=202,
    summary="Start a proposal (background job)",
    responses=CONFLICT,
)
def start_proposal(
    request: ProposalRequest,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    jobs: JobRunner = Depends(get_jobs),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
    locale: str = Depends(get_locale),
) -> ProposalJobCreated:
    """Queue ``regio propose`` with these settings; poll the returned ``url``.

    429 when the caller already has ``REGIOKOMPAS_PROPOSAL_SLOTS_PER_USER`` proposals queued or
    running, or the app ``REGIOKOMPAS_PROPOSAL_SLOTS``; ``DELETE`` the job's url to cancel one.
    """
    try:
        existing = store.get(request.name)
    except ScenarioNotFound:
        pass
    else:  # the same answers as POST /api/scenarios (checked again when the job stores)
        if not request.replace:
            raise HTTPException(409, taken(request.name))
        check_replace(principal, existing.id, existing.owner, existing.visibility)
    if request.base is not None:
        try:
            evaluator.chain(request.base)
        except KeyError:
            raise HTTPException(422, f"base: unknown scenario {request.base!r}") from None
    if request.regions or request.provinces:  # named wrongly: 422 now, not a failed job
        divisions = evaluator.divisions(request.base) if request.base else None
        scope = dataclasses.replace(evaluator.dataset, divisions=dict(divisions or {}))
        resolve_regions(
            scope if divisions else evaluator.dataset, request.regions, request.provinces
        )
    if (
        request.min_pupils is not None
        and request.max_pupils is not None
        and request.min_pupils > request.max_pupils
    ):
        raise HTTPException(422, "min_pupils: above max_pupils")
    job = PROPOSALS.submit(
        jobs, limits, principal, _run, request, evaluator, store, limits, principal, locale
    )
    return ProposalJobCreated(job_id=job.id, status=job.status, url=f"/api/proposals/{job.id}")  # type: ignore[arg-type]


def result_links(evaluator: ScenarioEvaluator, scenario_id: str) -> tuple[str, dict[str, str]]:
    """The map URL of a stored proposal and its compare views beside the baseline (huidig).

    No compare links when the baseline is not stored or cannot be evaluated.
    """
    try:
        baseline = frozenset(evaluator.divisions(BASELINE))
    except (ScenarioNotFound, RegiokompasError, KeyError, ValueError):
        baseline = frozenset()
    links = compare_links(scenario_id, ["swv"], BASELINE, baseline, LINK_WEIGHT)
    return map_url(scenario_id, "swv", LINK_WEIGHT), links


@router.delete(
    "/{job_id}",
    response_model=ProposalJobCancelled,
    summary="Cancel a proposal",
    responses={403: {"model": ErrorOut, "description": "someone else's proposal"}},
)
def cancel_proposal(
    job_id: JobPath,
    jobs: JobRunner = Depends(get_jobs),
    principal: Principal = Depends(enforce),
) -> ProposalJobCancelled:
    """Cancel a queued or running proposal started by the caller: a queued one never starts, a
    running one stops before its next jeugdregio and stores nothing. A finished job is left as
    it is (its status is returned). 404 for an unknown id and for someone else's job (the
    policy shows a job only to who started it and admins)."""
    job = PROPOSALS.cancel(jobs, job_id, principal)
    return ProposalJobCancelled(
        job_id=job.id,
        status=job.status,  # type: ignore[arg-type]
        cancel_requested=job.cancel_requested.is_set(),
    )


@router.get("/{job_id}", response_model=ProposalJobOut, summary="Status and result of a proposal")
def get_proposal(
    job_id: JobPath,
    jobs: JobRunner = Depends(get_jobs),
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> ProposalJobOut:
    """The job's status; when ``done`` also the stored scenario, the report and the links to its
    map and to the compare view beside huidig."""
    job = PROPOSALS.find(jobs, job_id)
    result = job.result if isinstance(job.result, dict) else {}
    scenario_id = result.get("scenario_id")
    links = result_links(evaluator, scenario_id) if scenario_id else (None, {})
    return ProposalJobOut(
        job_id=job.id,
        status=job.status,  # type: ignore[arg-type]
        created_at=job.created_at,
        finished_at=job.finished_at,
        error=job.error,
        scenario_id=scenario_id,
        scenario_url=scenario_url(scenario_id) if scenario_id else None,
        report=result.get("report"),
        map_url=links[0],
        compare_urls=links[1],
        progress=dict(job.progress),
    )
