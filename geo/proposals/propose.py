"""Propose a new SWV division (``swv``, one SWV for PO and VO) inside the jeugdregio borders.

Rule: the new division ``swv`` assigns whole 2025 gemeenten to new SWVs such that

* every new SWV lies inside exactly one jeugdregio (every jeugdregio is a union of whole
  gemeenten, so whole-gemeente SWVs inside it are exact) and every gemeente is in exactly one;
* every new SWV is contiguous over gemeente adjacency (queen contiguity, islands linked to the
  nearest mainland gemeente of their jeugdregio, :mod:`geo.proposals.graph`);
* every new SWV holds between ``min_pupils`` and ``max_pupils`` PO + VO pupils (default: the
  range of today's SWVs, :mod:`geo.proposals.bounds`), optionally a target number of SWVs;
* no gemeente's distance to special education (:mod:`geo.proposals.travel`) grows by more than
  ``max_extra_km`` over its *baseline*, and no jeugdregio's pupil-weighted mean by more than
  ``max_extra_mean_km``. The baseline is today's distance, except where principle 3 alone makes
  it unreachable (today's nearest location in the gemeente's SWV lies in another jeugdregio and
  every location inside its own jeugdregio is farther): there the baseline is the distance to the
  nearest location inside the jeugdregio; those gemeenten are listed as *forced*;
* and, among all such divisions, the fewest pupils change SWV (:mod:`geo.overlap.disruption`),
  then the most SWVs.

The national problem is decomposed per jeugdregio: each current SWV can only be continued in its
*home* jeugdregio (the one holding most of its pupils; its pupils elsewhere change SWV under any
division that respects principle 3), which makes the jeugdregio's independent. Each is solved
with OR-Tools CP-SAT (:mod:`geo.proposals.solve`) under a time limit, status and gap reported.
The disruption reported is recomputed exactly by the definition on the national result.

This module is the pipeline; the problem setup is :mod:`geo.proposals.problem`, the report
:mod:`geo.proposals.report`.

>>> from fixtures.synthetic import synthetic_dataset
>>> p = propose(synthetic_dataset(4, 4), ProposalSettings(min_pupils=1, time_limit=5))
>>> p.scenario["edits"][0]["op"], p.report["totals"]["gemeenten"]
('assign', 16)
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.dataset import Dataset
from geo.division import Division
from geo.messages import Message
from geo.overlap.disruption import Disruption
from geo.proposals.bounds import apportion_target
from geo.proposals.errors import (
    ForcedTravelWarning,
    InfeasibleError,
    ProposalCheckWarning,
    ProposalError,
    TimeLimitWarning,
)
from geo.proposals.problem import (
    DEFAULT_MAX_EXTRA_KM,
    DEFAULT_MAX_EXTRA_MEAN_KM,
    DEFAULT_TIME_LIMIT,
    DIVISION,
    Context,
    ProposalSettings,
    count_ranges,
    evaluate,
    national,
    new_codes,
    prepare,
    region_problem,
)
from geo.proposals.report import build_report, json_safe, region_names, scenario_document
from geo.proposals.solve import RegionSolution, solve_region
from geo.scenarios.descriptions import proposal_description

__all__ = [
    "DEFAULT_MAX_EXTRA_KM",
    "DEFAULT_MAX_EXTRA_MEAN_KM",
    "DEFAULT_TIME_LIMIT",
    "Progress",
    "Proposal",
    "ProposalSettings",
    "propose",
]

Progress = Callable[[str, int, int, "RegionSolution | None"], None]
"""``progress(jeugdregio, done, total, solution)``: called before (solution None) and after each."""


@dataclass
class Proposal:
    """The proposed division, its scenario document and its report; ``description`` is the
    scenario's description as a message (``str()``: the document's English text; None for a
    run on some jeugdregio's only, see :func:`geo.proposals.regional.regional_message`)."""

    division: Division
    scenario: dict[str, Any] | None
    report: dict[str, Any]
    solutions: dict[str, RegionSolution]
    disruption: Disruption
    distances: pd.DataFrame
    description: Message | None = None


