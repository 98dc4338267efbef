"""The PC4 layer: 4-digit postcode areas read, checked and placed in the 2025 gemeenten.

Rules:

- :func:`read_pc4` reads ``pc4/pc4_2020_inwoners_2021.geojson`` and fails with a
  :class:`~geo.errors.SourceError` naming the file and the problem: a missing file, a missing
  (renamed) property, a code that is not 4 digits, a duplicate code, or a PC4 outside the
  Netherlands. Inhabitants aged 0-15 are the sum of the CBS age groups ``0-4``, ``5-9`` and
  ``10-14``; a PC4 without age rows gets ``NaN`` there (and is reported).
- :func:`place_pc4` puts each PC4 in the 2025 gemeente holding most of its area (vectorised
  overlay in EPSG:28992, :func:`geo.data.crosswalk.crosswalk`). It is fractional only when at
  least two pieces of ``min_piece`` (default 10%) of its area are each confirmed by evidence:
  the PC4's own ``gemeente`` property (CBS 2021 name) or the DUO municipality of schools with
  that postcode. Generalisation slivers, however large, never count without evidence.

>>> YOUTH_GROUPS
('0-4', '5-9', '10-14')
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.config import CRS_METRIC, CRS_WEB
from geo.data.crosswalk import crosswalk
from geo.data.names import normalise_name, strip_qualifier
from geo.errors import SourceError
from geo.geometry.repair import make_valid_polygonal

PC4_PROPERTIES = ("pc4", "inwoners", "gemeente", "plaats", "leeftijd")
"""Properties every PC4 feature must carry (``leeftijd``: inhabitants per 5-year age group)."""
YOUTH_GROUPS = ("0-4", "5-9", "10-14")
"""The CBS age groups that make up ``inhabitants_0_15`` (aged 0 up to 15)."""
NL_BOUNDS = (2.5, 50.5, 7.5, 54.0)
"""lon/lat box every PC4 must lie in (the same test as for the CBS boundaries)."""
MIN_PIECE = 0.10
"""A second piece counts as substantial from this share of the PC4's area on."""
MIN_EVIDENCE = 0.05


