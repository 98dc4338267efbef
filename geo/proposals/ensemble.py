"""Alternatives next to the proposal: GerryChain ReCom samples of one jeugdregio's SWVs.

Rule: the chain runs on the jeugdregio's graph (queen contiguity plus island links,
:mod:`geo.proposals.graph`) with node weight = PO + VO pupils, starting from the proposal for
that jeugdregio with the same number of SWVs (``n_swvs``; default the proposal's, at least 2).
Each step is a ReCom proposal (merge two adjacent SWVs, draw a spanning tree, cut it into two
balanced parts) whose balance window ``[target(1 - eps), target(1 + eps)]`` is exactly the size
bounds ``[min_pupils, max_pupils]`` (``target = (min + max) / 2``), and is accepted only
when it meets the same constraints as the proposal, judged by the named checks of
:mod:`geo.checks` (``DIVISION_CHECKS``: P2 with margin ``max_extra_km``, P3, size within
``[min_pupils, max_pupils]``, contiguity; an offender in this jeugdregio rejects the step, listed
in the column ``violations``), plus the proposals' own jeugdregio-mean margin (the jeugdregio's
pupil-weighted mean at most its baseline mean + ``max_extra_mean_km``). A rejected step -
also one where no pair of SWVs can be re-split within ``MAX_ATTEMPTS`` spanning trees -
repeats the current division. Every sample is scored
like any scenario: exact disruption (:mod:`geo.overlap.disruption`), pupil-weighted distances
(:mod:`geo.proposals.travel`) and :func:`geo.overlap.score` against today's swv_po (weighted by
pupils_po) and swv_vo (pupils_vo) restricted to the jeugdregio's gemeenten.

>>> from fixtures.synthetic import synthetic_dataset
>>> from geo.proposals.problem import ProposalSettings
>>> r = ensemble(synthetic_dataset(4, 4), "B0_0", steps=3, seed=1,
...              settings=ProposalSettings(min_pupils=1, time_limit=5), n_swvs=2)
>>> len(r.table), r.summary["swvs"]
(3, 2)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import gerrychain
import networkx as nx
import numpy as np
import pandas as pd
from gerrychain.accept import always_accept
from gerrychain.constraints import contiguous
from gerrychain.proposals import recom
from gerrychain.proposals.tree_proposals import MetagraphError
from gerrychain.tree import BalanceError, ReselectException, bipartition_tree
from gerrychain.updaters import Tally

from geo.atomic import write_atomic
from geo.checks import DIVISION_CHECKS, VerdictSettings, build_context, verdict
from geo.dataset import Dataset
from geo.division import Division
from geo.overlap import score
from geo.proposals.errors import ProposalError
from geo.proposals.problem import (
    Context,
    ProposalSettings,
    count_ranges,
    evaluate_labels,
    national,
    prepare,
    region_problem,
)
from geo.proposals.report import json_safe
from geo.proposals.solve import solve_region
from geo.proposals.travel import LEVELS

TOLERANCE_KM = 1e-3
"""Slack when comparing distances with their allowed maximum (the solver works in whole metres)."""

MAX_ATTEMPTS = 2000
"""Spanning trees tried per pair of SWVs before ReCom picks another pair (gerrychain: 100000)."""

MEASURES = (
    "disrupted",
    "travel_mean_km",
    "po_mean_km",
    "vo_mean_km",
    "congruence_po",
    "congruence_vo",
)
"""Columns summarised against the proposal."""


@dataclass
class EnsembleResult:
    """One row per chain step, the proposal's row, and a summary."""

    region: str
    table: pd.DataFrame
    proposal: dict[str, Any]
    summary: dict[str, Any]


