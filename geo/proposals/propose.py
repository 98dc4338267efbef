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

>>> from fixtures.synthetic import synthetic_dataset
>>> p = propose(synthetic_dataset(4, 4), ProposalSettings(min_pupils=1, time_limit=5))
>>> p.scenario["edits"][0]["op"], p.report["totals"]["gemeenten"]
('assign', 16)
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geo.dataset import Dataset
from geo.division import Division
from geo.overlap.disruption import Disruption, disruption, home_regions
from geo.proposals.bounds import SizeBounds, apportion_target, count_range, default_size_bounds
from geo.proposals.errors import (
    ForcedTravelWarning,
    InfeasibleError,
    ProposalError,
    TimeLimitWarning,
)
from geo.proposals.graph import region_graphs
from geo.proposals.solve import RegionProblem, RegionSolution, TravelLimit, solve_region
from geo.proposals.travel import LEVELS, TravelModel, gemeente_points, travel_model, travel_stats

DEFAULT_TIME_LIMIT = 10.0
"""Seconds per jeugdregio."""
DEFAULT_MAX_EXTRA_KM = 0.0
"""Default margin per gemeente over its baseline distance (km)."""
DEFAULT_MAX_EXTRA_MEAN_KM = 0.0
"""Default margin of each jeugdregio's pupil-weighted mean distance over its baseline (km)."""
DIVISION = "swv"

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

Progress = Callable[[str, int, int, "RegionSolution | None"], None]
"""``progress(jeugdregio, done, total, solution)``: called before (solution None) and after each."""


@dataclass(frozen=True)
class ProposalSettings:
    """What the planner sets (all optional)."""

    jeugdregio: str = "jeugdregio"
    """A division of the dataset, or a scenario (library name or file) defining ``jeugdregio``."""
    min_pupils: float | None = None
    max_pupils: float | None = None
    target: int | None = None
    """National number of SWVs (see :func:`_solve_target`)."""
    target_per_jeugdregio: int | None = None
    time_limit: float = DEFAULT_TIME_LIMIT
    max_extra_km: float = DEFAULT_MAX_EXTRA_KM
    max_extra_mean_km: float = DEFAULT_MAX_EXTRA_MEAN_KM
    workers: int = 2
    seed: int = 0
    name: str = "voorstel_swv"
    regions: tuple[str, ...] | None = None
    """Solve only these jeugdregio's (tests, ensembles); the result then has no scenario."""


@dataclass
class Proposal:
    """The proposed division, its scenario document and its report."""

    division: Division
    scenario: dict[str, Any] | None
    report: dict[str, Any]
    solutions: dict[str, RegionSolution]
    disruption: Disruption
    distances: pd.DataFrame


@dataclass
class Context:
    """Everything the per-jeugdregio models and the evaluation share."""

    dataset: Dataset
    settings: ProposalSettings
    jeugdregio: Division
    regions: pd.Series
    base: str | None
    bounds: SizeBounds
    sizes: pd.Series
    graphs: dict[str, nx.Graph]
    travel: TravelModel
    point_rule: str
    before: pd.DataFrame
    """Per gemeente ``po_before_km, vo_before_km, po_baseline_km, vo_baseline_km,
    po_best_km, vo_best_km`` (best = nearest location inside the jeugdregio)."""
    homes: dict[str, pd.DataFrame]
    host_km: dict[str, pd.DataFrame] = field(default_factory=dict)


