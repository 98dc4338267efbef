"""The merge-split chain (geo.space.mergesplit) on the synthetic 3 x 3 grids of
test_space_enumerate, where every valid plan is known by brute force: its transition matrix
computed by hand, detailed balance and irreducibility exactly, the chain's histograms against the
uniform distribution within bounds derived from its effective sample size, R-hat across chains
from different starts, and the manifest's diagnostics."""

from __future__ import annotations

import random
from collections import Counter

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from geo.proposals.problem import ProposalSettings, prepare
from geo.space.enumerate import count_by_swvs, enumerate_plans, sample_uniform, valid_parts
from geo.space.figures import batch_figures
from geo.space.mergesplit import (
    MergeSplit,
    agreement,
    communicating_classes,
    mergesplit_rows,
    mixing_time,
    run_mergesplit,
    spectral_ess_factor,
    transition_matrix,
)
from geo.space.model import bits, region_models
from geo.space.sample import diagnostics, ess, split_rhat
from tests.test_space_enumerate import as_sets, brute_force, grid_case

STEPS = 25_000
"""Steps per chain in the histogram tests (4 chains per number of SWVs)."""


@pytest.fixture(scope="module", params=[0.0, 100.0], ids=["p2-strict", "p2-loose"])
def case(request):
    """The grids of test_space_enumerate (3 x 3, one jeugdregio), strict and loose P2."""
    return grid_case(request.param)


@pytest.fixture(scope="module")
def space(case):
    """Per number of SWVs (with at least 2 plans): the brute-force plans meeting the mean
    margin, as the module's canonical tuples, and every brute-force plan ignoring that margin
    (as sets of gemeente codes)."""
    _, ctx, model = case
    parts = valid_parts(model)
    plans = [tuple(sorted(p)) for p in enumerate_plans(model, parts)]
    assert {as_sets(model, list(p)) for p in plans} == brute_force(ctx)
    ok = batch_figures(model, [list(p) for p in plans])["mean_ok"].to_numpy()
    out = {}
    for k in sorted(count_by_swvs(model, parts)):
        kept = [p for p, good in zip(plans, ok, strict=True) if good and len(p) == k]
        every = [as_sets(model, list(p)) for p in plans if len(p) == k]
        if len(kept) > 1:
            out[k] = (kept, every)
    assert out
    return model, parts, out


def adjacent_pairs(graph: nx.Graph, plan) -> list[tuple[frozenset, frozenset]]:
    blocks = sorted(plan, key=sorted)
    return [
        (a, b)
        for i, a in enumerate(blocks)
        for b in blocks[i + 1 :]
        if any(graph.has_edge(u, v) for u in a for v in b)
    ]


def matrix_by_hand(graph: nx.Graph, kept: list, every: list) -> np.ndarray:
    """The merge-split kernel from its definition, on sets of gemeente codes: an adjacent pair
    uniformly, its union re-split uniformly among the brute-force plans that keep every other
    part (those are exactly its splits into two valid parts), a plan outside the mean margin
    rejected, else accepted with min(1, t(P) / t(P'))."""
    index = {p: i for i, p in enumerate(kept)}
    out = np.zeros((len(kept), len(kept)))
    for p, i in index.items():
        pairs = adjacent_pairs(graph, p)
        for a, b in pairs:
            others = p - {a, b}
            splits = [q for q in every if others <= q]
            assert p in splits
            for q in splits:
                prob = 1.0 / (len(pairs) * len(splits))
                if q != p and q in index:
                    accept = min(1.0, len(pairs) / len(adjacent_pairs(graph, q)))
                    out[i, index[q]] += prob * accept
                    prob *= 1 - accept
                out[i, i] += prob
    return out