class _Scorer:
    """Scores a division of one jeugdregio (memoised by the division itself)."""

    def __init__(self, ctx: Context, region: str) -> None:
        self.ctx = ctx
        self.region = region
        self.units = sorted(ctx.regions.index[ctx.regions == region])
        ds = ctx.dataset
        self.sub = {level: _restrict(ds.division(f"swv_{level}"), self.units) for level in LEVELS}
        self.weights = {
            level: ds.weight(f"pupils_{level}").rename(lambda c: str(c)) for level in LEVELS
        }
        base = ctx.before.loc[self.units]
        # the hard rules of a division are written once, in geo.checks (P2 per gemeente with
        # the margin max_extra_km, P3, size, contiguity); only the jeugdregio-mean margin of
        # proposals (max_extra_mean_km) is checked here
        self.checks = build_context(ds, points=ctx.travel.points)
        self.check_settings = VerdictSettings(
            margin_km=ctx.settings.max_extra_km,
            min_pupils=ctx.bounds.min_pupils,
            max_pupils=ctx.bounds.max_pupils,
        )
        self.mean_allowed = {}
        for level in LEVELS:
            b = base[f"{level}_baseline_km"]
            w = self.weights[level].reindex(self.units)
            ok = np.isfinite(b)
            self.mean_allowed[level] = (
                float((w[ok] * (b[ok] + ctx.settings.max_extra_mean_km)).sum())
                if ok.any()
                else None
            )
        self.cache: dict[frozenset, dict[str, Any]] = {}

    def __call__(self, labels: dict[str, str]) -> dict[str, Any]:
        key = frozenset(
            frozenset(u for u in labels if labels[u] == k) for k in set(labels.values())
        )
        if key in self.cache:
            return self.cache[key]
        ctx = self.ctx
        heads = {u: min(part) for part in key for u in part}
        codes, d, dist = evaluate_labels(ctx, heads)
        per = d.per_gemeente.loc[self.units]
        row: dict[str, Any] = {
            "swvs": len(key),
            "disrupted": round(float(per["changed"].sum()), 1),
            "disrupted_po": round(float(per["changed_po"].sum()), 1),
            "disrupted_vo": round(float(per["changed_vo"].sum()), 1),
        }
        sizes = ctx.sizes.reindex(self.units).groupby(codes.reindex(self.units).to_numpy()).sum()
        row["smallest_swv"], row["largest_swv"] = float(sizes.min()), float(sizes.max())
        full = national(ctx, codes)
        judged = verdict(
            self.checks,
            {"swv": Division.from_assignment("swv", full, units=full.index)},
            scenario=f"ensemble {self.region}",
            jeugdregio=ctx.jeugdregio,
            settings=self.check_settings,
            checks=DIVISION_CHECKS,
        )
        broken = judged.violations([*self.units, *pd.unique(codes.reindex(self.units))])
        row["violations"] = "; ".join(sorted({f"{o['check']} {o['code']}" for o in broken}))
        valid = not broken
        total_w, total_wd = 0.0, 0.0
        extra = -math.inf
        for level in LEVELS:
            after = dist.loc[self.units, f"{level}_after_km"]
            w = self.weights[level].reindex(self.units)
            ok = np.isfinite(after)
            row[f"{level}_mean_km"] = (
                round(float((after[ok] * w[ok]).sum() / w[ok].sum()), 3)
                if ok.any() and w[ok].sum()
                else float("nan")
            )
            total_w += float(w[ok].sum())
            total_wd += float((after[ok] * w[ok]).sum())
            baseline = ctx.before.loc[self.units, f"{level}_baseline_km"]
            lim = np.isfinite(baseline) & ok
            if lim.any():
                extra = max(extra, float((after[lim] - baseline[lim]).max()))
            base = np.isfinite(ctx.before.loc[self.units, f"{level}_baseline_km"])
            if self.mean_allowed[level] is not None:
                weighted = float((after[base] * w[base]).sum())
                if weighted > self.mean_allowed[level] + TOLERANCE_KM * float(w[base].sum()):
                    valid = False
        row["travel_mean_km"] = round(total_wd / total_w, 3) if total_w else float("nan")
        row["max_extra_km"] = round(extra, 3)
        assignment = Division.from_assignment("swv", codes.reindex(self.units), units=self.units)
        for level in LEVELS:
            s = score(
                assignment,
                self.sub[level],
                self.weights[level].reindex(self.units),
                weight_name=f"pupils_{level}",
            )
            row[f"congruence_{level}"] = round(float(s.summary["congruence"]), 6)
        row["valid"] = valid
        self.cache[key] = row
        return row


