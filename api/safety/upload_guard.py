"""Decide an upload's format from its bytes and read polygons with GDAL locked down.

Rules:

- The content decides, never the file name: a GeoPackage is an SQLite file whose header carries
  the GeoPackage ``application_id`` (``GPKG``, ``GP10``, ``GP11``); GeoJSON is a JSON object of
  type ``FeatureCollection`` or ``Feature``; CSV is UTF-8 text without NUL bytes that is neither.
  A file name whose extension says another format than the content is refused.
- Refused with :class:`~api.storage.exchange.UploadError` (422) naming the problem: zip/gzip/7z/tar
  and
  other archives, XML (GDAL VRT, GML, KML, SVG), plain SQLite, PDF/images/other binary, GDAL
  path syntax (``/vsi...``, ``CSV:``, ...) in the file name or in the text, a GeoJSON ``crs``
  that is not a plain ``name`` (a ``link`` CRS makes GDAL fetch a URL).
- GDAL only ever sees a private temporary copy of the bytes, opened through a driver prefix
  (``GPKG:``/``GeoJSON:``) so no other driver can claim it, with network access and virtual
  file systems off (:data:`GDAL_LOCKDOWN`, set for the whole process: the server never needs
  them). GeoJSON reaches GDAL re-serialised from the validated document, so both parsers see
  the same thing.
- Caps: features and vertices (:class:`UploadCaps`); the unpacked size is the upload itself
  (archives are refused), bounded by the request body limit.

>>> sniff_upload(b"unit,region\\nGM0001,A\\n", "plan.csv")
'csv'
>>> sniff_upload(b'<OGRVRTDataSource/>', "plan.gpkg")  # doctest: +ELLIPSIS
Traceback (most recent call last):
api.safety.upload_guard.UploadRefused: plan.gpkg: XML (e.g. a GDAL VRT) is not accepted; ...
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geo.errors import RegiokompasError

FEATURE_TYPES = ("FeatureCollection", "Feature")
GPKG_MAGIC = b"SQLite format 3\x00"
GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")
"""SQLite header bytes 68-71 of a GeoPackage (``PRAGMA application_id``)."""

ARCHIVE_MAGIC: dict[bytes, str] = {
    b"PK\x03\x04": "a zip archive",
    b"PK\x05\x06": "a zip archive",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf\x27\x1c": "a 7z archive",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ\x00": "an xz archive",
    b"Rar!": "a rar archive",
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
}
"""Leading bytes of containers and binaries refused before anything reads them."""

GDAL_PATH = re.compile(rb"/vsi[a-z0-9_]*/|\b(?:csv|gpkg|sqlite|vrt|wfs|pg|mvt|gtiff):")
"""GDAL virtual file system paths and connection prefixes: never in an upload."""

EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
}

GDAL_LOCKDOWN: dict[str, str] = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".regiokompas-no-network",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/vsicurl/regiokompas-no-network.invalid",
    "CPL_VSIL_ZIP_ALLOWED_EXTENSIONS": ".regiokompas-no-archives",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_ALLOW_REMOTE_RESOURCE_TO_ACCESS_LOCAL_FILE": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "CPL_ALLOW_VSISTDIN": "NO",
    "PROJ_NETWORK": "OFF",
}
"""GDAL configuration while reading uploads: /vsicurl/ may open no URL, /vsizip/ no archive,
remote resources no local file, SQLite no external files; PROJ downloads no grids."""

_lockdown_lock = threading.Lock()
_locked = False


class UploadError(RegiokompasError):
    """An uploaded file cannot be used; the message names the file and what is wrong."""


class UploadRefused(UploadError):
    """An upload whose format or size is refused before it is read (422 over the API)."""


@dataclass(frozen=True)
class UploadCaps:
    """Largest uploaded layer read: features and vertices (env ``REGIOKOMPAS_MAX_UPLOAD_*``)."""

    max_features: int = 5_000
    max_vertices: int = 2_000_000


def lock_down_gdal() -> None:
    """Set :data:`GDAL_LOCKDOWN` for the process (idempotent, thread-safe).

    The options stay set: restoring them after a read would reopen the network for a read
    running at the same time in another thread.
    """
    global _locked
    with _lockdown_lock:
        if not _locked:
            pyogrio.set_gdal_config_options(GDAL_LOCKDOWN)
            _locked = True


def _refuse(filename: str, message: str) -> UploadRefused:
    return UploadRefused(f"{filename}: {message}")


def check_filename(filename: str) -> str:
    """The file name as shown in messages: its last path part, refused when it holds GDAL path
    syntax or control characters.

    >>> check_filename("../../etc/plan.csv")
    'plan.csv'
    """
    if any(ord(c) < 32 for c in filename):
        raise UploadRefused("file name: control characters are not accepted")
    if GDAL_PATH.search(filename.lower().encode("utf-8", "replace")):
        raise UploadRefused(f"file name {filename[:80]!r}: GDAL paths are not accepted")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(name) > 255:
        raise UploadRefused(f"file name: {len(name)} characters exceed the limit of 255")
    return name or "upload"


def sniff_upload(data: bytes, filename: str) -> str:
    """``csv``, ``geojson`` or ``gpkg`` from the content; :class:`UploadRefused` for the rest.

    >>> sniff_upload(b'{"type": "FeatureCollection", "features": []}', "upload")
    'geojson'
    """
    head = data[:512]
    for magic, what in ARCHIVE_MAGIC.items():
        if head.startswith(magic):
            raise _refuse(filename, f"{what} is not accepted; send CSV, GeoJSON or GeoPackage")
    if head.startswith(GPKG_MAGIC):
        if data[68:72] not in GPKG_APPLICATION_IDS:
            raise _refuse(filename, "an SQLite file that is not a GeoPackage is not accepted")
        kind = "gpkg"
    else:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if text.startswith(b"<"):
            raise _refuse(
                filename, "XML (e.g. a GDAL VRT) is not accepted; send CSV, GeoJSON or GeoPackage"
            )
        if b"\x00" in data:
            raise _refuse(
                filename, "binary content is not accepted; send CSV, GeoJSON or GeoPackage"
            )
        lowered = data.lower()
        if (b"/vsi" in lowered or b":" in lowered) and GDAL_PATH.search(lowered):
            raise _refuse(filename, "GDAL paths (/vsi..., CSV:, ...) are not accepted in uploads")
        kind = "geojson" if text.startswith((b"{", b"[")) else "csv"
    claimed = EXTENSIONS.get(Path(filename.lower()).suffix)
    if claimed is not None and claimed != kind:
        raise _refuse(filename, f"the name says {claimed} but the content is {kind}")
    return kind


def geojson_document(data: bytes, filename: str) -> dict[str, Any]:
    """The validated GeoJSON object: a FeatureCollection (a Feature is wrapped), a ``crs`` that
    is only ``{"type": "name", ...}``, at most ``max_features`` features."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _refuse(filename, f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise _refuse(
            filename,
            f"invalid GeoJSON: JSON syntax error at line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}",
        ) from None
    if not isinstance(document, dict) or document.get("type") not in (
        "FeatureCollection",
        "Feature",
    ):
        got = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise _refuse(
            filename,
            f"invalid GeoJSON: top-level 'type' must be FeatureCollection or Feature (got {got!r})",
        )
    if document["type"] == "Feature":
        document = {"type": "FeatureCollection", "features": [document], "crs": document.get("crs")}
    if not isinstance(document.get("features"), list):
        raise _refuse(filename, "invalid GeoJSON: 'features' must be a list")
    crs = document.get("crs")
    if crs is not None:
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
        if not (isinstance(crs, dict) and crs.get("type") == "name" and isinstance(name, str)):
            raise _refuse(
                filename, "crs: only a named CRS ({'type': 'name', ...}) is accepted, no links"
            )
    return {k: v for k, v in document.items() if v is not None}


