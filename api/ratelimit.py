"""Per-client rate limits on writes and on expensive reads (the ``limits`` library).

Rule: a request is a *write* (POST, PUT, PATCH, DELETE) or an *expensive read* (the home page,
map pages, compare, score and export routes, see :func:`request_kind`); each kind has its own
moving-window limit per client address (``REGIOKOMPAS_RATE_WRITES``, ``REGIOKOMPAS_RATE_READS``).
Over the limit the answer is 429 naming the limit, with ``Retry-After``. Cheap reads (JSON
lookups, static files, ``/openapi.json``) are not counted, nor are score queries answered from
the repeat cache (the middleware sits inside :class:`api.routers.scores.RepeatScores`).
A request that costs more than one (an editor evaluation, a freshly rendered map page) is
counted by its CPU time through :meth:`RateLimit.charge` (see :mod:`api.costs`).
Behind a reverse proxy run uvicorn with ``--proxy-headers`` so the client address is the
visitor's, not the proxy's.

>>> request_kind("POST", "/api/scenarios"), request_kind("GET", "/maps/huidig")
('writes', 'reads')
>>> request_kind("GET", "/api/divisions") is None, request_kind("POST", "/api/compare")
(True, 'reads')
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.costs import CHARGE_KEY
from api.limits import ENV, Limits

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
    if path == "/" or path.endswith(EXPENSIVE_SUFFIXES):
        return "reads"
    if path.startswith("/maps/static/"):
        return None
    return "reads" if path.startswith(EXPENSIVE_PREFIXES) else None


class RateLimit:
    """ASGI middleware: per-client moving-window limits from :class:`api.limits.Limits`."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.items: dict[str, tuple[RateLimitItem, str, str]] = {
            "writes": (parse(limits.rate_writes), limits.rate_writes, ENV["rate_writes"]),
            "reads": (parse(limits.rate_reads), limits.rate_reads, ENV["rate_reads"]),
        }
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            kind = request_kind(scope["method"], scope["path"])
            if kind is not None:
                item, text, variable = self.items[kind]
                client = (scope.get("client") or ("unknown", 0))[0]
                scope[CHARGE_KEY] = lambda extra, k=kind, c=client: self.charge(k, c, extra)
                if not self.limiter.hit(item, kind, client):
                    reset, _ = self.limiter.get_window_stats(item, kind, client)
                    wait = max(1, math.ceil(reset - time.time()))
                    noun = "writes" if kind == "writes" else "expensive reads"
                    response = JSONResponse(
                        {
                            "detail": f"rate limit: more than {text} {noun} from this client "
                            f"({variable}); try again in {wait} s"
                        },
                        status_code=429,
                        headers={"Retry-After": str(wait)},
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def charge(self, kind: str, client: str, extra: int) -> None:
        """Count ``extra`` more requests of ``kind`` for ``client`` (a request that cost more
        than one, :func:`api.costs.charge`), up to what its window has left."""
        item = self.items[kind][0]
        remaining = self.limiter.get_window_stats(item, kind, client).remaining
        if remaining > 0 and extra > 0:
            self.limiter.hit(item, kind, client, cost=min(extra, remaining))
