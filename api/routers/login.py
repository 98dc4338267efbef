"""Signing in and out in the browser, who am I, and the audit log.

- ``GET /login`` the sign-in form; ``POST /login`` checks the Argon2 password hash and starts a
  session: cookie :data:`~api.safety.auth.principal.SESSION_COOKIE` (HttpOnly, SameSite=Lax, Secure
  when served over https), valid :func:`~api.safety.auth.principal.session_lifetime`. The form is
  protected against login CSRF by a double-submit cookie and the Origin/Referer check.
- ``GET /login/once?token=...`` spends a one-time login link (``regio serve`` prints one on the
  first start; ``regio users link NAME`` makes another) and starts a session.
- ``POST /logout`` ends the session (needs the session's CSRF token, like every form post).
- ``GET /api/me`` the caller; ``GET /api/audit`` the newest audit entries (admins).
"""

from __future__ import annotations

import functools
import os
import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.models import ERROR_RESPONSES
from api.pages.locale import get_locale
from api.pages.templating import render_page
from api.safety.auth.accounts import AccountStore
from api.safety.auth.credentials import matches, new_credential, parse_credential
from api.safety.auth.passwords import hash_password, verify_password
from api.safety.auth.policy import enforce
from api.safety.auth.principal import (
    SESSION_COOKIE,
    CsrfRefused,
    Principal,
    check_csrf,
    check_origin,
    session_lifetime,
    session_of,
)
from api.safety.auth.throttle import LoginThrottle
from api.safety.limits import LimitExceeded
from api.safety.windows import address_key
from maps.i18n import N_, gettext

router = APIRouter(tags=["account"])

LOGIN_COOKIE = "regio_login"
"""Double-submit cookie of the sign-in form (login CSRF)."""


