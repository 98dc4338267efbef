"""Read an assignment CSV (``unit, region[, share]``): one reader for scenario files and the API.

Rule (forgiving about what spreadsheets and other tools write, strict about the content):

- a header row names a unit column ``unit`` (also ``id``, ``code``, ``geoid``, ``geoid20``, as
  Districtr and Dave's Redistricting export, or in Dutch ``gemeentecode`` or ``gemeente``) and a
  region column ``region`` (also ``district``, ``assignment``, Dutch ``swv`` or ``regio``),
  case-insensitive; an optional ``share`` (``aandeel``) column gives fractional shares (empty
  or missing: 1); the first listed name present wins (``gemeentecode`` before ``gemeente``);
- an optional ``base`` (``basis``) column names the scenario the rows were exported from (the
  same value on every row, see :func:`geo.scenarios.imports.export_base`); it is returned in
  ``attrs["base"]`` (None when absent or empty);
- ``,`` or ``;`` separated (whichever the header uses more), UTF-8 with or without a BOM;
- a decimal comma in a share (``0,25``) is read as ``0.25``;
- codes stay text (``01`` stays ``01``); a bare number as unit (``363``) is the gemeente code
  ``GM0363``.

Every problem raises :class:`AssignmentCsvError` naming the file and, where it is about a row,
the line: an empty file, no such header, no rows, a share that is not a number in [0, 1], an
empty unit or region, text that is not UTF-8.

>>> read_assignment_csv(b"\\xef\\xbb\\xbfGEOID;District;share\\n363;A;0,5\\n", "a.csv").to_dict(
...     "records")
[{'unit': 'GM0363', 'region': 'A', 'share': 0.5}]
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import RegiokompasError

UNIT_COLUMNS = ("unit", "id", "code", "gemeentecode", "geoid", "geoid20", "gemeente")
REGION_COLUMNS = ("region", "district", "assignment", "swv", "regio")
SHARE_COLUMNS = ("share", "aandeel")
BASE_COLUMNS = ("base", "basis")


class AssignmentCsvError(RegiokompasError):
    """An assignment CSV cannot be used; the message names the file (and line) and the problem."""


def unit_code(code: str) -> str:
    """A bare number is a gemeente code: ``363`` -> ``GM0363``; anything else stays.

    >>> unit_code("363"), unit_code("GM0014"), unit_code("01a")
    ('GM0363', 'GM0014', '01a')
    """
    return f"GM{int(code):04d}" if code.isdigit() else code


def read_assignment_csv(source: bytes | str | Path, name: str | None = None) -> pd.DataFrame:
    """A ``unit, region, share`` table from CSV bytes or a CSV file (rule in the module
    docstring); ``name`` is the file name used in messages (default: the path)."""
    if isinstance(source, bytes):
        data, name = source, name or "<upload>"
    else:
        name = name or str(source)
        try:
            data = Path(source).read_bytes()
        except FileNotFoundError:
            raise AssignmentCsvError(f"{name}: file not found") from None
        except OSError as exc:
            raise AssignmentCsvError(f"{name}: cannot read the file ({exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AssignmentCsvError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise AssignmentCsvError(f"{name}: the file is empty")
    header = text.splitlines()[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AssignmentCsvError(f"{name}: not a readable CSV ({exc})") from None
    lower = {str(c).strip().lower(): c for c in frame.columns}
    unit_col = next((lower[c] for c in UNIT_COLUMNS if c in lower), None)
    region_col = next((lower[c] for c in REGION_COLUMNS if c in lower), None)
    if unit_col is None or region_col is None:
        found = ", ".join(map(str, frame.columns))
        raise AssignmentCsvError(
            f"{name}: header must name a unit column ({'/'.join(UNIT_COLUMNS)}) and a "
            f"region column ({'/'.join(REGION_COLUMNS)}); found {found}"
        )
    if frame.empty:
        raise AssignmentCsvError(f"{name}: no rows after the header")
    out = pd.DataFrame(
        {
            "unit": frame[unit_col].astype(str).str.strip().map(unit_code),
            "region": frame[region_col].astype(str).str.strip(),
        }
    )
    share_col = next((lower[c] for c in SHARE_COLUMNS if c in lower), None)
    if share_col is not None:
        raw = frame[share_col].astype(str).str.strip().replace("", "1")
        share = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce")
        bad = share.isna() | (share < 0) | (share > 1)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise AssignmentCsvError(
                f"{name}, line {i + 2}: share {frame[share_col].iloc[i]!r} is not a "
                "number between 0 and 1"
            )
        out["share"] = share.astype(float)
    else:
        out["share"] = 1.0
    empty = (out["unit"] == "") | (out["region"] == "")
    if empty.any():
        line = int(np.flatnonzero(empty.to_numpy())[0]) + 2
        raise AssignmentCsvError(f"{name}, line {line}: empty unit or region")
    out.attrs["base"] = _base(frame, lower, name)
    return out


def _base(frame: pd.DataFrame, lower: dict[str, str], name: str) -> str | None:
    """The one scenario named in the optional base column (None when absent or empty)."""
    column = next((lower[c] for c in BASE_COLUMNS if c in lower), None)
    if column is None:
        return None
    values = [v for v in dict.fromkeys(frame[column].astype(str).str.strip()) if v]
    if len(values) > 1:
        raise AssignmentCsvError(
            f"{name}: the base column names more than one scenario: {', '.join(values[:3])}"
        )
    return values[0] if values else None
