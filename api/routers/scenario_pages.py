"""``/scenarios/{id}``: the page of one scenario, and the forms that act on it.

- ``GET /scenarios/{id}`` the hub (:mod:`api.pages.scenario_view`): title, description, base, owner,
  visibility, revision, the verdict with a plain explanation per check, maps, editor, report,
  compare with today, exports, the history; ``?version=n`` shows the scenario as it was at
  version ``n`` (its verdict and maps); ``?from=1&to=3`` adds the difference between two
  versions (gemeenten whose region changed, pupils concerned);
- forms (``POST``, the session's CSRF token in the ``csrf_token`` field, answered with a
  redirect back to the page, 303): ``/scenarios/new`` (a new scenario on a chosen base),
  ``/scenarios/{id}/about`` (title and description), ``/visibility`` (publish or hide),
  ``/shares`` (a new share link, shown once on the page it answers with),
  ``/shares/{share_id}/revoke``, ``/delete`` (with a confirmation; refused with the reason
  while another scenario builds on it).

Who may do what is :data:`api.safety.auth.policy.POLICY` (checked before the route runs): a refused
form changes nothing. The same changes are in the JSON API for scripts.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.compute.placement import placement_page
from api.deps import ScenarioEvaluator, get_evaluator, get_limits, get_store
from api.models import SCENARIO_PATTERN
from api.pages.locale import get_locale
from api.pages.scenario_view import scenario_view
from api.pages.templating import render_page
from api.routers.revisions import difference
from api.routers.scenarios import check_document, save
from api.safety.auth.credentials import new_credential
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.limits import Limits
from api.safety.security import nonce_scripts
from api.storage.store import ScenarioInUse, ScenarioStore, StoredScenario
from geo.errors import RegiokompasError
from geo.scenarios.descriptions import new_description
from maps.i18n import written_text

router = APIRouter(include_in_schema=False)

ScenarioPath = Annotated[str, Path(pattern=SCENARIO_PATTERN, description="scenario id")]
VersionQuery = Annotated[int | None, Query(ge=1)]


def slug(text: str) -> str:
    """A scenario id made from a title: lower case, ASCII, words joined by '-'.

    >>> slug("Limburg: 41 regio's (concept)")
    'limburg-41-regios-concept'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")
    return words[:64].strip("-")


