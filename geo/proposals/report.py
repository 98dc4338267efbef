"""The proposal's report and scenario document (JSON-safe, with the definitions used).

:func:`build_report` summarises a national solution (totals, travel, per jeugdregio, per new SWV,
per gemeente); :func:`scenario_document` turns it into a scenario whose one ``assign`` edit
creates the division ``swv``; :func:`region_names` names each new SWV after the current SWVs it
continues.

>>> json_safe({"a": float("inf"), "b": (1, 2.5)})
{'a': None, 'b': [1, 2.5]}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from geo.overlap.disruption import Disruption
from geo.proposals.problem import DIVISION, Context
from geo.proposals.solve import RegionSolution
from geo.proposals.travel import LEVELS, travel_stats
from geo.scenarios.descriptions import PROPOSAL_NOTE, proposal_description

__all__ = ["DEFINITIONS", "build_report", "json_safe", "region_names", "scenario_document"]

DEFINITIONS: dict[str, str] = {
    "disruption": "a pupil of gemeente g in current PO SWV p (VO SWV v) keeps their SWV iff g's "
    "new SWV is the continuation of p (v): the new SWV receiving most of p's (v's) pupils; shares "
    "of split gemeenten count; pupils in no current SWV (Europoort) are reported apart",
    "unavoidable_disruption": "pupils of current SWVs outside their home jeugdregio: no division "
    "respecting the jeugdregio borders keeps them",
    "disruption_bound": "unavoidable disruption + the solvers' proven bounds per jeugdregio (each "
    "current SWV continued in its home jeugdregio)",
    "baseline_km": "today's distance, or the nearest location inside the jeugdregio where that is "
    "farther (forced by principle 3)",
}
"""The definitions printed with every report."""


def json_safe(value: Any) -> Any:
    """Replace inf/nan by None, numpy scalars by Python numbers (JSON-safe)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def region_names(d: Disruption, assignment: pd.Series) -> dict[str, str]:
    names = {}
    for code in sorted(pd.unique(assignment)):
        continued = sorted(c for c, k in d.continuation.items() if k == code)
        if continued:
            names[code] = " + ".join(continued)
        else:
            flows = d.flows[d.flows["new"] == code].sort_values("pupils", ascending=False)
            names[code] = "nieuw, uit delen van " + ", ".join(pd.unique(flows["current"])[:4])
    return names


