"""Per-client rate limits on writes and on expensive reads (the ``limits`` library).

Rule: a request is a *write* (POST, PUT, PATCH, DELETE) or an *expensive read* (the home page,
map pages, compare, score and export routes, the scenario list, see :func:`request_kind`); each
kind has its own sliding-window limit per client (``REGIOKOMPAS_RATE_WRITES``,
``REGIOKOMPAS_RATE_READS``). A client is the signed-in user when the request carries a valid
token or session (:func:`api.safety.auth.principal.rate_identity`), else its address
(:func:`api.safety.windows.address_key`: IPv6 per /64). Over the limit the answer is 429 naming the
limit, with ``Retry-After``. Cheap reads (JSON lookups, static files, ``/openapi.json``) are not
counted, nor are score queries answered from the repeat cache (the middleware sits inside
:class:`api.routers.scores.RepeatScores`). The counters keep at most ``REGIOKOMPAS_RATE_KEYS``
clients (:class:`api.safety.windows.WindowLimiter`). A request that costs more than one (an editor
evaluation, a freshly rendered map page) is counted by its CPU time through
:meth:`RateLimit.charge` (see :mod:`api.safety.costs`).

The address is the connection's, unless ``regio serve --forwarded-allow-ips`` names the reverse
proxy it comes from: only then does uvicorn take the visitor's address from
``X-Forwarded-For`` (docs/security.md, "Client addresses").

>>> request_kind("POST", "/api/scenarios"), request_kind("GET", "/maps/huidig")
('writes', 'reads')
>>> request_kind("GET", "/api/divisions") is None, request_kind("POST", "/api/compare")
(True, 'reads')
"""

from __future__ import annotations

import math

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.safety.auth.principal import rate_identity
from api.safety.costs import CHARGE_KEY
from api.safety.limits import ENV, Limits
from api.safety.windows import WindowLimiter, address_key, limiter

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXPENSIVE_PREFIXES = ("/maps/", "/api/scores", "/api/compare", "/api/verdict", "/api/report")
"""GET paths (prefixes) that compute or render; ``/maps/static/`` is excluded."""
EXPENSIVE_SUFFIXES = (".csv", ".geojson", ".gpkg", "/verdict", "/report")
"""GET exports (an applied division written out) and a scenario's verdict and report."""


READ_POSTS = ("/api/compare",)
"""POST routes that compute without storing anything: counted as expensive reads."""
READ_POST_SUFFIXES = ("/evaluate",)
"""... and POST routes ending so (the editor's live figures)."""


def request_kind(method: str, path: str) -> str | None:
    """``writes``, ``reads`` (expensive) or None (not limited)."""
    if method == "POST" and (path in READ_POSTS or path.endswith(READ_POST_SUFFIXES)):
        return "reads"
    if method in WRITE_METHODS:
        return "writes"
    if method != "GET":
        return None
    if path in ("/", "/api/scenarios") or path.endswith(EXPENSIVE_SUFFIXES):
        return "reads"
    if path.startswith("/maps/static/"):
        return None
    return "reads" if path.startswith(EXPENSIVE_PREFIXES) else None


def client_key(scope: Scope) -> str:
    """Who a request counts as: ``user:<name>`` when signed in, else ``addr:<address>``."""
    state = scope["app"].state.regio if "app" in scope else None
    user = rate_identity(Request(scope), state.store) if state is not None else None
    if user is not None:
        return f"user:{user}"
    return "addr:" + address_key((scope.get("client") or ("", 0))[0])


class RateLimit:
    """ASGI middleware: per-client sliding-window limits from :class:`api.safety.limits.Limits`."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limiters: dict[str, tuple[WindowLimiter, str, str]] = {
            "writes": (limiter(limits.rate_writes, limits.rate_keys), limits.rate_writes,
                       ENV["rate_writes"]),
            "reads": (limiter(limits.rate_reads, limits.rate_keys), limits.rate_reads,
                      ENV["rate_reads"]),
        }  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            kind = request_kind(scope["method"], scope["path"])
            if kind is not None:
                counter, text, variable = self.limiters[kind]
                key = client_key(scope)
                scope[CHARGE_KEY] = lambda extra, k=kind, c=key: self.charge(k, c, extra)
                allowed, wait = counter.hit(key)
                if not allowed:
                    noun = "writes" if kind == "writes" else "expensive reads"
                    seconds = math.ceil(wait)
                    response = JSONResponse(
                        {
                            "detail": f"rate limit: more than {text} {noun} from this client "
                            f"({variable}); try again in {seconds} s"
                        },
                        status_code=429,
                        headers={"Retry-After": str(seconds)},
                    )
                    await self.audit(scope, key, variable)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    @staticmethod
    async def audit(scope: Scope, key: str, variable: str) -> None:
        """Put the refusal in the audit log (at most one entry per client, path and minute:
        :mod:`api.safety.refusals`); the client key names a user or an address, never a
        token."""
        state = scope["app"].state.regio if "app" in scope else None
        refusals = getattr(state, "refusals", None)
        if refusals is None:
            return
        actor = key.removeprefix("user:") if key.startswith("user:") else "anonymous"
        write = refusals.refused(
            actor, "rate.refused", scope.get("path", ""), client=key, setting=variable
        )
        if write is not None:
            await run_in_threadpool(write)

    def charge(self, kind: str, key: str, extra: int) -> None:
        """Count ``extra`` more requests of ``kind`` for the client ``key`` (a request that
        cost more than one, :func:`api.safety.costs.charge`), up to what its window has left."""
        if extra > 0:
            self.limiters[kind][0].add(key, float(extra))
