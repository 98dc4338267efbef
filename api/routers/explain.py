"""``/uitleg/{doc}``: the project's explanations as pages of the app, in the reader's language.

The report links its definitions here, so every link in a report points to a page the app
serves. Only the documents of :data:`DOCS` are served (no path from the request reaches the
file system); Markdown is rendered by markdown-it-py with raw HTML off, so a document cannot
inject markup. Dutch readers (the default) get the Dutch explanation for planners,
``docs/uitleg/<name>.md``; English readers the project's documentation, ``docs/<file>.md``
(the Dutch pages say that the full technical description is the English one, a click away on
the language switch). Not part of the API contract (left out of ``/openapi.json``).
"""

from __future__ import annotations

import functools
from html import escape

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt

from api.pages.locale import get_locale
from api.pages.templating import render_page
from api.safety.security import nonce_scripts
from geo.config import REPO_ROOT
from maps.i18n import N_, gettext

DOCS: dict[str, str] = {
    "verdict": "verdict.md",
    "names": "names.md",
    "metrics": "metrics.md",
    "proposals": "proposals.md",
    "scenarios": "scenarios.md",
    "pc4": "pc4.md",
    "reistabel": "travel_table.md",
}
"""Page name -> file under ``docs/`` (the only files served; in Dutch ``docs/uitleg/<name>.md``)."""

LABELS: dict[str, str] = {
    "verdict": N_("the verdict and its checks"),
    "names": N_("names of regions"),
    "metrics": N_("measures of congruence"),
    "proposals": N_("proposals"),
    "scenarios": N_("scenarios"),
    "pc4": N_("SWVs by postcode"),
    "reistabel": N_("the operator's travel table"),
}
"""Page name -> the link text of the page in the list of other explanations (msgids)."""

DUTCH_DIR = REPO_ROOT / "docs" / "uitleg"
"""The Dutch explanations, one per page name of :data:`DOCS`."""

router = APIRouter(tags=["pages"])


def source(name: str, locale: str) -> tuple[str, str]:
    """(Markdown text, its language) of page ``name`` for ``locale``: the Dutch explanation
    when the reader reads Dutch and there is one, else the English documentation."""
    dutch = DUTCH_DIR / f"{name}.md"
    if locale == "nl" and dutch.is_file():
        return dutch.read_text(encoding="utf-8"), "nl"
    return (REPO_ROOT / "docs" / DOCS[name]).read_text(encoding="utf-8"), "en"


@functools.cache
def rendered(name: str, locale: str = "nl") -> tuple[str, str, str]:
    """(title, HTML body, language of the text) of one document in ``locale``; links to other
    served documents become pages."""
    text, language = source(name, locale)
    for other, file in DOCS.items():
        text = text.replace(f"]({file})", f"](/uitleg/{other})")
        text = text.replace(f"](docs/{file})", f"](/uitleg/{other})")
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), name)
    # a wide table scrolls in its own box (keyboard-reachable), never the page (200% zoom)
    label = escape(title)
    wrap = f'<div class="rk-table-wrap" role="region" tabindex="0" aria-label="{label}"><table>'
    body = md.render(text).replace("<table>", wrap).replace("</table>", "</table></div>")
    body = body.replace("<pre>", '<pre class="rk-code" tabindex="0">')  # wide code scrolls too
    return title, body, language


@router.get("/uitleg/{doc}", response_class=HTMLResponse, include_in_schema=False)
def explanation(request: Request, doc: str) -> HTMLResponse:
    """One explanation page (``/uitleg/verdict``: what every check of the verdict means)."""
    name = doc.removesuffix(".md")
    if name not in DOCS:
        raise HTTPException(404, f"no explanation {doc!r}; choose one of {', '.join(DOCS)}")
    locale = get_locale(request)
    title, body, language = rendered(name, locale)
    page = render_page(
        request,
        "explain.html",
        locale=locale,
        title=title,
        body=body,
        docs=[(other, gettext(locale)(LABELS.get(other, other))) for other in DOCS],
        language=language,
    )
    return HTMLResponse(nonce_scripts(page))
