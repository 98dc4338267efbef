"""``/api/divisions``: divisions with region counts, regions with weights, dissolved polygons.

Rule for polygons: a gemeente is drawn in the region holding its largest share (gemeenten
mostly in 'no region' are left out); region polygons are the union of their gemeenten in
EPSG:28992, simplified as one coverage (shared borders stay shared) when ``simplify`` > 0,
and returned in WGS84 with 6 decimals.
"""

from __future__ import annotations

import json
from typing import Annotated

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response

from api.deps import ScenarioEvaluator, ScenarioQuery, get_evaluator
from api.models import (
    DIVISION_PATTERN,
    ERROR_RESPONSES,
    DivisionOut,
    DivisionSummary,
    FeatureCollectionOut,
    RegionOut,
)
from geo.config import CRS_METRIC, CRS_WEB
from geo.dataset import WEIGHTS, Dataset
from geo.division import NO_REGION, Division

router = APIRouter(prefix="/api/divisions", tags=["divisions"], responses=ERROR_RESPONSES)

DivisionPath = Annotated[str, Path(pattern=DIVISION_PATTERN, description="e.g. swv_po")]


def get_division(evaluator: ScenarioEvaluator, scenario: str | None, name: str) -> Division:
    """A division of a scenario, or 404 naming the options."""
    try:
        return evaluator.division(scenario, name)
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0])) from None


def weight_matrix(dataset: Dataset) -> np.ndarray:
    """``units x weights`` matrix in the order of :data:`WEIGHTS`."""
    return dataset.units[list(WEIGHTS.values())].to_numpy(float)


def region_table(division: Division, dataset: Dataset) -> pd.DataFrame:
    """Per column (regions then 'no region'): units with a share, and weight totals.

    >>> from fixtures.synthetic import synthetic_dataset
    >>> ds = synthetic_dataset()
    >>> t = region_table(ds.divisions["swv_po"], ds)
    >>> float(t.loc["GEEN", "area"])  # half of GM0000 (1 km²) is in no SWV
    0.5
    """
    aligned = division.reindexed(pd.Index(dataset.units.index, dtype=str))
    totals = aligned.shares.T @ weight_matrix(dataset)
    counts = np.bincount(aligned.shares.indices, minlength=len(aligned.columns))
    table = pd.DataFrame(totals, index=aligned.columns, columns=list(WEIGHTS))
    table.insert(0, "units", counts)
    return table


@router.get("", response_model=list[DivisionSummary], summary="Divisions with region counts")
def list_divisions(
    scenario: ScenarioQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> list[DivisionSummary]:
    """Every division of the current data (or of ``scenario``) with its size.

    Example: ``GET /api/divisions?scenario=huidig``.
    """
    divisions = evaluator.divisions(scenario)
    suffix = f"?scenario={scenario}" if scenario else ""
    return [
        DivisionSummary(
            name=name,
            regions=d.n_regions,
            units=len(d.units),
            split_units=len(d.split_units()),
            unassigned_units=len(d.unassigned()),
            url=f"/api/divisions/{name}{suffix}",
        )
        for name, d in sorted(divisions.items())
    ]


def _dissolve(division: Division, units_rd: gpd.GeoDataFrame, simplify: float) -> bytes:
    assignment = division.assignment().reindex(units_rd.index)
    keep = assignment.notna() & (assignment != NO_REGION)
    frame = gpd.GeoDataFrame(
        {"region": assignment[keep].to_numpy()}, geometry=units_rd.geometry[keep].values
    )
    dissolved = frame.dissolve(by="region", as_index=True)
    counts = frame["region"].value_counts()
    geoms = dissolved.geometry.values
    if simplify > 0:
        geoms = shapely.coverage_simplify(np.asarray(geoms), simplify)
    web = gpd.GeoSeries(geoms, crs=CRS_METRIC).to_crs(CRS_WEB)
    web = shapely.transform(web.values, lambda xy: np.round(xy, 6))
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": code,
                "name": division.region_names.get(code, code),
                "units": int(counts.get(code, 0)),
            },
            "geometry": json.loads(shapely.to_geojson(geom)),
        }
        for code, geom in zip(dissolved.index, web, strict=True)
    ]
    collection = FeatureCollectionOut.model_validate(
        {"type": "FeatureCollection", "features": features}
    )
    return collection.model_dump_json().encode()


@router.get(
    "/{name}.geojson",
    response_model=FeatureCollectionOut,
    summary="Dissolved region polygons (GeoJSON)",
    responses={200: {"content": {"application/geo+json": {}}}},
)
def division_geojson(
    name: DivisionPath,
    scenario: ScenarioQuery = None,
    simplify: Annotated[
        float, Query(ge=0, le=5000, description="coverage simplification tolerance in metres")
    ] = 50.0,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """Regions as dissolved polygons with ``code``, ``name`` and ``units`` properties.

    Example: ``GET /api/divisions/jeugdregio.geojson?simplify=100``.
    """
    division = get_division(evaluator, scenario, name)
    key = ("geojson", evaluator.key(scenario), name, float(simplify))

    def compute() -> bytes:
        units_rd = evaluator.cache.get_or_compute(
            ("units_rd",), lambda: evaluator.dataset.units[["geometry"]].to_crs(CRS_METRIC)
        )
        return _dissolve(division, units_rd, simplify)

    body = evaluator.cache.get_or_compute(key, compute)
    return Response(body, media_type="application/geo+json")


@router.get("/{name}", response_model=DivisionOut, summary="Regions with names and weights")
def division_detail(
    name: DivisionPath,
    scenario: ScenarioQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> DivisionOut:
    """Regions of one division with their names, gemeente counts and weight totals.

    Example: ``GET /api/divisions/swv_po`` -> ``{"regions": [{"code": "PO2001", ...}], ...}``.
    """
    division = get_division(evaluator, scenario, name)
    table = region_table(division, evaluator.dataset)
    weights = list(WEIGHTS)
    regions = [
        RegionOut(
            code=code,
            name=division.region_names.get(code, code),
            units=int(table.at[code, "units"]),
            weights={w: float(table.at[code, w]) for w in weights},
        )
        for code in division.regions
    ]
    return DivisionOut(
        name=name,
        scenario=scenario,
        regions=regions,
        no_region={w: float(table.at[NO_REGION, w]) for w in weights},
        split_units=division.split_units(),
    )
