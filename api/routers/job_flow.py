"""What the routes of background jobs share (proposals, options): one flow, two kinds of job.

A job kind (:class:`JobRoutes`) names its :attr:`~api.compute.jobs.Job.kind`, its JSON URL and
its page URL; the routers of proposals (:mod:`api.routers.proposals`,
:mod:`api.routers.proposal_pages`) and of options (:mod:`api.routers.options`) use:

- :data:`JobPath`: the job id in a path (16 hex digits);
- :meth:`JobRoutes.find`: the job of an id, or a 404. An unknown id says
  :func:`~api.safety.auth.policy.unknown_job` (the policy says the same words for another user's
  job, so an answer never reveals that one exists); an id of the caller's job of the other
  kind says it is not one of this kind;
- :meth:`JobRoutes.submit`: the slots (per user, per app; ``REGIOKOMPAS_PROPOSAL_SLOTS_PER_USER``
  and ``REGIOKOMPAS_PROPOSAL_SLOTS``, counted per kind) checked and the job queued in one step,
  or a 429 saying what to wait for;
- :meth:`JobRoutes.page`: the job's page (its template, the progress, the session's CSRF token
  for the cancel form; ``Cache-Control: no-store``), kept current in the browser by
  ``/static/job.js`` and the page's own render step (the template's job box is the macro of
  ``templates/job_progress.html``);
- :meth:`JobRoutes.cancel`: the caller's job asked to stop;
- :meth:`JobRoutes.add_page_routes`: ``GET {page_url}/{job_id}`` (the page) and
  ``POST {page_url}/{job_id}/cancel`` (cancel, then back to the page: 303) on a router.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.compute.jobs import Job, JobRunner
from api.deps import get_jobs
from api.pages.templating import render_page
from api.safety.auth.policy import JOB_NAMES, enforce, unknown_job
from api.safety.auth.principal import Principal
from api.safety.limits import ENV, Limits
from api.safety.security import nonce_scripts

JobPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="job id")]
"""A job id in a route's path."""


def csrf(principal: Principal) -> str:
    """The CSRF token of the caller's session ("" without a session): the forms' hidden field."""
    session = principal.credential if principal.via == "session" else None
    return (session.csrf or "") if session else ""


@dataclass(frozen=True)
class JobRoutes:
    """The routes of one kind of background job (module docstring)."""

    kind: str
    """:attr:`api.compute.jobs.Job.kind` of these jobs."""
    plural: str
    """What answers call several of them (``proposals``, ``options jobs``)."""
    api: str
    """The JSON URL of the jobs (``/api/proposals``): ``{api}/{job_id}``."""
    page_url: str
    """The URL of their pages (``/proposals``): ``{page_url}/{job_id}``."""
    cancel_hint: str
    """How a waiting caller cancels one (the end of the 429)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    """Makes counting the active jobs and submitting one atomic."""

    @property
    def name(self) -> str:
        """What answers call one job (``proposal job``)."""
        return JOB_NAMES.get(self.kind, "job")

    def find(self, jobs: JobRunner, job_id: str) -> Job:
        """The job of this id, or a 404 naming the id (module docstring)."""
        try:
            job = jobs.get(job_id)
        except KeyError:
            raise HTTPException(404, unknown_job(self.kind, job_id)) from None
        if job.kind != self.kind:
            raise HTTPException(404, f"job_id: {job_id!r} is not a {self.name}")
        return job

    def submit(
        self,
        jobs: JobRunner,
        limits: Limits,
        principal: Principal,
        fn: Callable[..., Any],
        *args: Any,
    ) -> Job:
        """Queue ``fn(*args)`` as the caller's job when a slot is free, else a 429 naming the
        limit and what to wait for."""
        owner = principal.name
        with self._lock:
            mine = jobs.active(self.kind, owner)
            if len(mine) >= limits.proposal_slots_per_user:
                raise HTTPException(
                    429,
                    f"you have {len(mine)} {self.plural} queued or running, the limit per user "
                    f"is {limits.proposal_slots_per_user} ({ENV['proposal_slots_per_user']}); "
                    f"wait for {self.api}/{mine[0].id} or {self.cancel_hint}",
                )
            active = jobs.active(self.kind)
            if len(active) >= limits.proposal_slots:
                raise HTTPException(
                    429,
                    f"{len(active)} {self.plural} are queued or running, the limit is "
                    f"{limits.proposal_slots} ({ENV['proposal_slots']}); try again when one "
                    "has finished",
                )
            return jobs.submit(self.kind, fn, *args, owner=owner)

    def page(
        self,
        request: Request,
        template: str,
        job: Job,
        principal: Principal,
        **context: Any,
    ) -> HTMLResponse:
        """The job's page: ``template`` with the job, its progress, the CSRF token and
        ``context`` (never cached: it changes while the job runs)."""
        html = render_page(
            request,
            template,
            job=job,
            progress=dict(job.progress),
            csrf=csrf(principal),
            job_api=f"{self.api}/{job.id}",
            job_page=f"{self.page_url}/{job.id}",
            **context,
        )
        return HTMLResponse(nonce_scripts(html), headers={"Cache-Control": "no-store"})

    def cancel(self, jobs: JobRunner, job_id: str, principal: Principal) -> Job:
        """Ask the caller's job to stop (:meth:`api.compute.jobs.JobRunner.cancel`: a queued
        one never starts, a running one stops at its next stopping point, a finished one is
        left as it is); 403 for someone else's (the policy has answered 404 before)."""
        job = self.find(jobs, job_id)
        if job.owner is not None and job.owner != principal.name and not principal.is_admin:
            raise HTTPException(403, f"job_id: {self.name} {job_id!r} was started by someone else")
        return jobs.cancel(job_id)

    def add_page_routes(
        self,
        router: APIRouter,
        template: str,
        context: Callable[[Request, Job], dict[str, Any]],
    ) -> None:
        """Add the job's page (``template`` with ``context(request, job)``) and its cancel form
        to ``router`` (module docstring)."""
        name = self.name

        @router.get(
            f"{self.page_url}/{{job_id}}", response_class=HTMLResponse, include_in_schema=False
        )
        def job_page(
            request: Request,
            job_id: JobPath,
            jobs: JobRunner = Depends(get_jobs),
            principal: Principal = Depends(enforce),
        ) -> HTMLResponse:
            job = self.find(jobs, job_id)
            return self.page(request, template, job, principal, **context(request, job))

        @router.post(f"{self.page_url}/{{job_id}}/cancel", include_in_schema=False)
        def cancel_from_form(
            job_id: JobPath,
            jobs: JobRunner = Depends(get_jobs),
            principal: Principal = Depends(enforce),
        ) -> RedirectResponse:
            self.cancel(jobs, job_id, principal)
            return RedirectResponse(f"{self.page_url}/{job_id}", status_code=303)

        job_page.__doc__ = f"The page of one {name}: its progress, then its result."
        cancel_from_form.__doc__ = f"Cancel the {name}; back to its page."


__all__ = ["JobPath", "JobRoutes", "csrf"]
