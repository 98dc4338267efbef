"""The scenario document model and its published JSON Schema."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from geo.config import SCENARIO_LIBRARY
from geo.scenarios import SCENARIO_SCHEMA, ScenarioDoc
from geo.scenarios.model import OPS, PRINCIPLES, SCHEMA_PATH, schema_text


def test_published_schema_file_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "docs/scenario.schema.json is stale: run "
        "python -c 'from geo.scenarios.model import write_schema; write_schema()'"
    )


def test_schema_is_valid_and_lists_every_op() -> None:
    jsonschema.Draft202012Validator.check_schema(SCENARIO_SCHEMA)
    ops = set()
    for definition in SCENARIO_SCHEMA["$defs"].values():
        op = definition.get("properties", {}).get("op", {})
        if "const" in op:
            ops.add(op["const"])
    assert ops == set(OPS)


@pytest.mark.parametrize("path", sorted(SCENARIO_LIBRARY.glob("*.yaml")), ids=lambda p: p.stem)
def test_library_files_validate_against_the_json_schema(path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text()), SCENARIO_SCHEMA)


@pytest.mark.parametrize(
    "doc",
    [
        {"name": "x", "description": "d", "edits": [{"op": "teleport", "division": "swv_po"}]},
        {"name": "x", "description": "d", "edits": [{"op": "move", "division": "swv_po"}]},
        {"name": "x", "description": "d", "principles": [5]},
        {"name": "x", "description": "d", "colour": "red"},
        {
            "name": "x",
            "description": "d",
            "edits": [{"op": "move", "division": "swv_po", "unit": "GM1", "to": "A", "share": 1.5}],
        },
    ],
)
def test_schema_and_model_reject_the_same_documents(doc) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCENARIO_SCHEMA)
    with pytest.raises(ValueError):
        ScenarioDoc.model_validate(doc)


def test_defaults_and_aliases() -> None:
    doc = ScenarioDoc.model_validate(
        {
            "name": "x",
            "description": "d",
            "edits": [
                {"op": "derive_swv"},
                {"op": "move", "division": "swv_po", "unit": "GM1", "to": "A", "from": "B"},
                {"op": "assign", "division": "plan", "assignment": {"GM1": 7}},
            ],
        }
    )
    derive, move, assign = doc.edits
    assert (derive.division, derive.rule, derive.po, derive.vo) == (
        "swv",
        "components",
        "swv_po",
        "swv_vo",
    )
    assert move.from_ == "B"
    assert assign.assignment == {"GM1": "7"}  # numbers from YAML become codes
    assert doc.principles == [] and doc.base is None
    dumped = json.loads(doc.model_dump_json(by_alias=True, exclude_none=True))
    jsonschema.validate(dumped, SCENARIO_SCHEMA)
    assert dumped["edits"][1]["from"] == "B"


def test_principles_are_documented() -> None:
    assert sorted(PRINCIPLES) == [1, 2, 3]
    assert "principles" in SCENARIO_SCHEMA["properties"]


def test_one_table_of_edit_ops_drives_ops_models_union_and_handlers() -> None:
    from typing import get_args

    from geo.scenarios.apply import HANDLERS
    from geo.scenarios.model import EDIT_MODELS, OP_MODELS, Edit, op_of

    assert OPS == tuple(op_of(m) for m in EDIT_MODELS)
    assert list(OP_MODELS.values()) == list(EDIT_MODELS)
    assert get_args(get_args(Edit)[0]) == EDIT_MODELS
    assert set(HANDLERS) == set(OPS)
