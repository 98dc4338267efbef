"""Region names and labels, one rule for the API, the maps, the CLI and the report.

The CBS divisions (jeugdregio's, provinces, ...) carry their CBS names. The Regeling gives the
samenwerkingsverbanden (SWVs) codes only, so every region whose name is just its code gets a
*generated* name built from its gemeenten:

Rule (deterministic): the gemeenten with pupils in the region are ranked by the pupils they
bring to it (their share in the region times their pupils of the region's level: PO pupils for
``swv_po``, VO pupils for ``swv_vo``, all pupils otherwise; ties by gemeente code). The name is
the first gemeente's name, then ``", "`` and the second's when there are two or more, then
``" e.o."`` (en omstreken) when more than two gemeenten bring pupils. A region without pupils
ranks its gemeenten by share instead.

An operator may add the official names: a CSV ``swv/swv_namen.csv`` in the data directory with
the header ``code,name`` and one row per SWV (see docs/names.md for where DUO publishes them).
When it is present its names replace the generated ones everywhere; a bad row stops loading
with an error naming the file, the row and the problem.

Regions a scenario makes get the same rule (:func:`name_unnamed`, applied after every edit):
a region whose name says nothing to a person (empty, its code, or only codes such as the
``"PO2001 + VO2001"`` of a PO/VO merge or a proposal's continuation) is named from its own
gemeenten, so a merged SWV or a new region reads like the others ("Venlo, Venray e.o.").
Names a planner gave and the official and CBS names stay as they are.

A *label* is what a person reads: the code followed by the name (``"PO2001 Groningen,
Stadskanaal e.o."``), or the code alone when the name is the code.

>>> label("PO2001", "Groningen, Stadskanaal e.o.")
'PO2001 Groningen, Stadskanaal e.o.'
>>> label("JZ42", "JZ42")
'JZ42'
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo.errors import SourceError

if TYPE_CHECKING:
    from geo.dataset import Dataset
    from geo.division import Division

OFFICIAL_NAMES_FILE = "swv/swv_namen.csv"
"""Optional CSV (relative to the data directory) with the official SWV names: ``code,name``."""

NAMED_DIVISIONS: dict[str, str] = {"swv_po": "pupils_po", "swv_vo": "pupils_vo"}
"""Divisions named by the rule, with the pupil column that ranks their gemeenten."""

DEFAULT_PUPILS = "pupils_total"
"""Pupil column for any other division whose names are its codes."""

SWV_CODE = re.compile(r"^(PO|VO)\d{4}$")
"""An SWV code of the Regeling: ``PO`` or ``VO`` and four digits."""

MAX_NAME_LENGTH = 200

CODE_LIKE = re.compile(
    r"^(?:nieuw, uit delen van )?"
    r"[A-Z][A-Z0-9_-]*\d[A-Z0-9_-]*(?:\s*[+,/]\s*[A-Z][A-Z0-9_-]*\d[A-Z0-9_-]*)*$"
)
"""A name made of region codes only (``PO2001 + VO2001``, ``SWV-PO2001``, a proposal's
``nieuw, uit delen van PO3102, VO3102``): it tells a person nothing, so the rule names it."""


def label(code: str, name: str | None) -> str:
    """The code followed by the name, or the code alone when the name adds nothing."""
    code = str(code)
    text = str(name).strip() if name is not None else ""
    if not text or text == code:
        return code
    return f"{code} {text}"


def region_labels(division: Division) -> dict[str, str]:
    """``{code: label}`` of every region of ``division``."""
    return {str(c): label(str(c), division.region_names.get(c)) for c in division.regions}


def generated_names(
    division: Division,
    unit_names: pd.Series,
    pupils: pd.Series,
    only: Collection[str] | None = None,
) -> dict[str, str]:
    """The rule's name of every region of ``division`` (see the module docstring), or of the
    regions ``only`` when given.

    ``unit_names`` and ``pupils`` are indexed by unit code; ``pupils.name`` picks the
    division's weight-specific shares (so a split gemeente brings only its pupils there).

    >>> from geo.division import Division
    >>> d = Division.from_assignment("d", {"G1": "A", "G2": "A", "G3": "A", "G4": "B"})
    >>> names = pd.Series({"G1": "Een", "G2": "Twee", "G3": "Drie", "G4": "Vier"})
    >>> pupils = pd.Series({"G1": 10.0, "G2": 30.0, "G3": 20.0, "G4": 5.0}, name="p")
    >>> generated_names(d, names, pupils)
    {'A': 'Twee, Drie e.o.', 'B': 'Vier'}
    """
    codes = [str(c) for c in division.regions] if only is None else [str(c) for c in only]
    m = division.for_weight(str(pupils.name)).membership
    m = m[m["region"].isin(codes)].copy()
    m["pupils"] = m["share"].to_numpy(float) * pupils.reindex(m["unit"]).fillna(0.0).to_numpy(float)
    m["gemeente"] = unit_names.reindex(m["unit"]).fillna(m["unit"]).astype(str).to_numpy()
    m = m.sort_values(
        ["region", "pupils", "share", "unit"], ascending=[True, False, False, True], kind="stable"
    )
    has_pupils = m.groupby("region")["pupils"].transform("sum") > 0
    m = m[~has_pupils | (m["pupils"] > 0)]
    rank = m.groupby("region").cumcount().to_numpy()
    count = m.groupby("region")["unit"].transform("size").to_numpy()
    regions = m["region"].to_numpy()
    first = dict(zip(regions[rank == 0], m["gemeente"].to_numpy()[rank == 0], strict=True))
    second = dict(zip(regions[rank == 1], m["gemeente"].to_numpy()[rank == 1], strict=True))
    more = set(regions[count > 2])
    out: dict[str, str] = {}
    for code in codes:
        if code not in first:
            out[code] = code
            continue
        text = str(first[code])
        if code in second:
            text += f", {second[code]}"
        if code in more:
            text += " e.o."
        out[code] = text
    return out


def says_nothing(code: str, name: str | None) -> bool:
    """Is ``name`` no name for a person: empty, the code itself, or codes only (:data:`CODE_LIKE`)?

    >>> [says_nothing("SWV-PO2001", n) for n in ("", "SWV-PO2001", "PO2001 + VO2001")]
    [True, True, True]
    >>> [says_nothing("JZ42", n) for n in ("Midden-Limburg", "nieuwe regio 1", "Venlo e.o.")]
    [False, False, False]
    """
    text = " ".join(str(name).split()) if name is not None else ""
    return not text or text == str(code) or CODE_LIKE.match(text) is not None


def rule_names(
    division: Division,
    units: pd.DataFrame,
    key: str | None = None,
    only: Collection[str] | None = None,
) -> dict[str, str]:
    """The rule's name of every region of ``division`` (or of the regions ``only``) from the
    dataset's unit table ``units`` (``name`` and pupil columns); ``key`` picks the pupils as in
    :func:`name_unnamed`."""
    column = NAMED_DIVISIONS.get(key or division.name, DEFAULT_PUPILS)
    if column in units:
        pupils = units[column].astype(float)
    else:
        pupils = pd.Series(0.0, index=units.index)
    pupils.index = pupils.index.astype(str)
    pupils.name = column
    unit_names = units["name"].astype(str) if "name" in units else pupils.index.to_series()
    unit_names.index = unit_names.index.astype(str)
    return generated_names(division, unit_names, pupils, only)


def name_unnamed(division: Division, units: pd.DataFrame, key: str | None = None) -> Division:
    """``division`` with every region whose name says nothing (:func:`says_nothing`) named by
    the rule from its current gemeenten; ``division`` itself when every region has a name.

    ``units`` is the dataset's unit table (``name`` and the pupil columns); ``key`` is the
    division's name in its scenario (``swv_po`` and ``swv_vo`` rank by their pupils, any other
    division by all pupils). A region without gemeenten keeps its code.

    >>> from geo.division import Division
    >>> d = Division.from_assignment("swv", {"G1": "SWV-A", "G2": "SWV-A", "G3": "B"})
    >>> d = d.with_region_names({"SWV-A": "PO1 + VO1", "B": "Bee"})
    >>> units = pd.DataFrame({"name": ["Een", "Twee", "Drie"], "pupils_total": [5.0, 9.0, 1.0]},
    ...                      index=["G1", "G2", "G3"])
    >>> name_unnamed(d, units).region_names
    {'B': 'Bee', 'SWV-A': 'Twee, Een'}
    """
    names = {str(c): str(n) for c, n in division.region_names.items()}
    codes = division.column_codes[: division.n_regions]  # a plain list (cached per division)
    bare = [c for c in codes if says_nothing(c, names.get(c))]
    if not bare or "name" not in units:
        return division
    generated = rule_names(division, units, key, only=bare)
    update = {c: generated[c] for c in bare if generated.get(c, c) != c}
    if not update:
        return division
    return division.with_region_names({**names, **update})


def read_official_names(path: Path, known: Mapping[str, object] | None = None) -> dict[str, str]:
    """``{code: name}`` from an official-names CSV (header ``code,name``).

    Every problem raises :class:`SourceError` naming the file, the line and what is wrong:
    a missing header, a code that is not an SWV code (or not one of ``known`` when given), a
    code listed twice, an empty or overlong name.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:2] != ["code", "name"]:
        raise SourceError(path, f"line 1: the header must be 'code,name', found {header!r}")
    names: dict[str, str] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise SourceError(path, f"line {number}: expected 2 fields (code,name), got {len(row)}")
        code, name = row[0].strip().upper(), " ".join(row[1].split())
        if not SWV_CODE.match(code):
            raise SourceError(path, f"line {number}: {row[0]!r} is not an SWV code (PO0000/VO0000)")
        if known is not None and code not in known:
            raise SourceError(path, f"line {number}: SWV {code} does not exist in the Regeling")
        if code in names:
            raise SourceError(path, f"line {number}: SWV {code} is listed twice")
        if not name:
            raise SourceError(path, f"line {number}: SWV {code} has an empty name")
        if len(name) > MAX_NAME_LENGTH:
            raise SourceError(
                path, f"line {number}: the name of SWV {code} is longer than {MAX_NAME_LENGTH}"
            )
        names[code] = name
    return names


