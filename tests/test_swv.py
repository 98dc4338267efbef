"""Tests for geo.data.swv: split weights by pupils, postcode fallback, explicit 'no SWV' share."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.data.swv import swv_membership
from geo.division import NO_REGION


def postcodes(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["pc4", "code2015", "po_swv"])


def schools(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "pc4", "level", "leerlingen"])


XW = pd.DataFrame({"source": ["G15", "H15"], "target": ["G", "G"], "weight": [1.0, 1.0]})


def test_split_gemeente_weighted_by_pupils() -> None:
    pc = postcodes([("1000", "G15", "PO1"), ("1001", "G15", "PO1"), ("1002", "H15", "PO2")])
    sc = schools(
        [("G", "1000", "po", 300.0), ("G", "1002", "po", 100.0), ("G", "1002", "vo", 5000.0)]
    )  # VO pupils must not count for swv_po
    m, methods = swv_membership(pc, XW, sc, column="po_swv", pupils_level="po")
    assert m.set_index("region")["share"].to_dict() == pytest.approx({"PO1": 0.75, "PO2": 0.25})
    assert set(methods["method"]) == {"pupils"}


def test_fallback_to_postcode_share_without_schools() -> None:
    pc = postcodes([("1000", "G15", "PO1"), ("1001", "G15", "PO1"), ("1002", "H15", "PO2")])
    m, methods = swv_membership(pc, XW, schools([]), column="po_swv", pupils_level="po")
    assert m.set_index("region")["share"].to_dict() == pytest.approx({"PO1": 2 / 3, "PO2": 1 / 3})
    assert set(methods["method"]) == {"postcodes"}


def test_no_swv_postcodes_keep_an_explicit_share() -> None:
    pc = postcodes(
        [
            ("3000", "G15", "PO1"),
            ("3001", "G15", "PO1"),
            ("3002", "G15", "PO1"),
            ("3197", "G15", "Europoort"),
        ]
    )
    sc = schools([("G", "3000", "po", 900.0)])
    m, _ = swv_membership(pc, XW, sc, column="po_swv", pupils_level="po")
    shares = m.set_index("region")["share"].to_dict()
    assert shares == pytest.approx({"PO1": 0.75, NO_REGION: 0.25})


def test_split_2015_gemeente_reaches_several_2025_gemeenten() -> None:
    xw = pd.DataFrame(
        {"source": ["H15", "H15", "G15"], "target": ["A", "B", "B"], "weight": [0.5, 0.5, 1.0]}
    )
    pc = postcodes([("1000", "H15", "PO1"), ("2000", "G15", "PO2")])
    m, _ = swv_membership(pc, xw, schools([]), column="po_swv", pupils_level="po")
    got = {(u, r): s for u, r, s in m.itertuples(index=False)}
    assert got == pytest.approx({("A", "PO1"): 1.0, ("B", "PO1"): 1 / 3, ("B", "PO2"): 2 / 3})
