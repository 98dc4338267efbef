"""Attacks through the upload form (``POST /api/scenarios/import``): GDAL tricks, archives,
XML, binaries, GDAL paths, oversized layers. Every case: the status, the message names the
problem, and the stored scenarios (and audit log) are unchanged; for the VRT and linked-CRS
cases also that no file outside the data folder was opened and no request was made."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from api.safety.limits import Limits
from api.safety.upload_guard import lock_down_gdal
from tests.attacks.conftest import GENEROUS, make_app, state_of, writer

pytestmark = pytest.mark.integration


def vrt(source: str, layer: str = "secret") -> bytes:
    """A GDAL OGR VRT whose layer reads ``source`` (a local CSV or a URL)."""
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="{layer}"><SrcDataSource>{source}</SrcDataSource>'
        f"<SrcLayer>{layer}</SrcLayer></OGRVRTLayer></OGRVRTDataSource>"
    ).encode()


def upload(client: TestClient, data: bytes, filename: str, **form: str):
    fields = {"name": "attack", "division": "swv_po", **form}
    return client.post("/api/scenarios/import", files={"file": (filename, data)}, data=fields)


def refused(app, client: TestClient, data: bytes, filename: str, status: int, named: str):
    before = state_of(app)
    response = upload(client, data, filename)
    assert response.status_code == status, response.text
    assert named.lower() in response.json()["detail"].lower()
    assert state_of(app) == before
    return response


def regions_gpkg(tmp_path: Path) -> bytes:
    """A valid GeoPackage of two polygons in the Netherlands (EPSG:28992)."""
    frame = gpd.GeoDataFrame(
        {"region": ["A", "B"]},
        geometry=[shapely.box(0, 300e3, 150e3, 650e3), shapely.box(150e3, 300e3, 300e3, 650e3)],
        crs="EPSG:28992",
    )
    path = tmp_path / "regions.gpkg"
    frame.to_file(path, driver="GPKG")
    return path.read_bytes()


# ---------------------------------------------------------------------- the detectors work
def test_probes_see_an_unguarded_gdal_read(file_probe, http_probe) -> None:
    """Without the guard, GDAL follows the VRT: the probes notice (so the tests below can fail).

    Runs in a subprocess: the lock-down of GDAL is process-wide and stays on in this one.
    """
    import subprocess
    import sys

    code = (
        "import pyogrio, sys\n"
        "for data in sys.argv[1:]:\n"
        "    try: pyogrio.read_dataframe(data.encode())\n"
        "    except Exception: pass\n"
    )
    sources = [
        vrt(f"CSV:{file_probe.path}").decode(),
        vrt(f"/vsicurl/{http_probe.url}/secret.csv").decode(),
    ]
    subprocess.run([sys.executable, "-c", code, *sources], timeout=60, check=True)
    assert file_probe.opened()
    assert http_probe.requests


def test_locked_down_gdal_makes_no_request_even_when_asked(http_probe) -> None:
    """Defence in depth: with :data:`GDAL_LOCKDOWN` a VRT handed straight to GDAL (no sniffing)
    still cannot reach the network."""
    lock_down_gdal()
    with pytest.raises(Exception):  # noqa: B017 - any GDAL error
        pyogrio.read_dataframe(vrt(f"/vsicurl/{http_probe.url}/secret.csv"))
    assert http_probe.requests == []


# ---------------------------------------------------------------------- the cases
@pytest.mark.parametrize("filename", ["plan.gpkg", "plan.geojson", "plan.csv", "upload"])
def test_vrt_reading_a_local_file_is_refused_unread(app, client, file_probe, filename) -> None:
    refused(app, client, vrt(f"CSV:{file_probe.path}"), filename, 422, "VRT")
    assert not file_probe.opened()


@pytest.mark.parametrize("filename", ["plan.gpkg", "upload.json"])
def test_vrt_fetching_a_url_is_refused_without_a_request(app, client, http_probe, filename):
    refused(app, client, vrt(f"/vsicurl/{http_probe.url}/x.csv"), filename, 422, "VRT")
    assert http_probe.requests == []


def test_zip_named_gpkg_is_refused_before_unpacking(app, client, tmp_path: Path) -> None:
    """The issue's bomb: 79 KB of zip that unpacked to 24.8 MB and 20,000 features."""
    features = [
        {
            "type": "Feature",
            "properties": {"region": f"R{i}"},
            "geometry": {"type": "Point", "coordinates": [5.0, 52.0]},
        }
        for i in range(20_000)
    ]
    inner = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("regions.geojson", inner)
    bomb = buffer.getvalue()
    assert len(bomb) < len(inner) / 10
    refused(app, client, bomb, "plan.gpkg", 422, "zip archive")


