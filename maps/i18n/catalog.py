"""The gettext catalogs (Babel ``.po`` files, compiled in memory) and locale negotiation.

Rule: msgids are English. ``nl`` is the default locale and the one every msgid is translated
into; ``en`` shows the msgids themselves (its catalog lists them with empty msgstr). A msgid
missing from a catalog falls back to itself (so an untranslated string shows in English: the
catalog test in ``tests/test_i18n_catalog.py`` fails on it).

>>> negotiate(None, "en-GB,en;q=0.9,nl;q=0.8"), negotiate("nl", "en"), negotiate(None, None)
('en', 'nl', 'nl')
>>> negotiate("fr", "de,fr;q=0.5")
'nl'
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

CATALOG_DIR = Path(__file__).resolve().parent / "locales"
"""``<locale>/LC_MESSAGES/messages.po`` per locale, and ``messages.pot`` (the extracted msgids)."""

DOMAIN = "messages"
LOCALES: tuple[str, ...] = ("nl", "en")
"""Supported locales; the first is the default."""
DEFAULT_LOCALE = LOCALES[0]
LOCALE_NAMES: dict[str, str] = {"nl": "Nederlands", "en": "English"}
"""Each locale's name in its own language (the language switch shows these)."""


def po_path(locale: str) -> Path:
    """The ``.po`` file of ``locale``."""
    return CATALOG_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def check_locale(locale: str) -> str:
    """``locale`` if supported, else ValueError naming the supported ones.

    >>> check_locale("fr")
    Traceback (most recent call last):
    ValueError: unsupported locale 'fr'; supported: nl, en
    """
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; supported: {', '.join(LOCALES)}")
    return locale


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> Translations:
    """The gettext translations of ``locale``, compiled from its ``.po`` (fuzzy entries skipped)."""
    with po_path(check_locale(locale)).open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(locale: str) -> Callable[[str], str]:
    """The ``gettext`` function of ``locale``: English msgid -> text in that language."""
    return translations(locale).gettext


def ngettext(locale: str) -> Callable[[str, str, int], str]:
    """The ``ngettext`` function of ``locale``: (singular, plural, n) -> text."""
    return translations(locale).ngettext


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction without translating it yet (module-level tables of labels);
    translate it where it is shown: ``gettext(locale)(label)``.

    >>> N_("congruence")
    'congruence'
    """
    return msgid


def _accepted(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The locale of a request: ``chosen`` (the remembered switch, a cookie) if supported, else
    the first supported language of ``accept_language``, else :data:`DEFAULT_LOCALE`."""
    if chosen in LOCALES:
        return str(chosen)
    for tag in _accepted(accept_language or ""):
        language = tag.split("-")[0]
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE
