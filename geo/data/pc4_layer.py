"""Build the PC4 layer: pieces in gemeenten, SWV per postcode, weights, SWV areas for maps.

Rule: see :mod:`geo.data.pc4` (placing), :mod:`geo.data.pc4_swv` (SWV per postcode) and
:mod:`geo.data.pc4_weights` (weights and shares per weight). This module joins them and writes
the report that ``regio data check`` shows: PC4s per gemeente, PC4s that really cross a
gemeente border, the area coverage per gemeente, every derived SWV and every annex postcode
without a polygon. For maps, the gemeenten split over SWVs are cut into their SWV parts
along the PC4 borders (:func:`unit_parts`).

>>> callable(unit_parts)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import CRS_METRIC, CRS_WEB
from geo.data import sources
from geo.data.pc4 import name_to_unit, place_pc4, read_pc4, to_metric
from geo.data.pc4_swv import pc4_swv
from geo.data.pc4_weights import add_pupils, piece_weights, school_swv
from geo.geometry.repair import make_valid_polygonal


@dataclass
class Pc4Layer:
    """What the build keeps of the PC4 layer."""

    pieces: pd.DataFrame
    """``pc4, unit, fraction, kind, area_km2, inhabitants, inhabitants_0_15, pupils_po,
    pupils_vo, pupils_special, pupils_total, swv_po, swv_vo, rule, from_pc4, plaats`` (one row
    per PC4 within one gemeente)."""
    schools: pd.DataFrame
    """The located schools with ``swv_po, swv_vo`` of their postcode."""
    parts: gpd.GeoDataFrame
    """``division, unit, region`` + geometry (EPSG:4326): the split gemeenten cut into their
    SWV parts along PC4 borders (:func:`unit_parts`)."""
    report: dict = field(default_factory=dict)


def unit_parts(
    units_metric: gpd.GeoDataFrame, pc4_metric: gpd.GeoDataFrame, pieces: pd.DataFrame
) -> gpd.GeoDataFrame:
    """``division, unit, region`` + geometry (EPSG:4326) of the gemeenten split over SWVs, cut
    along their PC4 borders.

    Rule: a gemeente whose PC4s carry more than one SWV (or part no SWV) is cut into one part
    per SWV: the gemeente polygon intersected with that SWV's PC4s. The PC4 polygons are
    generalised differently from the gemeente polygon, so the parts are made an exact partition
    of the gemeente: the part with most area takes what the others leave (gaps), and a part
    gives up what an earlier part already holds (overlaps). Whole gemeenten keep their own
    polygon, so SWV borders coincide with the gemeente borders of every other map layer.
    """
    geom_of_unit = pd.Series(units_metric.geometry.values, index=units_metric["code"].to_numpy())
    geom_of_pc4 = pd.Series(pc4_metric.geometry.values, index=pc4_metric["code"].to_numpy())
    frames = []
    for division in ("swv_po", "swv_vo"):
        n = pieces.groupby("unit")[division].nunique()
        split = pieces[pieces["unit"].isin(n.index[n > 1])]
        if split.empty:
            continue
        area = split.groupby(["unit", division])["area_km2"].sum().reset_index()
        area = area.sort_values(["unit", "area_km2"], ascending=[True, False])
        largest = area.drop_duplicates("unit")
        small = split.merge(largest[["unit", division]], how="left", indicator=True)
        small = small[small["_merge"] == "left_only"]
        cut = shapely.intersection(
            geom_of_pc4.reindex(small["pc4"]).to_numpy(),
            geom_of_unit.reindex(small["unit"]).to_numpy(),
        )
        others = gpd.GeoDataFrame(
            {"unit": small["unit"].to_numpy(), "region": small[division].to_numpy()},
            geometry=cut,
            crs=CRS_METRIC,
        ).dissolve(by=["unit", "region"], as_index=False)
        others["area"] = others.area
        others = others.sort_values(["unit", "area"], ascending=[True, False], ignore_index=True)
        geoms = others.geometry.to_numpy().copy()
        for rows in others.groupby("unit").indices.values():  # ~30 split gemeenten
            taken = geoms[rows[0]]
            for i in rows[1:]:  # a later part gives up what an earlier one holds
                geoms[i] = shapely.difference(geoms[i], taken)
                taken = shapely.union(taken, geoms[i])
        others = others.set_geometry(geoms).drop(columns="area")
        taken = others.dissolve(by="unit").geometry.reindex(largest["unit"]).to_numpy()
        whole = geom_of_unit.reindex(largest["unit"]).to_numpy()
        missing = pd.isna(taken)
        rest = np.where(missing, whole, shapely.difference(whole, np.where(missing, whole, taken)))
        first = gpd.GeoDataFrame(
            {"unit": largest["unit"].to_numpy(), "region": largest[division].to_numpy()},
            geometry=rest,
            crs=CRS_METRIC,
        )
        frame = pd.concat([first, others[~others.is_empty]], ignore_index=True)
        frames.append(frame.assign(division=division))
    if not frames:
        return gpd.GeoDataFrame(
            {"division": [], "unit": [], "region": []}, geometry=[], crs=CRS_WEB
        )
    out = pd.concat(frames, ignore_index=True)[["division", "unit", "region", "geometry"]]
    web = gpd.GeoDataFrame(out, geometry="geometry", crs=CRS_METRIC).to_crs(CRS_WEB)
    bad = ~web.is_valid.to_numpy()
    if bad.any():  # projection can make a thin part self-touch
        geoms = web.geometry.to_numpy().copy()
        geoms[bad] = make_valid_polygonal(geoms[bad])
        web = web.set_geometry(geoms)
    return web


def nearest_own_pc4(
    schools: gpd.GeoDataFrame, metric: gpd.GeoDataFrame, pieces: pd.DataFrame
) -> pd.Series:
    """Per school: the PC4 of its own gemeente (``unit``) holding its point, else the nearest
    one within 5 km; ``NaN`` when there is none."""
    points = schools.geometry.to_crs(CRS_METRIC).values
    territory = pd.MultiIndex.from_frame(pieces[["pc4", "unit"]].astype(str))
    units = schools["unit"].astype(str).to_numpy()
    codes = metric["code"].to_numpy()

    def own_pairs(predicate: str, rows: np.ndarray, **kw: float) -> pd.DataFrame:
        left, right = metric.sindex.query(points[rows], predicate=predicate, **kw)
        pairs = pd.DataFrame({"school": rows[left], "pc4": codes[right]})
        pairs["unit"] = units[pairs["school"].to_numpy()]
        return pairs[pd.MultiIndex.from_frame(pairs[["pc4", "unit"]]).isin(territory)]

    inside = own_pairs("intersects", np.arange(len(points))).drop_duplicates("school")
    rest = np.setdiff1d(np.arange(len(points)), inside["school"].to_numpy())
    near = own_pairs("dwithin", rest, distance=5000.0)
    position = pd.Index(codes).get_indexer(near["pc4"].to_numpy())
    near["distance"] = shapely.distance(
        points[near["school"].to_numpy()], metric.geometry.values[position]
    )
    near = near.sort_values("distance").drop_duplicates("school")
    best = pd.concat([inside, near[["school", "pc4", "unit"]]], ignore_index=True)
    return pd.Series(best["pc4"].to_numpy(), index=schools.index[best["school"]]).reindex(
        schools.index
    )


def build_pc4_layer(
    data: Path,
    *,
    units_web: gpd.GeoDataFrame,
    units_metric: gpd.GeoDataFrame,
    gemeenten_2015: gpd.GeoDataFrame,
    gemeenten_2015_metric: gpd.GeoDataFrame,
    crosswalk_2015: pd.DataFrame,
    annex: pd.DataFrame,
    schools: gpd.GeoDataFrame,
    inhabitants_2024: pd.Series,
) -> Pc4Layer:
    """The PC4 layer for the build (see the module rule). ``annex`` carries ``code2015``;
    ``schools`` are located (``unit``) with ``unit_admin`` (DUO municipality as a 2025 code)."""
    path = sources.source_path(data, "pc4")
    pc4 = read_pc4(path)
    metric = to_metric(pc4)
    names25 = dict(zip(units_web["code"], units_web["name"], strict=True))
    names15 = dict(zip(gemeenten_2015["code"], gemeenten_2015["name"], strict=True))
    named = name_to_unit(pc4["gemeente"], names25, names15, crosswalk_2015)
    evidence = pd.concat(
        [
            pd.DataFrame({"source": pc4["pc4"], "target": named, "count": 1}).dropna(),
            schools.dropna(subset=["unit_admin"])
            .groupby(["pc4", "unit_admin"], as_index=False)
            .size()
            .rename(columns={"pc4": "source", "unit_admin": "target", "size": "count"}),
        ],
        ignore_index=True,
    )
    placed = place_pc4(metric, units_metric, evidence)
    swv, without_polygon = pc4_swv(metric, annex, gemeenten_2015_metric)

    figures = pd.DataFrame(
        {
            "area_km2": shapely.area(metric.geometry.values) / 1e6,
            "inhabitants_2021": pc4["inhabitants_2021"].to_numpy(),
            "inhabitants_0_15_2021": pc4["inhabitants_0_15_2021"].to_numpy(),
        },
        index=pd.Index(pc4["pc4"], name="pc4"),
    )
    pieces = piece_weights(placed, figures, inhabitants_2024)
    pieces = pieces.merge(swv, on="pc4", how="left")

    point_pc4 = nearest_own_pc4(schools, metric, pieces)
    located = school_swv(schools, swv, point_pc4, pieces)
    pieces = add_pupils(pieces, located, swv[["pc4", "swv_po", "swv_vo", "rule", "from_pc4"]])
    pieces["plaats"] = pieces["pc4"].map(dict(zip(pc4["pc4"], pc4["plaats"], strict=True)))

    report = _report(pieces, pc4, swv, without_polygon, annex, units_web, units_metric)
    report["schools_swv_from_point"] = int((located["swv_pc4"] != located["pc4"]).sum())
    parts = unit_parts(units_metric, metric, pieces)
    return Pc4Layer(pieces, located, parts, report)


def _report(
    pieces: pd.DataFrame,
    pc4: gpd.GeoDataFrame,
    swv: pd.DataFrame,
    without_polygon: list[dict],
    annex: pd.DataFrame,
    units_web: gpd.GeoDataFrame,
    units_metric: gpd.GeoDataFrame,
) -> dict:
    names = dict(zip(units_web["code"], units_web["name"], strict=True))
    unit_area = pd.Series(
        shapely.area(units_metric.geometry.values) / 1e6, index=units_metric["code"].to_numpy()
    )
    per_unit = pieces.groupby("unit").agg(pc4s=("pc4", "nunique"), pc4_area=("area_km2", "sum"))
    per_unit = per_unit.reindex(unit_area.index)
    coverage = (per_unit["pc4_area"] / unit_area).round(4)
    crossing = pieces[pieces["kind"] == "split"]
    derived = swv[swv["rule"] != "annex"]
    listed = set(swv["pc4"]) | {r["pc4"] for r in without_polygon}
    return {
        "pc4s": int(len(pc4)),
        "pc4s_per_gemeente": {u: int(n) for u, n in per_unit["pc4s"].fillna(0).items()},
        "gemeenten_without_pc4": sorted(per_unit.index[per_unit["pc4s"].isna()]),
        "area_coverage": {u: float(c) for u, c in coverage.fillna(0.0).items()},
        "crossing_gemeente_border": [
            {
                "pc4": p,
                "pieces": {
                    f"{u} {names[u]}": round(float(f), 4)
                    for u, f in zip(g["unit"], g["fraction"], strict=True)
                },
            }
            for p, g in crossing.groupby("pc4")
        ],
        "derived_swv": derived[["pc4", "swv_po", "swv_vo", "code2015", "rule", "from_pc4"]]
        .assign(unit=derived["pc4"].map(pieces.drop_duplicates("pc4").set_index("pc4")["unit"]))
        .to_dict("records"),
        "annex_without_polygon": without_polygon,
        "pc4_without_polygon": pc4.attrs.get("without_polygon", []),
        "pc4_without_inhabitants": pc4.attrs.get("without_inhabitants", []),
        "annex_postcodes": int(len(annex)),
        "annex_not_accounted": sorted(set(annex["pc4"]) - listed),
    }
