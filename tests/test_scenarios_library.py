"""Reading scenario files and the library in ``scenarios/``."""

from __future__ import annotations

import json

import pytest

from geo.config import SCENARIO_LIBRARY
from geo.scenarios import ScenarioError, library, load_scenario, resolve_scenario
from geo.scenarios.library import read_document

LIBRARY = ["huidig", "jeugdregio_41", "po_vo_samen", "swv_binnen_jeugdregio"]


def test_library_has_the_four_scenarios_named_after_their_files() -> None:
    docs = library()
    assert sorted(docs) == LIBRARY
    for name, doc in docs.items():
        assert doc.name == name
        assert doc.path == SCENARIO_LIBRARY / f"{name}.yaml"
        assert doc.description.strip()


@pytest.mark.parametrize("name", LIBRARY)
def test_each_library_file_says_what_it_models_and_which_principle(name) -> None:
    text = (SCENARIO_LIBRARY / f"{name}.yaml").read_text()
    comment = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "Models:" in comment and "Principle" in comment


def test_expected_principles() -> None:
    docs = library()
    assert docs["po_vo_samen"].principles == [1]
    assert docs["swv_binnen_jeugdregio"].principles == [3]
    assert docs["jeugdregio_41"].principles == [3]


def test_load_by_path_yaml_and_json(tmp_path) -> None:
    doc = {"name": "j", "description": "json scenario", "principles": [3], "edits": []}
    (tmp_path / "j.json").write_text(json.dumps(doc))
    (tmp_path / "y.yml").write_text("name: y\ndescription: yaml scenario\n")
    assert load_scenario(tmp_path / "j.json").principles == [3]
    loaded = load_scenario(str(tmp_path / "y.yml"))
    assert loaded.name == "y" and loaded.path == tmp_path / "y.yml"


def test_a_file_wins_over_a_library_name(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "huidig").write_text("name: local\ndescription: a local file called huidig\n")
    assert load_scenario("huidig").name == "local"


def test_unknown_scenario_lists_the_library() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("po_vo_samn")
    assert "po_vo_samn" in str(info.value)
    assert "library: huidig, jeugdregio_41, po_vo_samen, swv_binnen_jeugdregio" in str(info.value)


def test_resolve_relative_to_a_directory(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("name: b\ndescription: d\n")
    assert resolve_scenario("b.yaml", relative_to=tmp_path / "sub") == tmp_path / "sub" / "b.yaml"
    assert resolve_scenario("huidig", relative_to=tmp_path) == SCENARIO_LIBRARY / "huidig.yaml"


def test_unreadable_file(tmp_path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "latin1.yaml" in str(info.value) and "cannot read" in str(info.value)


@pytest.mark.parametrize(
    ("text", "json_syntax", "position"),
    [
        ("a: [1, 2\n", False, "line 2, column 1"),
        ("a: 1\nb:\n  c: 1\n  c: 2\n", False, "line 4, column 3"),
        ('{"a": 1,}', True, "line 1, column 9"),
    ],
)
def test_read_document_syntax_errors(text, json_syntax, position) -> None:
    with pytest.raises(ScenarioError) as info:
        read_document(text, source="doc", json_syntax=json_syntax)
    assert info.value.source == "doc" and info.value.position == position


def test_json_duplicate_keys() -> None:
    with pytest.raises(ScenarioError) as info:
        read_document('{"name": "a", "name": "b"}', source="d.json", json_syntax=True)
    assert info.value.field == "name" and "duplicate key" in str(info.value)
