"""geo.space on synthetic grids: enumeration against brute force, figures against the engine,
the uniform sampler against the enumeration, ReCom chains, task splitting."""

from __future__ import annotations

import random
from itertools import combinations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from fixtures.proposal_grids import layout_dataset
from geo.overlap import score
from geo.overlap.disruption import disruption
from geo.proposals.problem import ProposalSettings, prepare
from geo.space.enumerate import (
    count_by_swvs,
    count_plans,
    enumerate_plans,
    live_counts,
    parts_from_masks,
    sample_uniform,
    split_tasks,
    valid_parts,
)
from geo.space.figures import PartTable, plan_figures
from geo.space.model import bits, labels_text, region_models
from geo.space.sample import chain_rows, diagnostics, split_rhat

LAYOUT = ["AAA", "AAA", "AAA"]
PO = ["ppq", "ppq", "rrq"]
VO = ["sst", "sst", "sst"]
SCHOOLS = [
    ("GM0000", "(V)SO"),
    ("GM0002", "(V)SO"),
    ("GM0202", "(V)SO"),
    ("GM0200", "(V)SO"),
    ("GM0101", "SO"),
    ("GM0101", "VSO"),
]
PUPILS = {f"GM{r:02d}{c:02d}": 60.0 + 13 * r + 7 * c for r in range(3) for c in range(3)}


def set_partitions(items: list[str]):
    """Every set partition of ``items`` (Bell number many), by the usual recursion."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first], *partition]
        for i in range(len(partition)):
            yield [*partition[:i], [first, *partition[i]], *partition[i + 1 :]]


def grid_case(max_extra_km: float):
    """The 3 x 3 grid (one jeugdregio, ``JA``) at P2 margin ``max_extra_km``: dataset, proposal
    context and the jeugdregio's model."""
    ds = layout_dataset(LAYOUT, PO, VO, pupils_po=PUPILS, pupils_vo=40.0, schools=SCHOOLS)
    settings = ProposalSettings(min_pupils=150, max_pupils=520, max_extra_km=max_extra_km)
    ctx = prepare(ds, settings)
    return ds, ctx, region_models(ctx)["JA"]


@pytest.fixture(scope="module", params=[0.0, 100.0], ids=["p2-strict", "p2-loose"])
def case(request):
    return grid_case(request.param)


def brute_force(ctx) -> set[frozenset[frozenset[str]]]:
    """Every valid division by brute force: all set partitions, each block connected in the
    jeugdregio graph, within the size bounds, and no gemeente farther than its baseline +
    margin (distances from the travel model of the proposals, geo.checks.locations)."""
    graph = ctx.graphs["JA"]
    units = sorted(graph.nodes)
    lo, hi = ctx.bounds.min_pupils, ctx.bounds.max_pupils
    out = set()
    block_ok: dict[frozenset[str], bool] = {}

    def fits(block: list[str]) -> bool:
        key = frozenset(block)
        if key not in block_ok:
            size = float(ctx.sizes[block].sum())
            block_ok[key] = lo - 1e-9 <= size <= hi + 1e-9 and nx.is_connected(
                graph.subgraph(block)
            )
        return block_ok[key]

    for partition in set_partitions(units):
        if not all(fits(b) for b in partition):
            continue
        assignment = pd.Series({u: f"S{i}" for i, b in enumerate(partition) for u in b})
        ok = True
        for level in ("po", "vo"):
            after = ctx.travel.after(level, assignment).reindex(units)
            base = ctx.before.loc[units, f"{level}_baseline_km"]
            limit = base + ctx.settings.max_extra_km + 1e-3
            ok &= bool(((after <= limit) | ~np.isfinite(base)).all())
        if ok:
            out.add(frozenset(frozenset(b) for b in partition))
    return out


def as_sets(model, plan: list[int]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(model.units[i] for i in bits(m)) for m in plan)


def test_enumeration_finds_exactly_the_brute_force_divisions(case) -> None:
    _, ctx, model = case
    expected = brute_force(ctx)
    parts = valid_parts(model)
    plans = [as_sets(model, p) for p in enumerate_plans(model, parts)]
    assert len(plans) == len(set(plans))  # each division once
    assert set(plans) == expected
    assert count_plans(model, parts) == len(expected) > 1
    by_k = pd.Series([len(p) for p in expected]).value_counts().to_dict()
    assert count_by_swvs(model, parts) == by_k


