"""Fixed links across water between gemeenten: the table ``geo/fixed_links.yaml``.

Rule: a *fixed link* is a bridge, dam, tunnel or ferry between two gemeenten (CBS codes of
2025), with its name, kind, length and source. The contiguity graph
(:func:`geo.adjacency.contiguity_graph`) adds an edge for every link between two gemeenten
that do not already touch on the map; the travel model (:mod:`geo.checks.water`) lets a route
cross water only over these links. A ferry counts in the travel model as its sailing time x
:data:`FERRY_KM_PER_MINUTE` (at least its route length); a bridge, dam or tunnel as its length.
Rows with ``touching: true`` (the Delta and Zuiderzee dams, drawn as land on the CBS map)
document the connection and add nothing.

The table is public geography, documented row by row with its source; every row is checked
against the map by ``tests/test_fixed_links_real.py``. A bad table raises
:class:`FixedLinkError` naming the row and field.

>>> links = fixed_links()
>>> [(x.name, x.a, x.b) for x in links][:1]
[('Zeelandbrug', 'GM1676', 'GM1695')]
>>> texel = next(x for x in links if x.b_name == "Texel")
>>> texel.kind, texel.crossing_km
('ferry', 20.0)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from geo.errors import RegiokompasError

FIXED_LINKS_PATH = Path(__file__).with_name("fixed_links.yaml")
"""The shipped table."""

KINDS: tuple[str, ...] = ("bridge", "dam", "tunnel", "ferry")
"""Kinds of fixed link."""

FERRY_KM_PER_MINUTE = 1.0
"""A ferry's distance equivalent per minute of sailing: what a car covers at 60 km/h."""

_CODE = re.compile(r"^GM\d{4}$")


class FixedLinkError(RegiokompasError):
    """The fixed-links table is malformed (the message names the row and field)."""


@dataclass(frozen=True)
class FixedLink:
    """One crossing between two gemeenten."""

    name: str
    kind: str
    a: str
    b: str
    a_name: str
    b_name: str
    touching: bool
    length_km: float
    minutes: float | None
    source: str

    @property
    def crossing_km(self) -> float:
        """The crossing's length in the travel model: a ferry's sailing minutes x
        :data:`FERRY_KM_PER_MINUTE` (at least its route length), else the structure's length."""
        if self.kind == "ferry" and self.minutes is not None:
            return max(self.minutes * FERRY_KM_PER_MINUTE, self.length_km)
        return self.length_km

    def text(self) -> str:
        """``"Zeelandbrug (bridge, Schouwen-Duiveland - Noord-Beveland)"``."""
        return f"{self.name} ({self.kind}, {self.a_name} - {self.b_name})"


def _row(i: int, raw: Any, where: str) -> FixedLink:
    if not isinstance(raw, dict):
        raise FixedLinkError(f"{where}: links[{i}] is not a mapping")
    required = ("name", "kind", "a", "b", "a_name", "b_name", "touching", "length_km", "source")
    missing = [k for k in required if k not in raw]
    if missing:
        raise FixedLinkError(f"{where}: links[{i}] misses field(s) {', '.join(missing)}")
    unknown = sorted(set(raw) - set(required) - {"minutes"})
    if unknown:
        raise FixedLinkError(f"{where}: links[{i}] has unknown field(s) {', '.join(unknown)}")
    name = str(raw["name"])
    if raw["kind"] not in KINDS:
        raise FixedLinkError(
            f"{where}: links[{i}] ({name}).kind {raw['kind']!r} is not one of {', '.join(KINDS)}"
        )
    for side in ("a", "b"):
        if not isinstance(raw[side], str) or not _CODE.match(raw[side]):
            raise FixedLinkError(
                f"{where}: links[{i}] ({name}).{side} {raw[side]!r} is no gemeente code GMxxxx"
            )
    if raw["a"] == raw["b"]:
        raise FixedLinkError(f"{where}: links[{i}] ({name}) links {raw['a']} to itself")
    length = raw["length_km"]
    if not isinstance(length, int | float) or isinstance(length, bool) or not length > 0:
        raise FixedLinkError(f"{where}: links[{i}] ({name}).length_km must be a number > 0")
    minutes = raw.get("minutes")
    if raw["kind"] == "ferry" and (
        not isinstance(minutes, int | float) or isinstance(minutes, bool) or not minutes > 0
    ):
        raise FixedLinkError(
            f"{where}: links[{i}] ({name}).minutes: a ferry needs its sailing time"
        )
    if raw["kind"] != "ferry" and minutes is not None:
        raise FixedLinkError(f"{where}: links[{i}] ({name}).minutes is only for ferries")
    if not isinstance(raw["touching"], bool):
        raise FixedLinkError(f"{where}: links[{i}] ({name}).touching must be true or false")
    return FixedLink(
        name=name,
        kind=str(raw["kind"]),
        a=raw["a"],
        b=raw["b"],
        a_name=str(raw["a_name"]),
        b_name=str(raw["b_name"]),
        touching=raw["touching"],
        length_km=float(length),
        minutes=None if minutes is None else float(minutes),
        source=str(raw["source"]),
    )


def parse_fixed_links(text: str, where: str = "fixed_links.yaml") -> tuple[FixedLink, ...]:
    """Parse and validate a fixed-links document (``links:`` list).

    >>> parse_fixed_links("links:\\n- {name: X, kind: ferry, a: GM0001, b: GM0002}")
    Traceback (most recent call last):
    ...
    geo.fixed_links.FixedLinkError: fixed_links.yaml: links[0] misses field(s) a_name, b_name, touching, length_km, source
    """  # noqa: E501
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FixedLinkError(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("links"), list):
        raise FixedLinkError(f"{where}: expected a mapping with a list 'links'")
    rows = tuple(_row(i, raw, where) for i, raw in enumerate(doc["links"]))
    seen: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(rows):
        key = (row.name, *sorted((row.a, row.b)))
        if key in seen:
            raise FixedLinkError(f"{where}: links[{i}] repeats links[{seen[key]}] ({row.name})")
        seen[key] = i
    return rows


@lru_cache(maxsize=4)
def fixed_links(path: Path | None = None) -> tuple[FixedLink, ...]:
    """The validated table (default: the shipped :data:`FIXED_LINKS_PATH`)."""
    path = path or FIXED_LINKS_PATH
    return parse_fixed_links(path.read_text(encoding="utf-8"), path.name)


def links_between(
    units: Iterable[str], links: Iterable[FixedLink] | None = None
) -> list[FixedLink]:
    """The links whose two gemeenten are both in ``units`` (others are of no use there).

    >>> [x.name for x in links_between(["GM1676", "GM1695"])]
    ['Zeelandbrug']
    """
    have = set(map(str, units))
    return [x for x in (fixed_links() if links is None else links) if x.a in have and x.b in have]
