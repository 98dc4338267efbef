"""Assign each unit wholly to one region: the region that covers it, else the largest overlap.

Rule (as ``maup.assign``): a unit goes to the target region holding the largest share of its
area. Units whose best share is below ``threshold`` (default 0.99) are reported with a
:class:`LowOverlapWarning` and in the returned report; units touching no region raise.

>>> import geopandas as gpd, shapely
>>> units = gpd.GeoDataFrame({"code": ["u1", "u2"]},
...     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs="EPSG:28992")
>>> regions = gpd.GeoDataFrame({"code": ["R"]}, geometry=[shapely.box(0, 0, 1.9, 1)],
...     crs="EPSG:28992")
>>> a, low = assign(units, regions, warn=False)
>>> a.to_dict(), low["unit"].tolist()
({'u1': 'R', 'u2': 'R'}, ['u2'])
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd

from geo.errors import GeometryError, LowOverlapWarning
from geo.geometry.intersections import intersections
from geo.preconditions import require_same_crs


@require_same_crs("units", "regions")
def assign(
    units: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    *,
    unit_key: str = "code",
    region_key: str = "code",
    threshold: float = 0.99,
    source: str = "",
    warn: bool = True,
) -> tuple[pd.Series, pd.DataFrame]:
    """Return ``unit -> region`` and the table of units whose best overlap is below threshold."""
    pieces = intersections(units, regions, unit_key, region_key)
    best = pieces.sort_values(["source", "share"], ascending=[True, False]).drop_duplicates(
        "source"
    )
    missing = sorted(set(units[unit_key]) - set(best["source"]))
    if missing:
        raise GeometryError(f"{source or 'assign'}: unit(s) {missing[:5]} overlap no region")
    assignment = pd.Series(best["target"].to_numpy(), index=best["source"].to_numpy(), name=source)
    assignment = assignment.reindex(units[unit_key].to_numpy())
    low = best.loc[best["share"] < threshold, ["source", "target", "share"]].rename(
        columns={"source": "unit", "target": "region"}
    )
    if warn and len(low):
        warnings.warn(
            f"{source or 'assign'}: {len(low)} unit(s) have their best overlap below "
            f"{threshold:.0%}: "
            + ", ".join(f"{u}→{r} ({s:.1%})" for u, r, s in low.itertuples(index=False)),
            LowOverlapWarning,
            stacklevel=2,
        )
    return assignment, low.reset_index(drop=True)