def official_names_path(data: Path) -> Path:
    """Where the optional official-names CSV lives in the data directory ``data``."""
    return data / OFFICIAL_NAMES_FILE


def name_regions(dataset: Dataset, official: Mapping[str, str] | None = None) -> Dataset:
    """``dataset`` with every region named: official names first, then names that are not just
    the code (the CBS names), then the generated rule. Returns a new :class:`Dataset` that
    shares everything but the renamed divisions (``dataset`` is left as it was)."""
    official = dict(official or {})
    units = dataset.units
    divisions = dict(dataset.divisions)
    for key, division in dataset.divisions.items():
        names = {str(c): str(n) for c, n in division.region_names.items()}
        bare = [c for c in map(str, division.regions) if names.get(c, c) == c]
        wanted = [c for c in bare if c not in official]
        generated: dict[str, str] = {}
        if wanted:
            column = NAMED_DIVISIONS.get(key, DEFAULT_PUPILS)
            pupils = units[column].astype(float) if column in units else units.iloc[:, 0] * 0.0
            pupils.name = column
            generated = generated_names(division, units["name"], pupils)
        update = {c: official.get(c, generated.get(c, c)) for c in bare}
        update.update({c: n for c, n in official.items() if c in names})
        if any(names.get(c) != n for c, n in update.items()):
            divisions[key] = division.with_region_names({**names, **update})
    return dataclasses.replace(dataset, divisions=divisions)


def apply_names(dataset: Dataset, data: Path) -> Dataset:
    """Name the regions of ``dataset`` (see :func:`name_regions`), with the official names from
    ``data`` when the data directory has them."""
    path = official_names_path(data)
    official: dict[str, str] = {}
    if path.is_file():
        known = {
            str(c): True
            for key in NAMED_DIVISIONS
            if key in dataset.divisions
            for c in dataset.divisions[key].regions
        }
        official = read_official_names(path, known or None)
    return name_regions(dataset, official)


def names_signature(data: Path) -> str:
    """A short signature of the official-names file (size and mtime), '' when absent: part of
    the memo key of a loaded dataset, so a changed file is read again."""
    path = official_names_path(data)
    if not path.is_file():
        return ""
    st = path.stat()
    return f"{st.st_size}-{st.st_mtime_ns}"


__all__ = [
    "OFFICIAL_NAMES_FILE",
    "apply_names",
    "generated_names",
    "label",
    "name_regions",
    "name_unnamed",
    "names_signature",
    "official_names_path",
    "read_official_names",
    "region_labels",
    "rule_names",
    "says_nothing",
]