def resolve_jeugdregio(dataset: Dataset, name: str) -> tuple[Division, str | None]:
    """The jeugdregio division to nest in: a dataset division, or ``jeugdregio`` of a scenario.

    Returns the division and the scenario to use as ``base`` of the proposal (None for a
    dataset division). The division must assign whole gemeenten.
    """
    if name in dataset.divisions:
        division, base = dataset.divisions[name], None
    else:
        from geo.scenarios import apply_scenario, load_scenario, resolve_scenario

        try:
            doc = load_scenario(name)
        except Exception as exc:  # ScenarioError names the file and the library
            raise ProposalError(
                f"--jeugdregio {name!r}: neither a division "
                f"({', '.join(sorted(dataset.divisions))}) nor a scenario: {exc}"
            ) from None
        divisions = apply_scenario(doc, dataset)
        if "jeugdregio" not in divisions:
            raise ProposalError(f"scenario {name!r} has no division 'jeugdregio'")
        division = divisions["jeugdregio"]
        base = name if resolve_scenario(name).stem == name else str(resolve_scenario(name))
    split = division.split_units()
    if split:
        raise ProposalError(
            f"jeugdregio division {division.name!r} splits gemeente(n) {split[:5]}; SWVs of whole "
            "gemeenten can only nest in a division of whole gemeenten"
        )
    if len(division.unassigned()):
        raise ProposalError(
            f"jeugdregio division {division.name!r} leaves gemeente(n) "
            f"{list(division.unassigned().index[:5])} in no jeugdregio"
        )
    return division, base


def prepare(
    dataset: Dataset,
    settings: ProposalSettings,
    *,
    points: gpd.GeoSeries | None = None,
) -> Context:
    """Resolve the jeugdregio division, bounds, graphs, distances and home jeugdregio's."""
    jeugdregio, base = resolve_jeugdregio(dataset, settings.jeugdregio)
    jeugdregio = jeugdregio.reindexed(pd.Index(dataset.units.index.astype(str)))
    regions = jeugdregio.assignment().astype(str)
    swv_po, swv_vo = dataset.division("swv_po"), dataset.division("swv_vo")
    pupils = dataset.weight("pupils_po") + dataset.weight("pupils_vo")
    pupils.index = pupils.index.astype(str)
    defaults = default_size_bounds(swv_po, swv_vo, pupils)
    if settings.min_pupils is None and settings.max_pupils is None:
        bounds = defaults
    else:
        bounds = SizeBounds(
            float(defaults.min_pupils if settings.min_pupils is None else settings.min_pupils),
            float(defaults.max_pupils if settings.max_pupils is None else settings.max_pupils),
            rule="set by the planner"
            + (
                " (the other bound: range of today's SWVs)"
                if settings.min_pupils is None or settings.max_pupils is None
                else ""
            ),
            evidence=defaults.evidence,
        )
    if points is None:
        points, point_rule = gemeente_points(dataset.units)
    else:
        point_rule = "points given by the caller"
    model = travel_model(dataset.units, dataset.special_schools, points)
    before = pd.DataFrame(index=model.units)
    host_km: dict[str, pd.DataFrame] = {}
    same_region = regions.reindex(model.units).to_numpy()
    for level in LEVELS:
        b = model.before(level, dataset.division(f"swv_{level}")).fillna(np.inf)
        hosts = model.host_distances(level).reindex(model.units)
        host_km[level] = hosts
        host_region = regions.reindex(hosts.columns).to_numpy()
        mask = same_region[:, None] == host_region[None, :]
        best = np.where(mask, hosts.to_numpy(), np.inf).min(axis=1, initial=np.inf)
        before[f"{level}_before_km"] = b.to_numpy()
        before[f"{level}_best_km"] = best
        before[f"{level}_baseline_km"] = np.maximum(b.to_numpy(), best)
    homes = {
        "po": home_regions(swv_po, dataset.weight("pupils_po"), regions),
        "vo": home_regions(swv_vo, dataset.weight("pupils_vo"), regions),
    }
    graphs = region_graphs(dataset.units, regions)
    return Context(
        dataset,
        settings,
        jeugdregio,
        regions,
        base,
        bounds,
        pupils,
        graphs,
        model,
        point_rule,
        before,
        homes,
        host_km,
    )


def _ceil_m(km: float) -> int:
    return int(math.ceil(km * 1000.0 - 1e-6))