def render(
    request: Request,
    stored_id: str,
    evaluator: ScenarioEvaluator,
    store: ScenarioStore,
    principal: Principal,
    *,
    version: int | None = None,
    share: str | None = None,
    from_version: int | None = None,
    to_version: int | None = None,
    new_share_url: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The scenario page (see the module rules)."""
    view = scenario_view(
        store.get(stored_id), evaluator, store, principal, version=version, share=share
    )
    if from_version is not None:
        to = to_version or view.current_version
        top = view.current_version
        if from_version > top or to > top:
            raise HTTPException(404, f"scenario {stored_id!r} has versions 1 to {top}")
        try:
            view.diff = {
                "from": from_version,
                "to": to,
                "divisions": [d.model_dump() for d in difference(
                    evaluator, stored_id, from_version, to
                )],
            }  # fmt: skip
        except (RegiokompasError, KeyError) as exc:
            view.diff = {"from": from_version, "to": to, "error": str(exc), "divisions": []}
    space = None
    if view.verdict is not None:
        space = placement_page(evaluator, view.stored.id, get_locale(request), version=version)
    page = render_page(
        request,
        "scenario.html",
        view=view,
        space=space,
        new_share_url=new_share_url,
        base_url=str(request.base_url).rstrip("/"),
    )
    return HTMLResponse(
        nonce_scripts(page), status_code=status_code, headers={"Cache-Control": "no-store"}
    )


def back(scenario_id: str, anchor: str = "") -> RedirectResponse:
    """The redirect a form answers with: back to the scenario page (303)."""
    return RedirectResponse(f"/scenarios/{scenario_id}{anchor}", status_code=303)


@router.get("/scenarios/{scenario_id}", response_class=HTMLResponse)
def scenario_page(
    request: Request,
    scenario_id: ScenarioPath,
    version: VersionQuery = None,
    from_version: Annotated[int | None, Query(alias="from", ge=1)] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1)] = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> HTMLResponse:
    """The page of one scenario (module rules)."""
    return render(
        request, scenario_id, evaluator, store, principal,
        version=version, from_version=from_version, to_version=to_version,
    )  # fmt: skip


@router.post("/scenarios/new")
def new_scenario(
    base: Annotated[str, Form(pattern=SCENARIO_PATTERN)],
    title: Annotated[str, Form(min_length=1, max_length=200)],
    name: Annotated[str, Form(max_length=64)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
    locale: str = Depends(get_locale),
) -> Response:
    """A new, empty scenario of the caller on ``base`` (its page opens). The id is ``name``,
    else made from the title; a taken id is a 409 naming it."""
    scenario_id = name.strip() or slug(title)
    if not re.fullmatch(SCENARIO_PATTERN, scenario_id):
        raise HTTPException(
            422, f"name: {scenario_id!r} is not a usable id (lower-case letters, digits, - and _)"
        )
    document = {
        "name": scenario_id,
        "title": title.strip(),
        "description": description.strip() or written_text(new_description(base), locale),
        "principles": [],
        "base": base,
        "edits": [],
    }
    check_document(document, evaluator, source=f"new scenario {scenario_id!r}", limits=limits)
    save(store, principal, scenario_id, document, source="user", replace=False, limits=limits)
    return back(scenario_id)


@router.post("/scenarios/{scenario_id}/about")
def change_about(
    scenario_id: ScenarioPath,
    title: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> Response:
    """A new title and description: a new version with the same edits."""
    stored = store.get(scenario_id)
    document = dict(stored.document)
    if title.strip():
        document["title"] = title.strip()
    else:
        document.pop("title", None)
    if description.strip():
        document["description"] = description.strip()
    if document != stored.document:
        store.save(
            scenario_id, document, source=stored.source, replace=True, actor=principal.name,
            expected_revision=stored.revision,
        )  # fmt: skip
    return back(scenario_id)


@router.post("/scenarios/{scenario_id}/visibility")
def change_visibility(
    scenario_id: ScenarioPath,
    visibility: Annotated[str, Form(pattern="^(private|published)$")],
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> Response:
    """Publish (everyone reads it) or make private (owner and admins)."""
    store.set_visibility(scenario_id, visibility, actor=principal.name)
    return back(scenario_id, "#acties")


@router.post("/scenarios/{scenario_id}/shares", response_class=HTMLResponse)
def create_share(
    request: Request,
    scenario_id: ScenarioPath,
    label: Annotated[str, Form(max_length=200)] = "",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> HTMLResponse:
    """A new read-only share link; the page shows its address this once (only its hash is
    stored)."""
    cred, token = new_credential("share", scenario_id=scenario_id, label=label.strip())
    store.add_credential(cred, actor=principal.name)
    return render(
        request, scenario_id, evaluator, store, principal, new_share_url=f"/share/{token}"
    )


@router.post("/scenarios/{scenario_id}/shares/{share_id}/revoke")
def revoke_share(
    scenario_id: ScenarioPath,
    share_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")],
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> Response:
    """Revoke one share link of this scenario (it answers 404 from now on)."""
    cred = store.get_credential("share", share_id)
    if cred is None or cred.scenario_id != scenario_id:
        raise HTTPException(404, f"share_id: unknown share link {share_id!r} of {scenario_id!r}")
    store.remove_credential("share", share_id, actor=principal.name)
    return back(scenario_id, "#delen")


@router.post("/scenarios/{scenario_id}/delete")
def delete_scenario(
    scenario_id: ScenarioPath,
    confirm: Annotated[str, Form(max_length=100)] = "",
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> Response:
    """Delete the scenario after the confirmation (its id typed again); refused (409, naming
    them) while other scenarios build on it. Back to the home page."""
    if confirm.strip() != scenario_id:
        raise HTTPException(
            422, f"confirm: type the id {scenario_id!r} to confirm; nothing was deleted"
        )

    def blocks(owner: str | None, visibility: str) -> bool:  # as DELETE /api/scenarios/{id}
        dependant = StoredScenario("", {}, 0, 0, "user", "", "", "", owner, visibility)
        return principal.can_change(dependant)

    try:
        store.delete(scenario_id, actor=principal.name, blocks=blocks)
    except ScenarioInUse as exc:
        raise HTTPException(409, str(exc)) from None
    return RedirectResponse("/", status_code=303)
