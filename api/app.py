"""The FastAPI app: one factory, routers per resource, every error as ``{"detail": "..."}``.

>>> from fixtures.synthetic import synthetic_dataset
>>> import tempfile
>>> app = create_app(synthetic_dataset(), tempfile.mkdtemp(), library_dir=None)
>>> for path in app.openapi()["paths"]:
...     if path.startswith("/api/divisions"):
...         print(path)
/api/divisions
/api/divisions/{name}.geojson
/api/divisions/{name}.gpkg
/api/divisions/{name}
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import geo
from api.editor.work import start_evaluation_workers, stop_evaluation_workers
from api.errors import ERROR_STATUS
from api.routers import (
    compare,
    compare_page,
    divisions,
    docs,
    editor,
    explain,
    home,
    login,
    maps,
    options,
    pages,
    placement,
    proposal_pages,
    proposals,
    revisions,
    scenario_pages,
    scenarios,
    scores,
    shared,
    sharing,
    units,
    verdicts,
)
from api.safety.auth.policy import check_routes, document_responses, enforce
from api.safety.limits import LimitExceeded, Limits, limits_from_env
from api.safety.logs import install_log_redaction
from api.safety.ratelimit import RateLimit
from api.safety.security import SecurityHeaders, cors_origins, install_browser_safety, trusted_hosts
from api.safety.upload_guard import lock_down_gdal
from api.state import AppState, freeze_long_lived
from api.storage.store import (
    ScenarioStore,
    open_store,
)
from geo.config import SCENARIO_LIBRARY
from geo.dataset import Dataset

DEFAULT_UPLOAD_LIMIT = 5 * 1024 * 1024
"""Largest accepted request body in bytes (env ``REGIOKOMPAS_UPLOAD_LIMIT`` overrides)."""


def upload_limit_from_env() -> int:
    """``REGIOKOMPAS_UPLOAD_LIMIT`` in bytes, else :data:`DEFAULT_UPLOAD_LIMIT`."""
    value = os.environ.get("REGIOKOMPAS_UPLOAD_LIMIT")
    return int(value) if value else DEFAULT_UPLOAD_LIMIT


class BodySizeLimit:
    """ASGI middleware: request bodies over ``limit`` bytes get 413 without being read whole.

    A ``Content-Length`` over the limit is refused before any byte is read; a body without
    one (chunked) is counted while it streams and refused once it passes the limit.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            response = JSONResponse(
                {
                    "detail": f"request body of {int(length)} bytes exceeds the limit of "
                    f"{self.limit} bytes"
                },
                status_code=413,
            )
            await response(scope, receive, send)
            return
        seen = 0
        limit = self.limit

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, f"request body exceeds the limit of {limit} bytes")
            return message

        await self.app(scope, counting_receive, send)