def region_problem(ctx: Context, region: str, n_swvs: tuple[int, int]) -> RegionProblem:
    """The CP-SAT instance of one jeugdregio."""
    graph = ctx.graphs[region]
    units = sorted(graph.nodes)
    pos = {u: i for i, u in enumerate(units)}
    edges = sorted((min(pos[a], pos[b]), max(pos[a], pos[b])) for a, b in graph.edges)
    keep: dict[str, np.ndarray] = {}
    for level in LEVELS:
        division = ctx.dataset.division(f"swv_{level}").reindexed(ctx.travel.units)
        home = ctx.homes[level]
        mine = home.index[home["home"] == region]
        if not len(mine):
            continue
        pupils = ctx.dataset.weight(f"pupils_{level}")
        pupils.index = pupils.index.astype(str)
        rows = division.units.get_indexer(units)
        shares = division.shares_for(f"pupils_{level}")  # the exact pupil shares
        w = shares[rows][:, division.regions.get_indexer(mine)].toarray()
        w = w * pupils.reindex(units).fillna(0.0).to_numpy()[:, None]
        for j, code in enumerate(mine):
            keep[str(code)] = np.rint(w[:, j]).astype(np.int64)
    travel: dict[str, TravelLimit] = {}
    for level in LEVELS:
        hosts = ctx.host_km[level]
        dist = np.full((len(units), len(units)), -1, dtype=np.int64)
        cols = [u for u in units if u in hosts.columns]
        if cols:
            sub = hosts.loc[units, cols].to_numpy()
            for k, u in enumerate(cols):
                dist[:, pos[u]] = np.where(np.isfinite(sub[:, k]), np.rint(sub[:, k] * 1000), -1)
        baseline = ctx.before.loc[units, f"{level}_baseline_km"].to_numpy()
        finite = np.isfinite(baseline)
        allowed = np.array(
            [
                _ceil_m(b + ctx.settings.max_extra_km) if ok else -1
                for b, ok in zip(baseline, finite, strict=True)
            ],
            dtype=np.int64,
        )
        weights = np.rint(
            ctx.dataset.weight(f"pupils_{level}").reindex(units).fillna(0.0).to_numpy()
        ).astype(np.int64)
        mean_bound = int(
            sum(
                int(w) * _ceil_m(b + ctx.settings.max_extra_mean_km)
                for w, b, ok in zip(weights, baseline, finite, strict=True)
                if ok
            )
        )
        travel[level] = TravelLimit(dist, allowed, weights, mean_bound if finite.any() else None)
    bounds = ctx.bounds
    return RegionProblem(
        region,
        units,
        np.rint(ctx.sizes.reindex(units).to_numpy()).astype(np.int64),
        edges,
        keep,
        int(math.ceil(bounds.min_pupils - 1e-9)),
        int(math.floor(bounds.max_pupils + 1e-9)),
        n_swvs,
        travel,
    )


def count_ranges(ctx: Context, regions: list[str]) -> dict[str, tuple[int, int]]:
    names = {str(k): str(v) for k, v in ctx.dataset.units["name"].items()}
    ranges = {}
    for region in regions:
        members = ctx.regions.index[ctx.regions == region]
        sizes = ctx.sizes.reindex(members)
        ranges[region] = count_range(region, sizes, ctx.bounds, names=names)
    s = ctx.settings
    if s.target_per_jeugdregio is not None:
        out = {}
        for region, (lo, hi) in ranges.items():
            if not lo <= s.target_per_jeugdregio <= hi:
                raise InfeasibleError(
                    region,
                    "target",
                    f"{s.target_per_jeugdregio} SWVs per jeugdregio is outside the feasible "
                    f"range {lo}..{hi} for these size bounds",
                )
            out[region] = (s.target_per_jeugdregio, s.target_per_jeugdregio)
        return out
    return ranges


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


def new_codes(ctx: Context, labels: Mapping[str, str]) -> pd.Series:
    """New SWV codes ``SWV-<jeugdregio>-<i>``, numbered by pupils (largest first)."""
    raw = pd.Series(labels)
    totals = ctx.sizes.reindex(raw.index).groupby(raw.to_numpy()).sum()
    region_of = {head: ctx.regions[head] for head in totals.index}
    order = sorted(totals.index, key=lambda h: (region_of[h], -float(totals[h]), h))
    codes: dict[str, str] = {}
    counter: dict[str, int] = {}
    for head in order:
        region = region_of[head]
        counter[region] = counter.get(region, 0) + 1
        codes[head] = f"SWV-{region}-{counter[region]}"
    return raw.map(codes)


