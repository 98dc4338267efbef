"""Pages for people that hold no scenario data: the language switch, the glossary, the
accessibility statement, and the shared static files (style sheet, page-string script).

- ``GET /taal/{locale}?next=/path`` remembers the language (cookie
  :data:`api.pages.locale.LOCALE_COOKIE`,
  a year) and goes back to ``next`` (a local path only);
- ``GET /begrippen``: what every figure means (the glossary, in the reader's language);
- ``GET /toegankelijkheid``: the toegankelijkheidsverklaring (accessibility statement);
- ``GET /static/{name}``: ``regiokompas.css`` and ``i18n.js`` (under ``api/static``);
  ``GET /static/nl-design-system/{name}``: the vendored NL Design System stylesheets.

None of these is part of the API contract (left out of ``/openapi.json``).
"""

from __future__ import annotations

import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from api.pages.locale import LOCALE_COOKIE, LOCALE_COOKIE_SECONDS, get_locale
from api.pages.templating import STATIC_DIR, render_page
from api.routers.login import safe_next, secure_cookies
from api.safety.security import nonce_scripts
from maps.i18n import LOCALES
from maps.i18n.glossary import glossary_entries

router = APIRouter(tags=["pages"])

STATEMENT_DATE = datetime.date(2026, 12, 6)
"""When the accessibility statement was drawn up (change it with its text)."""

AXE_VERSION = "4.10.3"
"""The axe-core version the accessibility test runs (``tests/a11y/axe.min.js``)."""

SHARED_STATIC = frozenset(
    {
        "regiokompas.css",
        "i18n.js",
        "home.js",
        "map.css",
        "map.js",
        "pages.css",
        "scenario.js",
        "job.js",
        "proposal.js",
        "options.js",
    }
)
"""The files ``/static/{name}`` serves (the editor's own files are under ``/edit/static``)."""


NL_DESIGN_SYSTEM = ("button", "textbox", "select", "form-label", "table", "heading-1", "heading-2",
                    "heading-3")  # fmt: skip
"""The NL Design System stylesheets every page loads, in order (``api/static/vendor/
nl-design-system/<name>.css``, EUPL-1.2; versions in its README), before ``regiokompas.css``."""


@router.get("/static/nl-design-system/{name}", include_in_schema=False)
def nl_design_system(name: str) -> FileResponse:
    """A vendored NL Design System stylesheet (``button.css``, ...); 404 for anything else."""
    if name.removesuffix(".css") not in NL_DESIGN_SYSTEM or not name.endswith(".css"):
        raise HTTPException(404, f"no stylesheet {name!r}")
    path = STATIC_DIR / "vendor" / "nl-design-system" / name
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{name}", include_in_schema=False)
def shared_static(name: str) -> FileResponse:
    """The shared style sheet or page-string script; 404 for anything else."""
    if name not in SHARED_STATIC:
        raise HTTPException(404, f"no static file {name!r}")
    return FileResponse(STATIC_DIR / name, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/taal/{locale}", include_in_schema=False)
def switch_language(
    request: Request, locale: str, next: Annotated[str, Query(max_length=2000)] = "/"
) -> RedirectResponse:
    """Remember ``locale`` (``nl`` or ``en``) and go back to ``next`` (303)."""
    if locale not in LOCALES:
        raise HTTPException(404, f"unknown language {locale!r}; choose one of {', '.join(LOCALES)}")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=LOCALE_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
    return response


@router.get("/begrippen", response_class=HTMLResponse, include_in_schema=False)
def glossary(request: Request) -> HTMLResponse:
    """The glossary: every figure and word the pages use, in plain language."""
    return HTMLResponse(
        nonce_scripts(
            render_page(request, "glossary.html", entries=glossary_entries(get_locale(request)))
        )
    )


@router.get("/toegankelijkheid", response_class=HTMLResponse, include_in_schema=False)
def accessibility_statement(request: Request) -> HTMLResponse:
    """The accessibility statement (toegankelijkheidsverklaring)."""
    page = render_page(
        request, "accessibility.html", statement_date=STATEMENT_DATE, axe_version=AXE_VERSION
    )
    return HTMLResponse(nonce_scripts(page))
