"""Who is asking: an API token, a browser session, a share link, or nobody; and CSRF.

Rules:

- ``Authorization: Bearer <token>``: the token's user. A malformed, unknown or revoked token is a
  401 (never silently anonymous); bearer requests need no CSRF token (a browser never adds the
  header by itself).
- Session cookie (:data:`SESSION_COOKIE`, HttpOnly, SameSite=Lax, Secure over https): the
  session's user until it expires (:data:`SESSION_LIFETIME`). A malformed, unknown or expired
  cookie is ignored (anonymous). An unsafe request (POST, PUT, PATCH, DELETE) authenticated by
  the cookie must carry the session's CSRF token (``X-CSRF-Token`` header or ``csrf_token``
  form field) *and* an ``Origin`` (or, without one, ``Referer``) of this very site; otherwise
  the cookie does not count (:class:`CsrfRefused` when the route needs a user).
- ``?share=<link token>`` on the routes the policy opens to share links: read-only access to
  that one scenario. A revoked or mistyped link is a 404.

>>> Principal().name, Principal().is_user
('anonymous', False)
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from api.records import StoredScenario
from api.safety.auth.accounts import AccountStore, User
from api.safety.auth.credentials import Credential, matches, parse_credential
from maps.i18n import N_

SESSION_COOKIE = "regio_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SHARE_PARAM = "share"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def session_lifetime() -> timedelta:
    """How long a browser session lasts: ``REGIOKOMPAS_SESSION_HOURS`` (default 8 hours)."""
    return timedelta(hours=float(os.environ.get("REGIOKOMPAS_SESSION_HOURS", "8")))


class CsrfRefused(HTTPException):
    """A cookie-authenticated unsafe request without a valid CSRF token or same-site origin."""

    def __init__(self, why: str) -> None:
        super().__init__(403, f"CSRF check failed: {why}; reload the page and try again")


@dataclass(frozen=True)
class Principal:
    """The identity a request acts as."""

    user: User | None = None
    via: str = "anonymous"
    """``token``, ``session``, ``share`` or ``anonymous``."""
    credential: Credential | None = None
    """The token, session or share link used."""

    @property
    def is_user(self) -> bool:
        return self.user is not None

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.is_admin

    @property
    def name(self) -> str:
        """The user name for the audit log (``anonymous`` or ``share:<id>`` otherwise)."""
        if self.user is not None:
            return self.user.name
        if self.via == "share" and self.credential is not None:
            return f"share:{self.credential.id}"
        return "anonymous"

    def can_read(self, stored: StoredScenario) -> bool:
        """Published scenarios for everyone; private ones for their owner, admins and a share
        link to exactly that scenario."""
        if stored.visibility == "published" or self.is_admin:
            return True
        if self.user is not None and stored.owner == self.user.name:
            return True
        return (
            self.via == "share"
            and self.credential is not None
            and self.credential.scenario_id == stored.id
        )

    def can_read_link(self, stored: StoredScenario, named_by: StoredScenario | None) -> bool:
        """May the caller read ``stored`` as a link of a base chain, ``named_by`` naming it as
        its ``base`` (None: ``stored`` is the scenario the request names)?

        A base is readable when the caller may read it, or when it has the same owner as the
        (readable) scenario built on it: an owner who publishes or shares a scenario shares
        its own bases with it, never another owner's. So a base its owner hid again stops the
        chain for everyone else (issue 16, F8).
        """
        if self.can_read(stored):
            return True
        return named_by is not None and stored.owner is not None and stored.owner == named_by.owner

    def can_change(self, stored: StoredScenario) -> bool:
        """Admins change everything; a planner only the scenarios they own (never the library
        or scenarios without an owner)."""
        if self.is_admin:
            return True
        return self.user is not None and stored.owner == self.user.name


def _bearer(request: Request, store: AccountStore) -> Principal | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if scheme.lower() != "bearer":
        raise HTTPException(401, "Authorization: only 'Bearer <token>' is accepted", challenge)
    parsed = parse_credential(value)
    cred = store.get_credential("token", parsed[0]) if parsed else None
    if parsed is None or cred is None or cred.expired() or not matches(cred, parsed[1]):
        raise HTTPException(401, "Authorization: the API token is invalid or revoked", challenge)
    user = store.get_user(cred.user or "")
    if user is None:
        raise HTTPException(401, "Authorization: the token's user no longer exists", challenge)
    return Principal(user, "token", cred)


def session_of(request: Request, store: AccountStore) -> tuple[Credential, User] | None:
    """The valid (unexpired) session of the request's cookie and its user, or None."""
    parsed = parse_credential(request.cookies.get(SESSION_COOKIE))
    if parsed is None:
        return None
    cred = store.get_credential("session", parsed[0])
    if cred is None or cred.expired() or not matches(cred, parsed[1]):
        return None
    user = store.get_user(cred.user or "")
    return (cred, user) if user is not None else None


