"""Tests for geo.names: generated SWV names, the official-names CSV, labels."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from geo.errors import SourceError
from geo.names import (
    OFFICIAL_NAMES_FILE,
    apply_names,
    generated_names,
    label,
    name_regions,
    read_official_names,
    region_labels,
)


def _expected_name(dataset, division, code: str, column: str) -> str:
    """The rule written out with plain loops (independent of the pandas code)."""
    pupils = dataset.units[column].astype(float)
    view = division.for_weight(column)
    ranked = []
    for unit, share in view.region_units(code).items():
        ranked.append((-(share * float(pupils[unit])), -share, unit))
    with_pupils = [r for r in ranked if r[0] < 0]
    if with_pupils:
        ranked = with_pupils
    ranked.sort()
    names = [str(dataset.units.loc[unit, "name"]) for _, _, unit in ranked]
    text = ", ".join(names[:2])
    return text + (" e.o." if len(names) > 2 else "")


def test_label() -> None:
    assert label("PO2001", "Groningen e.o.") == "PO2001 Groningen e.o."
    assert label("PO2001", "PO2001") == "PO2001"
    assert label("PO2001", "") == "PO2001"
    assert label("PO2001", None) == "PO2001"


def test_every_swv_has_a_generated_name_by_the_rule(dataset) -> None:
    for key, column in (("swv_po", "pupils_po"), ("swv_vo", "pupils_vo")):
        division = dataset.divisions[key]
        for code in division.regions:
            name = division.region_names[code]
            assert name != code, f"{key} {code} has no name"
            assert name == _expected_name(dataset, division, code, column), code


def test_groningen_po_names_its_two_largest_gemeenten(dataset) -> None:
    po = dataset.divisions["swv_po"]
    groningen = dataset.units.index[dataset.units["name"] == "Groningen"][0]
    assert po.unit_regions(groningen) == {"PO2001": pytest.approx(1.0)}
    assert po.region_names["PO2001"].startswith("Groningen, ")
    assert region_labels(po)["PO2001"].startswith("PO2001 Groningen, ")


def test_cbs_names_are_kept(dataset) -> None:
    jz = dataset.divisions["jeugdregio"]
    assert jz.region_names["JZ01"] == "Groningen"
    assert all(jz.region_names[c] != c for c in jz.regions)


def test_generated_names_on_a_toy_division() -> None:
    import pandas as pd

    from geo.division import Division

    d = Division.from_membership(
        "d",
        pd.DataFrame(
            {
                "unit": ["G1", "G2", "G2", "G3"],
                "region": ["A", "A", "B", "C"],
                "share": [1.0, 0.5, 0.5, 1.0],
            }
        ),
    )
    names = pd.Series({"G1": "Een", "G2": "Twee", "G3": "Drie"})
    pupils = pd.Series({"G1": 10.0, "G2": 30.0, "G3": 0.0}, name="p")
    # G2 brings 15 pupils to A, G1 10; C has no pupils: ranked by share.
    assert generated_names(d, names, pupils) == {"A": "Twee, Een", "B": "Twee", "C": "Drie"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "swv_namen.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_official_names_read_and_used(dataset, tmp_path: Path) -> None:
    path = _write(tmp_path, "code,name\nPO2001,SWV Passend Onderwijs Groningen\nvo2001, Stad \n")
    names = read_official_names(path)
    assert names == {"PO2001": "SWV Passend Onderwijs Groningen", "VO2001": "Stad"}
    named = name_regions(dataset, names)
    assert named.divisions["swv_po"].region_names["PO2001"] == "SWV Passend Onderwijs Groningen"
    assert named.divisions["swv_vo"].region_names["VO2001"] == "Stad"
    # the others keep the rule; the input dataset is unchanged
    assert (
        named.divisions["swv_po"].region_names["PO2101"]
        == (dataset.divisions["swv_po"].region_names["PO2101"])
    )
    assert dataset.divisions["swv_po"].region_names["PO2001"] != "SWV Passend Onderwijs Groningen"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("swv,naam\nPO2001,X\n", "line 1: the header must be 'code,name'"),
        ("code,name\nPO2001,X\nPO2001,Y\n", "line 3: SWV PO2001 is listed twice"),
        ("code,name\nPO20O1,X\n", "line 2: 'PO20O1' is not an SWV code"),
        ("code,name\nPO9999,X\n", "line 2: SWV PO9999 does not exist"),
        ("code,name\nPO2001,\n", "line 2: SWV PO2001 has an empty name"),
        ("code,name\nPO2001,X,extra\n", "line 2: expected 2 fields"),
    ],
)
def test_bad_official_names_are_named(dataset, tmp_path: Path, text: str, problem: str) -> None:
    data = tmp_path / "data"
    (data / "swv").mkdir(parents=True)
    (data / OFFICIAL_NAMES_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        apply_names(dataset, data)
    assert problem in str(info.value)
    assert "swv_namen.csv" in str(info.value)


def test_load_dataset_uses_the_official_names_file(data_dir: Path, cache_dir: Path, tmp_path):
    """A data directory with swv/swv_namen.csv: load_dataset names the SWVs by it."""
    from geo.data.store import load_dataset

    data = tmp_path / "data"
    data.mkdir()
    for child in data_dir.iterdir():
        if child.name != "swv":
            os.symlink(child, data / child.name)
    (data / "swv").mkdir()
    for child in (data_dir / "swv").iterdir():
        os.symlink(child, data / "swv" / child.name)
    (data / OFFICIAL_NAMES_FILE).write_text("code,name\nPO3101,Passend Onderwijs Maastricht\n")
    ds = load_dataset(data, cache_dir)
    assert ds.divisions["swv_po"].region_names["PO3101"] == "Passend Onderwijs Maastricht"
    assert ds.divisions["swv_po"].region_names["PO2001"].startswith("Groningen")


# --------------------------------------------------------------- regions a scenario makes
def _apply(dataset, edits: list[dict], base: str | None = None) -> dict:
    from geo.scenarios import apply_scenario
    from geo.scenarios.model import ScenarioDoc

    doc = {"name": "t", "description": "names of regions a scenario makes", "edits": edits}
    if base is not None:
        doc["base"] = base
    return apply_scenario(ScenarioDoc.model_validate(doc), dataset)


def _limburg_po(dataset) -> list[str]:
    """Two PO SWVs of Limburg (the codes of the gemeenten Venlo and Roermond)."""
    po = dataset.divisions["swv_po"]
    units = dataset.units
    codes = []
    for name in ("Venlo", "Roermond"):
        unit = units.index[units["name"] == name][0]
        codes.append(max(po.unit_regions(unit).items(), key=lambda kv: kv[1])[0])
    assert codes[0] != codes[1]
    return codes


def test_a_merge_into_a_new_code_is_named_by_the_rule(dataset) -> None:
    a, b = _limburg_po(dataset)
    out = _apply(
        dataset, [{"op": "merge", "division": "swv_po", "regions": [a, b], "into": "PO9999"}]
    )
    po = out["swv_po"]
    name = po.region_names["PO9999"]
    assert name == _expected_name(dataset, po, "PO9999", "pupils_po")
    assert "+" not in name and name.endswith(" e.o.")
    assert name.split(",")[0] in {"Venlo", "Roermond"}  # the largest of the two


def test_a_merge_into_a_region_named_by_the_rule_is_named_again(dataset) -> None:
    a, b = _limburg_po(dataset)
    before = dataset.divisions["swv_po"].region_names[a]
    out = _apply(dataset, [{"op": "merge", "division": "swv_po", "regions": [a, b], "into": a}])
    po = out["swv_po"]
    assert po.region_names[a] == _expected_name(dataset, po, a, "pupils_po")
    assert b not in po.regions
    # the merged region has both regions' gemeenten: its top two may differ from before
    assert set(po.region_units(a)) > set(dataset.divisions["swv_po"].region_units(a))
    assert before  # (was a generated name itself)


def test_names_given_by_a_planner_or_cbs_are_kept(dataset) -> None:
    a, b = _limburg_po(dataset)
    out = _apply(
        dataset,
        [
            {"op": "merge", "division": "swv_po", "regions": [a, b], "into": a, "name": "Noord"},
            {"op": "merge", "division": "jeugdregio", "regions": ["JZ42", "JZ43"], "into": "JZ42"},
        ],
    )
    assert out["swv_po"].region_names[a] == "Noord"
    jz = dataset.divisions["jeugdregio"]
    assert out["jeugdregio"].region_names["JZ42"] == jz.region_names["JZ42"]  # a CBS name


def test_a_new_region_without_a_name_is_named_after_its_gemeente(dataset) -> None:
    units = dataset.units
    best = units.index[units["name"] == "Best"][0]
    out = _apply(
        dataset,
        [
            {"op": "move", "division": "swv_po", "unit": best, "to": "NIEUW1", "name": ""},
            {"op": "move", "division": "swv_vo", "unit": best, "to": "NIEUW2", "name": "Kempen"},
        ],
    )
    assert out["swv_po"].region_names["NIEUW1"] == "Best"
    assert out["swv_vo"].region_names["NIEUW2"] == "Kempen"


def test_po_vo_samen_regions_read_like_the_others(dataset) -> None:
    """The PO/VO merge of the library (``derive_swv``) named its SWVs after their member codes
    (``PO2001 + VO2001``); now every region is named by the rule from its gemeenten."""
    out = _apply(dataset, [], base="po_vo_samen")
    swv = out["swv"]
    for code in swv.regions:
        name = swv.region_names[code]
        assert name == _expected_name(dataset, swv, code, "pupils_total"), code
        assert not re.search(r"\b(PO|VO)\d{4}\b", name), name
    # copied onto swv_po: the same names
    assert dict(out["swv_po"].region_names) == dict(swv.region_names)


def test_says_nothing() -> None:
    from geo.names import says_nothing

    assert says_nothing("SWV-PO2001", "PO2001 + VO2001")
    assert says_nothing("X", "nieuw, uit delen van PO3102, VO3102")
    assert says_nothing("PO2001-JZ01", " PO2001-JZ01 ")
    assert not says_nothing("PO2001", "Groningen, Stadskanaal e.o.")
    assert not says_nothing("PO2001-JZ01", "Groningen e.o. / Groningen")


def test_a_merged_swv_is_named_in_the_verdict_editor_map_and_report(dataset, sign_in, tmp_path):
    """Through the web app: the verdict JSON, the editor's figures (its pickers and region
    table) and the report call the merged SWV by its generated name, never by codes."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    a, b = _limburg_po(dataset)
    client = sign_in(TestClient(create_app(dataset, tmp_path / "state", library_dir=None)))
    merge = {"op": "merge", "division": "swv_po", "regions": [a, b], "into": "PO9999"}
    doc = {"name": "limburg-samen", "description": "two Limburg SWVs merged", "edits": [merge]}
    assert client.post("/api/scenarios", json=doc).status_code == 201
    expected = _apply(dataset, [merge])["swv_po"].region_names["PO9999"]
    assert expected.endswith(" e.o.") and "PO" not in expected and "+" not in expected

    verdict = client.get("/api/scenarios/limburg-samen/verdict").json()
    named = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("code") == "PO9999" and "name" in node:
                named.append(node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(verdict)
    assert named and set(named) == {expected}

    body = {"division": "swv_po", "against": "jeugdregio", "weight": "pupils_po", "edits": []}
    figures = client.post("/api/scenarios/limburg-samen/evaluate", json=body).json()
    region = next(r for r in figures["regions"] if r["code"] == "PO9999")
    assert region["name"] == expected

    report = client.get("/api/scenarios/limburg-samen/report", params={"region": "Limburg"})
    assert report.status_code == 200
    assert f"PO9999 {expected}" in report.text.replace("&#39;", "'")

    page = client.get("/maps/limburg-samen", params={"division": "swv_po"})
    assert page.status_code == 200
    assert f'"PO9999 {expected}"' in page.text  # the map's region label
