"""Tests for geo.names: generated SWV names, the official-names CSV, labels."""

from __future__ import annotations

import os
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