@functools.cache
def _dummy_hash() -> str:
    """Checked for unknown users so that a wrong name costs as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def secure_cookies(request: Request) -> bool:
    """Cookies get ``Secure`` when the request came over https (also behind a proxy that
    sets ``X-Forwarded-Proto``, with ``--proxy-headers``) or ``REGIOKOMPAS_SECURE_COOKIES=1``."""
    return request.url.scheme == "https" or os.environ.get("REGIOKOMPAS_SECURE_COOKIES") == "1"


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site).

    >>> safe_next("/maps/huidig?division=swv_po"), safe_next("//evil.example"), safe_next(None)
    ('/maps/huidig?division=swv_po', '/', '/')
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def start_session(request: Request, store: AccountStore, user: str, target: str) -> Response:
    """A new session for ``user`` (an old cookie's session ends) and a redirect to ``target``."""
    old = session_of(request, store)
    if old is not None:
        store.remove_credential("session", old[0].id, actor=user)
    cred, text = new_credential("session", user=user, lifetime=session_lifetime())
    store.add_credential(cred, actor=user)
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        text,
        max_age=int(session_lifetime().total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def login_page(
    request: Request, *, error: str = "", name: str = "", target: str = "/", status: int = 200
) -> HTMLResponse:
    """The sign-in form with a fresh double-submit token."""
    token = secrets.token_urlsafe(32)
    found = session_of(request, request.app.state.regio.store)
    page = render_page(
        request,
        "login.html",
        error=gettext(get_locale(request))(error) if error else "",
        name=name,
        next=safe_next(target),
        csrf_token=token,
        user=found[1].name if found else None,
    )
    response = HTMLResponse(page, status_code=status)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse, summary="Sign-in page")
def login_form(
    request: Request, next: Annotated[str, Query(max_length=2000)] = "/"
) -> HTMLResponse:
    """The sign-in form (user name and password)."""
    return login_page(request, target=next)


@router.post("/login", response_class=HTMLResponse, summary="Sign in (form post)")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password; on success start a session and go to ``next`` (303)."""
    try:
        check_origin(request)
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(expected, csrf_token):
            raise CsrfRefused(N_("the sign-in form is stale"))
    except CsrfRefused as exc:
        return login_page(request, error=str(exc.detail), name=name, target=next, status=403)
    store: AccountStore = request.app.state.regio.store
    throttle: LoginThrottle = request.app.state.regio.login_throttle
    host = request.client.host if request.client else None
    try:
        throttle.check(name, host)  # before the password is looked at
        with throttle.hashing():
            throttle.check(name, host)  # again: failures counted while this one waited
            user = store.get_user(name)
            ok = verify_password(password, user.password_hash if user else _dummy_hash())
    except LimitExceeded as exc:
        action = "login.throttled" if exc.status == 429 else "login.busy"
        write = request.app.state.regio.refusals.refused(
            "anonymous", action, name, client=f"addr:{address_key(host)}", setting=exc.setting
        )
        if write is not None:
            write()  # the account name tried and the address; never the password
        page = login_page(request, error=str(exc), name=name, target=next, status=exc.status)
        wait = exc.retry_after or 60
        page.headers["Retry-After"] = str(wait) if exc.status == 429 else "5"
        return page
    if user is None or not ok:
        throttle.failed(name, host)
        store.audit("anonymous", "login.failed", name, detail=f"address={address_key(host)}")
        return login_page(
            request, error=N_("wrong user name or password"), name=name, target=next, status=401
        )
    return start_session(request, store, user.name, next)


@router.get("/login/once", response_class=HTMLResponse, summary="Spend a one-time login link")
def login_once(request: Request, token: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Sign in with a one-time link (printed by ``regio serve`` on the first start)."""
    store: AccountStore = request.app.state.regio.store
    parsed = parse_credential(token)
    cred = store.get_credential("login", parsed[0]) if parsed else None
    if parsed is None or cred is None or cred.expired() or not matches(cred, parsed[1]):
        return login_page(
            request,
            error=N_("this login link is not valid (used, expired or mistyped)"),
            status=404,
        )
    if not store.remove_credential("login", cred.id, actor=cred.user or "system"):
        return login_page(request, error=N_("this login link was used already"), status=404)
    return start_session(request, store, cred.user or "", "/")


@router.post("/logout", summary="Sign out (form post with the CSRF token)")
async def logout(request: Request) -> Response:
    """End the session on the server and forget the cookie; back to ``/`` (303).

    With a valid session the post must carry its CSRF token and come from this site (else 403
    and nothing changes: another site can neither end the session nor clear the cookie). A
    cookie of no valid session is simply forgotten."""
    store: AccountStore = request.app.state.regio.store
    found = session_of(request, store)
    if found is not None:
        cred, user = found
        await check_csrf(request, cred)  # CsrfRefused: 403, the session stays as it was
        await run_in_threadpool(store.remove_credential, "session", cred.id, actor=user.name)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


class MeOut(BaseModel):
    """The caller as the server sees them."""

    user: str | None
    role: Literal["admin", "planner"] | None
    via: Literal["token", "session", "share", "anonymous"]
    csrf_token: str | None
    """The session's CSRF token (send it as ``X-CSRF-Token`` with unsafe requests)."""


@router.get("/api/me", response_model=MeOut, summary="Who am I", responses=ERROR_RESPONSES)
def me(principal: Principal = Depends(enforce)) -> MeOut:
    """The signed-in user (or ``null``), how they are signed in, and the CSRF token of a
    browser session."""
    session = principal.credential if principal.via == "session" else None
    return MeOut(
        user=principal.user.name if principal.user else None,
        role=principal.user.role if principal.user else None,  # type: ignore[arg-type]
        via=principal.via,  # type: ignore[arg-type]
        csrf_token=session.csrf if session else None,
    )


class AuditOut(BaseModel):
    """One audit log entry."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    revision: int | None
    detail: str


@router.get(
    "/api/audit", response_model=list[AuditOut], summary="Audit log", responses=ERROR_RESPONSES
)
def audit(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    principal: Principal = Depends(enforce),
) -> list[AuditOut]:
    """The newest ``limit`` writes: who, when, what, which revision (admins only)."""
    del principal  # the policy admits admins only
    entries = request.app.state.regio.store.audit_log(limit)
    return [AuditOut(**vars(e)) for e in entries]