TARGET_WINDOW = 2
"""With a national target, each jeugdregio tries its pupil-proportional share ± this many SWVs."""


def _solve_target(
    ctx: Context, ranges: Mapping[str, tuple[int, int]], progress: Progress | None
) -> dict[str, RegionSolution]:
    """Meet a national number of SWVs with the least total disruption.

    Rule: each jeugdregio is solved (least disruption only) for its own best count (no target)
    and for every count within ``TARGET_WINDOW`` of its share from
    :func:`~geo.proposals.bounds.apportion_target` (clipped to its feasible range); counts the
    solver proves infeasible (e.g. by the travel margin) drop out. A dynamic programme then picks
    one count per jeugdregio summing to the target with the least disruption (ties: closest to
    the proportional share); the chosen counts are solved again with the secondary objective.
    """
    s = ctx.settings
    target = int(s.target)  # type: ignore[arg-type]
    totals = {
        r: float(ctx.sizes.reindex(ctx.regions.index[ctx.regions == r]).sum()) for r in ranges
    }
    share = apportion_target(target, totals, ranges)

    def run(region: str, counts: tuple[int, int], secondary: bool) -> RegionSolution:
        return solve_region(
            region_problem(ctx, region, counts),
            time_limit=s.time_limit,
            workers=s.workers,
            seed=s.seed,
            secondary=secondary,
        )

    options: dict[str, dict[int, RegionSolution]] = {}
    for done, region in enumerate(ranges):
        if progress:
            progress(region, done, len(ranges), None)
        lo, hi = ranges[region]
        own = run(region, (lo, hi), False)
        options[region] = {own.n_swvs: own}
        low, high = max(lo, share[region] - TARGET_WINDOW), min(hi, share[region] + TARGET_WINDOW)
        for k in range(low, high + 1):
            if k not in options[region]:
                try:
                    options[region][k] = run(region, (k, k), False)
                except InfeasibleError:
                    continue
        if progress:
            progress(region, done + 1, len(ranges), own)
    # dynamic programme over the jeugdregio's: best[total so far] = (cost, choice)
    best: dict[int, tuple[tuple[int, int], dict[str, int]]] = {0: ((0, 0), {})}
    for region in ranges:
        nxt: dict[int, tuple[tuple[int, int], dict[str, int]]] = {}
        for total, (cost, choice) in best.items():
            for k, sol in options[region].items():
                if total + k > target:
                    continue
                c = (cost[0] + sol.disruption, cost[1] + abs(k - share[region]))
                if total + k not in nxt or c < nxt[total + k][0]:
                    nxt[total + k] = (c, {**choice, region: k})
        best = nxt
    if target not in best:
        reachable = sorted(best)
        raise ProposalError(
            f"target {target} SWVs cannot be met: each jeugdregio can take its own best count or "
            f"one within {TARGET_WINDOW} of its pupil-proportional share under the size bounds "
            "and travel margins"
            + (f"; reachable totals: {reachable[0]}..{reachable[-1]}" if reachable else "")
        )
    return {region: run(region, (k, k), True) for region, k in best[target][1].items()}


def self_check(ctx: Context, division: Division) -> dict[str, Any]:
    """The proposal judged by the named checks of :mod:`geo.checks` that one division must meet
    (P2 with margin ``max_extra_km``, P3, size, contiguity) against the jeugdregio division it
    was solved in: ``{"passed", "checks": {name: passed}, "violations": [...]}``. The solver's
    constraints are these rules; this is the independent re-check, written once."""
    from geo.checks import DIVISION_CHECKS, VerdictSettings, build_context, verdict

    v = verdict(
        build_context(ctx.dataset, points=ctx.travel.points),
        {"swv": division},
        scenario=ctx.settings.name,
        jeugdregio=ctx.jeugdregio,
        jeugdregio_source=ctx.settings.jeugdregio,
        settings=VerdictSettings(
            margin_km=ctx.settings.max_extra_km,
            min_pupils=ctx.bounds.min_pupils,
            max_pupils=ctx.bounds.max_pupils,
        ),
        checks=DIVISION_CHECKS,
    )
    return json_safe(
        {
            "passed": v.passed,
            "checks": {r.name: r.passed for r in v.results},
            "violations": v.violations()[:50],
            "definitions": "docs/verdict.md",
        }
    )


