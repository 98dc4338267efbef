"""Precondition decorators of the edit verbs name the offending field."""

from __future__ import annotations

import pytest

from geo.division import NO_REGION, Division
from geo.scenarios.errors import EditError
from geo.scenarios.preconditions import (
    field_name,
    require_regions,
    require_same_units,
    require_units,
)

D = Division.from_assignment("d", {"u1": "A", "u2": "B"})


@require_units("unit")
@require_regions("to", "from_", "regions")
def verb(division, unit, to, *, from_=None, regions=()):
    return unit, to, from_, list(regions)


@require_same_units("other")
def pair(first, other):
    return list(other.units)


def test_valid_arguments_pass_through() -> None:
    assert verb(D, "u1", "B", from_="A", regions=["A", "B"]) == ("u1", "B", "A", ["A", "B"])
    assert verb(D, unit="u2", to="A") == ("u2", "A", None, [])


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"unit": "u9", "to": "A"}, "unit", "unknown unit 'u9'"),
        ({"unit": "u1", "to": "Z"}, "to", "regions are A, B"),
        ({"unit": "u1", "to": "A", "from_": "Q"}, "from", "unknown region 'Q'"),
        ({"unit": "u1", "to": NO_REGION}, "to", "not a region"),
        ({"unit": "u1", "to": "A", "regions": ["A", "X"]}, "regions", "unknown region 'X'"),
    ],
)
def test_bad_arguments_raise_edit_error_with_the_field(kwargs, field, words) -> None:
    with pytest.raises(EditError) as info:
        verb(D, **kwargs)
    assert info.value.field == field and words in info.value.problem


def test_same_units_reindexes_or_names_the_field() -> None:
    reordered = Division.from_assignment("e", {"u2": "X", "u1": "Y"})
    assert pair(D, reordered) == ["u1", "u2"]
    with pytest.raises(EditError) as info:
        pair(D, Division.from_assignment("f", {"u1": "X", "u3": "Y"}))
    assert info.value.field == "other" and "u2" in info.value.problem


def test_field_name() -> None:
    assert field_name("from_") == "from" and field_name("unit") == "unit"
