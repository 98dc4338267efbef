"""Turn the annex table of the SWV Regeling (BWBR0032324) into ``swv/swv_pc4_2015.csv``.

Rule: every table row of the law's XML that holds a 4-digit postcode is one record
``pc4, gemeente, po_swv, vo_swv``; all other rows (titles, headers, notes) are ignored.

The XML of wetten.overheid.nl uses CALS tables (``<table><tgroup><colspec/><thead|tbody>
<row><entry><al>text</al></entry>...``). The parser is built to be robust to that structure
rather than to one exact document, because the real document could not be fetched while
writing it (no internet on the development machine; it is tested on XML generated in the
tests that mimics the structure):

- element names are matched without namespace; cell text is all text inside an ``entry``
  (``<al>``, ``<nadruk>``, ...) with whitespace collapsed;
- CALS spans are expanded: ``namest``/``nameend`` (one value over several columns, e.g.
  ``Europoort`` over both SWV columns) and ``morerows`` (one value over several rows, e.g. a
  gemeente name next to many postcodes);
- columns are found from a header row (a row whose cells name ``postcode``, ``gemeente``,
  ``PO``/``primair`` and ``VO``/``voortgezet``) when there is one; otherwise from the values:
  the ``PO\\d+`` and ``VO\\d+`` codes, the 4-digit postcode, and the remaining cells in
  order gemeente, po_swv, vo_swv;
- SWV codes are written without inner spaces (``PO 2707`` -> ``PO2707``).

The CSV is written sorted by postcode, with CRLF line ends and minimal quoting (the layout of
the verified copy in ``../shared/data/swv``). A postcode listed twice with different values
is a :class:`~geo.errors.SourceError`.

>>> xml = (b"<table><tgroup cols='4'><tbody>"
...        b"<row><entry>1011</entry><entry>Amsterdam</entry>"
...        b"<entry>PO2707</entry><entry>VO2708</entry></row>"
...        b"</tbody></tgroup></table>")
>>> annex_to_csv(xml, source="regeling.xml").decode()
'pc4,gemeente,po_swv,vo_swv\\r\\n1011,Amsterdam,PO2707,VO2708\\r\\n'
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from geo.errors import SourceError

COLUMNS = ("pc4", "gemeente", "po_swv", "vo_swv")

_PC4 = re.compile(r"^\d{4}$")
_PO = re.compile(r"^PO\s*\d+$", re.IGNORECASE)
_VO = re.compile(r"^VO\s*\d+$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _text(entry: ET.Element) -> str:
    return _SPACE.sub(" ", "".join(entry.itertext())).strip()


def _grid(tgroup: ET.Element) -> Iterator[list[str]]:
    """Rows of one CALS ``tgroup`` as lists of cell texts, with spans expanded."""
    colnames = [c.get("colname") or str(i) for i, c in enumerate(_children(tgroup, "colspec"))]
    index = {n: i for i, n in enumerate(colnames)}
    pending: dict[int, tuple[int, str]] = {}  # column -> (rows still covered, text)
    rows = [r for part in tgroup if _local(part.tag) in ("thead", "tbody") for r in part]
    for row in rows:
        if _local(row.tag) != "row":
            continue
        cells: dict[int, str] = {}
        for col, (left, text) in list(pending.items()):
            cells[col] = text
            if left <= 1:
                del pending[col]
            else:
                pending[col] = (left - 1, text)
        pos = 0
        for entry in _children(row, "entry"):
            start = entry.get("namest") or entry.get("colname")
            if start in index:
                pos = index[start]
            while pos in cells:
                pos += 1
            end = index.get(entry.get("nameend") or "", pos)
            text = _text(entry)
            morerows = int(entry.get("morerows") or 0)
            for col in range(pos, max(end, pos) + 1):
                cells[col] = text
                if morerows > 0:
                    pending[col] = (morerows, text)
            pos = max(end, pos) + 1
        width = max(cells, default=-1) + 1
        yield [cells.get(i, "") for i in range(width)]


def _header(cells: list[str]) -> dict[str, int] | None:
    """Column roles from a header row, or None if the row is not a header."""
    roles: dict[str, int] = {}
    for i, cell in enumerate(cells):
        low = cell.lower()
        if "postcode" in low:
            roles.setdefault("pc4", i)
        elif "gemeente" in low:
            roles.setdefault("gemeente", i)
        elif re.search(r"\bpo\b|primair", low):
            roles.setdefault("po_swv", i)
        elif re.search(r"\bvo\b|voortgezet", low):
            roles.setdefault("vo_swv", i)
    return roles if len(roles) == 4 else None


def _by_value(cells: list[str]) -> dict[str, str] | None:
    """Column roles from the values of one data row."""
    pc4 = next((i for i, c in enumerate(cells) if _PC4.match(c)), None)
    if pc4 is None:
        return None
    record = {"pc4": cells[pc4]}
    rest: list[str] = []
    for i, cell in enumerate(cells):
        if i == pc4 or not cell:
            continue
        if _PO.match(cell) and "po_swv" not in record:
            record["po_swv"] = cell
        elif _VO.match(cell) and "vo_swv" not in record:
            record["vo_swv"] = cell
        else:
            rest.append(cell)
    for role in ("gemeente", "po_swv", "vo_swv"):
        if role not in record and rest:
            record[role] = rest.pop(0)
    return record


def _records(root: ET.Element) -> Iterator[tuple[int, dict[str, str]]]:
    row_no = 0
    for tgroup in root.iter():
        if _local(tgroup.tag) != "tgroup":
            continue
        roles: dict[str, int] | None = None
        for cells in _grid(tgroup):
            row_no += 1
            header = _header(cells)
            if header is not None:
                roles = header
                continue
            if roles is not None:
                record = {r: cells[i] if i < len(cells) else "" for r, i in roles.items()}
                if not _PC4.match(record["pc4"]):
                    continue
            else:
                found = _by_value(cells)
                if found is None:
                    continue
                record = found
            yield row_no, record


def annex_to_csv(xml: bytes, source: str = "BWBR0032324.xml") -> bytes:
    """The annex table of the Regeling as the bytes of ``swv/swv_pc4_2015.csv``.

    ``source`` names the document in errors. Raises :class:`SourceError` when the document is
    not XML, holds no postcode rows, a row lacks a field, or a postcode has two different values.

    >>> annex_to_csv(b"<regeling/>", source="x.xml")
    Traceback (most recent call last):
    ...
    geo.errors.SourceError: x.xml: no annex table rows with a 4-digit postcode found
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise SourceError(source, f"not well-formed XML ({exc})") from exc
    by_pc4: dict[str, tuple[str, str, str, str]] = {}
    for row_no, record in _records(root):
        missing = [c for c in COLUMNS if not record.get(c)]
        if missing:
            raise SourceError(
                source,
                f"table row {row_no} (postcode {record['pc4']}) has no {', '.join(missing)}",
            )
        values = (
            record["pc4"],
            record["gemeente"],
            _SPACE.sub("", record["po_swv"]),
            _SPACE.sub("", record["vo_swv"]),
        )
        old = by_pc4.setdefault(values[0], values)
        if old != values:
            raise SourceError(
                source,
                f"postcode {values[0]} is listed twice with different values: {old} {values}",
            )
    if not by_pc4:
        raise SourceError(source, "no annex table rows with a 4-digit postcode found")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(by_pc4[pc4] for pc4 in sorted(by_pc4))
    return out.getvalue().encode("utf-8")