class GZipPages:
    """ASGI middleware: gzip the HTML pages (``/`` and ``/maps/...``), nothing else.

    A national map page is ~900 kB of GeoJSON-laden HTML and ~175 kB gzipped; the JSON API keeps
    its plain, cache-served responses.
    """

    def __init__(self, app: ASGIApp, minimum_size: int = 2048) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == "/" or path.startswith("/maps/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out


def validation_message(exc: RequestValidationError) -> str:
    """One line naming each invalid field: ``query.weight: Input should be 'area', ...``."""
    messages = []
    for error in exc.errors()[:5]:
        messages.append(f"{_location(error.get('loc', ()))}: {error.get('msg', 'invalid')}")
    more = len(exc.errors()) - 5
    return "; ".join(messages) + (f" (and {more} more)" if more > 0 else "")


def _message_handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handler(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return handler


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if maps.wants_html(request) and not request.url.path.startswith("/api/"):
            page = maps.error_page(request, exc.status_code, str(exc.detail))  # a browser on a page
            page.headers.update(exc.headers or {})
            return page
        return JSONResponse(
            {"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_message(exc)}, status_code=422)

    for error, status in ERROR_STATUS.items():
        app.add_exception_handler(error, _message_handler(status))

    @app.exception_handler(LimitExceeded)
    async def over_limit(_: Request, exc: LimitExceeded) -> JSONResponse:
        retry = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=retry)

    @app.exception_handler(Exception)
    async def server_error(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": f"internal error ({type(exc).__name__}); see the server log"},
            status_code=500,
        )


def create_app(
    dataset: Dataset | None = None,
    state_dir: str | Path | None = None,
    *,
    data: str | Path | None = None,
    upload_limit: int | None = None,
    library_dir: str | Path | None = SCENARIO_LIBRARY,
    store: ScenarioStore | None = None,
    limits: Limits | None = None,
    hosts: list[str] | None = None,
) -> FastAPI:
    """The regiokompas app over ``dataset`` (default: :func:`geo.data.store.load_dataset` of
    ``data``, loaded at startup) with scenarios stored in ``state_dir`` (default
    :func:`geo.config.state_dir`); ``library_dir`` scenarios are seeded on first start.
    ``store`` replaces the SQLite store with another :class:`api.storage.store.ScenarioStore`.
    ``limits`` (default :func:`api.safety.limits.limits_from_env`) bound what requests may cost;
    ``hosts`` are the accepted Host names (default :func:`api.safety.security.trusted_hosts`).
    """
    lock_down_gdal()  # no network, no virtual file systems for GDAL in this process
    install_log_redaction()  # share tokens and login links never reach the access log
    limits = limits if limits is not None else limits_from_env()
    if store is None:
        store = open_store(state_dir, library_dir=library_dir)
    state = AppState(
        dataset=dataset,
        store=store,
        data=data,
        upload_limit=upload_limit if upload_limit is not None else upload_limit_from_env(),
        limits=limits,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.dataset  # noqa: B018 - load (or build) the dataset before serving
        freeze_long_lived()
        start_evaluation_workers(state)  # forked now: the dataset is loaded, no request runs
        try:
            yield
        finally:
            stop_evaluation_workers(state)

    app = FastAPI(
        title="regiokompas",
        version=geo.__version__,
        description=(
            "Compare Dutch redistricting scenarios for youth care (jeugdregio's) and passend "
            "onderwijs (SWV PO/VO) on the real 2025 gemeenten. Every error is "
            '`{"detail": "..."}` naming the wrong field or code.'
        ),
        lifespan=lifespan,
        dependencies=[Depends(enforce)],  # every route goes through api.safety.auth.policy.POLICY
        docs_url=None,  # served by api.routers.docs with local Swagger UI assets
        redoc_url=None,
    )
    app.state.regio = state
    _install_error_handlers(app)
    app.add_middleware(BodySizeLimit, limit=state.upload_limit)
    app.add_middleware(RateLimit, limits=limits)  # cache hits of RepeatScores are not counted
    app.add_middleware(scores.RepeatScores)  # repeated score queries skip the rest
    app.add_middleware(SecurityHeaders)  # inside GZipPages: sees the page before compression
    app.add_middleware(GZipPages)  # only HTML pages are compressed
    install_browser_safety(  # outermost: CORS (when configured), then the Host check
        app, hosts=hosts if hosts is not None else trusted_hosts(), origins=cors_origins()
    )

    app.include_router(divisions.router)
    app.include_router(units.router)
    app.include_router(scores.router)
    app.include_router(revisions.router)
    app.include_router(scenario_pages.router)
    app.include_router(scenarios.router)
    app.include_router(verdicts.router)
    app.include_router(placement.router)
    app.include_router(compare.router)
    app.include_router(compare_page.router)
    app.include_router(maps.router)
    app.include_router(home.router)
    app.include_router(proposals.router)
    app.include_router(proposal_pages.router)
    app.include_router(options.router)
    app.include_router(editor.router)
    app.include_router(docs.router)
    app.include_router(sharing.router)
    app.include_router(shared.router)
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(explain.router)
    check_routes(app)
    document_responses(app)
    docs.add_bearer_scheme(app)
    return app
