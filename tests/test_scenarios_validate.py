"""Invalid scenarios are rejected before anything runs, naming the file, position and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fixtures.synthetic import synthetic_dataset
from geo.scenarios import ScenarioError, load_scenario, parse_scenario, validate_scenario

HEAD = "name: t\ndescription: test scenario\nprinciples: [1]\n"


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset()


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def rejected(path: Path, ds) -> ScenarioError:
    """Load and validate; return the ScenarioError (fails the test if there is none)."""
    with pytest.raises(ScenarioError) as info:
        validate_scenario(load_scenario(path), ds)
    return info.value


def assert_names(error: ScenarioError, path: Path, position: str | None, field: str | None) -> None:
    message = str(error)
    assert path.name in message
    assert error.position == position and error.field == field
    where = ".".join(p for p in (position, field) if p)
    assert f": {where}: " in message


EDIT_CASES = [
    pytest.param(
        """
        edits:
          - {op: move, division: swv_po, unit: GM0001, to: C1}
          - {op: move, division: swv_po, unit: GM9999, to: C1}
        """,
        "edits[1]",
        "unit",
        "unknown unit 'GM9999'",
        id="unknown-unit",
    ),
    pytest.param(
        "edits:\n  - {op: move, division: swv_po, unit: GM0001, to: C7}\n",
        "edits[0]",
        "to",
        "unknown region 'C7'",
        id="unknown-region",
    ),
    pytest.param(
        "edits:\n  - {op: move, division: swv_po, unit: GM0000, from: C0, to: C1, share: 0.8}\n",
        "edits[0]",
        "share",
        "no longer sum to 1",
        id="share-too-large",
    ),
    pytest.param(
        """
        edits:
          - op: assign
            division: plan
            membership:
              - {unit: GM0000, region: A, share: 0.8}
        """,
        "edits[0]",
        "membership",
        "not assigned",
        id="assign-incomplete",
    ),
    pytest.param(
        "edits:\n  - {op: merge, division: swv_px, regions: [C0, C1], into: C0}\n",
        "edits[0]",
        "division",
        "no division 'swv_px'",
        id="unknown-division",
    ),
    pytest.param(
        "edits:\n  - {op: split_by, division: swv_po, by: jeugdregios}\n",
        "edits[0]",
        "by",
        "no division 'jeugdregios'",
        id="unknown-by-division",
    ),
    pytest.param(
        """
        edits:
          - {op: merge, division: jeugdregio, regions: [B0_0, B0_1], into: B0_1}
          - {op: merge, division: jeugdregio, regions: [B0_1, B1_1], into: B0_0}
        """,
        "edits[1]",
        "into",
        "cycle of merges",
        id="merge-cycle",
    ),
    pytest.param(
        """
        edits:
          - {op: merge, division: jeugdregio, regions: [B0_0, B0_1], into: B0_1}
          - {op: move, division: jeugdregio, unit: GM0010, to: B0_0}
        """,
        "edits[1]",
        "to",
        "edits[0] merged it into 'B0_1'",
        id="merged-away-region",
    ),
    pytest.param(
        "edits:\n  - {op: move, division: swv_po, unit: GM0001, to: C1, share: half}\n",
        "edits[0]",
        "share",
        "valid number",
        id="wrong-type",
    ),
    pytest.param(
        "edits:\n  - {op: mvoe, division: swv_po}\n",
        "edits[0]",
        "op",
        "unknown op 'mvoe'",
        id="unknown-op",
    ),
    pytest.param(
        "edits:\n  - {op: move, division: swv_po, untis: GM0001, unit: GM0001, to: C1}\n",
        "edits[0]",
        "untis",
        "allowed fields are",
        id="unknown-field",
    ),
    pytest.param(
        "edits:\n  - {op: move, division: swv_po, unit: GM0001}\n",
        "edits[0]",
        "to",
        "required",
        id="missing-field",
    ),
    pytest.param(
        "edits:\n  - {op: derive_swv, rule: biggest}\n",
        "edits[0]",
        "rule",
        "components",
        id="unknown-rule",
    ),
    pytest.param(
        "edits:\n  - {op: assign, division: plan}\n",
        "edits[0]",
        None,
        "exactly one of 'assignment', 'membership' or 'csv'",
        id="assign-without-source",
    ),
    pytest.param(
        "edits:\n  - {op: assign, division: plan, csv: missing.csv}\n",
        "edits[0]",
        "csv",
        "file not found",
        id="assign-csv-missing",
    ),
    pytest.param(
        "edits:\n  - {op: copy, division: Swv, from: swv_po}\n",
        "edits[0]",
        "division",
        "pattern",
        id="bad-division-name",
    ),
]


@pytest.mark.parametrize(("edits", "position", "field", "words"), EDIT_CASES)
def test_bad_edits_name_file_position_and_field(
    tmp_path, ds, edits, position, field, words
) -> None:
    path = write(tmp_path, HEAD + textwrap.dedent(edits))
    error = rejected(path, ds)
    assert_names(error, path, position, field)
    assert words in error.problem


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("name: t\ndescription: d\nprinciples: [4]\n", "principles[0]", "1, 2 or 3"),
        ("name: t\nprinciples: [1]\n", "description", "required"),
        ("name: 't x'\ndescription: d\n", "name", "pattern"),
        ("name: t\ndescription: d\nedits: {op: move}\n", "edits", "valid list"),
    ],
)
def test_bad_top_level_fields(tmp_path, ds, text, field, words) -> None:
    path = write(tmp_path, text)
    error = rejected(path, ds)
    assert_names(error, path, None, field)
    assert words in error.problem


def test_yaml_syntax_error_names_line_and_column(tmp_path, ds) -> None:
    path = write(tmp_path, HEAD + "edits:\n  - {op: move, division: swv_po\n  - x\n")
    error = rejected(path, ds)
    assert path.name in str(error) and error.position is not None
    assert error.position.startswith("line ") and "column" in error.position


def test_duplicate_key_is_an_error(tmp_path, ds) -> None:
    path = write(tmp_path, HEAD + "edits:\n  - op: move\n    unit: GM0001\n    unit: GM0002\n")
    error = rejected(path, ds)
    assert error.position == "line 7, column 5" and "duplicate key 'unit'" in error.problem


def test_json_syntax_error(tmp_path, ds) -> None:
    path = write(tmp_path, '{"name": "t", "description": "d",\n "edits": [}\n', name="plan.json")
    error = rejected(path, ds)
    assert error.position == "line 2, column 12" and "JSON syntax" in error.problem


def test_top_level_must_be_a_mapping(tmp_path, ds) -> None:
    error = rejected(write(tmp_path, "- op: move\n"), ds)
    assert "must be a mapping" in error.problem


def test_several_type_errors_are_all_listed() -> None:
    doc = {
        "name": "t",
        "description": "d",
        "edits": [{"op": "move", "division": "swv_po"}, {"op": "merge", "division": "x"}],
    }
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, source="x.yaml")
    assert info.value.position == "edits[0]"
    assert "edits[1].regions" in info.value.problem and "and 3 more" in info.value.problem


def test_base_cycle_and_unknown_base(tmp_path, ds) -> None:
    a = write(tmp_path, "name: a\ndescription: d\nbase: b.yaml\n", name="a.yaml")
    write(tmp_path, "name: b\ndescription: d\nbase: a.yaml\n", name="b.yaml")
    error = rejected(a, ds)
    assert error.field == "base" and "cycle of bases: a -> b -> a" in error.problem
    c = write(tmp_path, "name: c\ndescription: d\nbase: nothing_like_this\n", name="c.yaml")
    error = rejected(c, ds)
    assert error.field == "base" and "library:" in error.problem


def test_error_in_a_base_names_the_base_file(tmp_path, ds) -> None:
    write(
        tmp_path, HEAD + "edits:\n  - {op: move, division: swv_po, unit: GM1, to: C1}\n", "b.yaml"
    )
    top = write(tmp_path, "name: top\ndescription: d\nbase: b.yaml\n", name="top.yaml")
    error = rejected(top, ds)
    assert "b.yaml" in error.source and error.position == "edits[0]" and error.field == "unit"


def test_failed_validation_changes_nothing(tmp_path, ds) -> None:
    before = {name: (d, d.shares.copy()) for name, d in ds.divisions.items()}
    path = write(
        tmp_path,
        HEAD
        + textwrap.dedent(
            """
            edits:
              - {op: merge, division: swv_po, regions: [C0, C1], into: C0}
              - {op: move, division: swv_po, unit: GM9999, to: C2}
            """
        ),
    )
    rejected(path, ds)
    assert set(ds.divisions) == set(before)
    for name, (division, shares) in before.items():
        assert ds.divisions[name] is division
        assert (division.shares != shares).nnz == 0


def test_validate_accepts_a_dict_and_returns_the_typed_document(ds) -> None:
    doc = validate_scenario(
        {
            "name": "ok",
            "description": "d",
            "principles": [2],
            "edits": [
                {"op": "derive_swv"},
                {"op": "split_by", "division": "swv", "by": "jeugdregio"},
            ],
        },
        ds,
        source="inline.yaml",
    )
    assert doc.source == "inline.yaml" and [e.op for e in doc.edits] == ["derive_swv", "split_by"]
    with pytest.raises(ScenarioError) as info:
        validate_scenario(
            {"name": "bad", "description": "d", "edits": [{"op": "derive_swv", "po": "swv_pp"}]},
            ds,
            source="inline.yaml",
        )
    assert str(info.value).startswith("inline.yaml: edits[0].po: no division 'swv_pp'")
