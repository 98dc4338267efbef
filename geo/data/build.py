"""Build the foundation from the public sources: units, weights, divisions, special schools.

Rule: the units are the 342 CBS gemeenten of 2025. CBS region divisions (jeugdregio, provincie,
ggdregio, veiligheidsregio, arbeidsmarktregio) assign each gemeente wholly to the region with the
largest overlap (:func:`geo.geometry.assign.assign`). swv_po and swv_vo are postcode-exact:
each PC4 lies in a 2025 gemeente and carries the SWV of the Regeling's annex
(:mod:`geo.data.pc4_layer`); a gemeente's share in an SWV is computed per weight from its PC4s
(area, inhabitants, inhabitants_0_15) and schools (pupils), and kept as weight-specific
shares (:meth:`geo.division.Division.shares_for`); the default shares are the inhabitant
shares (:data:`DEFAULT_SWV_WEIGHT`). Each gemeente also gets its pupil-weighted point
(:func:`geo.data.schools.pupil_weighted_points`: columns ``point_x``, ``point_y`` in EPSG:28992
metres and ``point_rule``). An optional operator's travel table (``reistijd/reistabel.csv``) is
checked against the built gemeenten, PC4s and locations (:mod:`geo.data.travel_table`).

>>> callable(build_dataset)
True
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.config import CRS_METRIC, CRS_WEB
from geo.data import sources
from geo.data.crosswalk import crosswalk
from geo.data.names import DUO_ALIASES, match_names
from geo.data.pc4_layer import build_pc4_layer
from geo.data.pc4_swv import NO_SWV_VALUES
from geo.data.pc4_weights import PIECE_WEIGHTS, PUPIL_WEIGHTS, swv_shares
from geo.data.schools import locate_schools, pupil_weighted_points
from geo.data.travel_table import read_travel_table, travel_table_path
from geo.data.weights import unit_weights
from geo.dataset import Dataset
from geo.division import NO_REGION, Division
from geo.errors import RegiokompasWarning
from geo.geometry.assign import assign
from geo.geometry.repair import repair

Progress = Callable[[str], None]

DEFAULT_SWV_WEIGHT = "inhabitants"
"""The weight whose shares an SWV division uses where no weight-specific matrix applies (a
custom weight, the map's largest-share colouring, exports): inhabitants keep the Europoort's
tiny 'no SWV' share explicit, which pupil shares (no schools there) cannot."""


def _boundaries(data: Path, key: str, report: dict) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A CBS layer in EPSG:4326 and EPSG:28992, both repaired (repairs go into the report)."""
    path = sources.source_path(data, key)
    web, fixes = repair(sources.read_boundaries(path), source=sources.SOURCE_FILES[key], warn=False)
    metric, fixes_metric = repair(
        web.to_crs(CRS_METRIC), source=sources.SOURCE_FILES[key] + " (EPSG:28992)", warn=False
    )
    if fixes or fixes_metric:
        report.setdefault("repaired_geometries", []).extend(fixes + fixes_metric)
    return web, metric


def build_dataset(data: Path, progress: Progress | None = None) -> Dataset:
    """Read every source under ``data`` and return the joined :class:`Dataset`."""
    step = progress or (lambda _msg: None)
    report: dict = {"data_dir": str(data)}

    step("gemeenten 2025")
    units_web, units_metric = _boundaries(data, "gemeente_2025", report)
    unit_codes = pd.Index(units_web["code"], name="code")

    divisions: dict[str, Division] = {}
    report["low_overlap"] = {}
    for name in sources.REGION_FILES:
        step(name)
        regions_web, regions_metric = _boundaries(data, name, report)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RegiokompasWarning)
            assignment, low = assign(units_metric, regions_metric, source=name)
        report["low_overlap"][name] = low.round({"share": 4}).to_dict("records")
        divisions[name] = Division.from_assignment(
            name,
            assignment,
            units=unit_codes,
            region_names=dict(zip(regions_web["code"], regions_web["name"], strict=True)),
            meta={"source": sources.SOURCE_FILES[name], "rule": "largest overlap (assign)"},
        )

    step("SWV postcode table and gemeenten 2015")
    swv_path = sources.source_path(data, "swv")
    table = sources.read_swv_table(swv_path)
    g2015_web, g2015_metric = _boundaries(data, "gemeente_2015", report)
    name_to_2015 = match_names(
        table["gemeente"],
        dict(zip(g2015_web["code"], g2015_web["name"], strict=True)),
        source=sources.SOURCE_FILES["swv"] + " vs " + sources.SOURCE_FILES["gemeente_2015"],
    )
    table["code2015"] = table["gemeente"].map(name_to_2015)
    official_2015 = dict(zip(g2015_web["code"], g2015_web["name"], strict=True))
    report["name_matches_normalised"] = {
        n: c for n, c in name_to_2015.items() if n != official_2015[c]
    }

    step("schools")
    schools_raw = sources.read_schools(sources.source_path(data, "schools"))
    schools, school_report = locate_schools(schools_raw, units_web)
    duo_to_2025 = match_names(
        schools["gemeente"],
        dict(zip(units_web["code"], units_web["name"], strict=True)),
        source=sources.SOURCE_FILES["schools"]
        + " (gemeente) vs "
        + sources.SOURCE_FILES["gemeente_2025"],
        aliases=DUO_ALIASES,
    )
    schools["unit_admin"] = schools["gemeente"].map(duo_to_2025)
    with_pc = schools.merge(table[["pc4", "code2015", "po_swv", "vo_swv"]], on="pc4", how="left")
    unknown_pc = with_pc[with_pc["code2015"].isna()]
    school_report["postcode_not_in_swv_table"] = unknown_pc[
        ["vestigingscode", "naam", "postcode", "type"]
    ].to_dict("records")
    school_report["point_in_polygon_differs_from_duo_gemeente"] = int(
        (with_pc["unit"].notna() & (with_pc["unit"] != with_pc["unit_admin"])).sum()
    )

    step("crosswalk 2015 -> 2025")
    evidence = (
        with_pc.dropna(subset=["code2015"])
        .groupby(["code2015", "unit_admin"], as_index=False)
        .size()
        .rename(columns={"code2015": "source", "unit_admin": "target", "size": "count"})
    )
    xw = crosswalk(g2015_metric, units_metric, evidence)
    names15 = dict(zip(g2015_web["code"], g2015_web["name"], strict=True))
    names25 = dict(zip(units_web["code"], units_web["name"], strict=True))
    splits = xw[xw["kind"] == "split"]
    report["crosswalk"] = {
        "source_units": int(xw["source"].nunique()),
        "target_units": int(xw["target"].nunique()),
        "rule": "whole to largest piece unless >= 2 pieces (>= 2% of area) each hold >= 5% of "
        "the 2015 gemeente's schools by DUO municipality",
        "splits": [
            {
                "gemeente_2015": f"{s} {names15[s]}",
                "to": {
                    f"{t} {names25[t]}": round(w, 4)
                    for t, w in zip(g.target, g.weight, strict=True)
                },
            }
            for s, g in splits.groupby("source")
        ],
    }
    targets_reached = set(xw["target"])
    missing_targets = sorted(set(unit_codes) - targets_reached)
    report["crosswalk"]["units_2025_without_2015_source"] = missing_targets

    step("PC4 layer")
    inhabitants = sources.read_population(sources.source_path(data, "population"))
    layer = build_pc4_layer(
        data,
        units_web=units_web,
        units_metric=units_metric,
        gemeenten_2015=g2015_web,
        gemeenten_2015_metric=g2015_metric,
        crosswalk_2015=xw,
        annex=table,
        schools=schools,
        inhabitants_2024=inhabitants,
    )
    report["pc4"] = layer.report

    step("swv_po / swv_vo")
    for name in ("swv_po", "swv_vo"):
        default = DEFAULT_SWV_WEIGHT
        per_weight = swv_shares(layer.pieces, name, unit_codes)
        column = "po_swv" if name == "swv_po" else "vo_swv"
        names = {c: c for c in set(table[column]) - set(NO_SWV_VALUES)}

        meta = {
            "source": sources.SOURCE_FILES["swv"] + " + " + sources.SOURCE_FILES["pc4"],
            "rule": "postcode-exact (PC4 layer); shares per weight, default by inhabitants",
            "default_weight": default,
        }
        matrices = {
            k: Division.from_membership(name, m, units=unit_codes, region_names=names).shares
            for k, m in per_weight.items()
        }
        base = Division.from_membership(
            name, per_weight[default], units=unit_codes, region_names=names, meta=meta
        )
        divisions[name] = base.with_weight_shares(matrices)

    step("weights")
    ages = sources.read_age_shares(sources.source_path(data, "population_ages"))
    youth = layer.pieces.groupby("unit")["inhabitants_0_15"].sum()
    weights = unit_weights(
        units_web,
        inhabitants,
        ages,
        schools,
        population_source=sources.SOURCE_FILES["population"],
        youth=youth,
    )
    report["inhabitants_0_15_kwb_estimate"] = int(
        (weights["inhabitants"] * ages["pct_0_15"].reindex(weights.index) / 100).round().sum()
    )
    units = gpd.GeoDataFrame(
        pd.concat([units_web.set_index("code")[["name"]], weights], axis=1),
        geometry=units_web.set_index("code").geometry,
        crs=CRS_WEB,
    )
    units.index.name = "code"
    points = pupil_weighted_points(units, schools)  # point_x, point_y (EPSG:28992), point_rule
    units[list(points.columns)] = points

    special = with_pc[with_pc["level"] == "special"]
    special_schools = gpd.GeoDataFrame(
        {
            "vestigingscode": special["vestigingscode"].to_numpy(),
            "naam": special["naam"].to_numpy(),
            "type": special["type"].to_numpy(),
            "leerlingen": special["leerlingen"].to_numpy(),
            "pc4": special["pc4"].to_numpy(),
            "unit": special["unit"].to_numpy(),
            "swv_po": special["po_swv"].replace(dict.fromkeys(NO_SWV_VALUES, NO_REGION)).to_numpy(),
            "swv_vo": special["vo_swv"].replace(dict.fromkeys(NO_SWV_VALUES, NO_REGION)).to_numpy(),
        },
        geometry=special.geometry.to_numpy(),
        crs=CRS_WEB,
    )
    report["schools"] = school_report
    step("done")
    postcodes = layer.pieces[
        [
            "pc4",
            "unit",
            "fraction",
            "kind",
            *PIECE_WEIGHTS,
            *PUPIL_WEIGHTS,
            "swv_po",
            "swv_vo",
            "rule",
            "from_pc4",
            "plaats",
        ]
    ]
    travel = None
    travel_path = travel_table_path(data)
    if travel_path is not None:
        step("travel table")
        travel = read_travel_table(
            travel_path,
            units=units.index,
            locations=special_schools["vestigingscode"].astype(str),
            pc4s=postcodes["pc4"].astype(str),
        )
        read = len(travel.rows)
        if travel.layout == "pc4":  # only trips to a special-education location's PC4 matter
            wanted = set(special_schools["pc4"].astype(str))
            kept = travel.rows[travel.rows["target"].isin(wanted)].reset_index(drop=True)
            travel = dataclasses.replace(travel, rows=kept)
        report["travel_table"] = {
            "file": travel.file,
            "layout": travel.layout,
            "rows_read": read,
            "rows": len(travel.rows),
            "value": travel.value,
            "sha256": travel.sha256,
        }
    return Dataset(
        units=units,
        divisions=divisions,
        special_schools=special_schools,
        report=report,
        postcodes=postcodes.reset_index(drop=True),
        unit_parts=layer.parts,
        travel_table=travel,
    )
