"""``regio data check``: a validation report of the built foundation (like ``maup.doctor``).

Rule: the report lists units, regions per division, share sums per unit (each must be
1 ± 1e-9, also for every weight-specific matrix), gemeenten split per division with their
shares, units with a 'no region' share, totals, crosswalk splits and schools that could not be
located or matched, and the PC4 layer (``pc4``): PC4s per gemeente, PC4s really crossing a
gemeente border, area coverage per gemeente (PC4 area / gemeente area), the postcodes whose SWV
had to be derived, annex postcodes without a polygon, and the weight in no SWV; and the operator's
travel table when there is one (``travel_table``: file, layout, value column, rows; else null).
Every inconsistency is appended to ``problems``; the command exits non-zero when that list is not
empty.

>>> EXPECTED_INHABITANTS_2024
17942942
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geo.dataset import Dataset
from geo.division import NO_REGION, SHARE_TOLERANCE

EXPECTED_INHABITANTS_2024 = 17_942_942
"""Inhabitants of the Netherlands on 1 Jan 2024 (CBS; the sum of the 342 KWB 2024 GM rows)."""


def check_dataset(dataset: Dataset) -> dict[str, Any]:
    """The check report as one JSON-serialisable dict with a ``problems`` list."""
    problems: list[str] = []
    units = dataset.units
    report: dict[str, Any] = {"units": int(len(units))}
    if units.index.has_duplicates:
        problems.append("duplicate unit codes")
    report["divisions"] = {name: d.n_regions for name, d in dataset.divisions.items()}
    share_sums: dict[str, float] = {}
    split_units: dict[str, list[dict[str, Any]]] = {}
    unassigned: dict[str, list[dict[str, Any]]] = {}
    for name, division in dataset.divisions.items():
        deviation = max(
            float(np.abs(division.for_weight(k).share_sums().to_numpy() - 1.0).max())
            for k in ["", *division.weight_shares]
        )
        share_sums[name] = deviation
        if deviation > SHARE_TOLERANCE:
            problems.append(f"{name}: shares of some unit deviate {deviation:.3g} from 1")
        if not division.units.equals(units.index):
            problems.append(f"{name}: its units differ from the gemeenten")
        empty = [
            r
            for r, t in division.totals(units["area_km2"]).items()
            if t <= 0 and r in division.regions
        ]
        if empty:
            problems.append(f"{name}: region(s) without any gemeente: {empty}")
        split_units[name] = [
            {
                "unit": u,
                "name": str(units.loc[u, "name"]),
                "regions": {r: round(s, 6) for r, s in division.unit_regions(u).items()},
            }
            for u in division.split_units()
        ]
        unassigned[name] = [
            {"unit": u, "name": str(units.loc[u, "name"]), "share": round(float(s), 6)}
            for u, s in division.unassigned().items()
        ]
    report["max_share_sum_deviation"] = share_sums
    report["split_units"] = split_units
    report["unassigned"] = unassigned
    totals = {
        "inhabitants": int(units["inhabitants"].sum()),
        "inhabitants_0_15": int(units["inhabitants_0_15"].sum()),
        "pupils_po": int(units["pupils_po"].sum()),
        "pupils_vo": int(units["pupils_vo"].sum()),
        "pupils_special": int(units["pupils_special"].sum()),
        "area_km2": round(float(units["area_km2"].sum()), 1),
        "special_education_locations": int(len(dataset.special_schools)),
    }
    report["totals"] = totals
    if totals["inhabitants"] != EXPECTED_INHABITANTS_2024:
        problems.append(
            f"inhabitants sum to {totals['inhabitants']:,}, expected {EXPECTED_INHABITANTS_2024:,}"
        )
    build = dataset.report
    schools = build.get("schools", {})
    report["schools"] = {
        "rows": schools.get("rows"),
        "duplicates_removed": schools.get("duplicates_removed"),
        "locations": schools.get("locations"),
        "not_in_any_gemeente": schools.get("not_in_any_unit", []),
        "snapped_to_nearest_gemeente": schools.get("snapped_to_nearest_unit", []),
        "postcode_not_in_swv_table": schools.get("postcode_not_in_swv_table", []),
        "pupils_missing": schools.get("pupils_missing"),
        "point_in_polygon_differs_from_duo_gemeente": schools.get(
            "point_in_polygon_differs_from_duo_gemeente"
        ),
    }
    if schools.get("not_in_any_unit"):
        problems.append(f"{len(schools['not_in_any_unit'])} school(s) not located in any gemeente")
    report["crosswalk"] = build.get("crosswalk", {})
    if report["crosswalk"].get("units_2025_without_2015_source"):
        problems.append("gemeenten 2025 reached by no 2015 gemeente in the crosswalk")
    report["name_matches_normalised"] = build.get("name_matches_normalised", {})
    report["low_overlap"] = {k: len(v) for k, v in build.get("low_overlap", {}).items()}
    report["lowest_overlap"] = {
        k: min((r["share"] for r in v), default=1.0)
        for k, v in build.get("low_overlap", {}).items()
    }
    report["repaired_geometries"] = build.get("repaired_geometries", [])
    report["pc4"] = _pc4_section(dataset, problems)
    table = dataset.travel_table
    report["travel_table"] = (
        None
        if table is None
        else {
            **dataset.report.get("travel_table", {}),
            "layout": table.layout,
            "value": table.value,
            "rows": len(table.rows),
        }
    )
    report["problems"] = problems
    return report


def _pc4_section(dataset: Dataset, problems: list[str]) -> dict[str, Any]:
    """The PC4 layer part of the report (empty when the store has no PC4 layer)."""
    pc4 = dict(dataset.report.get("pc4", {}))
    if not pc4 or dataset.postcodes is None:
        return {}
    pieces = dataset.postcodes
    coverage = pc4.get("area_coverage", {})
    low = {u: c for u, c in coverage.items() if not 0.9 <= c <= 1.1}
    out = {
        "pc4s": pc4.get("pc4s"),
        "pc4s_per_gemeente": pc4.get("pc4s_per_gemeente", {}),
        "crossing_gemeente_border": pc4.get("crossing_gemeente_border", []),
        "area_coverage": coverage,
        "area_coverage_outside_90_110_percent": low,
        "derived_swv": pc4.get("derived_swv", []),
        "annex_without_polygon": pc4.get("annex_without_polygon", []),
        "pc4_without_polygon": pc4.get("pc4_without_polygon", []),
        "pc4_without_inhabitants": pc4.get("pc4_without_inhabitants", []),
        "no_swv": {
            column: {
                "pc4": sorted(set(pieces.loc[pieces[column] == NO_REGION, "pc4"])),
                "inhabitants": round(
                    float(pieces.loc[pieces[column] == NO_REGION, "inhabitants"].sum()), 1
                ),
                "area_km2": round(
                    float(pieces.loc[pieces[column] == NO_REGION, "area_km2"].sum()), 1
                ),
            }
            for column in ("swv_po", "swv_vo")
        },
    }
    if pc4.get("gemeenten_without_pc4"):
        problems.append(f"gemeenten without any PC4: {pc4['gemeenten_without_pc4'][:5]}")
    if pc4.get("annex_not_accounted"):
        problems.append(f"annex postcodes not accounted for: {pc4['annex_not_accounted'][:5]}")
    if abs(float(pieces["inhabitants"].sum()) - EXPECTED_INHABITANTS_2024) > 0.5:
        problems.append("PC4 inhabitants do not sum to the 2024 total")
    return out
