"""The one Jinja environment of the web pages, with translations (:mod:`maps.i18n`).

Every page template extends ``base.html`` (skip link, header with the language switch, main,
footer with the toegankelijkheidsverklaring) and is rendered by :func:`render_page`, which
passes the request's locale, ``_``/``gettext``/``ngettext``, the format filters
(``|number``, ``|decimal``, ``|percent``, ``|metric``, ``|weight``, ``|date``) and
``i18n_script(*scripts)``: the ``<script type="application/json" id="rk-i18n">`` blob with the
translations of the msgids the named static scripts use (paths under ``api/static``, e.g.
``"editor/editor.js"``); load ``/static/i18n.js`` after it. See ``docs/i18n.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from markupsafe import Markup

from api.pages.locale import get_locale
from maps.i18n import LOCALE_NAMES, LOCALES, install, js_catalog, template_context

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
"""Static files of the pages: ``/static/<name>`` (shared) and ``/edit/static/<name>`` (editor)."""

TEMPLATES = install(
    jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
    )
)
"""The page templates (``api/templates``)."""


def current_path(request: Request) -> str:
    """Path and query of ``request`` (where the language switch comes back to)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def switch_links(request: Request, locale: str) -> list[dict[str, Any]]:
    """One language-switch link per locale: code, name, URL, whether it is the current one."""
    back = quote(current_path(request), safe="")
    return [
        {
            "code": code,
            "name": LOCALE_NAMES[code],
            "url": f"/taal/{code}?next={back}",
            "current": code == locale,
        }
        for code in LOCALES
    ]


def i18n_blob(locale: str, *scripts: str) -> Markup:
    """``<script type="application/json" id="rk-i18n">`` with the translations of the msgids
    of ``scripts`` (paths under :data:`STATIC_DIR`) and of ``i18n.js`` itself."""
    paths = [STATIC_DIR / script for script in ("i18n.js", *scripts)]
    text = json.dumps(js_catalog(locale, paths), ensure_ascii=False, sort_keys=True)
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/json" id="rk-i18n">{safe}</script>')


def page_context(request: Request, locale: str | None = None) -> dict[str, Any]:
    """The variables every page template gets (locale, translate functions, switch links)."""
    locale = locale or get_locale(request)
    context = template_context(locale)
    context["language_links"] = switch_links(request, locale)
    context["current_path"] = current_path(request)
    context["i18n_script"] = lambda *scripts: i18n_blob(locale, *scripts)
    return context


def render_page(
    request: Request, template: str, *, locale: str | None = None, **variables: Any
) -> str:
    """``template`` rendered for the request's locale (or ``locale``) with ``variables``."""
    context = page_context(request, locale)
    context.update(variables)
    return TEMPLATES.get_template(template).render(**context)