def build_report(
    ctx: Context,
    solutions: Mapping[str, RegionSolution],
    codes: pd.Series,
    d: Disruption,
    dist: pd.DataFrame,
    region_names: Mapping[str, str],
    solve_seconds: float,
) -> dict[str, Any]:
    ds, s = ctx.dataset, ctx.settings
    units = codes.index
    names = ds.units["name"].astype(str)
    names.index = names.index.astype(str)
    jz_names = ctx.jeugdregio.region_names
    per = d.per_gemeente.reindex(units)
    swv_po, swv_vo = ds.division("swv_po"), ds.division("swv_vo")

    swvs = []
    for code, members in codes.groupby(codes, sort=True):
        gm = sorted(members.index)
        flows = d.flows[d.flows["new"] == code]
        swvs.append(
            {
                "code": code,
                "name": region_names.get(code, code),
                "jeugdregio": ctx.regions[gm[0]],
                "gemeenten": gm,
                "gemeente_names": [names[g] for g in gm],
                "pupils_po": round(float(per.loc[gm, "pupils_po"].sum()), 1),
                "pupils_vo": round(float(per.loc[gm, "pupils_vo"].sum()), 1),
                "pupils": round(float(ctx.sizes.reindex(gm).sum()), 1),
                "continues": sorted(c for c, k in d.continuation.items() if k == code),
                "draws_from_po": {
                    r.current: round(float(r.pupils), 1)
                    for r in flows[flows["level"] == "po"].itertuples()
                },
                "draws_from_vo": {
                    r.current: round(float(r.pupils), 1)
                    for r in flows[flows["level"] == "vo"].itertuples()
                },
            }
        )
    gemeenten = []
    for g in units:
        row = per.loc[g]
        gemeenten.append(
            {
                "code": g,
                "name": names[g],
                "jeugdregio": ctx.regions[g],
                "swv": codes[g],
                "current_po": {k: round(v, 4) for k, v in swv_po.unit_regions(g).items()},
                "current_vo": {k: round(v, 4) for k, v in swv_vo.unit_regions(g).items()},
                "pupils_po": float(row["pupils_po"]),
                "pupils_vo": float(row["pupils_vo"]),
                "changed_po": round(float(row["changed_po"]), 1),
                "changed_vo": round(float(row["changed_vo"]), 1),
                "swv_changes": bool(row["swv_changes"]),
                **{
                    c: round(float(dist.loc[g, c]), 3)
                    for c in ("po_before_km", "po_after_km", "vo_before_km", "vo_after_km")
                },
            }
        )
    forced = []
    for level in LEVELS:
        b, best = dist[f"{level}_before_km"], dist[f"{level}_best_km"]
        hit = dist.index[np.isfinite(b) & (best > b + 1e-9)].intersection(units)
        forced.extend(
            {
                "gemeente": g,
                "name": names[g],
                "level": level,
                "before_km": round(float(b[g]), 3),
                "nearest_in_jeugdregio_km": round(float(best[g]), 3),
            }
            for g in hit
        )
    travel: dict[str, Any] = {
        "point_rule": ctx.point_rule,
        "distance_model": ctx.travel.distance_name,
        "distance_rule": f"{ctx.travel.distance_text}, to the nearest special-education "
        "location of the level in the same SWV; PO: SBAO/SO/(V)SO, VO: VSO/(V)SO",
        "max_extra_km": s.max_extra_km,
        "max_extra_mean_km": s.max_extra_mean_km,
        "forced_by_principle_3": forced,
    }
    for level in LEVELS:
        w = ds.weight(f"pupils_{level}")
        w.index = w.index.astype(str)
        sub = dist.loc[units]
        extra = sub[f"{level}_after_km"] - sub[f"{level}_baseline_km"]
        travel[level] = {
            "before": travel_stats(sub[f"{level}_before_km"], w),
            "baseline": travel_stats(sub[f"{level}_baseline_km"], w),
            "after": travel_stats(sub[f"{level}_after_km"], w),
            "max_extra_over_baseline_km": round(float(extra[np.isfinite(extra)].max()), 3)
            if np.isfinite(extra).any()
            else None,
            "gemeenten_longer_than_before": int(
                (sub[f"{level}_after_km"] > sub[f"{level}_before_km"] + 1e-9).sum()
            ),
        }
    region_rows = []
    for region, sol in solutions.items():
        graph = ctx.graphs[region]
        members = sorted(graph.nodes)
        region_rows.append(
            {
                "code": region,
                "name": jz_names.get(region, region),
                "gemeenten": len(members),
                "pupils": round(float(ctx.sizes.reindex(members).sum()), 1),
                "swvs": sol.n_swvs,
                "status": sol.status,
                "gap": round(sol.gap, 6),
                "disruption_model": sol.disruption,
                "disruption_bound": sol.disruption_bound,
                "changed_pupils": round(float(per.loc[members, "changed"].sum()), 1),
                "wall_time_s": sol.wall_time_s,
                "island_links": graph.graph["links"],
                "fixed_links": sorted(
                    {str(n) for _, _, n in graph.edges(data="name") if n is not None}
                ),
            }
        )
    outside = sum(
        float(h.loc[h["home"].isin(list(solutions)), "outside_home"].sum())
        for h in ctx.homes.values()
    )
    totals = {
        "swvs": int(codes.nunique()),
        "gemeenten": int(len(units)),
        "gemeenten_changed": int(per["swv_changes"].sum()),
        "pupils_po": round(float(per["pupils_po"].sum()), 1),
        "pupils_vo": round(float(per["pupils_vo"].sum()), 1),
        "disrupted_po": round(float(per["changed_po"].sum()), 1),
        "disrupted_vo": round(float(per["changed_vo"].sum()), 1),
        "disrupted": round(float(per["changed"].sum()), 1),
        "disrupted_share": round(
            float(per["changed"].sum())
            / max(
                float(
                    (
                        per["pupils_po"] + per["pupils_vo"] - per["no_swv_po"] - per["no_swv_vo"]
                    ).sum()
                ),
                1.0,
            ),
            6,
        ),
        "unavoidable_disruption": round(outside, 1),
        "disruption_bound": round(outside + sum(x.disruption_bound for x in solutions.values()), 1),
        "pupils_without_current_swv": round(float((per["no_swv_po"] + per["no_swv_vo"]).sum()), 1),
        "status": "OPTIMAL"
        if all(x.status == "OPTIMAL" for x in solutions.values())
        else "FEASIBLE",
        "solve_seconds": round(solve_seconds, 2),
    }
    settings = asdict(s)
    settings["regions"] = list(s.regions) if s.regions else None
    return json_safe(
        {
            "name": s.name,
            "division": DIVISION,
            "settings": settings,
            "bounds": {
                "min_pupils": ctx.bounds.min_pupils,
                "max_pupils": ctx.bounds.max_pupils,
                "rule": ctx.bounds.rule,
                "evidence": ctx.bounds.evidence,
            },
            "totals": totals,
            "travel": travel,
            "jeugdregios": region_rows,
            "swvs": swvs,
            "gemeenten": gemeenten,
            "definitions": DEFINITIONS,
        }
    )


def scenario_document(
    ctx: Context, codes: pd.Series, region_names: Mapping[str, str], report: Mapping[str, Any]
) -> dict[str, Any]:
    s = ctx.settings
    description = proposal_description(report)
    doc: dict[str, Any] = {
        "name": s.name,
        "description": str(description),  # English; the web app renders it for its reader
        "principles": [1, 2, 3],
    }
    if ctx.base is not None:
        doc["base"] = ctx.base
    doc["edits"] = [
        {
            "op": "assign",
            "division": DIVISION,
            "assignment": {str(k): str(v) for k, v in codes.sort_index().items()},
            "region_names": dict(sorted(region_names.items())),
            "note": PROPOSAL_NOTE,
        }
    ]
    return doc
