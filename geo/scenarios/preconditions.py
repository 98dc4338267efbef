"""Preconditions of the edit functions, as decorators (in the style of maup).

Each decorator checks named arguments of the decorated function against its first argument, a
:class:`~geo.division.Division`, and raises :class:`~geo.scenarios.errors.EditError` naming the
field (the argument name without a trailing underscore: ``from_`` is the field ``from``).

>>> from geo.division import Division
>>> @require_units("unit")
... def first(division, unit):
...     return unit
>>> first(Division.from_assignment("d", {"GM1": "A"}), "GM1")
'GM1'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from geo.division import NO_REGION, Division
from geo.preconditions import Arguments, precondition
from geo.scenarios.errors import EditError

F = TypeVar("F", bound=Callable[..., Any])


def field_name(parameter: str) -> str:
    """The document field of a Python parameter: ``from_`` -> ``from``.

    >>> field_name("from_")
    'from'
    """
    return parameter.rstrip("_")


def _codes(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def _first_few(codes: Iterable[str], n: int = 8) -> str:
    codes = list(codes)
    shown = ", ".join(codes[:n])
    return shown + (f", ... ({len(codes)} in all)" if len(codes) > n else "")


def _each_code(
    parameters: tuple[str, ...], check: Callable[[Division, str, str], None]
) -> Callable[[F], F]:
    """A decorator calling ``check(division, parameter, code)`` for every code in the named
    arguments (a code, a list of codes or None); ``division`` is the first argument."""

    def check_all(function: str, arguments: Arguments) -> None:
        division: Division = next(iter(arguments.values()))
        for parameter in parameters:
            for code in _codes(arguments[parameter]):
                check(division, parameter, code)

    return precondition(check_all)


def require_units(*parameters: str) -> Callable[[F], F]:
    """The named arguments must be unit codes of the division (the first argument)."""

    def check(division: Division, parameter: str, code: str) -> None:
        if code not in division.unit_position:
            raise EditError(
                field_name(parameter),
                f"unknown unit {code!r}: not a unit of division {division.name!r} "
                "(units are gemeente codes such as 'GM0363')",
            )

    return _each_code(parameters, check)


def check_region(division: Division, parameter: str, code: str) -> None:
    """Raise :class:`EditError` for ``parameter`` unless ``code`` is a region of ``division``
    (``NO_REGION`` is not one)."""
    if code == NO_REGION:
        raise EditError(
            field_name(parameter),
            f"{NO_REGION!r} is the share in no region, not a region; edits keep it as it is",
        )
    if code not in division.column_position:
        raise EditError(
            field_name(parameter),
            f"unknown region {code!r} in division {division.name!r}; regions "
            f"are {_first_few(division.regions)}",
        )


def require_regions(*parameters: str) -> Callable[[F], F]:
    """The named arguments (a code, a list of codes or None) must be regions of the division.

    ``NO_REGION`` is not a region: the share in no region is fixed by the source data and no edit
    moves, merges or renames it.
    """
    return _each_code(parameters, check_region)


def require_same_units(field: str) -> Callable[[F], F]:
    """The first two arguments must be divisions over the same units (the second is reindexed
    to the order of the first); ``field`` names the second one in messages."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(first: Division, second: Division, /, *args: Any, **kwargs: Any) -> Any:
            if set(first.units) != set(second.units):
                differ = sorted(set(first.units) ^ set(second.units))
                raise EditError(
                    field,
                    f"divisions {first.name!r} and {second.name!r} are over different units "
                    f"(e.g. {_first_few(differ, 3)})",
                )
            return func(first, second.reindexed(first.units), *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
