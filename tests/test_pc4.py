"""Unit tests of the PC4 layer: reading (broken sources), placing, SWV derivation, weights."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

from geo.config import CRS_METRIC
from geo.data.pc4 import place_pc4, read_pc4
from geo.data.pc4_swv import pc4_swv
from geo.data.pc4_weights import add_pupils, piece_weights, rake, swv_shares
from geo.division import Division
from geo.errors import DivisionError, SourceError
from geo.overlap import contingency

AGES = {"0-4": 5, "5-9": 5, "10-14": 10, "15-19": 0}


def _feature(pc4: str, x: float, y: float, **props: object) -> dict:
    base = {
        "pc4": pc4,
        "inwoners": 100,
        "gemeente": "Utrecht",
        "plaats": "Utrecht",
        "leeftijd": AGES,
    }
    base.update(props)
    ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
    return {
        "type": "Feature",
        "properties": base,
        "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
    }


def _write(tmp_path: Path, features: list[dict]) -> Path:
    path = tmp_path / "pc4.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_reads_a_good_file(tmp_path: Path) -> None:
    frame = read_pc4(_write(tmp_path, [_feature("3511", 5.1, 52.1), _feature("3512", 5.11, 52.1)]))
    assert frame["pc4"].tolist() == ["3511", "3512"]
    assert frame["inhabitants_0_15_2021"].tolist() == [20.0, 20.0]  # 0-4 + 5-9 + 10-14


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nothere\.geojson: file not found"):
        read_pc4(tmp_path / "nothere.geojson")


def test_renamed_property_is_named(tmp_path: Path) -> None:
    feature = _feature("3511", 5.1, 52.1)
    feature["properties"]["inhabitants"] = feature["properties"].pop("inwoners")
    with pytest.raises(SourceError, match=r"pc4\.geojson: expected property\(ies\) 'inwoners'"):
        read_pc4(_write(tmp_path, [feature]))


def test_pc4_outside_the_netherlands(tmp_path: Path) -> None:
    path = _write(tmp_path, [_feature("3511", 5.1, 52.1), _feature("9999", 13.4, 52.5)])
    with pytest.raises(SourceError, match=r"pc4\.geojson: PC4\(s\) outside the Netherlands.*9999"):
        read_pc4(path)


def test_duplicate_code(tmp_path: Path) -> None:
    path = _write(tmp_path, [_feature("3511", 5.1, 52.1), _feature("3511", 5.11, 52.1)])
    with pytest.raises(SourceError, match=r"pc4\.geojson: pc4 code\(s\) listed twice: \['3511'\]"):
        read_pc4(path)


def test_code_not_four_digits(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not 4 digits"):
        read_pc4(_write(tmp_path, [_feature("351", 5.1, 52.1)]))


def _boxes(codes: list[str], boxes: list[tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": codes}, geometry=[shapely.box(*b) for b in boxes], crs=CRS_METRIC
    )


def test_a_sliver_without_evidence_never_splits() -> None:
    pc = _boxes(["1000"], [(0, 0, 10, 1)])
    gm = _boxes(["A", "B"], [(0, 0, 6, 1), (6, 0, 10, 1)])  # 40% in B, but no evidence for B
    ev = pd.DataFrame({"source": ["1000"], "target": ["A"], "count": [1]})
    out = place_pc4(pc, gm, ev)
    assert out[["unit", "fraction", "kind"]].to_dict("records") == [
        {"unit": "A", "fraction": 1.0, "kind": "whole"}
    ]
    # a school whose DUO municipality is B confirms the second piece: now a real split
    ev2 = pd.concat([ev, pd.DataFrame({"source": ["1000"], "target": ["B"], "count": [1]})])
    assert place_pc4(pc, gm, ev2)["fraction"].round(3).tolist() == [0.6, 0.4]
    # but a small piece (< 10%) stays a sliver even with evidence
    gm3 = _boxes(["A", "B"], [(0, 0, 9.5, 1), (9.5, 0, 10, 1)])
    assert len(place_pc4(pc, gm3, ev2)) == 1


def test_new_postcode_gets_the_swv_of_its_2015_gemeente_or_the_one_it_split_off() -> None:
    pcs = _boxes(
        ["1001", "1002", "1003", "2001", "2002"],
        [
            (0, 0, 1, 1),
            (1, 0, 2, 1),
            (2, 0, 3, 1),  # gemeente G1 (one SWV): 1003 new
            (10, 0, 11, 1),
            (11, 0, 12, 1),  # gemeente G2 split: 2002 new, borders 2001
        ],
    )
    g2015 = _boxes(["G1", "G2"], [(0, 0, 3, 1), (9, 0, 13, 1)])
    annex = pd.DataFrame(
        {
            "pc4": ["1001", "1002", "2001", "2003"],
            "gemeente": ["g1", "g1", "g2", "g2"],
            "code2015": ["G1", "G1", "G2", "G2"],
            "po_swv": ["PO1", "PO1", "PO2", "PO3"],
            "vo_swv": ["VO1", "VO1", "VO2", "Europoort"],
        }
    )
    swv, without = pc4_swv(pcs, annex, g2015)
    by = swv.set_index("pc4")
    assert by.loc["1003", ["swv_po", "rule"]].tolist() == ["PO1", "gemeente_2015"]
    assert by.loc["2002", ["swv_po", "swv_vo", "rule", "from_pc4"]].tolist() == [
        "PO2",
        "VO2",
        "split_off",
        "2001",
    ]
    assert by.loc["1001", "rule"] == "annex"
    assert [w["pc4"] for w in without] == ["2003"]  # in the annex, without a polygon


def test_raking_keeps_the_gemeente_totals() -> None:
    pieces = pd.DataFrame({"pc4": ["1", "2", "3"], "unit": ["A", "A", "B"], "fraction": 1.0})
    figures = pd.DataFrame(
        {
            "area_km2": [1.0, 3.0, 2.0],
            "inhabitants_2021": [10.0, 30.0, 0.0],
            "inhabitants_0_15_2021": [1.0, 3.0, 0.0],
        },
        index=pd.Index(["1", "2", "3"], name="pc4"),
    )
    out = piece_weights(pieces, figures, pd.Series({"A": 80, "B": 7}))
    assert out["inhabitants"].tolist() == [20.0, 60.0, 7.0]  # B had none: spread by area
    assert out["inhabitants_0_15"].tolist() == [2.0, 6.0, 0.0]
    assert rake(pd.Series([0.0]), pd.Series(["A"]), pd.Series({"A": 5})).tolist() == [0.0]


def test_shares_differ_per_weight_and_contingency_picks_them() -> None:
    pieces = pd.DataFrame(
        {
            "pc4": ["1", "2"],
            "unit": ["G", "G"],
            "swv_po": ["P1", "GEEN"],
            "area_km2": [1.0, 3.0],
            "inhabitants": [99.0, 1.0],
            "inhabitants_0_15": [10.0, 0.0],
        }
    )
    schools = pd.DataFrame({"unit": ["G"], "level": ["po"], "leerlingen": [50.0], "swv_pc4": ["1"]})
    pieces = add_pupils(pieces.assign(fraction=1.0, kind="whole"), schools, pieces[["pc4"]])
    per = swv_shares(pieces, "swv_po", pd.Index(["G"]))
    assert per["area_km2"].set_index("region")["share"].to_dict() == {"P1": 0.25, "GEEN": 0.75}
    assert per["inhabitants"].set_index("region")["share"].to_dict() == {"P1": 0.99, "GEEN": 0.01}
    assert per["pupils_po"].set_index("region")["share"].to_dict() == {"P1": 1.0}
    # no VO school: the inhabitants_0_15 shares are used
    assert per["pupils_vo"].set_index("region")["share"].to_dict() == {"P1": 1.0}

    def div(m: pd.DataFrame) -> Division:
        return Division.from_membership("swv_po", m, units=["G"], region_names={"P1": "P1"})

    d = div(per["inhabitants"]).with_weight_shares({k: div(m).shares for k, m in per.items()})
    other = Division.from_assignment("jr", {"G": "J"})
    area = contingency(d, other, pd.Series({"G": 4.0}, name="area_km2")).to_frame()
    assert area.loc["GEEN", "J"] == pytest.approx(3.0)
    people = contingency(d, other, pd.Series({"G": 100.0}, name="inhabitants")).to_frame()
    assert people.loc["GEEN", "J"] == pytest.approx(1.0)
    unnamed = contingency(d, other, pd.Series({"G": 100.0})).to_frame()  # default shares
    assert unnamed.loc["GEEN", "J"] == pytest.approx(1.0)
    assert d.shares_for("area") is d.weight_shares["area_km2"]
    assert d.for_weight("area") is d.for_weight("area")  # memoised view
    assert d.totals(pd.Series({"G": 4.0}, name="area_km2"))["GEEN"] == pytest.approx(3.0)


def test_weight_shares_are_validated() -> None:
    d = Division.from_assignment("d", {"G": "A"})
    with pytest.raises(DivisionError, match="shape"):
        d.with_weight_shares({"area_km2": sp.csr_matrix([[1.0]])})
    with pytest.raises(DivisionError, match="sum to"):
        d.with_weight_shares({"area_km2": sp.csr_matrix([[0.5, 0.0]])})
