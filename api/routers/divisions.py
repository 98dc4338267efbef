"""``/api/divisions``: divisions with region counts, regions with weights, dissolved polygons.

Rule for polygons: a gemeente is drawn in the region holding its largest share (gemeenten
mostly in 'no region' are left out); region polygons are the coverage union of their gemeenten
(the gemeenten form a valid coverage, so shared borders stay shared), in WGS84 with 6
decimals (about 0.1 m).
"""

from __future__ import annotations

import json
from typing import Annotated

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import TypeAdapter

from api.deps import (
    ScenarioEvaluator,
    ScenarioQuery,
    cached_response,
    division_or_404,
    get_evaluator,
)
from api.models import (
    DIVISION_PATTERN,
    ERROR_RESPONSES,
    DivisionOut,
    DivisionSummary,
    FeatureCollectionOut,
    RegionOut,
)
from geo.config import CRS_WEB
from geo.dataset import WEIGHTS, Dataset
from geo.division import NO_REGION, Division

router = APIRouter(prefix="/api/divisions", tags=["divisions"], responses=ERROR_RESPONSES)

DivisionPath = Annotated[str, Path(pattern=DIVISION_PATTERN, description="e.g. swv_po")]


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


DIVISION_LIST = TypeAdapter(list[DivisionSummary])


@router.get("", response_model=list[DivisionSummary], summary="Divisions with region counts")
def list_divisions(
    scenario: ScenarioQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """Every division of the current data (or of ``scenario``) with its size.

    Example: ``GET /api/divisions?scenario=huidig``.
    """

    def compute() -> bytes:
        suffix = f"?scenario={scenario}" if scenario else ""
        summaries = [
            DivisionSummary(
                name=name,
                regions=d.n_regions,
                units=len(d.units),
                split_units=len(d.split_units()),
                unassigned_units=len(d.unassigned()),
                url=f"/api/divisions/{name}{suffix}",
            )
            for name, d in sorted(evaluator.divisions(scenario).items())
        ]
        return DIVISION_LIST.dump_json(summaries)

    return cached_response(evaluator, ("division_list", evaluator.key(scenario)), compute)


def dissolve_regions(division: Division, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Region polygons (index = region code, column ``units``) from the gemeente polygons.

    >>> from fixtures.synthetic import synthetic_dataset
    >>> ds = synthetic_dataset()
    >>> regions = dissolve_regions(ds.divisions["jeugdregio"], ds.units)
    >>> len(regions), int(regions["units"].sum())
    (12, 48)
    """
    assignment = division.assignment().reindex(units.index)
    keep = (assignment.notna() & (assignment != NO_REGION)).to_numpy()
    frame = gpd.GeoDataFrame(
        {"region": assignment[keep].to_numpy()},
        geometry=units.geometry.values[keep],
        crs=units.crs,
    )
    try:
        dissolved = frame.dissolve(by="region", method="coverage")
    except shapely.errors.GEOSException:  # not a clean coverage: repair and use a full union
        frame = frame.set_geometry(shapely.make_valid(frame.geometry.values))
        dissolved = frame.dissolve(by="region")
    dissolved["units"] = frame["region"].value_counts().reindex(dissolved.index).astype(int)
    return dissolved


def _dissolve(division: Division, units: gpd.GeoDataFrame) -> bytes:
    dissolved = dissolve_regions(division, units.to_crs(CRS_WEB))
    web = shapely.transform(dissolved.geometry.values, lambda xy: np.round(xy, 6))
    counts = dissolved["units"]
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
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """Regions as dissolved polygons with ``code``, ``name`` and ``units`` properties.

    Example: ``GET /api/divisions/jeugdregio.geojson?scenario=jeugdregio_41``.
    """
    division = division_or_404(evaluator, scenario, name)

    def compute() -> bytes:
        return _dissolve(division, evaluator.dataset.units[["geometry"]])

    key = ("geojson", evaluator.key(scenario), name)
    return cached_response(evaluator, key, compute, media_type="application/geo+json")


GPKG_CRS = "EPSG:28992"
"""The GeoPackage export is in RD New (metres), as Dutch GIS expects."""


def region_geopackage(division: Division, units: gpd.GeoDataFrame) -> bytes:
    """One GeoPackage layer ``regions`` (``code``, ``name``, ``units``; EPSG:28992) of the
    dissolved regions, written to a private temporary file and read back.

    >>> from fixtures.synthetic import synthetic_dataset
    >>> ds = synthetic_dataset()
    >>> region_geopackage(ds.divisions["jeugdregio"], ds.units)[:15]
    b'SQLite format 3'
    """
    import tempfile
    from pathlib import Path

    dissolved = dissolve_regions(division, units.to_crs(GPKG_CRS))
    frame = gpd.GeoDataFrame(
        {
            "code": dissolved.index.astype(str),
            "name": [division.region_names.get(c, c) for c in dissolved.index],
            "units": dissolved["units"].astype(int).to_numpy(),
        },
        geometry=dissolved.geometry.values,
        crs=GPKG_CRS,
    )
    with tempfile.TemporaryDirectory(prefix="regio-gpkg-") as tmp:
        path = Path(tmp) / "regions.gpkg"
        frame.to_file(path, layer="regions", driver="GPKG", engine="pyogrio")
        return path.read_bytes()


@router.get(
    "/{name}.gpkg",
    summary="Dissolved region polygons (GeoPackage, EPSG:28992)",
    response_class=Response,
    responses={200: {"content": {"application/geopackage+sqlite3": {}}}},
)
def division_geopackage(
    name: DivisionPath,
    scenario: ScenarioQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """The regions of ``name`` (in ``scenario``) as one GeoPackage layer ``regions`` with
    ``code``, ``name`` and ``units``, in RD New (EPSG:28992).

    Example: ``GET /api/divisions/swv_po.gpkg?scenario=jeugdregio_41``.
    """
    division = division_or_404(evaluator, scenario, name)
    key = ("gpkg", evaluator.key(scenario), name)
    data = evaluator.cache.get_or_compute(
        key, lambda: region_geopackage(division, evaluator.dataset.units[["geometry"]])
    )
    filename = f"{scenario or 'huidig'}_{name}.gpkg"
    return Response(
        data,
        media_type="application/geopackage+sqlite3",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/{name}", response_model=DivisionOut, summary="Regions with names and weights")
def division_detail(
    name: DivisionPath,
    scenario: ScenarioQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """Regions of one division with their names, gemeente counts and weight totals.

    Example: ``GET /api/divisions/swv_po`` -> ``{"regions": [{"code": "PO2001", ...}], ...}``.
    """
    division = division_or_404(evaluator, scenario, name)

    def compute() -> bytes:
        table = region_table(division, evaluator.dataset)
        weights = list(WEIGHTS)
        rows = table[weights].to_dict(orient="index")
        counts = table["units"].to_dict()
        regions = [
            RegionOut(
                code=code,
                name=division.region_names.get(code, code),
                units=int(counts[code]),
                weights=rows[code],
            )
            for code in division.regions
        ]
        out = DivisionOut(
            name=name,
            scenario=scenario,
            regions=regions,
            no_region=rows[NO_REGION],
            split_units=division.split_units(),
        )
        return out.model_dump_json().encode()

    return cached_response(evaluator, ("division", evaluator.key(scenario), name), compute)
