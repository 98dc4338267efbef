"""Preconditions as decorators (in the style of maup's ``@require_same_crs``).

>>> import geopandas as gpd, shapely
>>> @require_same_crs
... def f(a, b):
...     return True
>>> a = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:28992")
>>> f(a, a)
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import geopandas as gpd

from geo.errors import GeometryError

F = TypeVar("F", bound=Callable[..., Any])


def require_same_crs(func: F) -> F:
    """The first two GeoDataFrame arguments must have the same, defined CRS."""

    @functools.wraps(func)
    def wrapper(
        left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, /, *args: Any, **kwargs: Any
    ) -> Any:
        if left.crs is None or right.crs is None:
            raise GeometryError(
                f"{func.__name__}: both inputs need a CRS (got {left.crs} and {right.crs})"
            )
        if left.crs != right.crs:
            raise GeometryError(
                f"{func.__name__}: CRS differ ({left.crs.to_string()} vs {right.crs.to_string()}); "
                "reproject first"
            )
        return func(left, right, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def require_projected(func: F) -> F:
    """The first two GeoDataFrame arguments must be in a projected (metric) CRS (EPSG:28992)."""

    @functools.wraps(func)
    def wrapper(
        left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, /, *args: Any, **kwargs: Any
    ) -> Any:
        for frame in (left, right):
            if frame.crs is not None and not frame.crs.is_projected:
                raise GeometryError(
                    f"{func.__name__}: CRS {frame.crs.to_string()} is not projected; areas need "
                    "a metric CRS such as EPSG:28992"
                )
        return func(left, right, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