def _restrict(division: Division, units: list[str]) -> Division:
    """The division over a subset of its units (each unit keeps its shares)."""
    m = division.membership
    m = m[m["unit"].isin(units)]
    return Division.from_membership(
        division.name, m, units=units, region_names=division.region_names
    )


def ensemble(
    dataset: Dataset,
    region: str,
    *,
    steps: int = 200,
    seed: int = 0,
    n_swvs: int | None = None,
    settings: ProposalSettings | None = None,
    ctx: Context | None = None,
) -> EnsembleResult:
    """Run the ReCom chain in jeugdregio ``region`` (rule in the module docstring)."""
    settings = replace(
        settings or ProposalSettings(), regions=(region,), target=None, target_per_jeugdregio=None
    )
    ctx = ctx or prepare(dataset, settings)
    if region not in ctx.graphs:
        raise ProposalError(
            f"unknown jeugdregio {region!r}; choose one of {', '.join(sorted(ctx.graphs))}"
        )
    lo, hi = count_ranges(ctx, [region])[region]
    if n_swvs is None:
        first = solve_region(
            region_problem(ctx, region, (lo, hi)),
            time_limit=settings.time_limit,
            workers=settings.workers,
        )
        n_swvs = max(first.n_swvs, 2)
    if not lo <= n_swvs <= hi or n_swvs < 2:
        raise ProposalError(
            f"jeugdregio {region}: {n_swvs} SWVs is outside the feasible range {lo}..{hi} for the "
            "size bounds (an ensemble needs at least 2 SWVs)"
        )
    start = solve_region(
        region_problem(ctx, region, (n_swvs, n_swvs)),
        time_limit=settings.time_limit,
        workers=settings.workers,
    )
    scorer = _Scorer(ctx, region)
    proposal = {"step": -1, **scorer(start.labels)}

    graph = ctx.graphs[region]
    nxg = nx.Graph()
    for u in sorted(graph.nodes):
        nxg.add_node(u, pupils=float(ctx.sizes[u]))
    nxg.add_edges_from(graph.edges)
    gc_graph = gerrychain.Graph.from_networkx(nxg)
    initial = gerrychain.Partition(
        gc_graph, dict(start.labels), updaters={"pupils": Tally("pupils", alias="pupils")}
    )
    frozen = initial.graph
    code_of = {i: frozen.original_nx_node_id_for_internal_node_id(i) for i in frozen.node_indices}

    def labels_of(partition: gerrychain.Partition) -> dict[str, str]:
        return {code_of[i]: str(part) for i, part in partition.assignment.to_dict().items()}

    def meets_constraints(partition: gerrychain.Partition) -> bool:
        return bool(scorer(labels_of(partition))["valid"])

    # ReCom's balance window [target(1 - eps), target(1 + eps)] is exactly [min, max]
    lo_size, hi_size = ctx.bounds.min_pupils, ctx.bounds.max_pupils
    target = (lo_size + hi_size) / 2
    epsilon = (hi_size - lo_size) / (hi_size + lo_size)
    if epsilon <= 0:
        raise ProposalError(f"jeugdregio {region}: min_pupils = max_pupils leaves ReCom no room")
    split = partial(bipartition_tree, max_attempts=MAX_ATTEMPTS, allow_pair_reselection=True)

    def step(partition: gerrychain.Partition, *, rng: Any = None) -> gerrychain.Partition:
        """One ReCom proposal; when no pair of SWVs can be re-split, stay (a rejected step)."""
        try:
            return recom(
                partition,
                pop_col="pupils",
                pop_target=target,
                epsilon=epsilon,
                bipartition_tree_fn=split,
                rng=rng,
            )
        except (MetagraphError, ReselectException, BalanceError, RuntimeError):
            return partition

    chain = gerrychain.MarkovChain(
        step,
        [contiguous, meets_constraints],
        always_accept,
        initial,
        total_steps=steps,
        rng=seed,
    )
    rows = []
    previous: frozenset | None = None
    for step, partition in enumerate(chain):
        labels = labels_of(partition)
        key = frozenset(
            frozenset(u for u in labels if labels[u] == k) for k in set(labels.values())
        )
        rows.append(
            {
                "step": step,
                "moved": previous is not None and key != previous,
                "division": _key_text(key),
                **scorer(labels),
            }
        )
        previous = key
    table = pd.DataFrame(rows)
    summary = _summary(region, table, proposal, ctx, n_swvs, epsilon)
    return EnsembleResult(region, table, proposal, summary)


