"""Read uploaded assignments for exchange with other tools: CSV, GeoJSON or GeoPackage.

Rules:

- CSV: :func:`geo.scenarios.assignment_csv.read_assignment_csv`, the reader a scenario's
  ``csv:`` edit uses too (``,`` or ``;``, decimal commas, a BOM, bare codes ``363`` -> ``GM0363``).
- GeoJSON / GeoPackage: polygons with a region code property (``region_key``). A layer without
  CRS, coordinates that do not fit the CRS, non-polygon or invalid geometries (unless
  ``repair``) are refused naming the feature. Each gemeente goes wholly to the region that
  covers the largest part of its area (:func:`geo.geometry.assign.assign`, in EPSG:28992).

Every problem raises :class:`UploadError` (CSV: :class:`AssignmentCsvError`) naming the file
and the field, row or feature.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from api.safety.geometry_work import GeometryCaps, check_overlay_work, run_isolated
from api.safety.upload_guard import (
    UploadCaps,
    UploadError,
    UploadRefused,
    check_filename,
    read_polygons,
    sniff_upload,
)
from geo.config import CRS_METRIC
from geo.geometry.assign import assign
from geo.geometry.repair import POLYGONAL_TYPES
from geo.geometry.repair import repair as repair_geometries

__all__ = ["UploadError", "UploadRefused"]


@dataclass
class RegionUpload:
    """A whole-gemeente assignment read from uploaded polygons."""

    assignment: pd.Series
    """gemeente code -> region code"""
    region_names: dict[str, str] = field(default_factory=dict)
    low_overlap: pd.DataFrame = field(default_factory=pd.DataFrame)
    """gemeenten whose best region covers less than 99% of them: unit, region, share"""
    repaired: list[dict[str, str]] = field(default_factory=list)


def upload_kind(data: bytes, filename: str) -> str:
    """``csv``, ``geojson`` or ``gpkg`` from the content
    (:func:`api.safety.upload_guard.sniff_upload`);
    archives, XML (VRT), other binaries and GDAL paths raise :class:`UploadRefused` (422).

    >>> upload_kind(b'{"type": "FeatureCollection"}', "upload"), upload_kind(b"unit,region", "x")
    ('geojson', 'csv')
    """
    return sniff_upload(data, check_filename(filename))


def _text(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(f"{filename}: not UTF-8 text (byte {exc.start})") from None


def _read_layer(
    data: bytes, filename: str, kind: str, caps: UploadCaps | None = None
) -> gpd.GeoDataFrame:
    return read_polygons(data, filename, kind, caps)


def _check_crs(layer: gpd.GeoDataFrame, filename: str, netherlands: tuple[float, ...]) -> None:
    if layer.crs is None:
        raise UploadError(f"{filename}: the layer has no CRS; use EPSG:28992 or EPSG:4326")
    minx, miny, maxx, maxy = layer.total_bounds
    if layer.crs.is_geographic and (
        min(minx, miny) < -180 or maxx > 180 or maxy > 90 or miny < -90
    ):
        raise UploadError(
            f"{filename}: wrong CRS: coordinates up to ({maxx:.0f}, {maxy:.0f}) are not degrees, "
            f"but the file says {layer.crs.to_string()} (RD New coordinates need EPSG:28992)"
        )
    bounds = gpd.GeoSeries([shapely.box(minx, miny, maxx, maxy)], crs=layer.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        projected = bounds.to_crs(CRS_METRIC).iloc[0]
    if not projected.is_valid or not projected.intersects(shapely.box(*netherlands)):
        raise UploadError(
            f"{filename}: wrong CRS: the polygons (bounds {minx:.4g}, {miny:.4g}, {maxx:.4g}, "
            f"{maxy:.4g} in {layer.crs.to_string()}) do not lie in the Netherlands"
        )


def _overlay(
    layer: gpd.GeoDataFrame, units_rd: gpd.GeoDataFrame, region_key: str, filename: str
) -> tuple[pd.Series, pd.DataFrame, list[dict[str, str]]]:
    """The geometry work of an upload (run in a sandbox,
    :func:`api.safety.geometry_work.run_isolated`):
    repair, reprojection, dissolve per region and the largest-overlap assignment."""
    layer, repaired = repair_geometries(layer, key=region_key, source=filename, warn=False)
    regions = layer.to_crs(CRS_METRIC)
    # reprojection may make a valid ring touch itself: repair those artefacts silently
    regions, _ = repair_geometries(regions, key=region_key, warn=False)
    regions = regions.dissolve(by=region_key, as_index=False)
    unit_frame = gpd.GeoDataFrame(
        {"code": units_rd.index.astype(str)}, geometry=units_rd.geometry.values, crs=CRS_METRIC
    )
    unit_frame, _ = repair_geometries(unit_frame, key="code", warn=False)
    assignment, low = assign(
        unit_frame, regions, unit_key="code", region_key=region_key, source=filename, warn=False
    )
    return assignment, low, repaired


def read_region_upload(
    data: bytes,
    filename: str,
    units: gpd.GeoDataFrame,
    *,
    region_key: str = "region",
    name_key: str | None = None,
    repair: bool = False,
    caps: UploadCaps | None = None,
    geometry: GeometryCaps | None = None,
) -> RegionUpload:
    """Assign every unit of ``units`` (GeoDataFrame indexed by code) to an uploaded region.

    >>> import geopandas as gpd, shapely
    >>> units = gpd.GeoDataFrame(geometry=[shapely.box(150e3, 450e3, 151e3, 451e3)],
    ...     index=pd.Index(["GM0001"], name="code"), crs="EPSG:28992")
    >>> fc = gpd.GeoDataFrame({"region": ["A"]}, geometry=[shapely.box(149e3, 449e3, 152e3,
    ...     452e3)], crs="EPSG:28992").to_json(to_wgs84=True)
    >>> read_region_upload(fc.encode(), "r.geojson", units).assignment.to_dict()
    {'GM0001': 'A'}
    """
    kind = upload_kind(data, filename)
    if kind == "csv":
        raise UploadError(f"{filename}: expected GeoJSON or GeoPackage polygons, got CSV")
    layer = _read_layer(data, filename, kind, caps)
    if layer.empty:
        raise UploadError(f"{filename}: the layer has no features")
    if region_key not in layer.columns:
        props = ", ".join(c for c in layer.columns if c != layer.geometry.name) or "none"
        raise UploadError(
            f"{filename}: region_key: property {region_key!r} not found; properties are: {props}"
        )
    codes = layer[region_key]
    missing = codes.isna() | (codes.astype(str).str.strip() == "")
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise UploadError(f"{filename}: feature {i}: property {region_key!r} is empty")
    layer = layer.assign(**{region_key: codes.astype(str).str.strip()})
    geoms = layer.geometry.values
    types = shapely.get_type_id(geoms)
    bad_type = ~np.isin(types, POLYGONAL_TYPES) | shapely.is_empty(geoms)
    if bad_type.any():
        i = int(np.flatnonzero(bad_type)[0])
        kind_name = "no geometry" if geoms[i] is None else f"a {geoms[i].geom_type}"
        raise UploadError(
            f"{filename}: feature {i} (region {layer[region_key].iloc[i]!r}) has {kind_name}; "
            "only Polygon and MultiPolygon are accepted"
        )
    units_rd = units.to_crs(CRS_METRIC) if units.crs != CRS_METRIC else units
    _check_crs(layer, filename, tuple(units_rd.total_bounds))
    invalid = ~shapely.is_valid(geoms)
    if invalid.any() and not repair:
        i = int(np.flatnonzero(invalid)[0])
        reason = shapely.is_valid_reason(geoms[i])
        raise UploadError(
            f"{filename}: feature {i} (region {layer[region_key].iloc[i]!r}) has an invalid "
            f"geometry ({reason}); fix it or send repair=true"
        )
    geometry_caps = geometry or GeometryCaps()
    check_overlay_work(layer.geometry, units_rd.geometry, geometry_caps, filename)
    frame = layer[[region_key, layer.geometry.name]]
    assignment, low, repaired = run_isolated(
        _overlay,
        (frame, units_rd[[units_rd.geometry.name]], region_key, filename),
        seconds=geometry_caps.seconds,
        memory=geometry_caps.memory,
        what=filename,
    )
    names: dict[str, str] = {}
    if name_key is not None:
        if name_key not in layer.columns:
            raise UploadError(f"{filename}: name_key: property {name_key!r} not found")
        first = layer.drop_duplicates(region_key).set_index(region_key)[name_key]
        used = set(assignment)
        names = {str(k): str(v) for k, v in first.items() if k in used and pd.notna(v)}
    return RegionUpload(assignment.astype(str), names, low, repaired)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet may read as a formula (OWASP CSV injection)."""


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that starts like a formula (``= + - @``, tab, CR) given
    a leading ``'``, so a spreadsheet shows it as text instead of running it.

    >>> table = pd.DataFrame({"region": ["=HYPERLINK(1)", "R1"], "share": [1.0, 0.5]})
    >>> neutralise_formulas(table).to_dict("list")
    {'region': ["'=HYPERLINK(1)", 'R1'], 'share': [1.0, 0.5]}
    """
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]):
            continue
        text = out[column].astype(str)
        risky = text.str.startswith(FORMULA_START)
        if risky.any():
            out[column] = text.where(~risky, "'" + text)
    return out
