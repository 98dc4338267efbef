"""Tests for geo.overlap.preconditions: divisions over other units and bad weights are named."""

from __future__ import annotations

import doctest
import importlib

import pandas as pd
import pytest

from geo.division import Division
from geo.errors import DivisionError
from geo.overlap.preconditions import aligned_weights, require_same_units


@require_same_units("a", "b")
def units_of(a: Division, b: Division) -> tuple[list[str], list[str]]:
    return list(a.units), list(b.units)


def test_same_units_reorders_the_second_division() -> None:
    a = Division.from_assignment("a", {"x": "A", "y": "A", "z": "B"})
    b = Division.from_assignment("b", {"z": "C", "x": "C", "y": "D"})
    assert units_of(a, b) == (["x", "y", "z"], ["x", "y", "z"])
    c = Division.from_assignment("c", {"x": "A", "q": "A", "z": "B"})
    with pytest.raises(DivisionError, match=r"only in 'a': \['y'\].*only in 'c': \['q'\]"):
        units_of(a, c)


def test_aligned_weights_checks_every_unit() -> None:
    d = Division.from_assignment("d", {"x": "A", "y": "B"})
    assert aligned_weights(d, pd.Series({"y": 2, "x": 1, "extra": 5})).tolist() == [1.0, 2.0]
    with pytest.raises(DivisionError, match="'y' is missing"):
        aligned_weights(d, pd.Series({"x": 1.0}))
    with pytest.raises(DivisionError, match="'x' is not a finite number"):
        aligned_weights(d, pd.Series({"x": "many", "y": 1.0}))
    with pytest.raises(DivisionError, match="'y' has negative weight"):
        aligned_weights(d, pd.Series({"x": 1.0, "y": -2.0}))


def test_docstring_examples() -> None:
    module = importlib.import_module("geo.overlap.preconditions")
    assert doctest.testmod(module).failed == 0
