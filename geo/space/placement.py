"""Placing a scenario's SWV division in a built space: percentiles, not pass/fail.

Rule. The division (a scenario's ``swv``, or any SWV division such as huidig's ``swv_vo``) is
scored per jeugdregio of the space's jeugdregio division with the same figures as the plans:

* a division of whole gemeenten whose SWVs each lie in one jeugdregio is scored by exactly the
  code that scored the stored plans (:func:`geo.space.figures.plan_figures`); it *lies in the
  space* of a jeugdregio when its plan there is valid (every SWV connected, within the size
  bounds, principle 2 per gemeente, the jeugdregio-mean margin) - for an exactly enumerated
  jeugdregio also checked as membership in the stored plans;
* any other division (split gemeenten, SWVs across jeugdregio borders) lies in no jeugdregio's
  space and is scored by the verdict's own rules (:mod:`geo.checks`: pupils changing SWV per
  gemeente by :func:`geo.overlap.disruption.disruption`, distances by
  :func:`geo.checks.travel.distances`), summed over the jeugdregio's gemeenten; congruences are
  taken on the table restricted to the jeugdregio; sizes are the SWVs' PO + VO pupils inside it.

For each figure: the share of valid divisions with a lower, equal and higher value and the
mid-rank percentile ``100 * (below + equal / 2)``, per jeugdregio (against its plans) and
nationally (against :func:`geo.space.distributions.national`; the scenario's national value is
combined the same way as the distribution's: sums, pupil-weighted means, maximum).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.dataset import Dataset
from geo.division import Division
from geo.proposals.problem import ProposalSettings, prepare
from geo.space.distributions import (
    FIGURES,
    HIGHER_IS_BETTER,
    national,
    placement,
    read_plans,
)
from geo.space.enumerate import p2_ok
from geo.space.errors import SpaceError
from geo.space.figures import PartTable, _congruence, plan_figures
from geo.space.model import RegionModel, bits, labels_text, plan_of_assignment, region_models

ADDITIVE = ("swvs", "disrupted", "disrupted_po", "disrupted_vo")


def space_settings(space: Path | str) -> ProposalSettings:
    """The proposal settings a space was built with."""
    path = Path(space) / "settings.json"
    if not path.exists():
        raise SpaceError(f"{space}: no space here (no settings.json); run 'regio space build'")
    p = json.loads(path.read_text())["proposal"]
    return ProposalSettings(**p)


def space_orders(space: Path | str) -> dict[str, list[str]]:
    """Per jeugdregio the numbering of its gemeenten the space's plan texts use (the manifest's
    ``units``): models that read stored plans must number alike."""
    path = Path(space) / "manifest.json"
    if not path.exists():
        raise SpaceError(f"{space}: no space here (no manifest.json); run 'regio space build'")
    return {e["jeugdregio"]: list(e["units"]) for e in json.loads(path.read_text())["regions"]}


def _connected(model: RegionModel, mask: int) -> bool:
    start = mask & -mask
    seen, frontier = start, start
    while frontier:
        nxt = 0
        for i in bits(frontier):
            nxt |= model.neighbours[i]
        frontier = nxt & mask & ~seen
        seen |= frontier
    return seen == mask


def part_valid(model: RegionModel, mask: int) -> bool:
    """A part's validity by the rule of :func:`geo.space.enumerate.valid_parts`."""
    size = model.mask_size(mask)
    return (
        model.min_size - 1e-9 <= size <= model.max_size + 1e-9
        and _connected(model, mask)
        and p2_ok(model, mask)
    )


def _nested(division: Division, regions: pd.Series) -> pd.Series | None:
    """The whole-gemeente assignment when every SWV lies in one jeugdregio, else None."""
    if division.split_units() or len(division.unassigned()):
        return None
    a = division.assignment().astype(str)
    a.index = a.index.astype(str)
    jz = regions.reindex(a.index)
    if jz.isna().any() or (jz.groupby(a.to_numpy()).nunique() > 1).any():
        return None
    return a


def _general_rows(
    ds: Dataset, division: Division, ctx: Any, models: dict[str, RegionModel]
) -> dict[str, dict[str, float]]:
    """Figures per jeugdregio of a division outside every space (the verdict's rules)."""
    from geo.checks import VerdictSettings, build_context, verdict
    from geo.checks.reported import changes, disrupted
    from geo.checks.travel import close_to_home, per_gemeente

    checks_ctx = build_context(ds, points=ctx.travel.points)
    v = verdict(
        checks_ctx,
        {"swv": division},
        scenario="placement",
        jeugdregio=ctx.jeugdregio,
        settings=VerdictSettings(margin_km=ctx.settings.max_extra_km),
        checks=(disrupted, close_to_home),
    )
    state = v.state
    per = changes(state)
    per.index = per.index.astype(str)
    travel = per_gemeente(state)
    travel.index = travel.index.astype(str)
    d = division.reindexed(pd.Index(ds.units.index.astype(str)))
    out: dict[str, dict[str, float]] = {}
    for r, m in models.items():
        rows = d.units.get_indexer(m.units)
        fig: dict[str, float] = {
            "disrupted_po": float(per.loc[m.units, "changed_po"].sum()),
            "disrupted_vo": float(per.loc[m.units, "changed_vo"].sum()),
        }
        fig["disrupted"] = fig["disrupted_po"] + fig["disrupted_vo"]
        inc = -np.inf
        for lv in ("po", "vo"):
            after = travel.loc[m.units, f"{lv}_after_km"].to_numpy(dtype=float)
            ok = np.isfinite(after)
            w = m.pupils[lv]
            fig[f"travel_{lv}_pkm"] = float((after[ok] * w[ok]).sum())
            fig[f"travel_{lv}_pupils"] = float(w[ok].sum())
            fig[f"travel_{lv}_km"] = fig[f"travel_{lv}_pkm"] / max(
                fig[f"travel_{lv}_pupils"], 1e-300
            )
            with np.errstate(invalid="ignore"):
                x = after - m.before_km[lv]
            fin = np.isfinite(x)
            if fin.any():
                inc = max(inc, float(x[fin].max()))
            shares = d.shares_for(f"pupils_{lv}")[rows][:, : d.n_regions].toarray()
            fig[f"congruence_{lv}"] = float(_congruence((shares.T @ m.W[lv])[None])[0])
        fig["max_increase_km"] = inc if np.isfinite(inc) else float("nan")
        shares = d.shares[rows][:, : d.n_regions].toarray()
        sizes = shares.T @ m.sizes
        sizes = sizes[sizes > 1e-9]
        fig["swvs"] = float(len(sizes))
        fig["largest"], fig["smallest"] = float(sizes.max()), float(sizes.min())
        fig["size_spread"] = fig["largest"] - fig["smallest"]
        congr = [float(_congruence((shares.T @ u)[None])[0]) for u in m.uniform.values()]
        fig["congruence_uniform"] = float(np.mean(congr)) if congr else float("nan")
        out[r] = fig
    return out