def test_geojson_with_a_linked_crs_is_refused_without_a_request(app, client, http_probe):
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "link", "properties": {"href": f"{http_probe.url}/crs.wkt"}},
        "features": [],
    }
    refused(app, client, json.dumps(document).encode(), "plan.geojson", 422, "crs")
    assert http_probe.requests == []


# ---------------------------------------------------------------------- more formats
def plain_sqlite(tmp_path: Path) -> bytes:
    path = tmp_path / "plain.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("create table t (x)")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("data", "filename", "named"),
    [
        (gzip.compress(b"unit,region\nGM0014,A\n"), "plan.csv", "gzip"),
        (b"7z\xbc\xaf\x27\x1c" + bytes(100), "plan.gpkg", "7z"),
        (b"%PDF-1.7\n" + bytes(50), "plan.csv", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + bytes(50), "plan.geojson", "PNG"),
        (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>', "a.kml", "XML"),
        (b"<gml:FeatureCollection/>", "plan.gml", "XML"),
        (b"  \n<OGRVRTDataSource/>", "plan.csv", "XML"),
        (b"unit,region\nGM0014,A\x00B\n", "plan.csv", "binary"),
        (b"unit,region\nGM0014,/vsicurl/http://127.0.0.1:9/x\n", "plan.csv", "GDAL path"),
        (b"unit,region\nGM0014,/vsizip//etc/x.zip\n", "plan.csv", "GDAL path"),
        (b'{"type": "Topology", "objects": {}}', "plan.geojson", "Topology"),
        (b"[1, 2, 3]", "plan.json", "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": {}}', "x.geojson", "features"),
        (b'{"type": "FeatureCollection", "features": [}', "x.geojson", "JSON syntax"),
        (b"unit,region\nGM0014,A\n", "plan.gpkg", "the name says gpkg"),
        (b'{"type": "FeatureCollection", "features": []}', "plan.csv", "the name says csv"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_formats_that_are_refused(app, client, data: bytes, filename: str, named: str) -> None:
    refused(app, client, data, filename, 422, named)


def test_plain_sqlite_is_not_a_geopackage(app, client, tmp_path: Path) -> None:
    refused(app, client, plain_sqlite(tmp_path), "plan.gpkg", 422, "not a GeoPackage")


@pytest.mark.parametrize(
    "filename",
    ["/vsicurl/http://127.0.0.1:9/x.gpkg", "CSV:/etc/passwd", "GPKG:/etc/x.gpkg:t"],
)
def test_gdal_paths_in_the_file_name_are_refused(app, client, filename: str) -> None:
    refused(app, client, b"unit,region\nGM0014,A\n", filename, 422, "file name")


def test_path_in_the_file_name_is_only_a_label(app, client) -> None:
    """``../../etc/passwd.csv`` is shown as ``passwd.csv``; nothing is read from disk."""
    before = state_of(app)
    response = upload(client, b"unit,region\nGM9999,A\n", "../../etc/passwd.csv")
    assert response.status_code == 422
    assert "../" not in response.json()["detail"]
    assert state_of(app) == before


def test_geopackage_over_the_feature_cap(dataset, tmp_path: Path) -> None:
    app = make_app(dataset, tmp_path / "s", Limits(**{**GENEROUS.__dict__, "upload_features": 1}))
    client = writer(TestClient(app))
    refused(
        app, client, regions_gpkg(tmp_path), "regions.gpkg", 422, "REGIOKOMPAS_MAX_UPLOAD_FEATURES"
    )


def test_geojson_over_the_vertex_cap(dataset, tmp_path: Path) -> None:
    app = make_app(dataset, tmp_path / "s", Limits(**{**GENEROUS.__dict__, "upload_vertices": 9}))
    client = writer(TestClient(app))
    frame = gpd.GeoDataFrame(
        {"region": ["A"]}, geometry=[shapely.box(0, 300e3, 300e3, 650e3).buffer(1000)],
        crs="EPSG:28992",
    )  # fmt: skip
    refused(
        app, client, frame.to_json().encode(), "r.geojson", 422, "REGIOKOMPAS_MAX_UPLOAD_VERTICES"
    )


def test_a_real_geopackage_is_still_accepted(app, client, tmp_path: Path) -> None:
    """The guard refuses tricks, not GeoPackages: two polygons import as a scenario."""
    response = upload(
        client, regions_gpkg(tmp_path), "regions.gpkg", name="two-halves", allow_new_regions="true"
    )
    assert response.status_code == 201, response.text
    assert response.json()["regions"] == 2


def test_body_over_the_upload_limit_is_413(dataset, tmp_path: Path) -> None:
    from api.app import create_app

    app = create_app(dataset, tmp_path / "s", limits=GENEROUS, upload_limit=1000)
    client = writer(TestClient(app))
    before = state_of(app)
    response = upload(client, b"unit,region\n" + b"GM0014,A\n" * 500, "big.csv")
    assert response.status_code == 413 and "limit of 1000 bytes" in response.json()["detail"]
    assert state_of(app) == before
