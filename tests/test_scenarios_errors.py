"""ScenarioError and EditError messages."""

from __future__ import annotations

from geo.errors import RegiokompasError
from geo.scenarios.errors import EditError, ScenarioError


def test_scenario_error_names_file_position_and_field() -> None:
    error = ScenarioError("scenarios/x.yaml", "edits[3]", "share", "too large")
    assert isinstance(error, RegiokompasError)
    assert str(error) == "scenarios/x.yaml: edits[3].share: too large"
    assert (error.source, error.position, error.field, error.problem) == (
        "scenarios/x.yaml",
        "edits[3]",
        "share",
        "too large",
    )


def test_scenario_error_without_position_or_field() -> None:
    assert str(ScenarioError("a.yaml", None, "name", "missing")) == "a.yaml: name: missing"
    assert str(ScenarioError("a.yaml", "line 2, column 1", None, "bad")) == (
        "a.yaml: line 2, column 1: bad"
    )
    assert str(ScenarioError("a.yaml", None, None, "empty")) == "a.yaml: empty"


def test_edit_error_keeps_the_field() -> None:
    error = EditError("from", "no share")
    assert isinstance(error, RegiokompasError)
    assert (error.field, error.problem, str(error)) == ("from", "no share", "from: no share")