def own_origin(request: Request) -> str:
    """``scheme://host[:port]`` of this site as the client addressed it."""
    host = request.headers.get("host", "")
    return f"{request.url.scheme}://{host}".lower()


def check_origin(request: Request) -> None:
    """Raise :class:`CsrfRefused` unless ``Origin`` (or ``Referer``) is this site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        referer = request.headers.get("referer")
        if not referer:
            raise CsrfRefused(N_("no Origin or Referer header"))
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin.lower() != own_origin(request):
        raise CsrfRefused(f"request from another site ({origin})")


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token of a request: the header, else the ``csrf_token`` form field."""
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # parsed once; FastAPI reuses it for the route
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def check_csrf(request: Request, session: Credential) -> None:
    """Raise :class:`CsrfRefused` unless the request carries the session's token and comes
    from this site."""
    check_origin(request)
    token = await submitted_csrf(request)
    if not token or not session.csrf or not hmac.compare_digest(token, session.csrf):
        raise CsrfRefused(N_("missing or wrong CSRF token"))


def share_principal(request: Request, store: AccountStore) -> Principal | None:
    """The share link of ``?share=`` (404 when it is not valid), or None without one."""
    text = request.query_params.get(SHARE_PARAM)
    if text is None:
        return None
    parsed = parse_credential(text)
    cred = store.get_credential("share", parsed[0]) if parsed else None
    if parsed is None or cred is None or cred.expired() or not matches(cred, parsed[1]):
        raise HTTPException(404, "this share link is not valid (revoked or mistyped)")
    return Principal(None, "share", cred)


async def identify(
    request: Request, store: AccountStore, *, needs_user: bool, share_ok: bool
) -> Principal:
    """The principal of ``request`` (see the module rules)."""
    bearer = _bearer(request, store)
    if bearer is not None:
        return bearer
    if share_ok:
        shared = share_principal(request, store)
        if shared is not None:
            return shared
    found = session_of(request, store)
    if found is None:
        return Principal()
    cred, user = found
    if request.method in UNSAFE_METHODS:
        try:
            await check_csrf(request, cred)
        except CsrfRefused:
            if needs_user:
                raise
            return Principal()  # a public route: the cookie simply does not count
    return Principal(user, "session", cred)


def rate_identity(request: Request, store: AccountStore) -> str | None:
    """The user a request counts as for rate limits, or None (it counts by its address).

    A valid bearer token counts; a session cookie counts on safe requests, and on unsafe ones
    only with the session's ``X-CSRF-Token`` header (so another site's forged posts, refused
    anyway, cannot spend the victim's allowance). Malformed credentials count by address.
    """
    try:
        bearer = _bearer(request, store)
    except HTTPException:
        return None
    if bearer is not None:
        return bearer.name
    found = session_of(request, store)
    if found is None:
        return None
    cred, user = found
    if request.method in UNSAFE_METHODS:
        token = request.headers.get(CSRF_HEADER)
        if not token or not cred.csrf or not hmac.compare_digest(token, cred.csrf):
            return None
    return user.name
