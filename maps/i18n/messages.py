"""Messages made below the translation layer (:mod:`geo.messages`) in the reader's language.

Rule: the msgid is translated through the catalogs and every value is formatted by the one
rule of its kind in :mod:`maps.i18n.formats`: a :class:`~geo.messages.Figure`'s Python format
spec is mapped to the locale's format (``",.0f"`` a whole number with group separators,
``".Nf"`` N decimals, ``".N%"`` a percentage with N decimals, ``"g"`` up to 3 decimals), a
whole number gets group separators, a float shows its decimals (``0,995``), a missing value is
``–``; nested messages are translated too. Either form of a message is accepted: the object or
its JSON form (``{"msgid", "params"}``, as the verdict JSON carries it).

>>> from geo.messages import Figure, Message
>>> low, high = Figure(7425.0, ",.0f"), Figure(142727, ",.0f")
>>> m = Message("%(n)s of %(total)s SWVs within %(low)s-%(high)s PO+VO pupils",
...             {"n": 75, "total": 76, "low": low, "high": high})
>>> render_message(m, "nl")
'75 van de 76 samenwerkingsverbanden tussen 7.425 en 142.727 leerlingen po+vo'
>>> render_message(m.to_dict(), "en")
'75 of 76 SWVs within 7,425-142,727 PO+VO pupils'
>>> render_message(None, "nl", "fallback")
'fallback'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from babel import numbers as _numbers

from geo.messages import MISSING, Figure, Join, Message, Param, as_message
from maps.i18n.catalog import LOCALES, gettext
from maps.i18n.formats import format_decimal, format_number, format_percent

_SPEC = re.compile(r"^(?P<group>,)?(?:\.(?P<digits>\d+))?(?P<kind>[fg%])?$")


def format_figure(figure: Figure, locale: str) -> str:
    """A :class:`~geo.messages.Figure` in ``locale`` (rule in the module docstring).

    >>> format_figure(Figure(0.931, ".1%"), "nl"), format_figure(Figure(12.5, "g"), "nl")
    ('93,1%', '12,5')
    >>> format_figure(Figure(3.14159, ".2f"), "nl"), format_figure(Figure(None, ".2f"), "nl")
    ('3,14', '–')
    """
    if figure.missing:
        return MISSING
    value = figure.value
    match = _SPEC.match(figure.format)
    if match is None:
        return _plain(value, locale)
    digits = int(match["digits"]) if match["digits"] is not None else None
    kind = match["kind"]
    if kind == "%":
        return format_percent(value, locale, digits=6 if digits is None else digits)
    if kind == "f":
        return format_decimal(value, locale, digits=6 if digits is None else digits)
    if kind == "g":
        return _numbers.format_decimal(float(value), format="#,##0.###", locale=locale)  # type: ignore[arg-type]
    return _plain(value, locale)


def _plain(value: Any, locale: str) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_number(value, locale)
    number = float(value)
    if not math.isfinite(number):
        return MISSING
    return _numbers.format_decimal(number, format="#,##0.######", locale=locale)


def format_param(value: Param, locale: str) -> str:
    """One placeholder value in ``locale``.

    >>> format_param(0.995, "nl"), format_param(1234, "nl"), format_param("JZ14", "nl")
    ('0,995', '1.234', 'JZ14')
    """
    if value is None:
        return MISSING
    if isinstance(value, Message):
        return value.render(gettext(locale), lambda v: format_param(v, locale))
    if isinstance(value, Figure):
        return format_figure(value, locale)
    if isinstance(value, Join):
        return value.sep.join(format_param(v, locale) for v in value.items)
    if isinstance(value, str):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()  # type: ignore[union-attr]
    if isinstance(value, int | float):
        return _plain(value, locale)
    return str(value)


def render_message(
    message: Message | Mapping[str, Any] | None, locale: str, fallback: str = ""
) -> str:
    """``message`` (object or JSON form) in ``locale``; ``fallback`` when there is none."""
    if not isinstance(message, Message | Mapping):  # None, or a template's undefined value
        return fallback
    return format_param(as_message(message), locale)


def written_text(message: Message, locale: str) -> str:
    """The text a tool writes into a stored scenario for a person who reads ``locale``: in
    English the English text of ``regio`` (``str(message)``, character for character, so the
    CLI, a script and the English page store the same text), else :func:`render_message`.

    >>> from geo.scenarios.descriptions import edited_description
    >>> m = edited_description("huidig", 1234)
    >>> written_text(m, "en")
    'huidig with 1234 edit(s) made in the map editor'
    >>> written_text(m, "nl")
    'huidig met 1.234 wijziging(en) uit de kaarteditor'
    """
    return str(message) if locale == "en" else render_message(message, locale)


_GENERATED: list[tuple[str, tuple[str, ...]]] = []


def _pieces(text: str) -> tuple[str, ...]:
    """The literal text around the placeholders of a msgid or its translation (``"a %(x)s b"``
    -> ``("a ", " b")``; a placeholder at either end leaves an empty piece)."""
    return tuple(re.split(r"%\([a-z_]+\)s", text))


def _fits(text: str, pieces: tuple[str, ...]) -> bool:
    """True when ``text`` is ``pieces`` with a non-empty value in every gap. Greedy
    left-to-right search (linear, no backtracking: any text is safe to test).

    >>> _fits("huidig with 3 edits", ("", " with ", " edits")), _fits("x edits", ("", " edits"))
    (True, True)
    >>> _fits(" with 3 edits", ("", " with ", " edits"))
    False
    """
    if len(pieces) == 1:
        return text == pieces[0]
    first, *middle, last = pieces
    if not (text.startswith(first) and text.endswith(last)):
        return False
    if not middle:
        return len(text) > len(first) + len(last)
    end, stop = len(first), len(text) - len(last)
    for piece in middle:
        found = text.find(piece, end + 1, stop)
        if found < 0:
            return False
        end = found + len(piece)
    return end < stop


def written_language(text: str) -> str | None:
    """The language of ``text`` when it is a description a tool wrote (one of the msgids of
    :data:`geo.scenarios.descriptions.GENERATED` with its values, in English or in one of the
    catalogs' languages), else None (unknown: a planner's text, in the page's language).
    Pages mark a tool's text in the other language with ``lang`` (WCAG 3.1.2).

    >>> written_language("huidig with 3 edit(s) made in the map editor")
    'en'
    >>> written_language("huidig met 3 wijziging(en) uit de kaarteditor")
    'nl'
    >>> written_language("Plan van Ann") is None
    True
    """
    if not _GENERATED:
        from geo.scenarios.descriptions import GENERATED

        for msgid in GENERATED:
            _GENERATED.append(("en", _pieces(msgid)))
            for locale in LOCALES:
                text_of = gettext(locale)(msgid)
                if text_of != msgid:
                    _GENERATED.append((locale, _pieces(text_of)))
    text = text.strip()
    return next((lang for lang, pieces in _GENERATED if _fits(text, pieces)), None)


__all__ = ["format_figure", "format_param", "render_message", "written_language", "written_text"]
