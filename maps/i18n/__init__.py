"""Dutch first, English selectable: gettext catalogs, Dutch number and date formats, Jinja and JS.

One module low in the layers (``maps`` sits below ``api``), so the Folium maps, the report and
the web pages translate and format through the same catalogs and the same rules.

- :func:`gettext` / :func:`ngettext`: the translate functions of a locale (``nl`` or ``en``);
  msgids are English, the catalogs are ``maps/i18n/locales/<locale>/LC_MESSAGES/messages.po``
  (compiled in memory by Babel when first used: no build step, ``.po`` is the source of truth).
- :mod:`maps.i18n.formats`: numbers, decimals, percentages, metrics and dates through Babel
  (``0,80``; ``156.388``; ``6 december 2026`` in Dutch).
- :func:`install`: ``_()``, ``gettext``, ``ngettext`` and the format filters in a Jinja
  environment; :func:`template_context` gives a render's locale-bound callables.
- :func:`js_catalog`: the translations of the msgids a page script uses (``_("...")`` in the
  ``.js`` file), embedded in the page as JSON (see ``docs/i18n.md``).
- :func:`render_message`: a sentence made in ``geo`` (:class:`geo.messages.Message`: a check's
  summary, an offender's problem) in the reader's language with its number formats.
- :func:`written_text`: a description a tool writes into a stored scenario, in the language of
  who makes it; :func:`written_language` recognises an English one already stored.
- :func:`negotiate`: the locale of a request (remembered choice > Accept-Language > ``nl``).

>>> gettext("nl")("Skip to content")
'Naar de inhoud'
>>> gettext("en")("Skip to content")
'Skip to content'
>>> format_decimal(0.8, "nl", digits=2), format_number(156388, "nl")
('0,80', '156.388')
"""

from __future__ import annotations

from maps.i18n.catalog import (
    CATALOG_DIR,
    DEFAULT_LOCALE,
    LOCALE_NAMES,
    LOCALES,
    N_,
    gettext,
    negotiate,
    ngettext,
    translations,
)
from maps.i18n.formats import (
    format_date,
    format_decimal,
    format_metric,
    format_number,
    format_percent,
    format_weight,
)
from maps.i18n.jinja import install, template_context
from maps.i18n.js import js_catalog, js_msgids
from maps.i18n.labels import (
    check_title,
    division_label,
    metric_label,
    principle_label,
    region_label,
    weight_label,
)
from maps.i18n.messages import render_message, written_language, written_text

__all__ = [
    "CATALOG_DIR",
    "DEFAULT_LOCALE",
    "LOCALES",
    "LOCALE_NAMES",
    "N_",
    "check_title",
    "division_label",
    "format_date",
    "format_decimal",
    "format_metric",
    "format_number",
    "format_percent",
    "format_weight",
    "gettext",
    "install",
    "js_catalog",
    "js_msgids",
    "metric_label",
    "negotiate",
    "principle_label",
    "region_label",
    "render_message",
    "ngettext",
    "template_context",
    "translations",
    "weight_label",
    "written_language",
    "written_text",
]