def _key_text(key: frozenset) -> str:
    """A stable text for a division: its SWVs' gemeenten, sorted."""
    return " | ".join(sorted(",".join(sorted(part)) for part in key))


def _summary(
    region: str,
    table: pd.DataFrame,
    proposal: dict[str, Any],
    ctx: Context,
    n_swvs: int,
    epsilon: float,
) -> dict[str, Any]:
    measures = {}
    for column in MEASURES:
        values = table[column].astype(float)
        p = float(proposal[column])
        measures[column] = {
            "proposal": p,
            "min": float(values.min()),
            "median": float(values.median()),
            "max": float(values.max()),
            # share of samples strictly better (lower; for congruence higher) than the proposal
            "proposal_percentile": 100.0
            * float(
                (values > p + 1e-9).mean()
                if column.startswith("congruence")
                else (values < p - 1e-9).mean()
            ),
        }
    return json_safe(
        {
            "jeugdregio": region,
            "name": ctx.jeugdregio.region_names.get(region, region),
            "swvs": n_swvs,
            "samples": int(len(table)),
            "distinct_divisions": int(table["division"].nunique()),
            "moves_accepted": int(table["moved"].sum()),
            "all_valid": bool(table["valid"].all()),
            "epsilon": round(epsilon, 4),
            "bounds": {"min_pupils": ctx.bounds.min_pupils, "max_pupils": ctx.bounds.max_pupils},
            "measures": measures,
            "proposal": proposal,
            "note": "proposal_percentile = share of samples strictly better than the proposal "
            "(lower disruption/distance, higher congruence)",
        }
    )


def write_ensemble(result: EnsembleResult, out: Path | str) -> dict[str, Path]:
    """Write ``ensemble.csv`` (one row per step), ``ensemble.json`` (summary) and
    ``ensemble.png`` (disruption against pupil-weighted distance, proposal marked)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "csv": out / "ensemble.csv",
        "json": out / "ensemble.json",
        "png": out / "ensemble.png",
    }
    write_atomic(files["csv"], lambda tmp: result.table.to_csv(tmp, index=False))
    write_atomic(files["json"], json.dumps(result.summary, ensure_ascii=False, indent=1))
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
    t = result.table
    ax.scatter(
        t["disrupted"],
        t["travel_mean_km"],
        s=14,
        alpha=0.35,
        color="0.4",
        label=f"ReCom samples ({t['division'].nunique()} distinct)",
    )
    ax.scatter(
        [result.proposal["disrupted"]],
        [result.proposal["travel_mean_km"]],
        s=140,
        marker="*",
        color="crimson",
        zorder=3,
        label="proposal (regio propose)",
    )
    ax.set_xlabel("pupils changing SWV (PO + VO)")
    ax.set_ylabel("pupil-weighted distance to special education (km)")
    ax.set_title(f"{result.region} {result.summary['name']}: {result.summary['swvs']} SWVs")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    write_atomic(files["png"], lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)
    return files