def test_the_margin_matters() -> None:
    ds = layout_dataset(LAYOUT, PO, VO, pupils_po=PUPILS, pupils_vo=40.0, schools=SCHOOLS)
    counts = []
    for margin in (0.0, 100.0):
        ctx = prepare(ds, ProposalSettings(min_pupils=150, max_pupils=520, max_extra_km=margin))
        model = region_models(ctx)["JA"]
        counts.append(count_plans(model, valid_parts(model)))
    assert counts[0] < counts[1]


def test_split_tasks_cover_the_tree_once(case) -> None:
    _, _, model = case
    parts = valid_parts(model)
    total = count_plans(model, parts)
    tasks = split_tasks(model, parts, max(2, total // 7))
    assert len(tasks) > 1
    seen = [
        labels_text(model, p) for prefix, _ in tasks for p in enumerate_plans(model, parts, prefix)
    ]
    assert len(seen) == len(set(seen)) == total == sum(n for _, n in tasks)


def test_tasks_from_the_shipped_memo_find_the_brute_force_divisions(case) -> None:
    """A task rebuilt from the valid masks and the live states only (what Dask ships) walks
    every subtree of the split without recounting, and finds exactly the brute-force divisions;
    the shipped memo holds only live states, fewer than the DP visited."""
    _, ctx, model = case
    expected = brute_force(ctx)
    planned = valid_parts(model)
    keys, rows = live_counts(model, planned)
    assert 0 < len(keys) < len(planned.memo)
    assert (rows.sum(axis=1) > 0).all()
    tasks = split_tasks(model, planned, max(2, len(expected) // 5))
    found = []
    for prefix, n in tasks:
        shipped = parts_from_masks(model, planned.masks, (keys, rows))
        below = [as_sets(model, p) for p in enumerate_plans(model, shipped, prefix)]
        assert len(below) == n
        found += below
        assert len(shipped.memo) == len(keys)  # nothing was recounted
    assert len(found) == len(set(found)) and set(found) == expected
    shipped = parts_from_masks(model, planned.masks, (keys, rows))
    assert count_by_swvs(model, shipped) == count_by_swvs(model, valid_parts(model))
    draws = {as_sets(model, sample_uniform(model, shipped, random.Random(s))) for s in range(50)}
    assert draws <= expected


@pytest.mark.parametrize("groups", [1, 2, 3, 7])
def test_split_counting_adds_up_to_the_brute_force(case, groups) -> None:
    """The counting tasks of a split jeugdregio (contiguous slices of the first parts, each
    with its own memo, its own cut and its live states only) count, cut and enumerate exactly
    the brute-force divisions; their memos joined by merge_counts sample from the root."""
    from geo.space.tasks import count_group, merge_counts, region_parts

    _, ctx, model = case
    expected = brute_force(ctx)
    by_k = pd.Series([len(p) for p in expected]).value_counts().to_dict()
    whole = region_parts(model, 10**9)
    rparts = region_parts(model, -(-len(valid_parts(model).arrays[0]) // groups))
    assert (whole.groups, rparts.groups) == (1, groups)
    counted = [count_group(model, rparts, g, 3, 10**9) for g in range(groups)]
    counts = np.sum([c.counts for c in counted], axis=0)
    assert {k: int(v) for k, v in enumerate(counts) if v} == by_k
    assert [int(x) for x in counts] == list(count_group(model, whole, 0, 3, 10**9).counts)
    found = []
    for c in counted:
        parts = c.parts(model, rparts)
        for prefixes in c.tasks:
            assert sum(n for _, n in prefixes) <= 3 or len(prefixes) == 1
            for prefix, n in prefixes:
                below = [as_sets(model, p) for p in enumerate_plans(model, parts, prefix)]
                assert len(below) == n
                found += below
        assert len(parts.memo) == len(c.live[0])  # enumerated from the shipped memo alone
    assert len(found) == len(set(found)) and set(found) == expected
    merged = merge_counts(model, rparts, *counted).parts(model)
    assert count_by_swvs(model, merged) == by_k
    draws = {as_sets(model, sample_uniform(model, merged, random.Random(s))) for s in range(30)}
    assert draws <= expected


def test_figures_equal_the_engine(case) -> None:
    ds, ctx, model = case
    parts = valid_parts(model)
    every = list(enumerate_plans(model, parts))
    shuffled = [p[::-1] for p in every]  # parts in any order
    texts = plan_figures(PartTable(model, parts.masks), shuffled)["plan"].tolist()
    assert texts == [labels_text(model, p) for p in every]  # vectorised = one by one
    plans = every[:60]
    frame = plan_figures(PartTable(model, parts.masks), plans)
    po, vo = ds.division("swv_po"), ds.division("swv_vo")
    for plan, row in zip(plans, frame.itertuples(), strict=True):
        assignment = pd.Series(
            {model.units[i]: f"S{k}" for k, m in enumerate(plan) for i in bits(m)}
        )
        d = disruption(assignment, po, vo, ds.weight("pupils_po"), ds.weight("pupils_vo"))
        assert row.disrupted_po == pytest.approx(d.totals["disrupted_po"], abs=1e-6)
        assert row.disrupted_vo == pytest.approx(d.totals["disrupted_vo"], abs=1e-6)
        after = ctx.travel.after("po", assignment)
        w = ds.weight("pupils_po").reindex(after.index)
        assert row.travel_po_km == pytest.approx(float((after * w).sum() / w.sum()), abs=1e-9)
        from geo.division import Division

        new = Division.from_assignment("swv", assignment)
        s = score(new, po, ds.weight("pupils_po"), weight_name="pupils_po")
        assert row.congruence_po == pytest.approx(s.summary["congruence"], abs=1e-9)
        sizes = ctx.sizes.groupby(assignment.reindex(ctx.sizes.index).to_numpy()).sum()
        assert row.size_spread == pytest.approx(sizes.max() - sizes.min())
        assert row.swvs == len(plan)


def test_uniform_draws_match_the_enumeration(case) -> None:
    """Total variation between 10,000 uniform draws and the enumeration: below 0.08 (for M
    equally likely plans and n draws its expectation is about sqrt(M / (2 pi n)))."""
    _, _, model = case
    parts = valid_parts(model)
    plans = [labels_text(model, p) for p in enumerate_plans(model, parts)]
    rng = random.Random(7)
    n = 10_000
    draws = pd.Series([labels_text(model, sample_uniform(model, parts, rng)) for _ in range(n)])
    freq = draws.value_counts(normalize=True).reindex(plans, fill_value=0.0)
    assert set(draws) <= set(plans)
    tv = 0.5 * float((freq - 1.0 / len(plans)).abs().sum())
    bound = max(0.08, 1.5 * np.sqrt(len(plans) / (2 * np.pi * n)))
    assert tv < bound, (tv, len(plans))


def test_recom_chains_stay_valid_and_report_diagnostics(case) -> None:
    _, _, model = case
    parts = valid_parts(model)
    plans = list(enumerate_plans(model, parts))
    ok = plan_figures(PartTable(model, parts.masks), plans)["mean_ok"].to_numpy()
    valid = {labels_text(model, p) for p, good in zip(plans, ok, strict=True) if good}
    k = max(count_by_swvs(model, parts), key=lambda x: count_by_swvs(model, parts)[x])
    frames, stats = [], []
    for c in range(3):
        f, s = chain_rows(model, parts, k, steps=60, seed=c, chain=c)
        frames.append(f)
        stats.append(s)
        assert set(f["plan"]) <= valid and (f["swvs"] == k).all()
    again, _ = chain_rows(model, parts, k, steps=60, seed=0, chain=0)
    assert again["plan"].tolist() == frames[0]["plan"].tolist()  # reproducible
    d = diagnostics(frames, stats)[str(k)]
    assert d["chains"] == 3 and d["steps"] == 180 and 0 <= d["acceptance"] <= 1
    assert d["distinct"] == pd.concat([f["plan"] for f in frames]).nunique()


def test_split_rhat_of_identical_and_shifted_chains() -> None:
    rng = np.random.default_rng(0)
    same = [rng.normal(size=400) for _ in range(4)]
    assert split_rhat(same) == pytest.approx(1.0, abs=0.05)
    shifted = [x + 5 * i for i, x in enumerate(same)]
    assert split_rhat(shifted) > 2


def test_parts_are_connected_and_bounded(case) -> None:
    _, ctx, model = case
    graph = ctx.graphs["JA"]
    for mask in valid_parts(model).masks:
        block = [model.units[i] for i in bits(mask)]
        assert nx.is_connected(graph.subgraph(block))
        assert (
            ctx.bounds.min_pupils - 1e-9 <= ctx.sizes[block].sum() <= ctx.bounds.max_pupils + 1e-9
        )
    assert list(combinations(range(2), 2))  # itertools used for readability above
