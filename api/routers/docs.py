"""``/docs``: Swagger UI 5 served from the app itself, so the API docs work offline.

Rule: the Swagger UI files come from the ``fastapi-offline`` package (MIT; it ships Swagger UI
5.x, Apache-2.0, which reads OpenAPI 3.1 as FastAPI writes it), served under ``/docs/static/``;
FastAPI's :func:`~fastapi.openapi.docs.get_swagger_ui_html` renders the page with those local
URLs instead of its default CDN. ReDoc (CDN only) is switched off.

:func:`add_bearer_scheme` declares the API token (``Authorization: Bearer <token>``, made with
``regio tokens create``) as the security scheme ``bearer`` of the OpenAPI document, optional on
every operation (reading needs no account), so Swagger UI shows its *Authorize* button and sends
the token with every request tried from the page.

>>> swagger_file("swagger-ui.css").name
'swagger-ui.css'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)

SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSET_URL = "/docs/static"
SERVED = {
    "swagger-ui-bundle.js": "swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui.css",
    "favicon-32x32.png": "favicon.png",
}
"""The Swagger UI files the page loads: URL name -> file of the package (nothing else)."""

BEARER = "bearer"
"""Name of the security scheme in the OpenAPI document."""


def swagger_file(name: str) -> Path:
    """One of the :data:`SERVED` files; FileNotFoundError for anything else."""
    if name not in SERVED:
        raise FileNotFoundError(f"no docs asset {name!r}")
    return SWAGGER_DIR / SERVED[name]


def add_bearer_scheme(app: FastAPI) -> None:
    """Declare ``Authorization: Bearer <token>`` in ``app.openapi()`` (scheme :data:`BEARER`),
    optional everywhere: ``security: [{}, {"bearer": []}]``."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = plain()
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[BEARER] = {
            "type": "http",
            "scheme": "bearer",
            "description": "an API token from `regio tokens create NAME`; browsers use the "
            "session of /login instead",
        }
        schema["security"] = [{}, {BEARER: []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json`` with local assets."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} - API docs",
        swagger_js_url=f"{ASSET_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSET_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSET_URL}/favicon-32x32.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )


@router.get("/docs/static/{name}")
def swagger_asset(name: str) -> FileResponse:
    """A Swagger UI file from the ``fastapi-offline`` package."""
    try:
        path = swagger_file(name)
    except FileNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
