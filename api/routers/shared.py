"""The holder's side of a share link: the links shared with you, and keeping the edits tried
in the shared editor as a scenario of your own.

- ``GET /api/shared``: the share links the caller opened while signed in that still work
  ("shared with me" on the home page; :mod:`api.storage.shared`), most recent first;
  ``DELETE /api/shared/{share_id}`` (and the home page's form ``POST
  /shared/{share_id}/remove``) removes one from the caller's list (the link stays valid);

- ``POST /api/shared/save-as`` ``{"share": "<link token>", "name": ..., "description": ...,
  "base_revision": n, "edits": [...]}`` (a signed-in user; the browser sends the session's
  CSRF token): a new **private** scenario of the caller with the edits tried on the shared
  scenario. The token travels in the body, never in a URL.

Rules (every refusal stores nothing):

- the link must be valid (404 ``this share link is not valid`` when revoked or mistyped), the
  shared scenario still at ``base_revision`` (409, the edits stay in the page), ``name`` free
  (409), the edits valid on it (422 naming ``edits[i]``), and the caller within the limits
  and quota of any save;
- **base**: the shared scenario when the caller may read it as themselves (published, or their
  own), so the copy follows it like any save as. Otherwise the copy must not depend on what
  only the link shows: its base is the nearest scenario in the shared scenario's base chain
  that the caller may read (the library's ``jeugdregio_41``, ``huidig``, or none: today's
  divisions), and the edits of the links in between come along, oldest first, then the tried
  edits. The copy holds what the link already shows (the shared scenario's divisions, its own
  document); of the owner's private bases it copies their edits without their free-text
  notes, and nothing else (no titles, descriptions or other revisions).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from api.deps import ScenarioEvaluator, get_evaluator, get_limits, get_state, get_store
from api.editor.models import SaveAsIn, SavedOut, edit_documents
from api.editor.parts import check_edits_api_safe
from api.models import ERROR_RESPONSES, ErrorOut
from api.pages.locale import get_locale
from api.records import ScenarioNotFound, StoredScenario
from api.routers.editor import save_edits
from api.safety.auth.credentials import Credential, matches, parse_credential
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.limits import Limits
from api.storage.shared import SharedEntry
from api.storage.store import ScenarioStore
from geo.errors import RegiokompasError
from geo.scenarios.descriptions import shared_edited_description
from maps.i18n import written_text

router = APIRouter(tags=["sharing"], responses=ERROR_RESPONSES)

ShareId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="share link id")]
INVALID_LINK = "share: this share link is not valid (revoked or mistyped); nothing was stored"


class SharedSaveAsIn(SaveAsIn):
    """Edits tried on a shared scenario, to keep as a new scenario of your own."""

    share: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description="the share link's token (the part after /share/)"
    )


def valid_share(store: ScenarioStore, token: str) -> Credential:
    """The share link of ``token``; 404 when it is revoked, expired or mistyped."""
    parsed = parse_credential(token)
    cred = store.get_credential("share", parsed[0]) if parsed else None
    if parsed is None or cred is None or cred.expired() or not matches(cred, parsed[1]):
        raise HTTPException(404, INVALID_LINK)
    return cred


def _readable(evaluator: ScenarioEvaluator, scenario: str) -> bool:
    """May the caller of ``evaluator`` read ``scenario`` and its whole base chain?"""
    try:
        evaluator.chain(scenario)
    except (ScenarioNotFound, RegiokompasError):
        return False
    return True


def _without_note(edit: Any) -> Any:
    return {k: v for k, v in edit.items() if k != "note"} if isinstance(edit, dict) else edit


def copy_base(
    chain: list[StoredScenario], readable: ScenarioEvaluator
) -> tuple[str | None, list[Any]]:
    """``(base, edits)`` of a copy of ``chain[0]`` (the shared scenario, then its bases nearest
    first) for the caller of ``readable`` (see the module rules): the nearest link the caller
    may read is the base; the edits of the links before it come along, oldest first (the bases'
    edits without their notes)."""
    depth = next((i for i, s in enumerate(chain) if _readable(readable, s.id)), len(chain))
    base = chain[depth].id if depth < len(chain) else None
    edits: list[Any] = []
    for index in range(depth - 1, -1, -1):
        own = chain[index].document.get("edits") or []
        edits += list(own) if index == 0 else [_without_note(e) for e in own]
    return base, edits


@router.post(
    "/api/shared/save-as",
    response_model=SavedOut,
    status_code=201,
    summary="Keep edits tried on a shared scenario as a new scenario of your own",
    responses={
        409: {"model": ErrorOut, "description": "the shared scenario changed, or the name is taken"}
    },
)
def save_shared_as(
    body: SharedSaveAsIn,
    request: Request,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
    limits: Limits = Depends(get_limits),
) -> SavedOut:
    """A new private scenario of the caller: the shared scenario (or, when the caller may not
    read it as themselves, what the link shows of it) plus ``edits`` (module rules)."""
    cred = valid_share(store, body.share)
    scenario = cred.scenario_id or ""
    edits = edit_documents(body.edits)
    check_edits_api_safe(edits)
    link = Principal(None, "share", cred)
    through_link = get_state(request).evaluator.restricted(link.can_read_link)
    try:
        chain = through_link.chain(scenario)
    except ScenarioNotFound:
        raise HTTPException(404, INVALID_LINK) from None
    if body.base_revision != chain[0].revision:
        raise HTTPException(
            409,
            f"the shared scenario {scenario!r} was changed by its owner since you opened it "
            f"(your base revision {body.base_revision}, now {chain[0].revision}); nothing was "
            "stored and your edits are kept in the page: reload the link to start again",
        )
    base, earlier = copy_base(chain, evaluator)
    title = str(chain[0].document.get("title") or scenario)
    document: dict[str, Any] = {
        "name": body.name,
        "description": body.description
        or written_text(shared_edited_description(title, len(edits)), get_locale(request)),
        "principles": sorted(set(body.principles)),
        "edits": [*earlier, *edits],
    }
    if base is not None:
        document["base"] = base
    return save_edits(
        store, evaluator, body.name, document, replace=False, expected_revision=None,
        division=str(edits[0].get("division", "swv_po")), principal=principal, limits=limits,
    )  # fmt: skip


class SharedOut(BaseModel):
    """A share link in the caller's "shared with me" list."""

    share_id: str
    url: str = Field(description="the link's page, /share/<token>")
    scenario_id: str
    title: str
    label: str = Field(description="what the owner wrote the link is for")
    opened_at: str


