"""``/docs``: Swagger UI served from the app itself, so the API docs work offline.

Rule: the Swagger UI files come from the ``swagger-ui-bundle`` package (maintained by the
connexion project, Apache-2.0), served under ``/docs/static/``; FastAPI's
:func:`~fastapi.openapi.docs.get_swagger_ui_html` renders the page with those local URLs
instead of its default CDN. ReDoc (CDN only) is switched off.

>>> swagger_file("swagger-ui.css").name
'swagger-ui.css'
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

router = APIRouter(include_in_schema=False)

SWAGGER_DIR = Path(swagger_ui_path).resolve()
ASSET_URL = "/docs/static"
SERVED = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
"""The Swagger UI files the page loads (nothing else is served)."""


def swagger_file(name: str) -> Path:
    """One of the :data:`SERVED` files; FileNotFoundError for anything else."""
    if name not in SERVED:
        raise FileNotFoundError(f"no docs asset {name!r}")
    return SWAGGER_DIR / name


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json`` with local assets."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} - API docs",
        swagger_js_url=f"{ASSET_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSET_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSET_URL}/favicon-32x32.png",
    )


@router.get("/docs/static/{name}")
def swagger_asset(name: str) -> FileResponse:
    """A Swagger UI file from the ``swagger-ui-bundle`` package."""
    try:
        path = swagger_file(name)
    except FileNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