def place(
    dataset: Dataset,
    division: Division,
    space: Path | str,
    *,
    scenario: str = "scenario",
    plans: pd.DataFrame | None = None,
    distributions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The placement of ``division`` in the space ``space`` (rule in the module docstring)."""
    settings = space_settings(space)
    ctx = prepare(dataset, settings)
    plans = read_plans(space) if plans is None else plans
    if not len(plans):
        raise SpaceError(f"{space}: the space holds no plans")
    built = sorted(plans["jeugdregio"].unique())
    models = region_models(ctx, built, space_orders(space))
    manifest_path = Path(space) / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    method = {e["jeugdregio"]: e["method"] for e in manifest.get("regions", [])}
    nested = _nested(division, ctx.regions)
    rows: dict[str, dict[str, float]] = {}
    inside: dict[str, bool] = {}
    if nested is not None:
        for r, m in models.items():
            masks = plan_of_assignment(m, nested)
            assert masks is not None
            f = plan_figures(PartTable(m, masks), [masks]).iloc[0]
            rows[r] = {k: float(f[k]) for k in f.index if k not in ("plan", "mean_ok")}
            valid = bool(f["mean_ok"]) and all(part_valid(m, mask) for mask in masks)
            if method.get(r) == "exact":
                stored = set(plans.loc[plans["jeugdregio"] == r, "plan"])
                valid = valid and labels_text(m, masks) in stored
            inside[r] = valid
        reason = None
    else:
        rows = _general_rows(dataset, division, ctx, models)
        inside = {r: False for r in models}
        reason = "the division splits gemeenten or has SWVs across jeugdregio borders"
    dist = national(plans) if distributions is None else distributions
    per_jz: dict[str, Any] = {}
    for r, g in plans.groupby("jeugdregio", sort=True):
        r = str(r)
        n = len(g)
        entry: dict[str, Any] = {
            "name": models[r].name,
            "in_space": inside[r],
            "plans": n,
            "method": method.get(r, "exact"),
            "figures": {},
        }
        for fig in FIGURES:
            x = rows[r].get(fig, float("nan"))
            if not np.isfinite(x):
                continue
            pl = placement(g[fig].to_numpy(), g["weight"].to_numpy(), x)
            better = pl["above"] if fig in HIGHER_IS_BETTER else pl["below"]
            pl["value"] = round(x, 6)
            pl["better"] = int(round(better * n)) if entry["method"] == "exact" else None
            entry["figures"][fig] = pl
        per_jz[r] = entry
    nat_value = _national_value(rows)
    nat: dict[str, Any] = {}
    for fig in FIGURES:
        x = nat_value.get(fig, float("nan"))
        if fig in dist and np.isfinite(x):
            pl = placement(dist[fig]["values"], dist[fig]["p"], x)
            pl["value"] = round(x, 6)
            pl["method"] = dist[fig]["method"]
            pl["summary"] = dist[fig]["summary"]
            nat[fig] = pl
    return {
        "scenario": scenario,
        "division": division.name,
        "space": str(space),
        "in_space": all(inside.values()),
        "in_space_jeugdregios": sum(inside.values()),
        "jeugdregios": len(inside),
        "reason_outside": reason,
        "national": nat,
        "jeugdregios_placement": per_jz,
        "note": "below/equal/above: share of valid divisions with a lower/equal/higher value; "
        "percentile = 100 * (below + equal / 2); better = valid divisions better than the "
        "scenario (lower, for congruences higher), counted where the space is exact",
    }


def _national_value(rows: dict[str, dict[str, float]]) -> dict[str, float]:
    """The scenario's national figures, combined as the distributions combine them."""
    f = pd.DataFrame(rows).T
    out = {k: float(f[k].sum()) for k in ADDITIVE}
    for lv in ("po", "vo"):
        out[f"travel_{lv}_km"] = float(f[f"travel_{lv}_pkm"].sum() / f[f"travel_{lv}_pupils"].sum())
        out[f"congruence_{lv}"] = float(
            (f[f"congruence_{lv}"] * f[f"travel_{lv}_pupils"]).sum()
            / f[f"travel_{lv}_pupils"].sum()
        )
    both = f["travel_po_pupils"] + f["travel_vo_pupils"]
    out["congruence_uniform"] = float((f["congruence_uniform"] * both).sum() / both.sum())
    out["max_increase_km"] = float(f["max_increase_km"].max())
    out["size_spread"] = float(f["largest"].max() - f["smallest"].min())
    return out
