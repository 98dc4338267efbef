"""Crosswalk between two municipal maps (e.g. gemeenten 2015 -> 2025) by areal overlay.

Rule: boundary files of different years were generalised separately, so an overlay leaves
slivers (up to ~20% of a unit along coasts, lakes and rivers). A source unit therefore goes
*whole* to the target unit holding most of its area, unless it is a true split. A split is
true when at least two pieces of at least ``min_piece`` of the area are each confirmed by
``evidence`` (e.g. schools whose postcode lies in the source unit and whose administrative
municipality is the target unit) holding at least ``min_evidence`` of the source's evidence.
Without evidence, a unit is split when its largest piece is below ``threshold``. The weights
of a split are the area shares of the confirmed pieces, renormalised to sum to 1.

>>> import geopandas as gpd, shapely
>>> old = gpd.GeoDataFrame({"code": ["H"]}, geometry=[shapely.box(0, 0, 4, 1)], crs="EPSG:28992")
>>> new = gpd.GeoDataFrame({"code": ["A", "B"]},
...     geometry=[shapely.box(0, 0, 3, 1), shapely.box(3, 0, 4, 1)], crs="EPSG:28992")
>>> crosswalk(old, new, threshold=0.9)[["source", "target", "weight"]].to_dict("records")
[{'source': 'H', 'target': 'A', 'weight': 0.75}, {'source': 'H', 'target': 'B', 'weight': 0.25}]
>>> crosswalk(old, new, threshold=0.7)["weight"].tolist()
[1.0]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.geometry.intersections import intersections
from geo.preconditions import require_same_crs


@require_same_crs("source", "target")
def crosswalk(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    evidence: pd.DataFrame | None = None,
    *,
    key: str = "code",
    threshold: float = 0.75,
    min_piece: float = 0.02,
    min_evidence: float = 0.05,
) -> pd.DataFrame:
    """Table ``source, target, weight, area_share, kind`` ('whole' or 'split'); weights sum to 1."""
    pieces = intersections(source, target, key, key)
    pieces["rank"] = pieces.groupby("source")["share"].rank(ascending=False, method="first")
    candidates = pieces[(pieces["share"] >= min_piece) | (pieces["rank"] == 1)].copy()
    if evidence is not None:
        ev = evidence.groupby(["source", "target"], as_index=False)["count"].sum()
        ev["evidence_share"] = ev["count"] / ev.groupby("source")["count"].transform("sum")
        candidates = candidates.merge(
            ev[["source", "target", "evidence_share"]], on=["source", "target"], how="left"
        )
        candidates["evidence_share"] = candidates["evidence_share"].fillna(0.0)
        confirmed = candidates["evidence_share"] >= min_evidence
        n_confirmed = confirmed.groupby(candidates["source"]).transform("sum")
        split = n_confirmed >= 2
        keep = np.where(split, confirmed, candidates["rank"] == 1)
    else:
        largest = candidates.groupby("source")["share"].transform("max")
        split = largest < threshold
        keep = np.where(split, True, candidates["rank"] == 1)
    out = candidates[keep].copy()
    out["kind"] = np.where(split[keep], "split", "whole")
    out["weight"] = np.where(
        out["kind"] == "split", out["share"] / out.groupby("source")["share"].transform("sum"), 1.0
    )
    columns = ["source", "target", "weight", "share", "kind"]
    out = out[columns].rename(columns={"share": "area_share"})
    return out.sort_values(["source", "weight"], ascending=[True, False], ignore_index=True)