def test_transition_matrix_is_the_definition_and_balances_the_uniform_distribution(
    case, space
) -> None:
    """Every plan to every plan, exactly: the module's matrix equals the one computed by hand
    from the brute-force plans; it is stochastic and symmetric, so pi P = pi for uniform pi
    (detailed balance: pi_i P_ij = pi_j P_ji); the move graph is connected (irreducible) and
    some plan can stay (aperiodic). The chain without the Metropolis-Hastings correction is not
    symmetric (so this test can fail)."""
    _, ctx, _ = case
    model, parts, by_k = space
    kernel = MergeSplit(model, parts)
    for _k, (kept, every) in by_k.items():
        sets = [as_sets(model, list(p)) for p in kept]
        mine = transition_matrix(kernel, kept)
        hand = matrix_by_hand(ctx.graphs["JA"], sets, every)
        np.testing.assert_allclose(mine, hand, atol=1e-12)
        assert np.allclose(mine.sum(axis=1), 1.0)
        assert np.abs(mine - mine.T).max() < 1e-12
        pi = np.full(len(kept), 1.0 / len(kept))
        np.testing.assert_allclose(pi @ mine, pi, atol=1e-12)
        support = nx.DiGraph(mine > 0)
        assert nx.is_strongly_connected(support)
        assert communicating_classes(kernel, kept) == 1
        assert np.diag(mine).max() > 0
        loose = transition_matrix(MergeSplit(model, parts, metropolis=False), kept)
        assert np.abs(loose - loose.T).max() > 1e-3


def test_one_step_frequencies_match_the_transition_row(space) -> None:
    """The sampler's step and the matrix are the same kernel: 20,000 single steps from one plan
    (the one with most neighbours) against its row, chi-squared p-value above 0.001."""
    model, parts, by_k = space
    kernel = MergeSplit(model, parts)
    kept, _ = by_k[max(by_k)]
    start = max(kept, key=lambda p: len(kernel.transition_row(p)))
    row = kernel.transition_row(start)
    rng = random.Random(3)
    n = 20_000
    seen = Counter(kernel.step(start, rng)[0] for _ in range(n))
    assert set(seen) <= set(row)
    targets = list(row)
    observed = np.array([seen[t] for t in targets], dtype=float)
    expected = np.array([row[t] for t in targets]) * n
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def chains(model, parts, kernel, kept, k, starts, steps=STEPS):
    return [
        run_mergesplit(model, parts, k, steps=steps, seed=s, start=start, kernel=kernel)[0]
        for s, start in enumerate(starts)
    ]


def starts_of(model, kept):
    """Four starts far apart: least and most disruption, least and most PO travel."""
    f = batch_figures(model, [list(p) for p in kept])
    picks = [
        f["disrupted"].idxmin(),
        f["disrupted"].idxmax(),
        f["travel_po_km"].idxmin(),
        f["travel_po_km"].idxmax(),
    ]
    return [kept[i] for i in picks]


def test_chain_histogram_matches_the_enumeration(space) -> None:
    """Four chains of 25,000 steps per number of SWVs, started from fixed extreme plans (not
    from uniform draws, so a chain with the wrong stationary distribution would show it).

    Bound. For ``n`` independent uniform draws over ``M`` plans the expected total variation of
    the histogram is about ``sqrt(M / (2 pi n))`` (sum of ``M`` half-normal deviations of s.d.
    ``sqrt(p (1 - p) / n)``, ``p = 1 / M``). A chain's draws count as ``n_eff`` independent ones;
    for a reversible chain the integrated autocorrelation time of *any* statistic is at most
    ``(1 + l) / (1 - l)`` (``l``: second largest eigenvalue of the exact transition matrix), so
    ``n_eff >= steps (1 - l) / (1 + l)``. The test asserts TV < ``1.5 sqrt(M / (2 pi n_eff))``
    with that lower bound, and that the chains' measured ESS of the disruption is at least half
    of it. Chi-squared: the chains thinned by ``ceil((1 + l) / (1 - l))`` (nearly independent
    draws) on the plan histogram and on the histogram of the number of adjacent SWV pairs
    ``t(P)`` (the statistic a wrong Metropolis-Hastings correction biases): p-values above
    0.001. The same tests on the chain without the correction fail (its stationary distribution
    is proportional to ``t(P)``)."""
    model, parts, by_k = space
    for k, (kept, _) in by_k.items():
        kernel = MergeSplit(model, parts)
        matrix = transition_matrix(kernel, kept)
        factor = spectral_ess_factor(matrix)
        assert mixing_time(matrix) < 50
        runs = chains(model, parts, kernel, kept, k, starts_of(model, kept))
        visited = [p for run in runs for p in run]
        n_eff = len(visited) * factor
        freq = Counter(visited)
        m = len(kept)
        tv = 0.5 * sum(abs(freq[p] / len(visited) - 1 / m) for p in kept)
        bound = 1.5 * np.sqrt(m / (2 * np.pi * n_eff))
        assert set(freq) <= set(kept)
        assert tv < bound, (k, tv, bound)
        figures = batch_figures(model, [list(p) for p in kept])["disrupted"]
        value = {p: v for p, v in zip(kept, figures, strict=True)}
        measured = ess([np.array([value[p] for p in run]) for run in runs])
        assert measured > 0.5 * n_eff, (measured, n_eff)
        thin = int(np.ceil(1 / factor))
        sample = [p for run in runs for p in run[::thin]]
        counts = Counter(sample)
        observed = np.array([counts[p] for p in kept], dtype=float)
        assert stats.chisquare(observed).pvalue > 1e-3
        t = {p: len(kernel.pairs(p)) for p in kept}
        assert stats.chisquare(*t_histogram(sample, t, kept)).pvalue > 1e-3
        # the uncorrected chain, same starts and steps: the t(P) histogram rejects it
        wrong = MergeSplit(model, parts, metropolis=False)
        bad = [
            p for run in chains(model, parts, wrong, kept, k, starts_of(model, kept)) for p in run
        ]
        assert stats.chisquare(*t_histogram(bad[::thin], t, kept)).pvalue < 1e-3


