"""Tests of api.storage.exchange: reading uploaded CSV / GeoJSON / GeoPackage assignments."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from api.storage.exchange import (
    UploadError,
    read_region_upload,
    upload_kind,
)
from fixtures.synthetic import blocks, grid, synthetic_dataset
from geo.errors import GeometryError


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return synthetic_dataset().units[["geometry"]]


def block_regions(n_rows: int = 6, n_cols: int = 8) -> gpd.GeoDataFrame:
    """Block regions (2 x 2 units) as polygons in EPSG:28992, built independently of the units."""
    g = grid(n_rows, n_cols)
    expected = blocks(g, 2, 2).assignment()
    frame = gpd.GeoDataFrame({"region": expected.to_numpy()}, geometry=g.geometry.values, crs=g.crs)
    return frame.dissolve(by="region", as_index=False)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (b"unit,region", "x.csv", "csv"),
        (b"{}", "x.geojson", "geojson"),
        (b"{}", "x.json", "geojson"),
        (b"SQLite format 3\x00" + bytes(52) + b"GPKG" + bytes(8), "upload", "gpkg"),
        (b'\xef\xbb\xbf  {"type": 1}', "upload", "geojson"),
        (b"unit,region", "upload", "csv"),
    ],
)
def test_upload_kind(data: bytes, name: str, kind: str) -> None:
    assert upload_kind(data, name) == kind


# ---------------------------------------------------------------------- polygons
def test_geojson_regions_give_back_the_block_assignment(units: gpd.GeoDataFrame) -> None:
    regions = block_regions()
    data = regions.to_json(to_wgs84=True).encode()
    upload = read_region_upload(data, "blocks.geojson", units)
    expected = blocks(grid(6, 8), 2, 2).assignment()
    pd.testing.assert_series_equal(
        upload.assignment.sort_index(), expected.sort_index(), check_names=False
    )
    assert upload.low_overlap.empty


def test_geopackage_in_rd_new_works_too(units: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = tmp_path / "blocks.gpkg"
    block_regions().assign(naam=lambda f: "Regio " + f["region"]).to_file(path, driver="GPKG")
    upload = read_region_upload(path.read_bytes(), "blocks.gpkg", units, name_key="naam")
    assert upload.assignment["GM0000"] == "B0_0"
    assert upload.region_names["B0_0"] == "Regio B0_0"


def test_shifted_polygons_report_low_overlap(units: gpd.GeoDataFrame) -> None:
    regions = block_regions()
    regions["geometry"] = regions.geometry.translate(300.0, 0.0)  # 30% of a unit shifts
    # the left column is no longer covered at all: widen the first region to keep it covered
    regions.loc[0, "geometry"] = regions.loc[0, "geometry"].union(
        shapely.box(149_000, 450_000, 151_000, 452_000)
    )
    upload = read_region_upload(regions.to_json(to_wgs84=True).encode(), "s.geojson", units)
    assert len(upload.low_overlap) > 0
    assert (upload.low_overlap["share"] < 0.99).all()


def test_uncovered_units_are_named(units: gpd.GeoDataFrame) -> None:
    regions = block_regions().iloc[:1]
    with pytest.raises(GeometryError, match="overlap no region"):
        read_region_upload(regions.to_json(to_wgs84=True).encode(), "one.geojson", units)


def test_rd_coordinates_labelled_wgs84_are_refused(units: gpd.GeoDataFrame) -> None:
    regions = block_regions()
    fc = json.loads(regions.to_json())  # RD coordinates, and GeoJSON implies WGS84
    fc.pop("crs", None)
    with pytest.raises(UploadError, match="wrong CRS: coordinates up to .* are not degrees"):
        read_region_upload(json.dumps(fc).encode(), "rd.geojson", units)


def test_swapped_lat_lon_is_refused(units: gpd.GeoDataFrame) -> None:
    regions = block_regions().to_crs(4326)
    regions["geometry"] = regions.geometry.map(
        lambda g: shapely.transform(g, lambda xy: xy[:, ::-1])
    )
    with pytest.raises(UploadError, match="do not lie in the Netherlands"):
        read_region_upload(regions.to_json().encode(), "swap.geojson", units)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "invalid GeoJSON: JSON syntax error at line 1"),
        (b'{"type": "Point", "coordinates": [5, 52]}', "must be FeatureCollection or Feature"),
        (b"[1, 2]", "must be FeatureCollection or Feature"),
        (b'{"type": "FeatureCollection", "features": 3}', "'features' must be a list"),
        (b'{"type": "FeatureCollection", "features": []}', "has no features"),
    ],
)
def test_invalid_geojson_is_named(units: gpd.GeoDataFrame, data: bytes, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        read_region_upload(data, "bad.geojson", units)


def test_csv_is_not_polygons(units: gpd.GeoDataFrame) -> None:
    with pytest.raises(UploadError, match="expected GeoJSON or GeoPackage"):
        read_region_upload(b"unit,region\n", "a.csv", units)


def test_missing_region_property_lists_the_properties(units: gpd.GeoDataFrame) -> None:
    data = block_regions().rename(columns={"region": "regio"}).to_json(to_wgs84=True).encode()
    with pytest.raises(UploadError, match="property 'region' not found; properties are: id, regio"):
        read_region_upload(data, "b.geojson", units)


def test_points_are_refused(units: gpd.GeoDataFrame) -> None:
    frame = gpd.GeoDataFrame({"region": ["A"]}, geometry=[shapely.Point(5.1, 52.1)], crs=4326)
    with pytest.raises(UploadError, match="feature 0 \\(region 'A'\\) has a Point"):
        read_region_upload(frame.to_json().encode(), "p.geojson", units)


def test_invalid_polygon_is_refused_unless_repaired(units: gpd.GeoDataFrame) -> None:
    regions = block_regions()
    box = regions.geometry.iloc[0]
    x0, y0, x1, y1 = box.bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    assert not bowtie.is_valid
    regions.loc[0, "geometry"] = bowtie
    data = regions.to_json(to_wgs84=True).encode()
    with pytest.raises(UploadError, match="feature 0 \\(region 'B0_0'\\) has an invalid geometry"):
        read_region_upload(data, "bow.geojson", units)
    upload = read_region_upload(data, "bow.geojson", units, repair=True)
    assert upload.repaired and upload.repaired[0]["region"] == "B0_0"
    assert upload.assignment["GM0000"] == "B0_0"
