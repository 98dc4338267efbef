"""Preconditions on polygon layers, as decorators (in the style of maup's ``require_same_crs``).

Each decorator checks named arguments of the wrapped function before it runs and raises a
:class:`~geo.errors.GeometryError` naming the function, the argument and the CRS, field or feature
that is wrong. Arguments that are ``None`` (optional layers) are not checked.

- :func:`require_same_crs` - the GeoDataFrames share one defined CRS;
- :func:`require_projected` - the GeoDataFrames are in a projected (metric) CRS;
- :func:`require_key_columns` - each GeoDataFrame has the key field another argument names;
- :func:`require_valid_geometry` - no empty or invalid geometry, unless the call passes
  ``repair=True``: then invalid features are repaired
  (:func:`make_valid_polygonal`, also used by :func:`geo.geometry.repair.repair`) and listed in a
  :class:`~geo.errors.RepairedGeometryWarning`.

:func:`precondition` turns a check of the arguments (by parameter name) into such a decorator; the
other precondition modules build on it. This module does not import geopandas, so light modules
such as :mod:`geo.scenarios` can use it.

>>> import geopandas as gpd, shapely
>>> @require_same_crs("a", "b")
... def f(a, b):
...     return True
>>> a = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:28992")
>>> f(a, a)
True
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import shapely

from geo.errors import GeometryError, RepairedGeometryWarning

F = TypeVar("F", bound=Callable[..., Any])


Arguments = dict[str, Any]
"""The arguments of one call by parameter name (defaults applied); a check may replace some."""
Check = Callable[[str, Arguments], None]
"""``check(function_name, arguments)``: raise a typed error, or return (possibly after
replacing arguments, e.g. by a repaired or reordered copy)."""


POLYGONAL_TYPES = (3, 6)
"""shapely type ids of Polygon and MultiPolygon."""


def make_valid_polygonal(geoms: np.ndarray) -> np.ndarray:
    """``shapely.make_valid`` of each geometry, keeping only its polygonal parts.

    ``make_valid`` may return a collection with lines or points next to the polygons (the
    collapsed parts of a ring); those are dropped and the polygonal parts united.

    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> [g.geom_type for g in make_valid_polygonal(np.array([bowtie]))]
    ['MultiPolygon']
    """
    fixed = shapely.make_valid(np.asarray(geoms, dtype=object))
    parts, owner = shapely.get_parts(fixed, return_index=True)
    polygonal = np.isin(shapely.get_type_id(parts), POLYGONAL_TYPES)
    out = np.empty(len(fixed), dtype=object)
    for i in range(len(fixed)):  # a handful of repaired features; no vectorised grouped union
        out[i] = shapely.union_all(parts[polygonal & (owner == i)])
    return out


def precondition(check: Check) -> Callable[[F], F]:
    """A decorator that runs ``check`` on the arguments of every call before the function.

    The signature is read once, when the decorator is applied; the function receives the
    arguments as ``check`` left them.

    >>> def positive(name, arguments):
    ...     if arguments["x"] <= 0:
    ...         raise ValueError(f"{name}: x must be positive")
    >>> @precondition(positive)
    ... def root(x, digits=2):
    ...     return round(x**0.5, digits)
    >>> root(2.0)
    1.41
    >>> root(-1.0)
    Traceback (most recent call last):
    ValueError: root: x must be positive
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            check(func.__name__, bound.arguments)
            return func(*bound.args, **bound.kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _frames(arguments: Arguments, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(n, arguments[n]) for n in names if arguments.get(n) is not None]


def require_same_crs(*names: str) -> Callable[[F], F]:
    """The GeoDataFrame arguments ``names`` (those not None) must share one defined CRS."""

    def check(function: str, arguments: Arguments) -> None:
        frames = _frames(arguments, names)
        for name, frame in frames:
            if frame.crs is None:
                raise GeometryError(f"{function}: {name} has no CRS; set EPSG:28992")
        first_name, first = frames[0]
        for name, frame in frames[1:]:
            if frame.crs != first.crs:
                raise GeometryError(
                    f"{function}: CRS differ: {name} ({frame.crs.to_string()}) differs from "
                    f"{first_name} ({first.crs.to_string()}); reproject to EPSG:28992 first"
                )

    return precondition(check)


def require_projected(*names: str) -> Callable[[F], F]:
    """The GeoDataFrame arguments ``names`` must be in a projected (metric) CRS."""

    def check(function: str, arguments: Arguments) -> None:
        for name, frame in _frames(arguments, names):
            if frame.crs is not None and not frame.crs.is_projected:
                raise GeometryError(
                    f"{function}: {name} is in CRS {frame.crs.to_string()}, which is not "
                    "projected; areas need a metric CRS such as EPSG:28992"
                )

    return precondition(check)


def require_valid_geometry(**keys: str | None) -> Callable[[F], F]:
    """The GeoDataFrame arguments named in ``keys`` must have valid, non-empty geometry.

    ``keys`` maps an argument to the argument holding its key column (or None to use the
    index). An invalid feature raises :class:`GeometryError` naming the argument, the key value
    and ``shapely.is_valid_reason``, unless the call has ``repair=True``: then the features are
    repaired (polygonal part of ``make_valid``) and a :class:`RepairedGeometryWarning` lists them.
    The caller's frame is never changed; the function receives a repaired copy.
    """

    def check(function: str, arguments: Arguments) -> None:
        repair = bool(arguments.get("repair", False))
        for name, key_arg in keys.items():
            frame = arguments.get(name)
            if frame is None:
                continue
            key = arguments.get(key_arg) if key_arg else None
            labels = frame[key] if key is not None and key in frame.columns else frame.index
            geoms = frame.geometry.to_numpy()
            empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
            if empty.any():
                bad = list(map(str, np.asarray(labels)[empty][:5]))
                raise GeometryError(f"{function}: {name} has empty geometry for {bad}")
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
                    f"{function}: {name} has invalid geometry: {listed}; "
                    "pass repair=True to repair it with shapely.make_valid"
                )
            import geopandas as gpd  # loaded already: the frame is a GeoDataFrame

            geoms = geoms.copy()
            geoms[invalid] = make_valid_polygonal(geoms[invalid])
            fixed = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
            arguments[name] = fixed
            warnings.warn(
                f"{name}: repaired {int(invalid.sum())} invalid geometr"
                f"{'y' if invalid.sum() == 1 else 'ies'} with make_valid: {listed}",
                RepairedGeometryWarning,
                stacklevel=3,
            )

    return precondition(check)


def require_key_columns(**keys: str) -> Callable[[F], F]:
    """Each GeoDataFrame argument in ``keys`` must have the column named by argument
    ``keys[frame]``; :class:`GeometryError` names the argument and the missing field."""

    def check(function: str, arguments: Arguments) -> None:
        for name, key_arg in keys.items():
            frame, key = arguments.get(name), arguments.get(key_arg)
            if frame is not None and key not in frame.columns:
                raise GeometryError(
                    f"{function}: {name} has no key field {key!r} "
                    f"(fields: {', '.join(map(str, frame.columns))})"
                )

    return precondition(check)
