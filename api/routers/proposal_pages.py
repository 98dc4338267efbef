"""Proposals from the browser: a form, a progress page with cancel, the result on its page.

- ``GET /proposals/new``: the form: the jeugdregio division the SWVs must nest in (today's 42,
  ``jeugdregio_41`` or any readable scenario with a ``jeugdregio``), limiting the run to chosen
  provinces or jeugdregio's, the number of SWVs per jeugdregio, size bounds, the travel margin;
- ``POST /proposals`` starts it (the checks of ``POST /api/proposals``) and goes to its page;
- ``GET /proposals/{job_id}``: progress per jeugdregio with an estimate of the time left
  (updated by ``/static/job.js`` and ``/static/proposal.js`` from ``GET /api/proposals/{job_id}``;
  :mod:`api.routers.job_flow`), a cancel button,
  and, once done, the result: a private scenario of its owner, opened on its page;
- ``POST /proposals/{job_id}/cancel``.

The job page and its cancel form are the shared ones of :mod:`api.routers.job_flow`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.compute.jobs import Job
from api.deps import JobRunner, ScenarioEvaluator, get_evaluator, get_jobs, get_limits, get_store
from api.pages.locale import get_locale
from api.pages.templating import render_page
from api.routers.job_flow import csrf
from api.routers.proposals import (
    MAX_TIME_LIMIT,
    PROPOSALS,
    ProposalRequest,
    start_proposal,
)
from api.routers.scenario_pages import slug
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.limits import Limits
from api.safety.security import nonce_scripts
from api.storage.store import ScenarioStore
from geo.errors import RegiokompasError

router = APIRouter(include_in_schema=False)

DEFAULT_BASE = "jeugdregio_41"
PROVINCES = "provincie"


def _bases(evaluator: ScenarioEvaluator, store: ScenarioStore, principal: Principal) -> list:
    """Readable scenarios with a jeugdregio division: (id, title), jeugdregio_41 first."""
    out = []
    for s in store.list():
        if not principal.can_read(s) or s.id == "huidig":
            continue
        try:
            changes_jeugdregio = any(
                isinstance(e, dict) and e.get("division") == "jeugdregio"
                for chain in evaluator.chain(s.id)
                for e in chain.document.get("edits") or []
            )
        except (RegiokompasError, KeyError):
            continue
        if changes_jeugdregio:
            out.append((s.id, str(s.document.get("title") or s.id)))
    return sorted(out, key=lambda b: (b[0] != DEFAULT_BASE, b[1].lower()))


@router.get("/proposals/new", response_class=HTMLResponse)
def proposal_form(
    request: Request,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> HTMLResponse:
    """The proposal form (signed-in users; others are asked to sign in)."""
    dataset = evaluator.dataset
    provinces = []
    if PROVINCES in dataset.divisions:
        names = dataset.division(PROVINCES).region_names or {}
        provinces = sorted(names.items(), key=lambda p: p[1])
    page = render_page(
        request,
        "proposal_new.html",
        signed_in=principal.is_user,
        csrf=csrf(principal),
        bases=_bases(evaluator, store, principal) if principal.is_user else [],
        chosen_base=request.query_params.get("base", DEFAULT_BASE),
        provinces=provinces,
        max_time=MAX_TIME_LIMIT,
    )
    return HTMLResponse(nonce_scripts(page))


def _number(value: str, field: str, *, integer: bool = False) -> float | int | None:
    text = value.strip().replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise HTTPException(422, f"{field}: {value!r} is not a number") from None
    if integer:
        if number != int(number):
            raise HTTPException(422, f"{field}: {value!r} is not a whole number")
        return int(number)
    return number


@router.post("/proposals")
def start_from_form(
    request: Request,
    title: Annotated[str, Form(min_length=1, max_length=200)],
    base: Annotated[str, Form(max_length=64)] = "",
    provinces: Annotated[list[str] | None, Form()] = None,
    regions: Annotated[str, Form(max_length=500)] = "",
    target_per_jeugdregio: Annotated[str, Form(max_length=20)] = "",
    min_pupils: Annotated[str, Form(max_length=20)] = "",
    max_pupils: Annotated[str, Form(max_length=20)] = "",
    max_extra_km: Annotated[str, Form(max_length=20)] = "",
    time_limit: Annotated[str, Form(max_length=20)] = "",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    jobs: JobRunner = Depends(get_jobs),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
) -> Response:
    """Start the proposal of the form (the checks and answers of ``POST /api/proposals``)."""
    settings = {
        "target_per_jeugdregio": _number(
            target_per_jeugdregio, "target_per_jeugdregio", integer=True
        ),
        "min_pupils": _number(min_pupils, "min_pupils"),
        "max_pupils": _number(max_pupils, "max_pupils"),
        "max_extra_km": _number(max_extra_km, "max_extra_km"),
        "time_limit": _number(time_limit, "time_limit"),
    }
    try:
        body = ProposalRequest(
            name=slug(title) or "voorstel",
            title=title.strip(),
            base=base or None,
            provinces=[p for p in provinces or [] if p] or None,
            regions=[r for r in regions.replace(",", " ").split() if r] or None,
            **{k: v for k, v in settings.items() if v is not None},
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise HTTPException(
            422, f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        ) from None
    locale = get_locale(request)  # the stored description is written in the starter's language
    created = start_proposal(body, evaluator, store, jobs, limits, principal, locale)
    return RedirectResponse(f"/proposals/{created.job_id}", status_code=303)


def _page(request: Request, job: Job) -> dict[str, Any]:
    """What the proposal's page shows beside the progress: the stored scenario, when done."""
    result = job.result if isinstance(job.result, dict) else {}
    return {"scenario_id": result.get("scenario_id")}


PROPOSALS.add_page_routes(router, "proposal_job.html", _page)