def _check_features(filename: str, count: int, caps: UploadCaps) -> None:
    if count > caps.max_features:
        raise _refuse(
            filename,
            f"{count} features exceed the limit of {caps.max_features} "
            "(REGIOKOMPAS_MAX_UPLOAD_FEATURES)",
        )


GPKG_TABLES = frozenset(
    {
        "gpkg_spatial_ref_sys",
        "gpkg_contents",
        "gpkg_ogr_contents",
        "gpkg_geometry_columns",
        "gpkg_tile_matrix_set",
        "gpkg_tile_matrix",
        "gpkg_extensions",
        "gpkg_metadata",
        "gpkg_metadata_reference",
        "gpkg_data_columns",
        "gpkg_data_column_constraints",
        "sqlite_sequence",
        "sqlite_stat1",
        "sqlite_stat4",
    }
)
"""Tables a GeoPackage may hold besides its feature tables and their rtree index."""

GPKG_TRIGGER = re.compile(
    r"gpkg_tile_matrix_\w+|gpkg_metadata_reference_\w+|rtree_\w+_(?:insert|update[1-7]|delete)"
    r"|trigger_(?:insert|delete)_feature_count_\w+"
)
"""Names of the triggers GDAL and the GeoPackage standard create (they run only on writes;
GDAL opens an upload read-only)."""

RTREE = re.compile(r'CREATE VIRTUAL TABLE\s+"?(\w+)"?\s+USING\s+rtree\s*\(', re.IGNORECASE)
RTREE_SHADOW = re.compile(r"(rtree_\w+)_(?:node|parent|rowid)")
GENERATED = re.compile(r"\bGENERATED\b|\bAS\s*\(", re.IGNORECASE)
SCHEMA_ENTRIES = 1_000
"""Most entries a GeoPackage's ``sqlite_master`` may have."""
SQLITE_STEPS = 2_000_000
"""SQLite virtual-machine steps the schema check may take (a plain read needs a few
thousand)."""


