"""Writing the options of a space: scenario files, ``options.json`` and the trade-off chart.

The chart plots pupils changing SWV against the PO + VO pupil-weighted distance to special
education: every Pareto-front point (small), the options (numbered), today (no pupil changes
SWV; today's distances) and the proposal (``regio propose`` with the space's settings).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.atomic import write_atomic
from geo.dataset import Dataset
from geo.proposals.problem import ProposalSettings, prepare
from geo.space.distributions import read_plans
from geo.space.errors import SpaceError
from geo.space.model import RegionModel, plan_of_assignment, region_models
from geo.space.options import diverse, option_division, option_scenario, pareto_front
from geo.space.placement import space_orders, space_settings


def _scenario_text(doc: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def compute_options(
    dataset: Dataset,
    space: Path | str,
    *,
    k: int = 5,
    fixed: dict[str, int] | None = None,
    proposal: bool = True,
    progress: Any = None,
    memo: Callable[[Callable[[], dict[str, float]]], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """The Pareto front, up to ``k`` diverse options (each with its scenario document) and the
    marks (today; the proposal with the space's settings when ``proposal``), in memory.
    ``progress``: the proposal's progress callback (:func:`geo.proposals.propose.propose`);
    ``memo``: given the computation of the proposal's mark, returns the mark (a caller's cache:
    the mark depends on the data, the space and its settings only, not on ``k`` or ``fixed``)."""
    settings = space_settings(space)
    plans = read_plans(space)
    if not len(plans):
        raise SpaceError(f"{space}: the space holds no plans")
    ctx = prepare(dataset, settings)
    models = region_models(ctx, sorted(plans["jeugdregio"].unique()), space_orders(space))
    front = pareto_front(plans, fixed)
    chosen = diverse(front, k)
    first = plans.groupby("jeugdregio").first()
    pupils = float((first["travel_po_pupils"] + first["travel_vo_pupils"]).sum())
    options = []
    for i, point in enumerate(chosen, start=1):
        rows = front.choices[point]
        codes = option_division(ctx, models, plans, rows)
        summary = {
            "disrupted": float(front.values[point, 0]),
            "travel_km": float(front.values[point, 1] / pupils),
            "swvs": float(front.values[point, 2]),
        }
        name = f"optie_{i}"
        doc = option_scenario(dataset, ctx, codes, name=name, summary=summary)
        options.append({"name": name, **summary, "document": doc})
    today_num = today_den = 0.0
    for m in models.values():
        for lv in ("po", "vo"):
            b = m.before_km[lv]
            ok = np.isfinite(b)
            today_num += float((b[ok] * m.pupils[lv][ok]).sum())
            today_den += float(m.pupils[lv][ok].sum())
    marks: dict[str, dict[str, float]] = {
        "today": {"disrupted": 0.0, "travel_km": today_num / today_den}
    }
    if proposal:
        compute = partial(proposal_mark, dataset, settings, models, pupils, progress)
        marks["proposal"] = dict(memo(compute) if memo is not None else compute())
    return {
        "space": str(space),
        "jeugdregio": settings.jeugdregio,
        "front_values": front.values,
        "front": int(len(front.values)),
        "front_thinned": front.thinned,
        "pupils": pupils,
        "fixed_swvs": fixed or {},
        "objectives": "minimise pupils changing SWV, PO+VO pupil-km, number of SWVs",
        "options": options,
        "marks": marks,
    }


def proposal_mark(
    dataset: Dataset,
    settings: ProposalSettings,
    models: dict[str, RegionModel],
    pupils: float,
    progress: Any = None,
) -> dict[str, float]:
    """The proposal (``regio propose`` with the space's ``settings``) as a point of the chart:
    its pupils changing SWV and its PO + VO pupil-km per pupil, by the space's figures."""
    from geo.proposals.propose import propose
    from geo.space.figures import PartTable, plan_figures

    p = propose(dataset, settings, warn=False, progress=progress)
    assignment = p.division.assignment().astype(str)
    assignment.index = assignment.index.astype(str)
    num = dis = 0.0
    for m in models.values():
        masks = plan_of_assignment(m, assignment)
        if masks is None:
            continue
        f = plan_figures(PartTable(m, masks), [masks]).iloc[0]
        num += float(f["travel_po_pkm"] + f["travel_vo_pkm"])
        dis += float(f["disrupted"])
    return {"disrupted": dis, "travel_km": num / pupils}


def write_options(
    dataset: Dataset,
    space: Path | str,
    out: Path | str,
    *,
    k: int = 5,
    fixed: dict[str, int] | None = None,
    proposal: bool = True,
) -> dict[str, Any]:
    """Front, options, scenario files and chart in ``out`` (returns ``options.json``)."""
    found = compute_options(dataset, space, k=k, fixed=fixed, proposal=proposal)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    options = []
    for o in found["options"]:
        path = out / f"{o['name']}.yaml"
        write_atomic(path, _scenario_text(o["document"]))
        options.append({k: v for k, v in o.items() if k != "document"} | {"file": str(path)})
    chart = out / "tradeoff.png"
    _chart(chart, found["front_values"], found["pupils"], options, found["marks"])
    result = {
        "space": str(space),
        "front": found["front"],
        "front_thinned": found["front_thinned"],
        "fixed_swvs": fixed or {},
        "objectives": found["objectives"],
        "options": options,
        "marks": found["marks"],
        "chart": str(chart),
    }
    write_atomic(out / "options.json", json.dumps(result, ensure_ascii=False, indent=1))
    return result


def _chart(
    path: Path,
    values: np.ndarray,
    pupils: float,
    options: list[dict[str, Any]],
    marks: dict[str, dict[str, float]],
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5), dpi=110)
    ax.scatter(values[:, 0], values[:, 1] / pupils, s=10, color="0.7", label="Pareto front")
    for o in options:
        ax.scatter([o["disrupted"]], [o["travel_km"]], s=60, color="tab:blue", zorder=3)
        ax.annotate(
            f"{o['name']} ({o['swvs']:.0f} SWVs)",
            (o["disrupted"], o["travel_km"]),
            textcoords="offset points",
            xytext=(5, 5),
            fontsize=8,
        )
    style = {"today": ("s", "black", "today (huidig)"), "proposal": ("*", "crimson", "proposal")}
    for key, m in marks.items():
        marker, colour, label = style[key]
        ax.scatter(
            [m["disrupted"]],
            [m["travel_km"]],
            marker=marker,
            s=140,
            color=colour,
            label=label,
            zorder=4,
        )
    ax.set_xlabel("pupils changing SWV (PO + VO)")
    ax.set_ylabel("pupil-weighted distance to special education, PO + VO (km)")
    ax.set_title("Options on the Pareto front of the valid divisions")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)


def options_frame(result: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(result["options"])
