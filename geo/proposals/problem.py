"""The proposal problem: settings, the shared context, and one CP-SAT instance per jeugdregio.

The public interface the pipeline (:mod:`geo.proposals.propose`) and the ensemble
(:mod:`geo.proposals.ensemble`) use:

- :class:`ProposalSettings` - what the planner sets;
- :func:`prepare` - the :class:`Context` every per-jeugdregio model and evaluation shares
  (jeugdregio division, size bounds, graphs, distances, home jeugdregio's);
- :func:`count_ranges` and :func:`region_problem` - the feasible numbers of SWVs and the
  CP-SAT instance of one jeugdregio (solved by :func:`geo.proposals.solve.solve_region`);
- :func:`new_codes`, :func:`national`, :func:`evaluate` and :func:`evaluate_labels` - code a
  solution's labels and evaluate it exactly on the national data.

>>> from fixtures.synthetic import synthetic_dataset
>>> ctx = prepare(synthetic_dataset(4, 4), ProposalSettings(min_pupils=1))
>>> sorted(count_ranges(ctx, ["B0_0"]))
['B0_0']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geo.checks.table import dataset_model
from geo.dataset import Dataset
from geo.division import Division
from geo.overlap.disruption import Disruption, disruption, home_regions
from geo.proposals.bounds import SizeBounds, count_range, default_size_bounds
from geo.proposals.errors import InfeasibleError, ProposalError
from geo.proposals.graph import region_graphs
from geo.proposals.solve import RegionProblem, TravelLimit
from geo.proposals.travel import LEVELS, TravelModel, gemeente_points, travel_model

__all__ = [
    "DEFAULT_MAX_EXTRA_KM",
    "DEFAULT_MAX_EXTRA_MEAN_KM",
    "DEFAULT_TIME_LIMIT",
    "DIVISION",
    "Context",
    "ProposalSettings",
    "count_ranges",
    "evaluate",
    "evaluate_labels",
    "national",
    "new_codes",
    "prepare",
    "region_problem",
    "resolve_jeugdregio",
]

DEFAULT_TIME_LIMIT = 10.0
"""Seconds per jeugdregio."""
DEFAULT_MAX_EXTRA_KM = 0.0
"""Default margin per gemeente over its baseline distance (km)."""
DEFAULT_MAX_EXTRA_MEAN_KM = 0.0
"""Default margin of each jeugdregio's pupil-weighted mean distance over its baseline (km)."""
DIVISION = "swv"


@dataclass(frozen=True)
class ProposalSettings:
    """What the planner sets (all optional)."""

    jeugdregio: str = "jeugdregio"
    """A division of the dataset, or a scenario (library name or file) defining ``jeugdregio``."""
    min_pupils: float | None = None
    max_pupils: float | None = None
    target: int | None = None
    """National number of SWVs (see :func:`geo.proposals.propose.propose`)."""
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
    distance = dataset_model(dataset)  # the operator's travel table, else water-aware
    origin_rule = getattr(distance, "origin_rule", None)
    if origin_rule:
        point_rule = f"{origin_rule}; for pairs not in the table: {point_rule}"
    model = travel_model(dataset.units, dataset.special_schools, points, distance)
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


def evaluate_labels(
    ctx: Context, labels: Mapping[str, str]
) -> tuple[pd.Series, Disruption, pd.DataFrame]:
    """Code a (partial) solution's labels (:func:`new_codes`), complete it to all gemeenten
    (:func:`national`) and :func:`evaluate` it: ``(codes, disruption, distances)``."""
    codes = new_codes(ctx, labels)
    d, dist = evaluate(ctx, national(ctx, codes))
    return codes, d, dist
