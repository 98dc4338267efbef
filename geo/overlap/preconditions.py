"""Preconditions of the overlap engine on divisions and weights (in the style of maup).

- :func:`require_same_units` - a decorator: two divisions over the same set of units (the second
  is put in the order of the first), else a :class:`~geo.errors.DivisionError` naming units;
- :func:`aligned_weights` - weights in the unit order of a division, each finite and >= 0.

The preconditions on polygon layers (CRS, key fields, valid geometry) are in
:mod:`geo.preconditions`.

>>> from geo.division import Division
>>> @require_same_units("a", "b")
... def same_order(a, b):
...     return list(a.units) == list(b.units)
>>> same_order(Division.from_assignment("a", {"x": "A", "y": "B"}),
...            Division.from_assignment("b", {"y": "C", "x": "C"}))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from geo.division import Division
from geo.errors import DivisionError
from geo.preconditions import Arguments, precondition

F = TypeVar("F", bound=Callable[..., Any])


def require_same_units(first: str, second: str) -> Callable[[F], F]:
    """The divisions ``first`` and ``second`` must cover the same units; ``second`` is reordered
    to the unit order of ``first``. Raises :class:`DivisionError` naming units in one only."""

    def check(function: str, arguments: Arguments) -> None:
        a: Division = arguments[first]
        b: Division = arguments[second]
        if not a.units.equals(b.units):
            only_a = a.units.difference(b.units)
            only_b = b.units.difference(a.units)
            if len(only_a) or len(only_b):
                raise DivisionError(
                    f"{function}: divisions {a.name!r} and {b.name!r} are over different "
                    f"units: only in {a.name!r}: {list(only_a[:5])}, "
                    f"only in {b.name!r}: {list(only_b[:5])}"
                )
            arguments[second] = b.reindexed(a.units)

    return precondition(check)


def aligned_weights(
    division: Division, weights: pd.Series, *, label: str = "weights"
) -> np.ndarray:
    """``weights`` in the unit order of ``division`` as a float array.

    Rule: every unit needs a finite weight >= 0; otherwise :class:`DivisionError` names the first
    offending unit (extra units in ``weights`` are ignored).

    >>> d = Division.from_assignment("d", {"x": "A", "y": "A"})
    >>> aligned_weights(d, pd.Series({"y": 2.0, "x": 1.0})).tolist()
    [1.0, 2.0]
    """
    aligned = weights
    if not weights.index.equals(division.units):
        aligned = weights.reindex(division.units)
    if pd.api.types.is_numeric_dtype(aligned.dtype):
        values = aligned.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = pd.to_numeric(aligned, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values)
    if bad.any():
        unit = division.units[np.flatnonzero(bad)[0]]
        problem = "is missing" if unit not in weights.index else "is not a finite number"
        raise DivisionError(
            f"{label}: the weight of unit {unit!r} {problem} ({int(bad.sum())} unit(s) affected)"
        )
    if (values < 0).any():
        i = np.flatnonzero(values < 0)[0]
        raise DivisionError(f"{label}: unit {division.units[i]!r} has negative weight {values[i]}")
    return values