def national(ctx: Context, codes: pd.Series) -> pd.Series:
    """``codes`` completed to all gemeenten: a jeugdregio that was not solved (partial runs)
    counts as one block ``"<code> (niet berekend)"``, only so continuations can be computed."""
    rest = ctx.regions.index.difference(codes.index)
    blocks = ctx.regions.reindex(rest).map(lambda j: f"{j} (niet berekend)")
    return pd.concat([codes, blocks]).reindex(ctx.travel.units)


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


def evaluate(
    ctx: Context, assignment: pd.Series, *, names: Mapping[str, str] | None = None
) -> tuple[Disruption, pd.DataFrame]:
    """Exact disruption and per-gemeente distances before/after of a national assignment."""
    ds = ctx.dataset
    d = disruption(
        assignment,
        ds.division("swv_po"),
        ds.division("swv_vo"),
        ds.weight("pupils_po"),
        ds.weight("pupils_vo"),
    )
    dist = ctx.before.copy()
    for level in LEVELS:
        dist[f"{level}_after_km"] = ctx.travel.after(level, assignment).to_numpy()
    return d, dist


def _region_names(d: Disruption, assignment: pd.Series) -> dict[str, str]:
    names = {}
    for code in sorted(pd.unique(assignment)):
        continued = sorted(c for c, k in d.continuation.items() if k == code)
        if continued:
            names[code] = " + ".join(continued)
        else:
            flows = d.flows[d.flows["new"] == code].sort_values("pupils", ascending=False)
            names[code] = "nieuw, uit delen van " + ", ".join(pd.unique(flows["current"])[:4])
    return names


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
    region_names = {k: v for k, v in _region_names(d, full).items() if k in set(codes)}
    division = Division.from_assignment(
        DIVISION,
        codes,
        units=codes.index,
        region_names=region_names,
        meta={"rule": "regio propose", "jeugdregio": settings.jeugdregio},
    )
    report = _report(ctx, solutions, codes, d, dist, region_names, solve_seconds)
    scenario = None if settings.regions is not None else _scenario(ctx, codes, region_names, report)
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
    return Proposal(division, scenario, report, solutions, d, dist)


def _report(
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
        "distance_rule": "straight line in EPSG:28992 (km) to the nearest special-education "
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


def _scenario(
    ctx: Context, codes: pd.Series, region_names: Mapping[str, str], report: Mapping[str, Any]
) -> dict[str, Any]:
    t = report["totals"]
    tr = report["travel"]
    s = ctx.settings
    description = (
        f"Proposal by 'regio propose': {t['swvs']} SWVs for PO and VO together, each inside one "
        f"jeugdregio ({s.jeugdregio}), contiguous, {ctx.bounds.min_pupils:,.0f}-"
        f"{ctx.bounds.max_pupils:,.0f} PO+VO pupils. Pupils changing SWV: {t['disrupted']:,.0f} "
        f"({t['disrupted_share']:.1%}; unavoidable under principle 3: "
        f"{t['unavoidable_disruption']:,.0f}). Pupil-weighted distance to special education "
        f"PO {tr['po']['before']['weighted_mean']} -> {tr['po']['after']['weighted_mean']} km, "
        f"VO {tr['vo']['before']['weighted_mean']} -> {tr['vo']['after']['weighted_mean']} km "
        f"(margin per gemeente {s.max_extra_km} km). Solver status {t['status']}."
    )
    doc: dict[str, Any] = {
        "name": s.name,
        "description": description,
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
            "note": "whole gemeenten; codes SWV-<jeugdregio>-<n>; names list the current SWVs each "
            "new SWV continues",
        }
    ]
    return doc