def read_pc4(path: Path) -> gpd.GeoDataFrame:
    """PC4 polygons (EPSG:4326) with ``pc4, inhabitants_2021, inhabitants_0_15_2021, gemeente,
    plaats``; invalid polygons repaired (``make_valid``, polygonal parts kept). Features with an
    empty geometry are left out and listed in ``attrs["without_polygon"]``; PC4s without CBS
    figures (``inwoners`` empty) count 0 inhabitants, listed in ``attrs["without_inhabitants"]``.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(
            path, "file not found (set REGIOKOMPAS_DATA or --data, or run 'regio data fetch')"
        )
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise SourceError(path, f"cannot be read as GeoJSON: {exc}") from exc
    missing = [p for p in PC4_PROPERTIES if p not in frame.columns]
    if missing:
        raise SourceError(
            path,
            f"expected property(ies) {', '.join(map(repr, missing))} are missing "
            f"(found {', '.join(c for c in frame.columns if c != 'geometry')})",
        )
    if len(frame) == 0:
        raise SourceError(path, "holds no features")
    code = frame["pc4"].astype(str).str.strip()
    bad = code[~code.str.fullmatch(r"\d{4}")]
    if len(bad):
        raise SourceError(path, f"pc4 values that are not 4 digits: {bad.tolist()[:5]}")
    dup = code[code.duplicated()]
    if len(dup):
        raise SourceError(path, f"pc4 code(s) listed twice: {sorted(set(dup))[:5]}")
    if frame.crs is None:
        frame = frame.set_crs(CRS_WEB)
    frame = frame.to_crs(CRS_WEB)
    empty = frame.geometry.isna().to_numpy() | shapely.is_empty(frame.geometry.values)
    dropped = code[empty].tolist()
    frame, code = frame.loc[~empty].reset_index(drop=True), code[~empty].reset_index(drop=True)
    bounds = shapely.bounds(frame.geometry.values)
    x0, y0, x1, y1 = NL_BOUNDS
    outside = (bounds[:, 0] < x0) | (bounds[:, 2] > x1) | (bounds[:, 1] < y0) | (bounds[:, 3] > y1)
    if outside.any():
        raise SourceError(path, f"PC4(s) outside the Netherlands: {code[outside].tolist()[:5]}")
    inhabitants = pd.to_numeric(frame["inwoners"], errors="coerce")
    if (inhabitants < 0).any():
        raise SourceError(path, f"'inwoners' negative for {code[inhabitants < 0].tolist()[:5]}")
    if inhabitants.isna().mean() > 0.01:
        raise SourceError(path, f"'inwoners' is empty for {int(inhabitants.isna().sum())} PC4s")
    without_data = code[inhabitants.isna()].tolist()
    inhabitants = inhabitants.fillna(0.0)
    ages = pd.DataFrame([a if isinstance(a, dict) else {} for a in frame["leeftijd"]])
    for group in YOUTH_GROUPS:
        if group not in ages.columns:
            raise SourceError(path, f"'leeftijd' has no age group {group!r}")
    youth = ages[list(YOUTH_GROUPS)].apply(pd.to_numeric, errors="coerce")
    young = youth.sum(axis=1, min_count=len(YOUTH_GROUPS)).to_numpy()
    geometry = frame.geometry.values
    invalid = ~shapely.is_valid(geometry)
    if invalid.any():
        geometry = geometry.copy()
        geometry[invalid] = make_valid_polygonal(geometry[invalid])
    out = gpd.GeoDataFrame(
        {
            "pc4": code.to_numpy(),
            "inhabitants_2021": inhabitants.to_numpy(float),
            "inhabitants_0_15_2021": young,
            "gemeente": frame["gemeente"].fillna("").astype(str).to_numpy(),
            "plaats": frame["plaats"].fillna("").astype(str).to_numpy(),
        },
        geometry=np.asarray(geometry),
        crs=CRS_WEB,
    )
    out.attrs["without_polygon"] = dropped
    out.attrs["without_inhabitants"] = without_data
    return out


def name_to_unit(
    names: pd.Series, units: dict[str, str], units_2015: dict[str, str], xw: pd.DataFrame
) -> pd.Series:
    """The 2025 gemeente of each (CBS 2021) gemeente name: by its 2025 name, else by its 2015
    name and the 2015 -> 2025 crosswalk (largest weight); ``NaN`` when neither matches. Names
    are compared after :func:`~geo.data.names.normalise_name`, without CBS province qualifiers
    ('Hengelo (O.)' is 'Hengelo') where that is unique."""
    best = xw.sort_values("weight", ascending=False).drop_duplicates("source")
    to25 = dict(zip(best["source"], best["target"], strict=True))
    lookup: dict[str, str] = {}
    for table, via in ((units_2015, to25), (units, None)):  # 2025 names win
        keys = {code: normalise_name(name) for code, name in table.items()}
        exact = set(keys.values())
        stripped: dict[str, list[str]] = {}
        for code, key in keys.items():
            target = code if via is None else via.get(code)
            if target is not None:
                stripped.setdefault(strip_qualifier(key), []).append(target)
                lookup[key] = target
        for key, targets in stripped.items():
            if len(set(targets)) == 1 and key not in exact:
                lookup[key] = targets[0]
    unique = pd.unique(names)
    found = {n: lookup.get(normalise_name(n)) if n else None for n in unique}
    return names.map(found)


def place_pc4(
    pc4_metric: gpd.GeoDataFrame,
    units_metric: gpd.GeoDataFrame,
    evidence: pd.DataFrame,
    *,
    min_piece: float = MIN_PIECE,
    min_evidence: float = MIN_EVIDENCE,
) -> pd.DataFrame:
    """Pieces ``pc4, unit, fraction, area_share, kind`` (fractions sum to 1 per PC4).

    ``evidence``: ``source`` (pc4), ``target`` (unit), ``count`` (votes: the ``gemeente``
    property and schools by DUO municipality). A PC4 that overlaps no gemeente at all goes to
    the nearest one (``kind`` 'nearest').

    >>> import shapely
    >>> pc = gpd.GeoDataFrame({"code": ["1000"]}, geometry=[shapely.box(0, 0, 10, 1)],
    ...     crs=CRS_METRIC)
    >>> gm = gpd.GeoDataFrame({"code": ["A", "B"]},
    ...     geometry=[shapely.box(0, 0, 7, 1), shapely.box(7, 0, 10, 1)], crs=CRS_METRIC)
    >>> ev = pd.DataFrame({"source": ["1000"], "target": ["A"], "count": [1]})
    >>> place_pc4(pc, gm, ev)[["pc4", "unit", "fraction"]].to_dict("records")
    [{'pc4': '1000', 'unit': 'A', 'fraction': 1.0}]
    >>> ev2 = pd.concat([ev, ev.assign(target="B")])
    >>> place_pc4(pc, gm, ev2)["fraction"].round(2).tolist()
    [0.7, 0.3]
    """
    xw = crosswalk(
        pc4_metric, units_metric, evidence, min_piece=min_piece, min_evidence=min_evidence
    )
    out = xw.rename(columns={"source": "pc4", "target": "unit", "weight": "fraction"})
    lost = pc4_metric.loc[~pc4_metric["code"].isin(out["pc4"])]
    if len(lost):
        idx = units_metric.sindex.nearest(lost.geometry.values, return_all=False)[1]
        out = pd.concat(
            [
                out,
                pd.DataFrame(
                    {
                        "pc4": lost["code"].to_numpy(),
                        "unit": units_metric["code"].to_numpy()[idx],
                        "fraction": 1.0,
                        "area_share": 0.0,
                        "kind": "nearest",
                    }
                ),
            ],
            ignore_index=True,
        )
    return out.sort_values(["pc4", "fraction"], ascending=[True, False], ignore_index=True)


def to_metric(pc4: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The PC4 polygons in EPSG:28992 as ``code`` + geometry, repaired after projection."""
    geometry = pc4.geometry.to_crs(CRS_METRIC).values
    invalid = ~shapely.is_valid(geometry)
    if invalid.any():
        geometry = geometry.copy()
        geometry[invalid] = make_valid_polygonal(geometry[invalid])
    return gpd.GeoDataFrame({"code": pc4["pc4"].to_numpy()}, geometry=geometry, crs=CRS_METRIC)
