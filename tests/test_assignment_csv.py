"""One assignment-CSV reader, two paths: a `csv:` edit and `POST /api/scenarios/import`.

Each spreadsheet habit (``;`` separators, decimal commas, bare numeric gemeente codes, a UTF-8
BOM) is written into a CSV covering all units of the synthetic dataset; both paths must read it
to the same division, equal to the membership the test wrote down independently.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from fixtures.synthetic import synthetic_dataset
from geo.dataset import Dataset
from geo.division import Division
from geo.scenarios import ScenarioError, apply_scenario, load_scenario
from geo.scenarios.assignment_csv import AssignmentCsvError, read_assignment_csv

BOM = "\ufeff"


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return synthetic_dataset()


def plan(units: list[str], variant: str) -> tuple[bytes, dict[str, dict[str, float]]]:
    """A CSV of ``variant`` over ``units`` and the membership it means.

    Units in the first half go to N, the rest to S; the first unit is split 0.25 N / 0.75 S
    in the variants with a share column.
    """
    half = len(units) // 2
    sep = ";" if variant in {"semicolon", "decimal_comma", "all"} else ","
    with_share = variant in {"decimal_comma", "all"}
    bare = variant in {"bare_codes", "all"}
    bom = variant in {"bom", "all"}
    expected: dict[str, dict[str, float]] = {}
    lines = [sep.join(["GEOID", "District", "Share"] if with_share else ["unit", "region"])]
    for i, unit in enumerate(units):
        code = str(int(unit.removeprefix("GM"))) if bare else unit
        region = "N" if i < half else "S"
        if with_share and i == 0:
            lines.append(sep.join([code, "N", "0,25" if sep == ";" else "0.25"]))
            lines.append(sep.join([code, "S", "0,75" if sep == ";" else "0.75"]))
            expected[unit] = {"N": 0.25, "S": 0.75}
        else:
            lines.append(sep.join([code, region, ""] if with_share else [code, region]))
            expected[unit] = {region: 1.0}
    text = (BOM if bom else "") + "\n".join(lines) + "\n"
    return text.encode("utf-8"), expected


VARIANTS = ["semicolon", "decimal_comma", "bare_codes", "bom", "all"]


def membership(division: Division, units: list[str]) -> dict[str, dict[str, float]]:
    return {u: {r: round(s, 9) for r, s in division.unit_regions(u).items()} for u in units}


@pytest.mark.parametrize("variant", VARIANTS)
def test_reader(ds: Dataset, variant: str) -> None:
    units = list(ds.units.index)
    data, expected = plan(units, variant)
    table = read_assignment_csv(data, "plan.csv")
    got: dict[str, dict[str, float]] = {}
    for row in table.itertuples():
        got.setdefault(row.unit, {})[row.region] = row.share
    assert got == expected


@pytest.mark.parametrize("variant", VARIANTS)
def test_scenario_csv_edit(ds: Dataset, tmp_path: Path, variant: str) -> None:
    units = list(ds.units.index)
    data, expected = plan(units, variant)
    (tmp_path / "plan.csv").write_bytes(data)
    (tmp_path / "plan.yaml").write_text(
        "name: plan\ndescription: from a CSV\n"
        "edits:\n  - {op: assign, division: halves, csv: plan.csv}\n"
    )
    halves = apply_scenario(load_scenario(tmp_path / "plan.yaml"), ds)["halves"]
    assert membership(halves, units) == expected


@pytest.fixture(scope="module")
def client(ds: Dataset, tmp_path_factory: pytest.TempPathFactory, sign_in) -> TestClient:
    app = create_app(ds, tmp_path_factory.mktemp("state"), library_dir=None)
    with sign_in(TestClient(app)) as c:
        yield c


@pytest.mark.parametrize("variant", VARIANTS)
def test_api_import(ds: Dataset, client: TestClient, variant: str) -> None:
    units = list(ds.units.index)
    data, expected = plan(units, variant)
    name = f"csv-{variant.replace('_', '-')}"
    response = client.post(
        "/api/scenarios/import",
        files={"file": ("plan.csv", data, "text/csv")},
        data={"name": name, "division": "swv_po", "allow_new_regions": "true"},
    )
    assert response.status_code == 201, response.text
    division = client.app.state.regio.evaluator.division(name, "swv_po")
    assert membership(division, units) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "plan.csv: the file is empty"),
        (b"naam,regio\nGM1,A\n", "header must name a unit column"),
        (b"unit,region\n", "no rows after the header"),
        (b"unit;region;share\nGM1;A;veel\n", "line 2: share 'veel' is not a number"),
        (b"unit,region,share\nGM1,A,1.5\n", "line 2: share '1.5' is not a number between 0"),
        (b"unit,region\nGM1,A\n,B\n", "line 3: empty unit or region"),
        (b"unit,region\n\xff\xfe,A\n", "not UTF-8 text"),
    ],
)
def test_problems_name_file_and_line_in_both_paths(
    ds: Dataset, client: TestClient, tmp_path: Path, data: bytes, message: str
) -> None:
    with pytest.raises(AssignmentCsvError, match=message):
        read_assignment_csv(data, "plan.csv")
    (tmp_path / "plan.csv").write_bytes(data)
    (tmp_path / "plan.yaml").write_text(
        "name: plan\ndescription: d\nedits:\n  - {op: assign, division: x, csv: plan.csv}\n"
    )
    with pytest.raises(ScenarioError) as info:
        apply_scenario(load_scenario(tmp_path / "plan.yaml"), ds)
    assert info.value.field == "csv" and message in info.value.problem
    response = client.post(
        "/api/scenarios/import",
        files={"file": ("plan.csv", data, "text/csv")},
        data={"name": "bad", "division": "swv_po"},
    )
    assert response.status_code == 422 and message in response.json()["detail"]
    assert client.get("/api/scenarios/bad").status_code == 404  # nothing stored


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(AssignmentCsvError, match="nope.csv: file not found"):
        read_assignment_csv(tmp_path / "nope.csv")


def test_districtr_conventions_and_codes_stay_text(tmp_path: Path) -> None:
    districtr = tmp_path / "districtr.csv"
    districtr.write_text("GEOID20,District\nGM1,01\nGM2, 2\n")
    assert read_assignment_csv(districtr).to_dict("records") == [
        {"unit": "GM1", "region": "01", "share": 1.0},
        {"unit": "GM2", "region": "2", "share": 1.0},
    ]
