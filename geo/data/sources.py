"""Readers for the public source files, each failing with a :class:`SourceError` naming the file.

The layout is that of ``../shared/data`` (see each folder's SOURCES.md)::

    cbs/gemeente_2025.topojson ... cbs/arbeidsmarktregio_2025.topojson
    swv/swv_pc4_2015.csv
    pc4/pc4_2020_inwoners_2021.geojson
    population/cbs_kwb2024_85984NED_gm_wk_stripped.json
    population/geoinzicht_gemeenten_2024.geojson
    schools/duo_scholen_20241122.geojson

>>> SOURCE_FILES["swv"]
'swv/swv_pc4_2015.csv'
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.config import CRS_WEB
from geo.errors import SourceError

REGION_FILES: dict[str, str] = {
    "jeugdregio": "cbs/jeugdregio_2025.topojson",
    "provincie": "cbs/provincie_2025.topojson",
    "ggdregio": "cbs/ggdregio_2025.topojson",
    "veiligheidsregio": "cbs/veiligheidsregio_2025.topojson",
    "arbeidsmarktregio": "cbs/arbeidsmarktregio_2025.topojson",
}
"""CBS region divisions of 2025, each made of whole 2025 gemeenten."""

SOURCE_FILES: dict[str, str] = {
    "gemeente_2025": "cbs/gemeente_2025.topojson",
    "gemeente_2015": "cbs/gemeente_2015.topojson",
    **REGION_FILES,
    "swv": "swv/swv_pc4_2015.csv",
    "pc4": "pc4/pc4_2020_inwoners_2021.geojson",
    "population": "population/cbs_kwb2024_85984NED_gm_wk_stripped.json",
    "population_ages": "population/geoinzicht_gemeenten_2024.geojson",
    "schools": "schools/duo_scholen_20241122.geojson",
}
"""Every file the store is built from, relative to the data directory."""


def source_path(data: Path, key: str) -> Path:
    """Absolute path of a source file; :class:`SourceError` if it does not exist."""
    path = Path(data) / SOURCE_FILES[key]
    if not path.is_file():
        raise SourceError(
            path, "file not found (set REGIOKOMPAS_DATA or --data, or run 'regio data fetch')"
        )
    return path


def _require_columns(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(
            path,
            f"expected column(s) {', '.join(map(repr, missing))} are missing "
            f"(found {', '.join(map(str, frame.columns))})",
        )


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """CBS region boundaries: ``code``, ``name``, geometry in EPSG:4326.

    GDAL reads these TopoJSON files without a CRS; they are WGS84 lon/lat, so EPSG:4326 is set
    explicitly (SOURCES.md). The key is ``statcode``; ``id`` is a numeric column, not the code.
    """
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise SourceError(path, f"cannot be read as TopoJSON/GeoJSON: {exc}") from exc
    _require_columns(frame, ["statcode", "statnaam"], path)
    if len(frame) == 0:
        raise SourceError(path, "holds no features")
    if frame["statcode"].isna().any() or frame["statcode"].duplicated().any():
        dup = frame.loc[frame["statcode"].duplicated(), "statcode"].tolist()[:3]
        raise SourceError(path, f"statcode is empty or duplicated (e.g. {dup})")
    frame = frame.set_crs(CRS_WEB, allow_override=True)
    minx, miny, maxx, maxy = frame.total_bounds
    if not (2.5 < minx and maxx < 7.5 and 50.5 < miny and maxy < 54.0):
        raise SourceError(
            path,
            f"bounds {frame.total_bounds.round(2).tolist()} are not in the "
            "Netherlands in WGS84 lon/lat",
        )
    out = gpd.GeoDataFrame(
        {"code": frame["statcode"].astype(str), "name": frame["statnaam"].astype(str)},
        geometry=frame.geometry.values,
        crs=CRS_WEB,
    )
    return out.sort_values("code", ignore_index=True)


def read_swv_table(path: Path) -> pd.DataFrame:
    """The SWV postcode table: ``pc4``, ``gemeente`` (2015 name), ``po_swv``, ``vo_swv``."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise SourceError(path, f"cannot be read as CSV: {exc}") from exc
    _require_columns(frame, ["pc4", "gemeente", "po_swv", "vo_swv"], path)
    frame = frame[["pc4", "gemeente", "po_swv", "vo_swv"]].apply(lambda s: s.str.strip())
    bad = frame.loc[~frame["pc4"].str.fullmatch(r"\d{4}"), "pc4"]
    if len(bad):
        raise SourceError(path, f"pc4 values that are not 4 digits: {bad.tolist()[:5]}")
    if frame["pc4"].duplicated().any():
        raise SourceError(
            path, f"postcodes listed twice: {frame.loc[frame.pc4.duplicated(), 'pc4'].tolist()[:5]}"
        )
    for col, prefix in (("po_swv", "PO"), ("vo_swv", "VO")):
        odd = frame.loc[
            ~frame[col].str.fullmatch(prefix + r"\d{4}") & (frame[col] != "Europoort"), col
        ]
        if len(odd):
            raise SourceError(path, f"column {col!r} has unknown code(s) {sorted(set(odd))[:5]}")
    return frame


