"""Browser safety of every response: security headers, a per-response CSP nonce, host names, CORS.

Rules:

- Every response gets ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``X-Frame-Options: DENY`` and a Content-Security-Policy with ``frame-ancestors 'none'``.
- An HTML page gets the full policy (:func:`content_security_policy`): scripts only from the
  server itself or carrying this response's nonce, no inline event handlers, no ``eval``, no
  plugins, forms post only to the server. Pages mark their ``<script>`` tags with
  :data:`NONCE_PLACEHOLDER` (:func:`nonce_scripts` does it for rendered pages); the middleware
  replaces it with a fresh nonce per response, so a cached page never reuses a nonce. The
  placeholder is random per process: page content (user text) cannot predict it.
- ``TrustedHostMiddleware`` answers 400 for a ``Host`` not in :func:`trusted_hosts` (localhost
  names, the ``--host`` of ``regio serve`` and ``REGIOKOMPAS_HOSTS``): no DNS rebinding.
- CORS is off (browsers refuse cross-origin reads) unless ``REGIOKOMPAS_CORS_ORIGINS`` lists
  origins.

>>> nonce_scripts('<script src="/a.js"></script><script>x()</script>').count(NONCE_PLACEHOLDER)
2
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable, Mapping

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NONCE_PLACEHOLDER = "rk-nonce-" + secrets.token_hex(16)
"""Stands for the per-response nonce in rendered pages; unguessable, new per process."""

TILE_HOSTS = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"
"""Background map tiles (images only)."""

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]", "testserver")
"""Host names always accepted (``testserver`` is the host of Starlette's test client)."""

_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)


def nonce_scripts(page: str) -> str:
    """``page`` with :data:`NONCE_PLACEHOLDER` as the nonce of every ``<script>`` tag.

    Only for pages whose user text is escaped (a literal ``<script`` can then only come from
    the page's own template).
    """
    return _SCRIPT_TAG.sub(f'<script nonce="{NONCE_PLACEHOLDER}"', page)


def content_security_policy(nonce: str) -> str:
    """The Content-Security-Policy of an HTML page served with ``nonce``.

    >>> "script-src 'self' 'nonce-abc'" in content_security_policy("abc")
    True
    """
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "script-src-attr 'none'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: {TILE_HOSTS}",
            "connect-src 'self'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


BASE_HEADERS: dict[str, str] = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
"""Headers of every response."""

NON_HTML_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
"""CSP of responses that are not HTML pages (JSON, CSV, files): nothing runs, nothing frames."""


TRUSTED_PAGES = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
"""Pages generated from the app's own settings (no user text): all their scripts get the nonce."""


class SecurityHeaders:
    """ASGI middleware: :data:`BASE_HEADERS` on every response; HTML pages get a fresh nonce
    in place of :data:`NONCE_PLACEHOLDER` and :func:`content_security_policy`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        start: Message | None = None
        html = False
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start, html
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    headers[name] = value
                html = headers.get("content-type", "").startswith("text/html")
                if not html:
                    headers.setdefault("content-security-policy", NON_HTML_CSP)
                    await send(message)
                    return
                headers["content-security-policy"] = content_security_policy(nonce)
                start = message
                return
            if message["type"] == "http.response.body" and html:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                if scope["path"] in TRUSTED_PAGES:
                    body = nonce_scripts(body.decode("utf-8")).encode("utf-8")
                body = body.replace(NONCE_PLACEHOLDER.encode(), nonce.encode())
                assert start is not None
                headers = MutableHeaders(scope=start)
                if "content-length" in headers:
                    headers["content-length"] = str(len(body))
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, wrapped)


def trusted_hosts(serve_host: str | None = None, env: Mapping[str, str] | None = None) -> list[str]:
    """Host names the app answers: :data:`LOCAL_HOSTS`, ``serve_host`` (the ``--host`` of
    ``regio serve`` unless it is a wildcard address) and the comma-separated
    ``REGIOKOMPAS_HOSTS`` (``*`` accepts any host; ``*.example.nl`` any subdomain).

    >>> trusted_hosts("regio.example.nl", {"REGIOKOMPAS_HOSTS": "kaart.example.nl"})[-2:]
    ['regio.example.nl', 'kaart.example.nl']
    """
    env = os.environ if env is None else env
    hosts = list(LOCAL_HOSTS)
    serve_host = serve_host or env.get("REGIOKOMPAS_SERVE_HOST")
    if serve_host and serve_host not in ("0.0.0.0", "::", "") and serve_host not in hosts:
        hosts.append(serve_host)
    for host in _split(env.get("REGIOKOMPAS_HOSTS", "")):
        if host not in hosts:
            hosts.append(host)
    return hosts


def cors_origins(env: Mapping[str, str] | None = None) -> list[str]:
    """Origins allowed cross-origin reads (``REGIOKOMPAS_CORS_ORIGINS``, comma-separated);
    empty: CORS off.

    >>> cors_origins({"REGIOKOMPAS_CORS_ORIGINS": "https://a.nl, https://b.nl"})
    ['https://a.nl', 'https://b.nl']
    """
    env = os.environ if env is None else env
    return list(_split(env.get("REGIOKOMPAS_CORS_ORIGINS", "")))


def _split(value: str) -> Iterable[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def install_browser_safety(app: ASGIApp, *, hosts: list[str], origins: list[str]) -> None:
    """Add CORS (when ``origins``) and the trusted-host check (outermost) to a FastAPI
    ``app``; call after its other middleware (:class:`SecurityHeaders` among them)."""
    if origins:
        app.add_middleware(  # type: ignore[attr-defined]
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token"],
        )
    if "*" not in hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)  # type: ignore[attr-defined]
