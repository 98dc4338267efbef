"""The operator's own travel table: an optional CSV in the data directory, read by the store build.

File: ``reistijd/reistabel.csv`` (:data:`TRAVEL_TABLE_FILE`), UTF-8, comma-separated (or
semicolon-separated with decimal commas, as Dutch spreadsheets write it), one header line.
Two layouts, told apart by the header:

* **PC4 x PC4** (the layout of the public PC4 travel-time tables): ``from_pc4,to_pc4`` and
  ``minutes`` and/or ``km`` (car travel from postcode area to postcode area). Every PC4 must be
  one of the store's PC4 layer (CBS PC4 2020).
* **gemeente x location**: ``gemeente,vestiging`` and ``minutes`` and/or ``km``: a gemeente code
  (``GM0363`` or ``363``) and a DUO vestigingscode (BRIN + number, e.g. ``00AB00``) of a
  special-education location (SBO/SO/VSO/(V)SO of the store).

Dutch headers are accepted too: ``van_pc4, naar_pc4, minuten``; ``gemeentecode``,
``vestigingscode``. Values are non-negative finite numbers; a row may leave one of the two value
columns empty when the file has both, never the one the model uses (``km`` when the file has a
``km`` column, else ``minutes``).

Rule: the table is all or nothing. Any bad row (wrong number of fields, a non-numeric, negative
or missing value, an unknown PC4, gemeente or location, a pair listed twice) or a wrong header
stops the build with a :class:`geo.errors.SourceError` naming the file, the line(s) and the
problem (up to :data:`MAX_PROBLEMS` of them, and how many there are); the previous store stays as
it was. How the travel model uses the table, and what happens with pairs it lacks:
:mod:`geo.checks.table`.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "reistabel.csv"
>>> _ = path.write_text("gemeente,vestiging,minutes\\nGM0001,00AB00,12.5\\n")
>>> t = read_travel_table(path, units=["GM0001"], locations=["00AB00"])
>>> t.layout, t.value, t.rows.to_dict("records")
('location', 'minutes', [{'origin': 'GM0001', 'target': '00AB00', 'minutes': 12.5, 'km': nan}])
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from geo.dataset import TravelTable
from geo.errors import SourceError

TRAVEL_TABLE_FILE = "reistijd/reistabel.csv"
"""The optional travel table, relative to the data directory."""

MAX_PROBLEMS = 10
"""Bad rows named in one error message (the count of all of them is given too)."""

ALIASES: dict[str, str] = {
    "from_pc4": "from_pc4",
    "van_pc4": "from_pc4",
    "to_pc4": "to_pc4",
    "naar_pc4": "to_pc4",
    "gemeente": "gemeente",
    "gemeentecode": "gemeente",
    "vestiging": "vestiging",
    "vestigingscode": "vestiging",
    "minutes": "minutes",
    "minuten": "minutes",
    "km": "km",
}
"""Accepted header names (lower case) -> column."""

LAYOUTS: dict[str, tuple[str, str]] = {
    "pc4": ("from_pc4", "to_pc4"),
    "location": ("gemeente", "vestiging"),
}
"""The two layouts and their key columns."""

EXPECTED_HEADERS = "'from_pc4,to_pc4,minutes,km' or 'gemeente,vestiging,minutes,km'"

_PC4 = re.compile(r"^[1-9]\d{3}$")
_GEMEENTE = re.compile(r"^(?:GM)?(\d{1,4})$")


def travel_table_path(data: Path) -> Path | None:
    """The travel table of the data directory ``data``, or ``None`` when it has none."""
    path = Path(data) / TRAVEL_TABLE_FILE
    return path if path.is_file() else None


def _header(path: Path, row: list[str]) -> tuple[str, list[str]]:
    """The layout and the column of each field (errors name the header's problem)."""
    names = [cell.strip().lower() for cell in row]
    unknown = [n for n in names if n not in ALIASES]
    columns = [ALIASES.get(n, n) for n in names]
    layout = next((k for k, keys in LAYOUTS.items() if set(keys) <= set(columns)), None)
    problem = ""
    if unknown:
        problem = f"unknown column(s) {', '.join(map(repr, unknown))}"
    elif layout is None:
        problem = "no pair of key columns"
    elif not {"minutes", "km"} & set(columns):
        problem = "no value column (minutes and/or km)"
    elif len(set(columns)) != len(columns):
        problem = "a column appears twice"
    elif set(columns) - {*LAYOUTS[layout], "minutes", "km"}:
        problem = "key columns of both layouts"
    if problem:
        raise SourceError(
            path, f"line 1: {problem} in header {names!r}; expected {EXPECTED_HEADERS}"
        )
    assert layout is not None
    return layout, columns


def _number(cell: str, decimal_comma: bool) -> float | None:
    """A cell as a float (``None`` when empty); ValueError when it is no finite number."""
    text = cell.strip()
    if not text:
        return None
    if decimal_comma:
        text = text.replace(".", "").replace(",", ".") if "," in text else text
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_travel_table(
    path: Path,
    *,
    units: Iterable[str],
    locations: Iterable[str] = (),
    pc4s: Iterable[str] = (),
    name: str = TRAVEL_TABLE_FILE,
) -> TravelTable:
    """Read and check the travel table at ``path`` against the store's gemeenten (``units``),
    special-education locations (``locations``, DUO vestigingscodes) and PC4s (``pc4s``).
    Rule and errors: the module docstring."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise SourceError(path, f"empty file; expected a header {EXPECTED_HEADERS}")
    layout, columns = _header(path, header)
    key_a, key_b = LAYOUTS[layout]
    value = "km" if "km" in columns else "minutes"
    known_a = {str(u) for u in units} if layout == "location" else {str(p) for p in pc4s}
    known_b = {str(x).upper() for x in locations} if layout == "location" else known_a
    what_a, what_b = ("gemeente", "location") if layout == "location" else ("PC4", "PC4")
    problems: list[str] = []
    origins: list[str] = []
    targets: list[str] = []
    values: dict[str, list[float]] = {"minutes": [], "km": []}
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            problems.append(f"line {number}: expected {len(columns)} fields, got {len(row)}")
            continue
        cells = dict(zip(columns, row, strict=True))
        a, b = cells[key_a].strip(), cells[key_b].strip().upper()
        bad: list[str] = []
        if layout == "location":
            match = _GEMEENTE.match(a.upper())
            a = f"GM{int(match.group(1)):04d}" if match else a
        if (layout == "pc4" and not _PC4.match(a)) or a not in known_a:
            bad.append(f"unknown {what_a} {a!r} in {key_a}")
        if (layout == "pc4" and not _PC4.match(b)) or b not in known_b:
            bad.append(f"unknown {what_b} {b!r} in {key_b}")
        parsed: dict[str, float | None] = {"minutes": None, "km": None}
        for column in ("minutes", "km"):
            if column not in cells:
                continue
            try:
                found = _number(cells[column], delimiter == ";")
            except ValueError:
                bad.append(f"{column} {cells[column].strip()!r} is not a number")
                continue
            if found is None and column == value:
                bad.append(f"{column} is empty (the travel model uses {column})")
            elif found is not None and found < 0:
                bad.append(f"{column} {found:g} is negative")
            parsed[column] = found
        if (a, b) in seen and not bad:
            bad.append(f"pair {a} -> {b} listed twice (first on line {seen[(a, b)]})")
        if bad:
            problems.append(f"line {number}: " + "; ".join(bad))
            continue
        seen[(a, b)] = number
        origins.append(a)
        targets.append(b)
        for column in ("minutes", "km"):
            found = parsed[column]
            values[column].append(np.nan if found is None else found)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
        raise SourceError(
            path,
            f"{len(problems)} bad row(s){more}: " + " | ".join(shown) + "; nothing was loaded "
            "(fix the file or remove it to use the water-aware travel model)",
        )
    if not origins:
        raise SourceError(path, "no rows after the header; nothing was loaded")
    rows = pd.DataFrame(
        {
            "origin": pd.Series(origins, dtype=str),
            "target": pd.Series(targets, dtype=str),
            "minutes": np.asarray(values["minutes"], dtype=float),
            "km": np.asarray(values["km"], dtype=float),
        }
    )
    return TravelTable(layout, rows, name, hashlib.sha256(raw).hexdigest())


__all__ = ["TRAVEL_TABLE_FILE", "read_travel_table", "travel_table_path"]
