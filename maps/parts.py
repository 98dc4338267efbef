"""Real SWV borders inside split gemeenten: the gemeente cut along its postcode (PC4) borders.

Rule: the build cuts every gemeente that lies in more than one SWV into one part per SWV along
its PC4 borders (:attr:`geo.dataset.Dataset.unit_parts`). A map of a division uses those parts
for a unit exactly when the unit's area shares in the division lie in the same regions as the
parts (so today's swv_po / swv_vo, and any scenario that leaves that gemeente's SWVs as they
are); any other unit is drawn whole, in its region with the largest share. The parts are
clipped to the map's unit geometry (the largest part takes what the others leave), and their
inner borders are simplified together with ``shapely.coverage_simplify`` while the gemeente's
outline stays fixed, so neighbouring SWVs neither gap nor overlap.

>>> import geopandas as gpd, shapely
>>> g = gpd.GeoSeries([shapely.box(0, 0, 2, 1)], index=["G"], crs="EPSG:4326")
>>> parts = gpd.GeoDataFrame({"division": ["d", "d"], "unit": ["G", "G"], "region": ["A", "B"]},
...     geometry=[shapely.box(0, 0, 1.2, 1), shapely.box(1.2, 0, 2, 1)], crs="EPSG:4326")
>>> d = Division.from_membership("d", pd.DataFrame(
...     {"unit": ["G", "G"], "region": ["A", "B"], "share": [0.6, 0.4]}))
>>> fine, region = fine_units(g, d, parts)
>>> list(region), [round(x.area, 2) for x in fine]
(['A', 'B'], [1.2, 0.8])
"""

from __future__ import annotations

from collections import OrderedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.division import NO_REGION, Division
from geo.geometry.repair import make_valid_polygonal
from maps.geometry import PRECISION, division_fingerprint, geometry_fingerprint

SIMPLIFY_DEGREES = 4e-4
"""Tolerance of the topology-keeping simplification of inner SWV borders (≈ 30-45 m)."""


def _matching_parts(division: Division, parts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The parts of the units whose area shares lie in exactly the parts' regions."""
    if parts is None or parts.empty:
        return parts.iloc[0:0] if parts is not None else gpd.GeoDataFrame()
    area = division.for_weight("area_km2").membership
    want = area.groupby("unit")["region"].agg(frozenset)
    candidates = []
    for _, group in parts.groupby("division", sort=False):  # swv_po, swv_vo
        have = group.groupby("unit")["region"].agg(frozenset)
        ok = have.index[have.to_numpy() == want.reindex(have.index).to_numpy()]
        candidates.append(group[group["unit"].isin(ok)])
    found = pd.concat(candidates, ignore_index=True) if candidates else parts.iloc[0:0]
    return found.drop_duplicates(["unit", "region"])


_CACHE: OrderedDict[tuple[str, str, int], tuple[gpd.GeoSeries, pd.Series]] = OrderedDict()


def fine_units(
    geometry: gpd.GeoSeries, division: Division, parts: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoSeries, pd.Series]:
    """Map geometry with split units replaced by their SWV parts, and each piece's region.

    Index: the unit code for whole units, ``unit|region`` for parts; the region Series is
    aligned with it (``NO_REGION`` for a part in no SWV, e.g. the Europoort). Cached per
    (geometry, division, parts).
    """
    key = (
        geometry_fingerprint(geometry),
        division_fingerprint(division.for_weight("area_km2")),
        id(parts),
    )
    if key not in _CACHE:
        _CACHE[key] = _fine_units(geometry, division, parts)
        while len(_CACHE) > 32:
            _CACHE.popitem(last=False)
    fine, region = _CACHE[key]
    return fine.copy(), region.copy()


def _fine_units(
    geometry: gpd.GeoSeries, division: Division, parts: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoSeries, pd.Series]:
    assignment = division.assignment().reindex(geometry.index).astype(str)
    found = _matching_parts(division, parts) if parts is not None else None
    if found is None or found.empty:
        return geometry, assignment
    found = found[found["unit"].isin(geometry.index)]
    unit_geom = geometry.reindex(found["unit"]).to_numpy()
    part_geom = found.geometry.to_numpy().copy()
    bad = ~shapely.is_valid(part_geom)
    if bad.any():  # projected back to EPSG:4326, a few parts self-touch
        part_geom[bad] = make_valid_polygonal(part_geom[bad])
    clipped = shapely.intersection(part_geom, unit_geom)
    area = shapely.area(clipped)
    order = np.lexsort((-area, found["unit"].to_numpy()))
    found, clipped, unit_geom = found.iloc[order], clipped[order], unit_geom[order]
    largest = ~found["unit"].duplicated().to_numpy()
    others = (
        pd.Series(clipped[~largest])
        .groupby(found["unit"].to_numpy()[~largest])
        .agg(lambda s: shapely.union_all(s.to_numpy()))
    )
    rest = others.reindex(found["unit"].to_numpy()[largest]).to_numpy()
    clipped[largest] = np.where(
        pd.isna(rest), unit_geom[largest], shapely.difference(unit_geom[largest], rest)
    )
    clipped = shapely.set_precision(clipped, PRECISION, mode="valid_output")
    simplified = shapely.coverage_simplify(clipped, SIMPLIFY_DEGREES, simplify_boundary=False)
    keep = ~shapely.is_empty(simplified)
    index = (found["unit"] + "|" + found["region"]).to_numpy()[keep]
    whole = geometry.drop(index=found["unit"].unique())
    fine = gpd.GeoSeries(
        np.concatenate([whole.to_numpy(), np.asarray(simplified)[keep]]),
        index=list(whole.index) + list(index),
        crs=geometry.crs,
    )
    region = pd.Series(
        list(assignment.reindex(whole.index)) + list(found["region"].to_numpy()[keep]),
        index=fine.index,
    )
    return fine, region


def no_region_parts(
    geometry: gpd.GeoSeries, division: Division, parts: gpd.GeoDataFrame | None
) -> gpd.GeoSeries:
    """The parts of split units that lie in no region (``NO_REGION``), e.g. the Europoort."""
    fine, region = fine_units(geometry, division, parts)
    return fine[(region == NO_REGION).to_numpy() & fine.index.str.contains("|", regex=False)]