def shared_list(store: ScenarioStore, user: str) -> list[SharedOut]:
    """``user``'s list, with the title of each shared scenario."""
    out: list[SharedOut] = []
    for entry in store.shared_with(user):
        try:
            title = str(store.get(entry.scenario_id).document.get("title") or entry.scenario_id)
        except (ScenarioNotFound, RegiokompasError):
            continue
        out.append(_shared_out(entry, title))
    return out


def _shared_out(entry: SharedEntry, title: str) -> SharedOut:
    return SharedOut(
        share_id=entry.share_id, url=entry.url, scenario_id=entry.scenario_id, title=title,
        label=entry.label, opened_at=entry.opened_at,
    )  # fmt: skip


def _user(principal: Principal) -> str:
    if principal.user is None:  # the policy lets only users in (401)
        raise HTTPException(401, "sign in to see the scenarios shared with you")
    return principal.user.name


@router.get("/api/shared", response_model=list[SharedOut], summary="Share links shared with me")
def list_shared(
    store: ScenarioStore = Depends(get_store), principal: Principal = Depends(enforce)
) -> list[SharedOut]:
    """The share links you opened while signed in that still work, most recent first."""
    return shared_list(store, _user(principal))


def _forget(store: ScenarioStore, user: str, share_id: str) -> None:
    if not store.forget_share(user, share_id):
        raise HTTPException(404, f"share_id: {share_id!r} is not in your list; nothing changed")


@router.delete("/api/shared/{share_id}", status_code=204, summary="Remove a link from my list")
def forget_shared(
    share_id: ShareId,
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> None:
    """Remove one link from your "shared with me" list (the link itself stays valid)."""
    _forget(store, _user(principal), share_id)


@router.post("/shared/{share_id}/remove", include_in_schema=False)
def forget_shared_form(
    share_id: ShareId,
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> RedirectResponse:
    """The home page's form: remove one link from the list, back to the list (303)."""
    _forget(store, _user(principal), share_id)
    return RedirectResponse("/#group-shared", status_code=303)
