"""``/uitleg/{doc}``: the project's explanations (``docs/*.md``) as pages of the app.

The report links its definitions here, so every link in a report points to a page the app
serves. Only the documents of :data:`DOCS` are served (no path from the request reaches the
file system); Markdown is rendered by markdown-it-py with raw HTML off, so a document cannot
inject markup. The documents are written in English; the page around them follows the reader's
language. Not part of the API contract (left out of ``/openapi.json``).
"""

from __future__ import annotations

import functools

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt

from api.pages.templating import render_page
from api.safety.security import nonce_scripts
from geo.config import REPO_ROOT

DOCS: dict[str, str] = {
    "verdict": "verdict.md",
    "names": "names.md",
    "metrics": "metrics.md",
    "proposals": "proposals.md",
    "scenarios": "scenarios.md",
    "pc4": "pc4.md",
}
"""Page name -> file under ``docs/`` (the only files served)."""

router = APIRouter(tags=["pages"])


@functools.cache
def rendered(name: str) -> tuple[str, str]:
    """(title, HTML body) of one document; links to other served documents become pages."""
    text = (REPO_ROOT / "docs" / DOCS[name]).read_text(encoding="utf-8")
    for other, file in DOCS.items():
        text = text.replace(f"]({file})", f"](/uitleg/{other})")
        text = text.replace(f"](docs/{file})", f"](/uitleg/{other})")
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), name)
    return title, md.render(text)


@router.get("/uitleg/{doc}", response_class=HTMLResponse, include_in_schema=False)
def explanation(request: Request, doc: str) -> HTMLResponse:
    """One explanation page (``/uitleg/verdict``: what every check of the verdict means)."""
    name = doc.removesuffix(".md")
    if name not in DOCS:
        raise HTTPException(404, f"no explanation {doc!r}; choose one of {', '.join(DOCS)}")
    title, body = rendered(name)
    page = render_page(request, "explain.html", title=title, body=body, docs=list(DOCS))
    return HTMLResponse(nonce_scripts(page))
