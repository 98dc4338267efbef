"""Translations and Dutch formats in Jinja templates.

:func:`install` adds the ``jinja2.ext.i18n`` extension (``{% trans %}`` blocks) and the format
filters to an environment once; every render passes :func:`template_context` (``locale``,
``_``, ``gettext``, ``ngettext``), so one environment serves every locale at the same time.
In a template::

    <html lang="{{ locale }}">
    <h1>{{ _("Scenarios") }}</h1>
    <p>{{ _("%(n)s of %(total)s regions", n=nested|number, total=regions|number) }}</p>
    <td>{{ score.congruence|metric }}</td> <td>{{ today|date }}</td>

``_()`` behaves as Jinja's new-style gettext: the translation is marked safe when autoescape
is on and ``%(name)s`` placeholders are filled with the (escaped) keyword arguments.

>>> import jinja2
>>> env = install(jinja2.Environment(autoescape=True))
>>> t = env.from_string('{{ _("Signed in as %(user)s.", user="<b>") }} {{ 156388|number }}'
...                     ' {{ 0.8|decimal }}')
>>> t.render(**template_context("en")), t.render(**template_context("nl"))
('Signed in as &lt;b&gt;. 156,388 0.80', 'Ingelogd als &lt;b&gt;. 156.388 0,80')
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2.runtime import Context
from markupsafe import Markup

from maps.i18n import formats, labels
from maps.i18n.catalog import check_locale, translations
from maps.i18n.messages import render_message, written_language


def _locale(context: Context) -> str:
    return str(context.get("locale") or "nl")


def _new_style(func: Callable[..., str]) -> Callable[..., Any]:
    """Jinja's new-style gettext: escape-aware and ``%(name)s``-formatting."""

    @jinja2.pass_eval_context
    def wrapped(eval_ctx: jinja2.nodes.EvalContext, *args: Any, **variables: Any) -> str:
        text = func(*args)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables or "%%" in text else text

    return wrapped


def template_context(locale: str) -> dict[str, Any]:
    """The variables a render needs for ``locale``: ``locale``, ``_``, ``gettext``, ``ngettext``.

    Rule: the ngettext callable fills ``%(num)s`` with ``n`` (Jinja's convention), so
    ``{% trans count=n %}`` blocks and ``ngettext(s, p, n)`` calls both work.
    """
    t = translations(check_locale(locale))
    gettext = _new_style(t.gettext)

    @jinja2.pass_eval_context
    def ngettext(
        eval_ctx: jinja2.nodes.EvalContext, singular: str, plural: str, n: int, **variables: Any
    ) -> str:
        variables.setdefault("num", n)
        text = t.ngettext(singular, plural, n)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"locale": locale, "_": gettext, "gettext": gettext, "ngettext": ngettext}


def _filter(format_value: Callable[..., str]) -> Callable[..., str]:
    @jinja2.pass_context
    def apply(context: Context, value: object, *args: Any, **kwargs: Any) -> str:
        return format_value(value, _locale(context), *args, **kwargs)

    return apply


def _date(value: _dt.date | _dt.datetime, locale: str, style: str = "long") -> str:
    return formats.format_date(value, locale, style=style)


def _when(value: str | _dt.datetime, locale: str) -> str:
    """A stored UTC time (ISO text or datetime) as the pages write it: the locale's long date
    and the time, '6 december 2026 08:34 UTC' (as the report's 'made on').

    >>> _when("2026-12-06T09:34:10+01:00", "nl"), _when("2026-12-06T08:34:10", "en")
    ('6 december 2026 08:34 UTC', 'December 6, 2026 08:34 UTC')
    """
    moment = _dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.UTC)
    return f"{formats.format_date(moment, locale)} {moment:%H:%M} UTC"


FILTERS: dict[str, Callable[..., str]] = {
    "number": _filter(formats.format_number),
    "decimal": _filter(
        lambda value, locale, digits=2: formats.format_decimal(value, locale, digits=digits)
    ),
    "percent": _filter(
        lambda value, locale, digits=1: formats.format_percent(value, locale, digits=digits)
    ),
    "metric": _filter(formats.format_metric),
    "weight": _filter(formats.format_weight),
    "date": _filter(_date),
    "when": _filter(_when),
    "weight_label": _filter(labels.weight_label),
    "division_label": _filter(labels.division_label),
    "metric_label": _filter(labels.metric_label),
    "region_label": _filter(labels.region_label),
    "division_short": _filter(labels.division_short),
}
"""Format filters (the render's ``locale`` decides the language): ``{{ x|number }}``,
``{{ x|decimal(2) }}``, ``{{ x|percent }}``, ``{{ x|metric }}``, ``{{ x|weight }}``,
``{{ d|date }}``, ``{{ stored.updated_at|when }}``; labels of codes:
``{{ "inhabitants"|weight_label }}``, ``{{ "swv_po"|division_label }}``,
``{{ "congruence"|metric_label }}``."""


@jinja2.pass_context
def _check_title(context: Context, name: str, title: str) -> str:
    return labels.check_title(name, title, _locale(context))


FILTERS["check_title"] = _check_title
"""``{{ check.name|check_title(check.title) }}``: a check's title in the reader's language."""


@jinja2.pass_context
def _message(context: Context, message: Any, fallback: str = "") -> str:
    return render_message(message, _locale(context), fallback)


FILTERS["message"] = _message
"""``{{ check.message|message(check.summary) }}``: a sentence made in ``geo``
(:class:`geo.messages.Message` or its JSON form) in the reader's language; the fallback (the
English text) when there is no message."""


@jinja2.pass_context
def _library_text(context: Context, text: str, source: str) -> str:
    if source != "library" or not text:
        return text
    return translations(_locale(context)).gettext(text)


FILTERS["library_text"] = _library_text
"""``{{ view.description|library_text(view.stored.source) }}``: a shipped library scenario's
title or description in the reader's language (its msgid is the YAML text,
:mod:`maps.i18n.extract`); a planner's own text is shown as written."""


@jinja2.pass_context
def _lang_of(context: Context, text: str) -> Markup:
    language = written_language(text) if text else None
    if language is None or language == _locale(context):
        return Markup("")
    return Markup(' lang="%s"') % language


FILTERS["lang_of"] = _lang_of
"""``<p{{ view.description|lang_of }}>``: the ``lang`` of a description a tool wrote when it is
not the page's language (a proposal made from the Dutch pages, read in English: ``lang="nl"``;
one stored in English before descriptions followed the planner's language, on a Dutch page:
``lang="en"``; WCAG 3.1.2, language of parts); nothing otherwise (a planner's own text)."""


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Add the i18n extension and :data:`FILTERS` to ``env`` (renders pass
    :func:`template_context`); returns ``env``."""
    env.add_extension("jinja2.ext.i18n")
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: whitespace as pybabel extracts
    env.filters.update(FILTERS)
    return env