def check_geopackage_schema(path: str, filename: str) -> list[str]:
    """The feature tables of the GeoPackage at ``path``, after refusing (422) anything but
    plain tables before GDAL runs any SQL on it.

    Rule: read ``sqlite_master`` with Python's ``sqlite3`` (read-only, immutable, untrusted
    schema, a cap on virtual-machine steps) and refuse views (a view's SQL runs on every read:
    a recursive CTE stalls, ``zeroblob`` fills memory), virtual tables other than the rtree
    index of a feature table, triggers other than those GDAL and the standard create, generated
    columns, and tables that are neither GeoPackage tables nor feature tables listed in
    ``gpkg_contents``.
    """
    import sqlite3

    def refuse(problem: str) -> UploadRefused:
        return _refuse(filename, f"GeoPackage: {problem}; only plain feature tables are accepted")

    steps = [0]

    def progress() -> int:
        steps[0] += 1
        return 1 if steps[0] * 1000 > SQLITE_STEPS else 0  # non-zero aborts the statement

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise _refuse(filename, f"invalid GeoPackage: {exc}") from None
    try:
        con.set_progress_handler(progress, 1000)
        con.execute("PRAGMA trusted_schema=OFF")
        entries = con.execute(
            f"SELECT type, name, tbl_name, sql FROM sqlite_master LIMIT {SCHEMA_ENTRIES + 1}"
        ).fetchall()
        if len(entries) > SCHEMA_ENTRIES:
            raise refuse(f"more than {SCHEMA_ENTRIES} schema entries")
        kinds = {name: kind for kind, name, _, _ in entries}
        if kinds.get("gpkg_contents") != "table":
            raise refuse("no gpkg_contents table")
        features = [
            str(name)
            for name, kind in con.execute("SELECT table_name, data_type FROM gpkg_contents")
            if kind == "features"
        ]
    except sqlite3.Error as exc:
        raise _refuse(filename, f"invalid GeoPackage: {exc}") from None
    finally:
        con.close()
    views = [name for kind, name, _, _ in entries if kind == "view"]
    if views:
        raise refuse(f"view {views[0]!r} (SQL that runs on every read)")
    rtrees = set()
    for kind, name, _, sql in entries:
        text = str(sql or "")
        if kind == "table" and text.upper().startswith("CREATE VIRTUAL TABLE"):
            match = RTREE.match(text)
            if match is None or not any(name.startswith(f"rtree_{t}_") for t in features):
                raise refuse(f"virtual table {name!r}")
            rtrees.add(name)
    for kind, name, _, sql in entries:
        text = str(sql or "")
        if kind == "trigger" and not GPKG_TRIGGER.fullmatch(name):
            raise refuse(f"trigger {name!r}")
        if kind != "table" or name in rtrees or name in GPKG_TABLES:
            continue
        shadow = RTREE_SHADOW.fullmatch(name)
        if shadow is not None and shadow.group(1) in rtrees:
            continue
        if name not in features:
            raise refuse(f"table {name!r} is not a feature table of gpkg_contents")
        if GENERATED.search(text):
            raise refuse(f"table {name!r} has generated columns")
    missing = [t for t in features if kinds.get(t) != "table"]
    if missing:
        raise refuse(f"feature table {missing[0]!r} is not a plain table")
    return features


def read_polygons(
    data: bytes, filename: str, kind: str, caps: UploadCaps | None = None
) -> gpd.GeoDataFrame:
    """The first layer of a GeoJSON or GeoPackage upload, read by GDAL with only that driver
    from a private temporary file, network and virtual file systems off, within ``caps``."""
    caps = caps or UploadCaps()
    lock_down_gdal()
    if kind == "geojson":
        document = geojson_document(data, filename)
        _check_features(filename, len(document["features"]), caps)
        payload, suffix, prefix = json.dumps(document).encode("utf-8"), ".geojson", "GeoJSON:"
    elif kind == "gpkg":
        payload, suffix, prefix = data, ".gpkg", "GPKG:"
    else:
        raise _refuse(filename, f"expected GeoJSON or GeoPackage polygons, got {kind}")
    label = "GeoJSON" if kind == "geojson" else "GeoPackage"
    with tempfile.TemporaryDirectory(prefix="regio-upload-") as folder:
        path = os.path.join(folder, "upload" + suffix)
        with open(path, "wb") as handle:
            handle.write(payload)
        if kind == "gpkg":
            check_geopackage_schema(path, filename)  # before GDAL runs any SQL on it
        try:
            info = pyogrio.read_info(prefix + path, force_feature_count=True)
            if info.get("driver") != ("GeoJSON" if kind == "geojson" else "GPKG"):
                raise _refuse(filename, f"not read as {label} (driver {info.get('driver')})")
            _check_features(filename, int(info.get("features") or 0), caps)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                layer = pyogrio.read_dataframe(prefix + path)
        except UploadRefused:
            raise
        except Exception as exc:  # noqa: BLE001 - GDAL raises several types for bad files
            message = str(exc).replace(path, filename).replace(prefix, "")
            raise _refuse(filename, f"invalid {label}: {message}") from None
    vertices = int(np.sum(shapely.get_num_coordinates(layer.geometry.values)))
    if vertices > caps.max_vertices:
        raise _refuse(
            filename,
            f"{vertices} vertices exceed the limit of {caps.max_vertices} "
            "(REGIOKOMPAS_MAX_UPLOAD_VERTICES)",
        )
    return layer