def t_histogram(sample, t, kept) -> tuple[np.ndarray, np.ndarray]:
    """Observed and uniform-expected counts of the number of adjacent pairs."""
    values = sorted(set(t.values()))
    seen = Counter(t[p] for p in sample)
    observed = np.array([seen[v] for v in values], dtype=float)
    share = np.array([sum(t[p] == v for p in kept) for v in values]) / len(kept)
    return observed, share * len(sample)


def test_rhat_near_one_from_different_starts(space) -> None:
    """Four chains of 5,000 steps from the extreme plans: split R-hat of the disruption and the
    PO travel below 1.05."""
    model, parts, by_k = space
    kernel = MergeSplit(model, parts)
    for k, (kept, _) in by_k.items():
        f = batch_figures(model, [list(p) for p in kept])
        runs = chains(model, parts, kernel, kept, k, starts_of(model, kept), steps=5_000)
        for col in ("disrupted", "travel_po_km"):
            value = dict(zip(kept, f[col], strict=True))
            rhat = split_rhat([np.array([value[p] for p in run]) for run in runs])
            assert rhat < 1.05, (k, col, rhat)


def test_rows_and_diagnostics(space) -> None:
    """What the build stores: valid plans with k SWVs, reproducible per seed, and the
    diagnostics (acceptance = moves / steps, distinct plans) computed from them."""
    model, parts, by_k = space
    k = max(by_k, key=lambda x: len(by_k[x][0]))
    kept = {as_sets(model, list(p)) for p in by_k[k][0]}
    frames, stats_ = [], []
    for c in range(3):
        f, s = mergesplit_rows(model, parts, k, steps=400, seed=c, chain=c)
        assert (f["swvs"] == k).all() and (f["log_weight"] == 0).all()
        plans = {
            frozenset(frozenset(model.units[i] for i in bits(m)) for m in _parts(t))
            for t in f["plan"]
        }
        assert plans <= kept
        frames.append(f)
        stats_.append(s)
    again, _ = mergesplit_rows(model, parts, k, steps=400, seed=0, chain=0)
    assert again["plan"].tolist() == frames[0]["plan"].tolist()
    d = diagnostics(frames, stats_)[str(k)]
    moves = sum(int((f["plan"] != f["plan"].shift()).iloc[1:].sum()) for f in frames)
    assert d["acceptance"] == pytest.approx(moves / (3 * 399), abs=1e-4)
    assert d["acceptance"] > 0.2
    assert d["distinct"] == len(set().union(*(set(f["plan"]) for f in frames)))
    assert d["rhat_disrupted"] < 1.2


