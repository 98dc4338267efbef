"""Preconditions of the overlap engine, as decorators (in the style of maup's ``require_same_crs``).

Each decorator checks named arguments of the wrapped function before it runs and raises a typed
error naming the argument, the CRS, the unit or the feature that is wrong:

- :func:`require_same_units` - two divisions over the same set of units (the second is put in
  the order of the first);
- :func:`require_projected` / :func:`require_same_crs` - GeoDataFrames in one projected CRS;
- :func:`require_valid_geometry` - no invalid geometry, unless the call passes ``repair=True``:
  then invalid features are repaired with ``shapely.make_valid`` and listed in a
  :class:`~geo.errors.RepairedGeometryWarning`.

>>> from geo.division import Division
>>> @require_same_units("a", "b")
... def same_order(a, b):
...     return list(a.units) == list(b.units)
>>> same_order(Division.from_assignment("a", {"x": "A", "y": "B"}),
...            Division.from_assignment("b", {"y": "C", "x": "C"}))
True
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.division import Division
from geo.errors import DivisionError, GeometryError, RepairedGeometryWarning

F = TypeVar("F", bound=Callable[..., Any])


def _binder(func: Callable[..., Any]) -> Callable[..., inspect.BoundArguments]:
    signature = inspect.signature(func)

    def bind(*args: Any, **kwargs: Any) -> inspect.BoundArguments:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound

    return bind


def require_same_units(first: str, second: str) -> Callable[[F], F]:
    """The divisions ``first`` and ``second`` must cover the same units; ``second`` is reordered
    to the unit order of ``first``. Raises :class:`DivisionError` naming units in one only."""

    def decorate(func: F) -> F:
        bind = _binder(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = bind(*args, **kwargs)
            a: Division = bound.arguments[first]
            b: Division = bound.arguments[second]
            if not a.units.equals(b.units):
                only_a = a.units.difference(b.units)
                only_b = b.units.difference(a.units)
                if len(only_a) or len(only_b):
                    raise DivisionError(
                        f"{func.__name__}: divisions {a.name!r} and {b.name!r} are over different "
                        f"units: only in {a.name!r}: {list(only_a[:5])}, "
                        f"only in {b.name!r}: {list(only_b[:5])}"
                    )
                bound.arguments[second] = b.reindexed(a.units)
            return func(*bound.args, **bound.kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


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


def _frames(bound: inspect.BoundArguments, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(n, bound.arguments[n]) for n in names if bound.arguments.get(n) is not None]


def require_same_crs(*names: str) -> Callable[[F], F]:
    """The GeoDataFrame arguments ``names`` (those not None) must share one defined CRS."""

    def decorate(func: F) -> F:
        bind = _binder(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            frames = _frames(bind(*args, **kwargs), names)
            for name, frame in frames:
                if frame.crs is None:
                    raise GeometryError(f"{func.__name__}: {name} has no CRS; set EPSG:28992")
            first_name, first = frames[0]
            for name, frame in frames[1:]:
                if frame.crs != first.crs:
                    raise GeometryError(
                        f"{func.__name__}: CRS of {name} ({frame.crs.to_string()}) differs from "
                        f"{first_name} ({first.crs.to_string()}); reproject to EPSG:28992 first"
                    )
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def require_projected(*names: str) -> Callable[[F], F]:
    """The GeoDataFrame arguments ``names`` must be in a projected (metric) CRS."""

    def decorate(func: F) -> F:
        bind = _binder(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for name, frame in _frames(bind(*args, **kwargs), names):
                if frame.crs is not None and not frame.crs.is_projected:
                    raise GeometryError(
                        f"{func.__name__}: {name} is in CRS {frame.crs.to_string()}, which is not "
                        "projected; areas need a metric CRS such as EPSG:28992"
                    )
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _repair(geoms: np.ndarray) -> np.ndarray:
    """``shapely.make_valid`` keeping only the polygonal parts of each geometry."""
    fixed = shapely.make_valid(geoms)
    parts, owner = shapely.get_parts(fixed, return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), [3, 6])
    out = np.empty(len(geoms), dtype=object)
    for i in range(len(geoms)):  # a handful of repaired features; no vectorised grouped union
        out[i] = shapely.union_all(parts[polygonal & (owner == i)])
    return out


def require_valid_geometry(**keys: str | None) -> Callable[[F], F]:
    """The GeoDataFrame arguments named in ``keys`` must have valid, non-empty geometry.

    ``keys`` maps an argument to the argument holding its key column (or None to use the
    index). An invalid feature raises :class:`GeometryError` naming the argument, the key value
    and ``shapely.is_valid_reason``, unless the call has ``repair=True``: then the features are
    repaired (polygonal part of ``make_valid``) and a :class:`RepairedGeometryWarning` lists them.
    """

    def decorate(func: F) -> F:
        bind = _binder(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = bind(*args, **kwargs)
            repair = bool(bound.arguments.get("repair", False))
            for name, key_arg in keys.items():
                frame = bound.arguments.get(name)
                if frame is None:
                    continue
                key = bound.arguments.get(key_arg) if key_arg else None
                labels = frame[key] if key is not None and key in frame.columns else frame.index
                geoms = frame.geometry.to_numpy()
                empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
                if empty.any():
                    bad = list(map(str, np.asarray(labels)[empty][:5]))
                    raise GeometryError(f"{func.__name__}: {name} has empty geometry for {bad}")
                invalid = ~shapely.is_valid(geoms)
                if not invalid.any():
                    continue
                reasons = shapely.is_valid_reason(geoms[invalid])
                listed = "; ".join(
                    f"{label} ({reason})"
                    for label, reason in zip(np.asarray(labels)[invalid], reasons, strict=True)
                )
                if not repair:
                    raise GeometryError(
                        f"{func.__name__}: {name} has invalid geometry: {listed}; "
                        "pass repair=True to repair it with shapely.make_valid"
                    )
                geoms = geoms.copy()
                geoms[invalid] = _repair(geoms[invalid])
                fixed = frame.copy()
                fixed = fixed.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
                bound.arguments[name] = fixed
                warnings.warn(
                    f"{name}: repaired {int(invalid.sum())} invalid geometr"
                    f"{'y' if invalid.sum() == 1 else 'ies'} with make_valid: {listed}",
                    RepairedGeometryWarning,
                    stacklevel=2,
                )
            return func(*bound.args, **bound.kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def require_key_columns(**keys: str) -> Callable[[F], F]:
    """Each GeoDataFrame argument in ``keys`` must have the column named by argument
    ``keys[frame]``; :class:`GeometryError` names the argument and the missing field."""

    def decorate(func: F) -> F:
        bind = _binder(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = bind(*args, **kwargs)
            for name, key_arg in keys.items():
                frame, key = bound.arguments.get(name), bound.arguments.get(key_arg)
                if frame is not None and key not in frame.columns:
                    raise GeometryError(
                        f"{func.__name__}: {name} has no key field {key!r} "
                        f"(fields: {', '.join(map(str, frame.columns))})"
                    )
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
