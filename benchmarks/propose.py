"""Benchmark of ``regio propose``: the national proposal on 2 cores (target <= 60 s).

Loads the real dataset (store), then times the whole proposal (prepare: stored points, distance
matrices, graphs; then CP-SAT per jeugdregio with 2 workers; then the exact evaluation) and prints
its disruption, number of SWVs, solver statuses and the travel-distance figures.

Baseline, measured in the same run: the trivial division "today's PO SWVs cut by the jeugdregio
borders" (every gemeente keeps its main PO SWV, split where a jeugdregio border crosses it),
which also respects principle 3. Its disruption and travel are computed with the same code, and
the script prints how many of its pieces break the proposal's hard constraints (size bounds,
contiguity), which the proposal meets by construction.

Ends with ``RESULT`` lines: ``propose_seconds``, ``propose_disruption_pupils``,
``propose_swvs``, travel means, the baseline's figures and the ratios.
Run: ``.venv/bin/python benchmarks/propose.py [--time-limit 10]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import networkx as nx
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.data.store import load_dataset  # noqa: E402
from geo.proposals.propose import ProposalSettings, evaluate, prepare, propose  # noqa: E402
from geo.proposals.travel import travel_stats  # noqa: E402

TARGET_SECONDS = 60.0


def baseline(dataset, ctx) -> tuple[pd.Series, dict]:
    """Today's PO SWVs cut by jeugdregio; its exact disruption, travel and broken constraints."""
    po = dataset.division("swv_po").assignment()
    cut = (po.astype(str) + "@" + ctx.regions.reindex(po.index).astype(str)).rename("swv")
    d, dist = evaluate(ctx, cut)
    sizes = ctx.sizes.groupby(cut).sum()
    broken_contiguity = 0
    for _code, members in cut.groupby(cut):
        graph = ctx.graphs[ctx.regions[members.index[0]]]
        if not nx.is_connected(graph.subgraph(members.index)):
            broken_contiguity += 1
    figures = {
        "swvs": int(cut.nunique()),
        "disrupted": d.totals["disrupted"],
        "below_min": int((sizes < ctx.bounds.min_pupils).sum()),
        "above_max": int((sizes > ctx.bounds.max_pupils).sum()),
        "not_contiguous": broken_contiguity,
        "po": travel_stats(dist["po_after_km"], dataset.weight("pupils_po")),
        "vo": travel_stats(dist["vo_after_km"], dataset.weight("pupils_vo")),
    }
    return cut, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per jeugdregio")
    args = parser.parse_args()
    print(f"cores available: {os.cpu_count()}; CP-SAT workers: 2")

    t0 = time.perf_counter()
    dataset = load_dataset()
    print(f"dataset loaded in {time.perf_counter() - t0:.2f} s")

    settings = ProposalSettings(time_limit=args.time_limit, workers=2)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proposal = propose(dataset, settings)
    seconds = time.perf_counter() - t0
    report = proposal.report
    totals = report["totals"]
    statuses = pd.Series([r["status"] for r in report["jeugdregios"]]).value_counts().to_dict()
    slowest = max(report["jeugdregios"], key=lambda r: r["wall_time_s"])

    t0 = time.perf_counter()
    ctx = prepare(dataset, settings)
    _, base = baseline(dataset, ctx)
    base_seconds = time.perf_counter() - t0

    print(
        f"\nnational proposal: {seconds:.2f} s (target <= {TARGET_SECONDS:.0f} s), "
        f"solver {totals['solve_seconds']} s incl. preparation; statuses {statuses}; slowest "
        f"jeugdregio {slowest['code']} {slowest['wall_time_s']} s"
    )
    print(f"  SWVs: {totals['swvs']} (today: 76 PO + 74 VO)")
    print(
        f"  pupils changing SWV: {totals['disrupted']:,.0f} ({totals['disrupted_share']:.2%}); "
        f"unavoidable under the jeugdregio borders: {totals['unavoidable_disruption']:,.0f}; "
        f"proven lower bound: {totals['disruption_bound']:,.0f}"
    )
    for level in ("po", "vo"):
        t = report["travel"][level]
        print(
            f"  {level.upper()} distance to special education (km): before "
            f"{t['before']['weighted_mean']} (pupil-weighted) / p50 {t['before']['p50']} / p90 "
            f"{t['before']['p90']} / max {t['before']['max']}  ->  after "
            f"{t['after']['weighted_mean']} / {t['after']['p50']} / {t['after']['p90']} / "
            f"{t['after']['max']}; gemeenten farther than before: "
            f"{t['gemeenten_longer_than_before']}"
        )
    print(
        f"  forced by principle 3: {len(report['travel']['forced_by_principle_3'])} "
        "gemeente/level pairs"
    )

    print(
        f"\nbaseline 'today's PO SWVs cut by jeugdregio' ({base_seconds:.2f} s incl. preparation):"
    )
    print(f"  SWVs: {base['swvs']}; pupils changing SWV: {base['disrupted']:,.0f}")
    print(
        f"  breaks hard constraints: {base['below_min']} SWVs below the minimum, "
        f"{base['above_max']} above the maximum, {base['not_contiguous']} not contiguous"
    )
    for level in ("po", "vo"):
        print(
            f"  {level.upper()} pupil-weighted distance: {base[level]['weighted_mean']} km, "
            f"p90 {base[level]['p90']}, max {base[level]['max']} (over the gemeenten that still "
            f"have a location; {base[level]['n_without_location']} have none in their SWV, "
            f"proposal: {report['travel'][level]['after']['n_without_location']})"
        )
    ratio = totals["disrupted"] / base["disrupted"] if base["disrupted"] else float("nan")
    print(f"\nproposal / baseline disruption: {ratio:.3f}")

    print(f"RESULT propose_seconds {seconds:.2f} s")
    print(f"RESULT propose_disruption_pupils {totals['disrupted']:.0f} pupils")
    print(f"RESULT propose_swvs {totals['swvs']} swvs")
    print(f"RESULT propose_unavoidable_pupils {totals['unavoidable_disruption']:.0f} pupils")
    for level in ("po", "vo"):
        print(
            f"RESULT propose_{level}_weighted_km "
            f"{report['travel'][level]['after']['weighted_mean']} km"
        )
        print(f"RESULT baseline_{level}_weighted_km {base[level]['weighted_mean']} km")
        print(
            f"RESULT baseline_{level}_gemeenten_without_location "
            f"{base[level]['n_without_location']} gemeenten"
        )
    print(f"RESULT baseline_disruption_pupils {base['disrupted']:.0f} pupils")
    print(f"RESULT baseline_swvs {base['swvs']} swvs")
    print(f"RESULT propose_vs_baseline_disruption {ratio:.3f} ratio")
    print(f"RESULT propose_within_target {int(seconds <= TARGET_SECONDS)} bool")


if __name__ == "__main__":
    main()