def _parts(text: str) -> list[int]:
    from geo.space.model import parts_of_text

    return parts_of_text(text)


def test_ess_of_known_processes() -> None:
    """The multi-chain ESS: about the number of draws for independent normals, about
    ``n (1 - phi) / (1 + phi)`` for AR(1) chains, next to nothing for chains each stuck on
    another value (a per-chain estimate would call them independent), and every step when the
    value is the same everywhere."""
    rng = np.random.default_rng(0)
    assert ess([rng.normal(size=1000) for _ in range(4)]) == pytest.approx(4000, rel=0.1)
    phi, runs = 0.9, []
    for _ in range(4):
        e, x = rng.normal(size=5000), np.zeros(5000)
        for t in range(1, 5000):
            x[t] = phi * x[t - 1] + e[t]
        runs.append(x)
    assert ess(runs) == pytest.approx(20_000 * (1 - phi) / (1 + phi), rel=0.25)
    assert ess([np.zeros(100), np.ones(100), np.zeros(100)]) < 5
    assert ess([np.full(100, 2.0)] * 3) == 300


def test_real_jeugdregio_with_most_plans(dataset) -> None:
    """Real data, default settings: in the jeugdregio with the most valid plans, per number of
    SWVs, the exact transition matrix is symmetric and irreducible, and four chains of 4,000
    steps from the extreme plans have R-hat below 1.05 and a plan histogram within the
    ESS-derived total-variation bound of the histogram test."""
    ctx = prepare(dataset, ProposalSettings())
    models = region_models(ctx)
    counts = {r: count_by_swvs(m, valid_parts(m)) for r, m in models.items()}
    region = max(counts, key=lambda r: sum(counts[r].values()))
    model = models[region]
    parts = valid_parts(model)
    plans = [tuple(sorted(p)) for p in enumerate_plans(model, parts)]
    f = batch_figures(model, [list(p) for p in plans])
    kernel = MergeSplit(model, parts)
    checked = 0
    for k in counts[region]:
        kept = [p for p, ok in zip(plans, f["mean_ok"], strict=True) if ok and len(p) == k]
        if len(kept) < 10:
            continue
        matrix = transition_matrix(kernel, kept)
        assert np.abs(matrix - matrix.T).max() < 1e-12 and np.allclose(matrix.sum(axis=1), 1)
        assert nx.is_strongly_connected(nx.DiGraph(matrix > 0))
        runs = chains(model, parts, kernel, kept, k, starts_of(model, kept), steps=4_000)
        visited = Counter(p for run in runs for p in run)
        n_eff = 16_000 * spectral_ess_factor(matrix)
        tv = 0.5 * sum(abs(visited[p] / 16_000 - 1 / len(kept)) for p in kept)
        assert tv < 1.5 * np.sqrt(len(kept) / (2 * np.pi * n_eff)), (region, k, tv)
        g = batch_figures(model, [list(p) for p in kept])
        value = dict(zip(kept, g["disrupted"], strict=True))
        assert split_rhat([np.array([value[p] for p in run]) for run in runs]) < 1.05
        checked += 1
    assert checked


def test_agreement_with_the_exact_draws(space) -> None:
    """The manifest's ``chains_vs_draws``: merge-split chains agree with 5,000 exactly uniform
    draws on the disruption (KS below its ESS-based critical value); the same chains with the
    disruption of the worst plan everywhere do not."""
    model, parts, by_k = space
    frames = [
        mergesplit_rows(model, parts, k, steps=3_000, seed=c, chain=c)[0]
        for k in by_k
        for c in range(2)
    ]
    rng = random.Random(1)
    draws = batch_figures(model, [sample_uniform(model, parts, rng) for _ in range(5_000)])
    draws = draws[draws["mean_ok"]]
    got = agreement(frames, draws, "disrupted")
    assert set(got) == {str(k) for k in by_k}
    assert all(
        g["agrees"] and g["draws"] == int((draws["swvs"] == int(k)).sum()) for k, g in got.items()
    )
    worst = [f.assign(disrupted=draws["disrupted"].max()) for f in frames]
    assert not any(g["agrees"] for g in agreement(worst, draws, "disrupted").values())
