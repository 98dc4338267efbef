"""The map pages as pages for people: the Folium map inside the site's frame (``base.html``:
skip link, header, language switch, footer), a heading, the headline figures as sentences,
and the map's text alternative (its regions and changed gemeenten as tables); and the HTML
error page a browser gets.

A :class:`MapPage` is what the map cache keeps per (scenario revision, division, against,
weight, share, locale); the frame is rendered per request (the language links name the URL).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.compute.evaluator import ScenarioEvaluator
from api.pages.locale import get_locale
from api.pages.templating import render_page
from api.safety.limits import ENV, LimitExceeded, Limits
from api.safety.security import nonce_scripts
from geo.division import Division
from maps.alternative import changes_table_html, regions_table_html
from maps.changes import swv_changes
from maps.compare_map import ScenarioView
from maps.division_map import MapParts
from maps.i18n import N_, division_label, format_metric, gettext
from maps.style import headline_sentence

_VIEWPORT = re.compile(r"<meta\s+name=[\"']viewport[\"'][^>]*>", re.IGNORECASE)
"""Folium's viewport tag forbids zooming (``user-scalable=no``); the site's own one is kept."""


@dataclass(frozen=True)
class MapPage:
    """One rendered map page without its frame."""

    title: str
    heading: str
    sentences: tuple[str, ...]
    """The headline figures as sentences, shown above the map."""
    parts: MapParts
    alternative: str
    """HTML tables: the text alternative of the map."""
    compare: bool = False

    @property
    def size(self) -> int:
        """Bytes of the page's own content (UTF-8), for the page budget."""
        texts = (self.parts.head, self.parts.body, self.parts.script, self.alternative)
        return sum(len(text.encode("utf-8")) for text in texts)


def map_parts(parts: MapParts) -> MapParts:
    """``parts`` without Folium's zoom-forbidding viewport tag (WCAG 1.4.4: people zoom)."""
    return MapParts(head=_VIEWPORT.sub("", parts.head), body=parts.body, script=parts.script)


def within_budget(page: MapPage, limits: Limits) -> MapPage:
    """``page``, or :class:`LimitExceeded` (413) when it is over ``limits.page_bytes``: a
    scenario whose map would be huge is refused, never served (nor cached)."""
    if page.size > limits.page_bytes:
        raise LimitExceeded(
            f"map page: {page.size} bytes exceed the limit of {limits.page_bytes} "
            f"({ENV['page_bytes']}); show fewer divisions or regions"
        )
    return page


def congruence_sentence(score: Mapping[str, Any], locale: str) -> str:
    """The congruence as a sentence, with what 1 means."""
    summary = score.get("summary") or {}
    if "congruence" not in summary:
        return ""
    _ = gettext(locale)
    return _(
        "Congruence with the %(against)s: %(value)s (from 0 to 1; 1 = the two divisions coincide)."
    ) % {
        "against": division_label(str(score.get("against")), locale),
        "value": format_metric(summary["congruence"], locale),
    }


def _changes_html(
    evaluator: ScenarioEvaluator, division: Division, table_id: str, locale: str
) -> str:
    return changes_table_html(
        evaluator.dataset, swv_changes(evaluator.dataset, division, locale), table_id, locale
    )


def division_page_texts(
    evaluator: ScenarioEvaluator,
    scenario: str,
    divisions: Mapping[str, Division],
    score: Mapping[str, Any],
    parts: MapParts,
    locale: str,
) -> MapPage:
    """The map page of one scenario's division: heading, sentences, map, text alternative."""
    _ = gettext(locale)
    division = str(score.get("division"))
    heading = _("%(division)s in scenario %(scenario)s") % {
        "division": division_label(division, locale),
        "scenario": scenario,
    }
    sentences = (headline_sentence(score, locale), congruence_sentence(score, locale))
    alternative = regions_table_html(score, "regio-tabel", locale)
    if division in divisions:
        alternative += _changes_html(evaluator, divisions[division], "wijzigingen-tabel", locale)
    return MapPage(
        title=f"{heading} · regiokompas",
        heading=heading,
        sentences=tuple(s for s in sentences if s),
        parts=map_parts(parts),
        alternative=alternative,
    )


def compare_page_texts(
    evaluator: ScenarioEvaluator, views: Sequence[ScenarioView], parts: MapParts, locale: str
) -> MapPage:
    """The compare page: both sides' headline sentences and tables, the maps side by side."""
    _ = gettext(locale)
    shown = [str(view.score.get("division")) for view in views]
    heading = _("%(left)s and %(right)s side by side: %(division)s compared with %(against)s") % {
        "left": views[0].scenario,
        "right": views[1].scenario,
        "division": shown[0] if shown[0] == shown[1] else " | ".join(shown),
        "against": str(views[0].score.get("against")),
    }
    sentences, tables = [], []
    for side, view in zip((_("Left"), _("Right")), views, strict=True):
        division = str(view.score.get("division"))
        lead = f"{side} ({view.scenario}): "
        sentence = headline_sentence(view.score, locale)
        if sentence:
            sentences.append(lead + sentence)
        tables.append(f"<h3>{html.escape(side)}: {html.escape(view.scenario)}</h3>")
        tables.append(regions_table_html(view.score, f"regio-tabel-{len(tables)}", locale))
        if division in view.divisions:
            tables.append(
                _changes_html(
                    evaluator, view.divisions[division], f"wijzigingen-{len(tables)}", locale
                )
            )
    return MapPage(
        title=f"{heading} · regiokompas",
        heading=heading,
        sentences=tuple(sentences),
        parts=map_parts(parts),
        alternative="".join(tables),
        compare=True,
    )


def render_map_page(request: Request, page: MapPage, locale: str) -> str:
    """The whole HTML page of ``page`` in ``locale`` (script tags carry the nonce marker)."""
    return nonce_scripts(render_page(request, "map.html", locale=locale, page=page))


ERROR_HEADINGS: dict[int, str] = {
    400: N_("This request is not valid"),
    401: N_("You need to sign in"),
    403: N_("You have no access to this page"),
    404: N_("Page not found"),
    409: N_("This conflicts with a newer version"),
    413: N_("This is too large to show"),
    422: N_("This cannot be shown"),
    429: N_("Too many requests; please wait a moment"),
}
"""Status -> heading of the error page (msgids); others get a general heading."""


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An HTML error page in the reader's language naming what is wrong (the technical
    message as the API gives it), with a link to the home page."""
    locale = get_locale(request)
    _ = gettext(locale)
    heading = _(ERROR_HEADINGS[status]) if status in ERROR_HEADINGS else _("Something went wrong")
    page = render_page(
        request, "error.html", locale=locale, status=status, heading=heading, message=message
    )
    return HTMLResponse(nonce_scripts(page), status_code=status)