def propose(
    dataset: Dataset,
    settings: ProposalSettings | None = None,
    *,
    points: gpd.GeoSeries | None = None,
    progress: Progress | None = None,
    warn: bool = True,
) -> Proposal:
    """Make the proposal (rule in the module docstring); see :class:`ProposalSettings`.

    Time-outs (:class:`TimeLimitWarning`) and distances forced up by principle 3
    (:class:`ForcedTravelWarning`) are warned about unless ``warn=False``; both are in the
    report either way.

    Raises :class:`~geo.proposals.errors.InfeasibleError` (naming the jeugdregio and the bound)
    before any solver runs when a bound cannot be met, or when CP-SAT proves it.
    """
    settings = settings or ProposalSettings()
    start = time.perf_counter()
    ctx = prepare(dataset, settings, points=points)
    all_regions = sorted(pd.unique(ctx.regions))
    if settings.regions is not None:
        unknown = sorted(set(settings.regions) - set(all_regions))
        if unknown:
            raise ProposalError(f"unknown jeugdregio code(s) {unknown[:5]}")
        solve_for = sorted(settings.regions)
    else:
        solve_for = all_regions
    ranges = count_ranges(ctx, solve_for)
    solutions: dict[str, RegionSolution] = {}
    if settings.target is not None and settings.target_per_jeugdregio is None:
        solutions = _solve_target(ctx, ranges, progress)
    else:
        for done, region in enumerate(solve_for):
            if progress:
                progress(region, done, len(solve_for), None)
            problem = region_problem(ctx, region, ranges[region])
            solutions[region] = solve_region(
                problem,
                time_limit=settings.time_limit,
                workers=settings.workers,
                seed=settings.seed,
            )
            if progress:
                progress(region, done + 1, len(solve_for), solutions[region])
    labels: dict[str, str] = {}
    for solution in solutions.values():
        labels.update(solution.labels)
    solve_seconds = time.perf_counter() - start
    codes = new_codes(ctx, labels)
    full = national(ctx, codes)
    d, dist = evaluate(ctx, full)
    names = {k: v for k, v in region_names(d, full).items() if k in set(codes)}
    division = Division.from_assignment(
        DIVISION,
        codes,
        units=codes.index,
        region_names=names,
        meta={"rule": "regio propose", "jeugdregio": settings.jeugdregio},
    )
    report = build_report(ctx, solutions, codes, d, dist, names, solve_seconds)
    if settings.regions is None:
        report["verdict"] = self_check(ctx, division)
        if warn and not report["verdict"]["passed"]:
            warnings.warn(
                "the proposal fails its own hard checks (geo.checks): "
                + "; ".join(f"{o['check']} {o['code']}" for o in report["verdict"]["violations"]),
                ProposalCheckWarning,
                stacklevel=2,
            )
    scenario = (
        None if settings.regions is not None else scenario_document(ctx, codes, names, report)
    )
    statuses = {s.status for s in solutions.values()}
    if warn and "FEASIBLE" in statuses:
        late = sorted(r for r, s in solutions.items() if s.status == "FEASIBLE")
        warnings.warn(
            f"time limit reached in jeugdregio {', '.join(late)}: best division found, not proven "
            "optimal (see gap in the report)",
            TimeLimitWarning,
            stacklevel=2,
        )
    forced = report["travel"]["forced_by_principle_3"]
    if warn and forced:
        warnings.warn(
            f"{len(forced)} gemeente/level pair(s) have a longer distance to special education "
            "because principle 3 forbids today's location across the jeugdregio border",
            ForcedTravelWarning,
            stacklevel=2,
        )
    description = None if scenario is None else proposal_description(report)
    return Proposal(division, scenario, report, solutions, d, dist, description)
