"""Publishing and read-only share links of a scenario (its owner or an admin decides).

- ``PUT /api/scenarios/{id}/visibility`` ``{"visibility": "published"}`` shows a scenario to
  everyone (``private``: owner and admins only; new scenarios start private);
- ``POST /api/scenarios/{id}/shares`` makes a share link: an unguessable token in the URL
  ``/share/<token>`` (shown once; only its hash is stored) that lets anyone holding it see that
  scenario, its maps, its compare views beside huidig and its exports, and nothing else;
  ``GET`` lists the links (never the tokens), ``DELETE .../shares/{share_id}`` revokes one;
- ``GET /share/<token>`` the page a share link opens: links to the maps, compare views and
  exports, each carrying ``?share=<token>``; a signed-in user who opens another owner's link
  finds it on the home page under "shared with me" (:mod:`api.storage.shared`).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import get_state
from api.models import ERROR_RESPONSES, SCENARIO_PATTERN, ScenarioSummary
from api.routers.scenario_pages import render
from api.routers.scenarios import summary
from api.safety.auth.credentials import Credential, matches, new_credential, parse_credential
from api.safety.auth.policy import enforce
from api.safety.auth.principal import SHARE_PARAM, Principal
from api.storage.store import ScenarioStore

router = APIRouter(tags=["sharing"], responses=ERROR_RESPONSES)

ScenarioPath = Annotated[str, Path(pattern=SCENARIO_PATTERN, description="scenario id")]
SHARE_WEIGHT = "inhabitants"


class VisibilityIn(BaseModel):
    """Who may read a scenario."""

    visibility: Literal["private", "published"]


class ShareIn(BaseModel):
    """A new share link."""

    label: str = Field("", max_length=200, description="what the link is for")


class ShareOut(BaseModel):
    """A share link (without its token)."""

    id: str
    scenario_id: str
    label: str
    created_at: str


class ShareCreated(ShareOut):
    """A new share link: the URL holds the token, shown this once."""

    url: str
    token: str


def _share_out(cred: Credential) -> ShareOut:
    return ShareOut(
        id=cred.id, scenario_id=cred.scenario_id or "", label=cred.label, created_at=cred.created_at
    )


def _store(request: Request) -> ScenarioStore:
    return request.app.state.regio.store


@router.put(
    "/api/scenarios/{scenario_id}/visibility",
    response_model=ScenarioSummary,
    summary="Publish or hide a scenario",
)
def set_visibility(
    scenario_id: ScenarioPath,
    body: VisibilityIn,
    request: Request,
    principal: Principal = Depends(enforce),
) -> ScenarioSummary:
    """``published``: everyone reads it; ``private``: its owner and admins only."""
    stored = _store(request).set_visibility(scenario_id, body.visibility, actor=principal.name)
    return summary(stored)


@router.post(
    "/api/scenarios/{scenario_id}/shares",
    response_model=ShareCreated,
    status_code=201,
    summary="Make a read-only share link",
)
def create_share(
    scenario_id: ScenarioPath,
    body: ShareIn,
    request: Request,
    principal: Principal = Depends(enforce),
) -> ShareCreated:
    """A link that shows this scenario (maps, compare views, exports) to whoever holds it,
    until revoked. The token is in ``url`` and shown only now."""
    cred, token = new_credential("share", scenario_id=scenario_id, label=body.label)
    _store(request).add_credential(cred, actor=principal.name)
    return ShareCreated(**_share_out(cred).model_dump(), url=f"/share/{token}", token=token)


@router.get(
    "/api/scenarios/{scenario_id}/shares",
    response_model=list[ShareOut],
    summary="Share links of a scenario",
)
def list_shares(scenario_id: ScenarioPath, request: Request) -> list[ShareOut]:
    """The scenario's share links (ids and labels; tokens are never shown again)."""
    creds = _store(request).list_credentials("share", scenario_id=scenario_id)
    return [_share_out(c) for c in creds]


@router.delete(
    "/api/scenarios/{scenario_id}/shares/{share_id}",
    response_model=ShareOut,
    summary="Revoke a share link",
)
def revoke_share(
    scenario_id: ScenarioPath,
    share_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="share link id")],
    request: Request,
    principal: Principal = Depends(enforce),
) -> ShareOut:
    """Revoke a share link of this scenario; the link answers 404 from now on."""
    store = _store(request)
    cred = store.get_credential("share", share_id)
    if cred is None or cred.scenario_id != scenario_id:
        raise HTTPException(404, f"share_id: unknown share link {share_id!r} of {scenario_id!r}")
    store.remove_credential("share", share_id, actor=principal.name)
    return _share_out(cred)


def with_share(url: str, token: str) -> str:
    """``url`` with ``share=<token>`` added to its query.

    >>> with_share("/maps/x?division=swv_po", "t.s")
    '/maps/x?division=swv_po&share=t.s'
    """
    return f"{url}{'&' if '?' in url else '?'}{urlencode({SHARE_PARAM: token})}"


@router.get("/share/{token}", response_class=HTMLResponse, summary="The page of a share link")
def share_page(
    token: Annotated[str, Path(max_length=100)],
    request: Request,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """The shared scenario's page, read-only: its verdict, maps, editor (try edits; save them
    as your own once signed in), report, compare with today, history and exports; every link
    keeps the token (404 when the link is revoked or mistyped)."""
    store = _store(request)
    parsed = parse_credential(token)
    cred = store.get_credential("share", parsed[0]) if parsed else None
    if parsed is None or cred is None or cred.expired() or not matches(cred, parsed[1]):
        raise HTTPException(404, "this share link is not valid (revoked or mistyped)")
    viewer = getattr(request.state, "principal", None)
    principal = Principal(viewer.user if viewer else None, "share", cred)
    # the page reads as the link (its scenario and that owner's bases), not as the caller the
    # policy saw
    evaluator = get_state(request).evaluator.restricted(principal.can_read_link)
    page = render(
        request, cred.scenario_id or "", evaluator, store, principal, share=token, version=version
    )
    user = principal.user.name if principal.user is not None else None
    if user is not None and store.get(cred.scenario_id or "").owner != user:
        store.remember_share(user, cred.id, token)  # "shared with me" (not one's own links)
    return page
