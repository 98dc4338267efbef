"""Tests for geo.data.swv_annex on XML generated here in the CALS structure of wetten.overheid.nl.

The real Regeling XML could not be fetched while writing the parser; these documents mimic its
structure (toestand/.../bijlage/table/tgroup/colspec/thead/tbody/row/entry/al) and vary it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from itertools import groupby
from xml.sax.saxutils import escape

import pytest

from geo.config import DEFAULT_SHARED_DATA
from geo.data.download_manifest import MANIFEST
from geo.data.swv_annex import annex_to_csv
from geo.errors import SourceError

COLSPECS = "".join(f"<colspec colname='col{i}' colnum='{i}'/>" for i in range(1, 5))
HEADER = (
    "<thead><row><entry><al>Postcode</al></entry><entry><al>Gemeente</al></entry>"
    "<entry><al>Samenwerkingsverband PO</al></entry>"
    "<entry><al>Samenwerkingsverband VO</al></entry></row></thead>"
)


def _doc(tbody: str, header: str = HEADER, ns: str = "") -> bytes:
    xmlns = f" xmlns='{ns}'" if ns else ""
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><toestand{xmlns}><wetgeving><regeling>"
        "<regeling-tekst><artikel><al>Zie bijlage.</al></artikel></regeling-tekst>"
        "<bijlage><kop><label>Bijlage</label></kop><table frame='all'><tgroup cols='4'>"
        f"{COLSPECS}{header}<tbody>{tbody}</tbody></tgroup></table></bijlage>"
        "</regeling></wetgeving></toestand>"
    ).encode()


def _cell(text: str, **attrs: str) -> str:
    extra = "".join(f" {k}='{v}'" for k, v in attrs.items())
    return f"<entry{extra}><al>{escape(text)}</al></entry>"


def _rows(csv_bytes: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_bytes.decode(), newline="")))


def test_plain_rows_with_header_sorted_and_csv_quoted() -> None:
    body = "".join(
        f"<row>{_cell(a)}{_cell(b)}{_cell(c)}{_cell(d)}</row>"
        for a, b, c, d in [
            ("5671", "Nuenen, Gerwen en Nederwetten", "PO3008", "VO3007"),
            ("1011", "Amsterdam", "PO2707", "VO2708"),
        ]
    )
    out = annex_to_csv(_doc(body))
    assert out == (
        b"pc4,gemeente,po_swv,vo_swv\r\n1011,Amsterdam,PO2707,VO2708\r\n"
        b'5671,"Nuenen, Gerwen en Nederwetten",PO3008,VO3007\r\n'
    )


def test_spans_namespaces_markup_and_spaces_in_codes() -> None:
    # gemeente spans three rows (morerows), Europoort spans both SWV columns (namest/nameend),
    # text is split over inline markup and codes carry a space.
    body = (
        f"<row>{_cell('3011')}{_cell('Rotterdam', morerows='2')}"
        f"{_cell('PO 2801')}<entry><al><nadruk>VO</nadruk> 2801</al></entry></row>"
        f"<row>{_cell('3197')}{_cell('Europoort', namest='col3', nameend='col4')}</row>"
        f"<row>{_cell('3198')}{_cell('Europoort', namest='col3', nameend='col4')}</row>"
        f"<row>{_cell('Noot: Europoort valt onder geen samenwerkingsverband.', namest='col1', nameend='col4')}</row>"  # noqa: E501
    )
    out = annex_to_csv(_doc(body, ns="http://example.org/bwb"))
    assert _rows(out) == [
        ["pc4", "gemeente", "po_swv", "vo_swv"],
        ["3011", "Rotterdam", "PO2801", "VO2801"],
        ["3197", "Rotterdam", "Europoort", "Europoort"],
        ["3198", "Rotterdam", "Europoort", "Europoort"],
    ]


def test_without_header_columns_are_found_by_value() -> None:
    # order of columns differs and there is no header row; one table is split in two tgroups
    body1 = f"<row>{_cell('PO2707')}{_cell('VO2708')}{_cell('1011')}{_cell('Amsterdam')}</row>"
    body2 = f"<row>{_cell('9999')}{_cell('Eemsdelta')}{_cell('Geen')}{_cell('Geen')}</row>"
    doc = (
        "<regeling><table><tgroup cols='4'><tbody>"
        f"{body1}</tbody></tgroup></table><table><tgroup cols='4'><tbody>{body2}"
        "</tbody></tgroup></table></regeling>"
    ).encode()
    assert _rows(annex_to_csv(doc))[1:] == [
        ["1011", "Amsterdam", "PO2707", "VO2708"],
        ["9999", "Eemsdelta", "Geen", "Geen"],
    ]


def test_identical_duplicates_merge_conflicting_ones_fail() -> None:
    row = f"<row>{_cell('1011')}{_cell('Amsterdam')}{_cell('PO2707')}{_cell('VO2708')}</row>"
    assert len(_rows(annex_to_csv(_doc(row + row)))) == 2
    other = f"<row>{_cell('1011')}{_cell('Amsterdam')}{_cell('PO2708')}{_cell('VO2708')}</row>"
    with pytest.raises(SourceError, match="postcode 1011 is listed twice"):
        annex_to_csv(_doc(row + other), source="regeling.xml")


def test_errors_name_the_document_and_the_row() -> None:
    row = f"<row>{_cell('1011')}{_cell('Amsterdam')}{_cell('PO2707')}{_cell('')}</row>"
    with pytest.raises(SourceError, match=r"^r\.xml: table row 2 \(postcode 1011\) has no vo_swv"):
        annex_to_csv(_doc(row), source="r.xml")
    with pytest.raises(SourceError, match=r"^r\.xml: not well-formed XML"):
        annex_to_csv(b"<html><body>oops", source="r.xml")
    with pytest.raises(SourceError, match="no annex table rows"):
        annex_to_csv(_doc(""), source="r.xml")


@pytest.mark.integration
def test_real_table_as_regeling_xml_gives_the_known_good_csv() -> None:
    """The 4,046 rows of the verified CSV, written as a CALS annex (gemeente names spanning
    their postcodes, Europoort over both SWV columns), parse back to the known-good sha256."""
    path = DEFAULT_SHARED_DATA / "swv" / "swv_pc4_2015.csv"
    if not path.is_file():
        pytest.skip(f"real data not found in {path}")
    rows = _rows(path.read_bytes())[1:]
    body = []
    for gemeente, group in groupby(rows, key=lambda r: r[1]):
        group = list(group)
        for i, (pc4, _, po, vo) in enumerate(group):
            name = _cell(gemeente, morerows=str(len(group) - 1)) if i == 0 else ""
            codes = (
                _cell(po, namest="col3", nameend="col4")
                if po == vo == "Europoort"
                else _cell(po) + _cell(vo)
            )
            body.append(f"<row>{_cell(pc4)}{name}{codes}</row>")
    out = annex_to_csv(_doc("".join(body)))
    expected = next(s for s in MANIFEST if s.path == "swv/swv_pc4_2015.csv")
    assert hashlib.sha256(out).hexdigest() == expected.sha256
    assert out == path.read_bytes()
