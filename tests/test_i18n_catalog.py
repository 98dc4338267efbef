"""The translation catalogs are complete: every visible string of a page is a msgid, every
msgid is in both catalogs, every Dutch msgstr is filled in with the same placeholders.

Rules (docs/i18n.md): msgids are English; ``maps/i18n/locales/messages.pot`` is what
``make messages`` extracts; the nl catalog translates every msgid, the en catalog lists it.
A template with literal text outside ``_()`` fails :func:`test_templates_have_no_untranslated_text`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from geo.config import REPO_ROOT
from maps.i18n.catalog import CATALOG_DIR, LOCALES, po_path

TEMPLATE_DIRS = (REPO_ROOT / "api" / "templates", REPO_ROOT / "maps")
NOT_YET_TRANSLATED: frozenset[str] = frozenset()
"""Templates still to be converted (each owner removes theirs from this set)."""

ALLOWED_LITERALS = frozenset({"regiokompas", "json", ".csv", "P", "v", "SWV"})
"""Literal text a template may show untranslated: the product name and file-format words."""

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_msgids() -> set[str]:
    """Every msgid ``pybabel extract -F babel.cfg -k N_`` finds now (singular of plurals)."""
    with (REPO_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO_ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str) -> dict[str, object]:
    """msgid (singular) -> message of a locale's ``.po``."""
    with po_path(locale).open("rb") as handle:
        cat = read_po(handle, locale=locale)
    return {(m.id if isinstance(m.id, str) else m.id[0]): m for m in cat if m.id}


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    return extracted_msgids()


def test_every_msgid_is_in_the_template_and_both_catalogs(msgids: set[str]) -> None:
    with (CATALOG_DIR / "messages.pot").open("rb") as handle:
        pot = {(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}
    assert not msgids - pot, f"run `make messages`: not in messages.pot: {sorted(msgids - pot)}"
    for locale in LOCALES:
        missing = sorted(msgids - set(catalog(locale)))
        assert not missing, f"run `make messages`: not in the {locale} catalog: {missing}"
    assert len(msgids) > 100


def test_every_dutch_msgstr_is_filled_in_with_the_same_placeholders(msgids: set[str]) -> None:
    nl = catalog("nl")
    empty, fuzzy, placeholders = [], [], []
    for msgid in sorted(msgids & set(nl)):
        message = nl[msgid]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            empty.append(msgid)
        if message.fuzzy:
            fuzzy.append(msgid)
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(msgid)):
                placeholders.append(msgid)
    assert not empty, f"untranslated in nl/messages.po: {empty}"
    assert not fuzzy, f"fuzzy (unchecked) in nl/messages.po: {fuzzy}"
    assert not placeholders, f"placeholders differ from the msgid: {placeholders}"


class _VisibleText(HTMLParser):
    """Text nodes and people-facing attributes of an HTML fragment."""

    ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "aria-description")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.texts.append(value)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def untranslated_text(source: str) -> list[str]:
    """Literal visible text of a Jinja template outside ``{{ ... }}`` and ``{% trans %}``.

    >>> untranslated_text('<p title="{{ _(\\'x\\') }}">{{ _("Hello") }}</p><p>Hello</p>')
    ['Hello']
    """
    text = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S | re.I)
    text = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", "", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    parser = _VisibleText()
    parser.feed(text)
    out = []
    for chunk in parser.texts:
        words = [w for w in re.split(r"[\s()·,:;|–—]+", chunk) if w]
        for word in words:
            if re.search(r"[A-Za-zÀ-ÿ]{2,}", word) and word not in ALLOWED_LITERALS:
                if not word.startswith(("/", "http", "#", "api", ".")):
                    out.append(word)
    return out


def templates() -> list[Path]:
    return sorted(
        p
        for folder in TEMPLATE_DIRS
        for p in folder.glob("*.html")
        if p.name not in NOT_YET_TRANSLATED
    )


@pytest.mark.parametrize("template", templates(), ids=lambda p: p.name)
def test_templates_have_no_untranslated_text(template: Path) -> None:
    left = untranslated_text(template.read_text(encoding="utf-8"))
    assert not left, f"{template.name}: wrap in {{{{ _('...') }}}}: {left}"


FSTRING_CALL = re.compile(r"""\bf(["'])[^"'\n]*\{[^}]*\b_\(""")
CALLED_GETTEXT = re.compile(r"""gettext\([^()]*\)\(\s*["']""")


@pytest.mark.parametrize(
    "module",
    sorted(p for folder in ("maps", "api") for p in (REPO_ROOT / folder).rglob("*.py")),
    ids=lambda p: str(p.relative_to(REPO_ROOT)),
)
def test_python_strings_are_extractable(module: Path) -> None:
    """pybabel cannot see ``_()`` inside an f-string nor ``gettext(locale)("...")``: such a
    string is never extracted, so it would stay English. Write ``_ = gettext(locale)`` and
    ``label = _("...")`` before the f-string."""
    source = module.read_text(encoding="utf-8")
    bad = [
        line.strip()
        for line in source.splitlines()
        if (FSTRING_CALL.search(line) or CALLED_GETTEXT.search(line))
        and not line.strip().startswith(">>>")
    ]
    assert not bad, f"{module.name}: {bad}"