def read_population(path: Path) -> pd.Series:
    """Inhabitants on 1 Jan 2024 per GM code (CBS KWB 2024, ``AantalInwoners_5``)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise SourceError(path, f"cannot be read as JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise SourceError(path, "expected one JSON object keyed by CBS region code")
    rows = {k: v for k, v in raw.items() if str(k).startswith("GM")}
    if not rows:
        raise SourceError(path, "holds no GMxxxx municipality rows")
    missing = [k for k, v in rows.items() if not isinstance(v, dict) or "AantalInwoners_5" not in v]
    if missing:
        raise SourceError(path, f"field 'AantalInwoners_5' is missing for {missing[:5]}")
    values = pd.Series({k: v["AantalInwoners_5"] for k, v in rows.items()}, name="inhabitants")
    if values.isna().any():
        raise SourceError(path, f"no inhabitants for {values[values.isna()].index.tolist()[:5]}")
    return values.astype("int64")


def read_age_shares(path: Path) -> pd.DataFrame:
    """Per GM code: ``aantal_inwoners`` and ``pct_0_15`` (rounded whole percent, KWB 2024)."""
    try:
        frame = pyogrio.read_dataframe(path, read_geometry=False)
    except Exception as exc:
        raise SourceError(path, f"cannot be read as GeoJSON: {exc}") from exc
    _require_columns(frame, ["gemeentecode", "aantal_inwoners", "0_15"], path)
    frame = frame[frame["gemeentecode"].astype(str).str.startswith("GM")]
    frame = frame[frame["aantal_inwoners"].notna()]
    return pd.DataFrame(
        {
            "aantal_inwoners": frame["aantal_inwoners"].astype(float).to_numpy(),
            "pct_0_15": frame["0_15"].astype(float).to_numpy(),
        },
        index=pd.Index(frame["gemeentecode"].astype(str), name="code"),
    )


SCHOOL_COLUMNS = ["naam", "type", "postcode", "gemeente", "vestigingscode", "leerlingen"]


def read_schools(path: Path) -> gpd.GeoDataFrame:
    """DUO school locations (points, EPSG:4326), one row per feature as published.

    Note: ``type`` is a property here; always use ``frame["type"]`` (``frame.type`` is the
    geometry type in geopandas).
    """
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:
        raise SourceError(path, f"cannot be read as GeoJSON: {exc}") from exc
    _require_columns(frame, SCHOOL_COLUMNS, path)
    if frame.crs is None:
        frame = frame.set_crs(CRS_WEB)
    frame = frame.to_crs(CRS_WEB)
    if (frame.geom_type != "Point").any():
        raise SourceError(path, "expected Point geometries only")
    frame["postcode"] = frame["postcode"].astype(str).str.replace(" ", "", regex=False).str.upper()
    frame["pc4"] = frame["postcode"].str[:4]
    frame["leerlingen"] = pd.to_numeric(frame["leerlingen"], errors="coerce")
    return frame
