"""Page scripts take their strings from the same catalogs.

Rule: a script writes its visible strings as ``_("English text")`` (and
``ngettext("one", "many", n)``). The page embeds, as JSON, the translations of exactly the
msgids its script files use (:func:`js_catalog`, msgids found by Babel's JavaScript extractor,
the same one ``pybabel extract`` uses), in ``<script type="application/json" id="rk-i18n">``.
``/static/i18n.js`` reads that blob and defines ``window._`` and ``window.ngettext`` (with
``%(name)s`` placeholders) plus Dutch/English number formatting via ``Intl`` and the page's
``lang``. See ``docs/i18n.md``.

>>> import tempfile, pathlib
>>> script = pathlib.Path(tempfile.mkdtemp()) / "x.js"
>>> _ = script.write_text('el.textContent = _("Skip to content"); ngettext("one", "many", n);')
>>> js_msgids(script)
('Skip to content', ('one', 'many'))
>>> js_catalog("nl", [script])["Skip to content"]
'Naar de inhoud'
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract

from maps.i18n.catalog import check_locale, translations

JS_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
"""The functions whose string arguments are msgids in page scripts."""

Msgid = str | tuple[str, str]


@lru_cache(maxsize=64)
def _msgids(path: Path, mtime: float) -> tuple[Msgid, ...]:
    with path.open("rb") as handle:
        found = extract("javascript", handle, keywords=JS_KEYWORDS, comment_tags=())
        out: list[Msgid] = []
        for _lineno, message, _comments, _context in found:
            item: Msgid = message if isinstance(message, str) else (message[0], message[1])
            if item not in out:
                out.append(item)
    return tuple(out)


def js_msgids(path: str | Path) -> tuple[Msgid, ...]:
    """The msgids (plural forms as ``(singular, plural)``) a script file uses, in order."""
    file = Path(path)
    return _msgids(file, file.stat().st_mtime)


def js_catalog(locale: str, scripts: Iterable[str | Path]) -> dict[str, str | list[str]]:
    """msgid -> translation in ``locale`` for every msgid of ``scripts``; plural msgids map
    the singular to ``[singular, plural]`` translations for n = 1 and n = 2 (Dutch and English
    both have two forms)."""
    t = translations(check_locale(locale))
    out: dict[str, str | list[str]] = {}
    for script in scripts:
        for msgid in js_msgids(script):
            if isinstance(msgid, str):
                out[msgid] = t.gettext(msgid)
            else:
                out[msgid[0]] = [t.ngettext(msgid[0], msgid[1], 1), t.ngettext(*msgid, 2)]
    return out
