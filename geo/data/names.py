"""Explicit normalisation of municipality names across spellings (CBS, the SWV Regeling, DUO).

Rule: strip diacritics, upper-case, write ``'s-`` as ``S ``, turn punctuation into spaces. Names
that still differ need an explicit alias below; anything left unmatched is an error, never a guess.

>>> normalise_name("Súdwest-Fryslân") == normalise_name("Sudwest Fryslan")
True
>>> normalise_name("'s-Gravenhage")
'S GRAVENHAGE'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from geo.errors import SourceError

DUO_ALIASES: dict[str, str] = {
    # DUO writes a province hint without the CBS parentheses, or abbreviates.
    "BERGEN LB": "Bergen (L.)",
    "BERGEN NH": "Bergen (NH.)",
    "NUENEN CA": "Nuenen, Gerwen en Nederwetten",
}
"""DUO spellings that the rule cannot resolve, mapped to the CBS name."""


def normalise_name(name: str) -> str:
    """The comparison key of a municipality name (see the module rule)."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = text.upper().replace("'S-", "S ").replace("'S ", "S ")
    return re.sub(r"[^A-Z0-9]+", " ", text).strip()


def strip_qualifier(key: str) -> str:
    """'HENGELO O' -> 'HENGELO' (CBS adds a province qualifier in parentheses)."""
    return re.sub(r" (L|O|NH|ZH|Z|GLD|U|FR|DR|GR|OV|NB|FL)$", "", key)


def match_names(
    names: Iterable[str],
    candidates: Mapping[str, str],
    *,
    source: str,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Map each name to a code of ``candidates`` (code -> official name).

    Matching is exact after :func:`normalise_name`, then through ``aliases``, then on the name
    without a CBS province qualifier when that is unique. Raises :class:`SourceError` naming
    every name left unmatched.
    """
    by_key: dict[str, str] = {normalise_name(n): code for code, n in candidates.items()}
    stripped: dict[str, list[str]] = {}
    for key, code in by_key.items():
        stripped.setdefault(strip_qualifier(key), []).append(code)
    alias_keys = {normalise_name(k): normalise_name(v) for k, v in (aliases or {}).items()}
    result: dict[str, str] = {}
    unmatched: list[str] = []
    for name in dict.fromkeys(names):
        key = normalise_name(name)
        key = alias_keys.get(key, key)
        if key in by_key:
            result[name] = by_key[key]
        elif len(stripped.get(key, [])) == 1:
            result[name] = stripped[key][0]
        else:
            unmatched.append(name)
    if unmatched:
        raise SourceError(source, f"municipality name(s) not matched: {sorted(unmatched)}")
    return result
