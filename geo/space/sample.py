"""Reversible ReCom chains (the baseline of :mod:`geo.space.mergesplit`) and chain diagnostics.

Rule (Cannon, Duchin, Randall & Rule 2022, *Spanning tree methods for sampling graph
partitions*): GerryChain's reversible ReCom (``reversible_recom``) is a Markov chain on the
partitions into ``k`` connected parts whose sizes lie in the balance window, reversible with
respect to the *spanning-tree distribution* ``pi(P) ~ prod_i tau(P_i)`` (``tau``: number of
spanning trees of a part's induced subgraph, Kirchhoff's matrix-tree theorem). The window is
exactly the size bounds (as :mod:`geo.proposals.ensemble`). A step is kept only when every part
is a valid part (size, principle 2, :func:`geo.space.enumerate.valid_parts`) and the
jeugdregio-mean travel margin holds; otherwise the chain stays (a Metropolis rejection, which
keeps reversibility with respect to ``pi`` restricted to the valid plans).

The space is the *uniform* distribution over valid plans (what "the percentile among valid
divisions" means), so every draw carries the importance weight ``1 / prod_i tau(P_i)``
(self-normalised per number of SWVs). The numbers of SWVs are mixed with their exact counts
``N_k`` (:func:`geo.space.enumerate.count_by_swvs`, exact even where enumeration is not
feasible). Each chain starts from an exactly uniform draw with ``k`` SWVs
(:func:`geo.space.enumerate.sample_uniform_k`), so no burn-in is needed for the start to be
representative; several chains per ``k`` from different seeds give the diagnostics:

* ``acceptance``: share of steps that moved to another plan (for merge-split chains also
  ``share_same``, ``share_mean``, ``share_mh``: the proposal was the current plan, rejected by
  the mean margin, rejected by the Metropolis-Hastings correction);
* ``distinct``: distinct plans visited;
* ``rhat``: split R-hat (Gelman et al. 2013) of ``disrupted`` and ``travel_po_km`` across chains;
* ``ess``: effective sample size of the same statistics (Geyer's initial positive sequence,
  summed over chains; ``ess_*_per_step`` divided by all steps), and ``ess_weights``: Kish's
  ``(sum w)^2 / sum w^2`` of the importance weights (the number of steps for merge-split chains,
  whose weights are all 1).
"""

from __future__ import annotations

import math
import random
from functools import partial
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from geo.space.enumerate import Parts, sample_uniform_k
from geo.space.figures import PartTable, plan_figures
from geo.space.model import RegionModel, bits, labels_text

MAX_CUTS_FACTOR = 1
"""``max_balanced_edge_cuts`` of reversible ReCom = n (a spanning tree has n - 1 edges)."""


def log_trees(model: RegionModel, mask: int, memo: dict[int, float]) -> float:
    """``log tau``: log of the number of spanning trees of the part's induced subgraph."""
    got = memo.get(mask)
    if got is not None:
        return got
    idx = bits(mask)
    if len(idx) == 1:
        memo[mask] = 0.0
        return 0.0
    pos = {u: i for i, u in enumerate(idx)}
    lap = np.zeros((len(idx), len(idx)))
    for u in idx:
        for v in bits(model.neighbours[u] & mask):
            lap[pos[u], pos[v]] = -1.0
        lap[pos[u], pos[u]] = float(bin(model.neighbours[u] & mask).count("1"))
    sign, logdet = np.linalg.slogdet(lap[1:, 1:])
    value = float(logdet) if sign > 0 else -math.inf
    memo[mask] = value
    return value


MAX_START_DRAWS = 1000


def _constrained(model: RegionModel, level: str, mask: int, memo: dict[int, float]) -> float:
    """Pupil-weighted after-distance of a part's gemeenten with a finite baseline."""
    got = memo.get(mask)
    if got is None:
        idx = bits(mask)
        host = model.host_km[level][np.ix_(idx, idx)].min(axis=1)
        ok = np.isfinite(host) & np.isfinite(model.baseline_km[level][idx])
        got = float((np.where(ok, host, 0.0) * model.pupils[level][idx]).sum())
        memo[mask] = got
    return got


def mean_ok(model: RegionModel, masks: list[int], con: dict[str, dict[int, float]]) -> bool:
    """The proposal's jeugdregio-mean travel margin (as :func:`geo.space.figures.plan_figures`)."""
    for level, bound in model.mean_allowed.items():
        if (
            bound is not None
            and sum(_constrained(model, level, m, con[level]) for m in masks) > bound
        ):
            return False
    return True


def run_chain(
    model: RegionModel, parts: Parts, k: int, *, steps: int, seed: int
) -> tuple[list[list[int]], int]:
    """One reversible ReCom chain of ``steps`` states with ``k`` SWVs: the plans (part masks) per
    step and the number of accepted moves."""
    import gerrychain
    from gerrychain.accept import always_accept
    from gerrychain.proposals import reversible_recom
    from gerrychain.updaters import Tally

    rng = random.Random(seed)
    valid = set(parts.masks)
    con: dict[str, dict[int, float]] = {lv: {} for lv in ("po", "vo")}
    for _ in range(MAX_START_DRAWS):  # a uniform start that also meets the mean margin
        start = sample_uniform_k(model, parts, k, rng)
        if mean_ok(model, start, con):
            break
    else:
        raise ValueError(
            f"jeugdregio {model.region}: no plan with {k} SWVs meeting the jeugdregio-mean travel "
            f"margin in {MAX_START_DRAWS} uniform draws"
        )
    nxg = nx.Graph()
    for i, u in enumerate(model.units):
        nxg.add_node(u, pupils=float(model.sizes[i]))
    nxg.add_edges_from((model.units[a], model.units[b]) for a, b in model.edges)
    graph = gerrychain.Graph.from_networkx(nxg)
    labels = {model.units[i]: j for j, m in enumerate(start) for i in bits(m)}
    initial = gerrychain.Partition(
        graph, labels, updaters={"pupils": Tally("pupils", alias="pupils")}
    )
    frozen = initial.graph
    index = {u: i for i, u in enumerate(model.units)}
    position = {
        n: index[frozen.original_nx_node_id_for_internal_node_id(n)] for n in frozen.node_indices
    }

    def masks_of(partition: Any) -> list[int]:
        out: dict[Any, int] = {}
        for node, part in partition.assignment.to_dict().items():
            out[part] = out.get(part, 0) | (1 << position[node])
        return list(out.values())

    def is_valid(partition: Any) -> bool:
        masks = masks_of(partition)
        return all(m in valid for m in masks) and mean_ok(model, masks, con)

    lo, hi = model.min_size, model.max_size
    target, epsilon = (lo + hi) / 2, (hi - lo) / (hi + lo)
    propose = partial(
        reversible_recom,
        pop_col="pupils",
        pop_target=target,
        epsilon=epsilon,
        max_balanced_edge_cuts=model.n * MAX_CUTS_FACTOR,
    )

    def step(partition: Any, *, rng: Any = None) -> Any:
        try:
            return propose(partition, rng=rng)
        except Exception:  # no balanced cut / reversibility bound: the chain stays
            return partition

    chain = gerrychain.MarkovChain(
        step, [is_valid], always_accept, initial, total_steps=steps, rng=seed
    )
    plans: list[list[int]] = []
    moved = 0
    previous = None
    for partition in chain:
        masks = sorted(masks_of(partition))
        if previous is not None and masks != previous:
            moved += 1
        plans.append(masks)
        previous = masks
    return plans, moved


def chain_rows(
    model: RegionModel, parts: Parts, k: int, *, steps: int, seed: int, chain: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows of one chain (figures, ``log_weight``, ``chain``, ``step``) and its stats."""
    plans, moved = run_chain(model, parts, k, steps=steps, seed=seed)
    used = sorted({m for p in plans for m in p})
    table = PartTable(model, used)
    frame = plan_figures(table, plans)
    memo: dict[int, float] = {}
    frame["log_weight"] = [-sum(log_trees(model, m, memo) for m in p) for p in plans]
    frame["chain"] = chain
    frame["step"] = np.arange(len(plans))
    stats = {"k": k, "chain": chain, "seed": seed, "steps": len(plans), "moved": moved}
    return frame, stats


def split_rhat(chains: list[np.ndarray]) -> float:
    """Split R-hat (Gelman et al., BDA3 11.4) of equally long chains."""
    halves = []
    for c in chains:
        h = len(c) // 2
        if h < 2:
            return float("nan")
        halves += [c[:h], c[h : 2 * h]]
    x = np.array(halves, dtype=float)
    m, n = x.shape
    within = x.var(axis=1, ddof=1).mean()
    between = n * x.mean(axis=1).var(ddof=1)
    if within <= 0:
        return 1.0 if between <= 0 else float("inf")
    var = (n - 1) / n * within + between / n
    return float(math.sqrt(var / within))


def ess(chains: list[np.ndarray]) -> float:
    """Multi-chain effective sample size (Gelman et al., BDA3 11.5; Stan's estimator): the
    autocorrelations ``rho_t = 1 - (W - mean_acov_t) / var+`` use the within-chain variance
    ``W`` *and* the between-chain variance (``var+`` as in R-hat), so a chain stuck on one
    plan adds no information (a per-chain estimate would count it as independent draws), then
    Geyer's initial positive (and monotone) sequence. Chains are cut to the shortest; when every
    value of every chain is equal the value is known exactly and the ESS is the number of steps.
    """
    runs = [np.asarray(c, dtype=float) for c in chains if len(c)]
    if not runs:
        return 0.0
    n = min(len(c) for c in runs)
    x = np.array([c[:n] for c in runs])
    m = len(x)
    if n < 4:
        return 0.0
    means = x.mean(axis=1)
    centred = x - means[:, None]
    f = np.fft.rfft(centred, 2 * n, axis=1)
    acov = np.fft.irfft(f * np.conj(f), axis=1)[:, :n] / n  # biased autocovariance per chain
    within = float(acov[:, 0].mean() * n / (n - 1))
    var_plus = within * (n - 1) / n + (float(means.var(ddof=1)) if m > 1 else 0.0)
    if var_plus <= 0:
        return float(m * n)
    rho = 1.0 - (within - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    total, previous = 0.0, math.inf
    for t in range(0, n - 1, 2):
        pair = rho[t] + rho[t + 1]
        if pair <= 0:
            break
        pair = min(pair, previous)  # monotone sequence
        total += pair
        previous = pair
    tau = max(2 * total - 1, 1.0 / math.log10(max(m * n, 10)))
    return float(m * n / tau)


def diagnostics(frames: list[pd.DataFrame], stats: list[dict[str, Any]]) -> dict[str, Any]:
    """Per number of SWVs: acceptance, distinct plans, R-hat and ESS (module docstring)."""
    out: dict[str, Any] = {}
    by_k: dict[int, list[tuple[pd.DataFrame, dict[str, Any]]]] = {}
    for f, s in zip(frames, stats, strict=True):
        by_k.setdefault(int(s["k"]), []).append((f, s))
    for k, runs in sorted(by_k.items()):
        steps = sum(s["steps"] for _, s in runs)
        moved = sum(s["moved"] for _, s in runs)
        plans = pd.concat([f["plan"] for f, _ in runs])
        w = np.exp(np.concatenate([f["log_weight"].to_numpy() for f, _ in runs]))
        entry: dict[str, Any] = {
            "chains": len(runs),
            "steps": steps,
            "acceptance": round(moved / max(steps - len(runs), 1), 4),
            "distinct": int(plans.nunique()),
            "ess_weights": round(float(w.sum() ** 2 / (w**2).sum()), 1) if w.size else 0.0,
        }
        for what in ("same", "mean", "mh"):  # merge-split outcomes (geo.space.mergesplit)
            if all(what in s for _, s in runs):
                entry[f"share_{what}"] = round(
                    sum(s[what] for _, s in runs) / max(steps - len(runs), 1), 4
                )
        for col in ("disrupted", "travel_po_km"):
            series = [f[col].to_numpy(dtype=float) for f, _ in runs]
            entry[f"rhat_{col}"] = round(split_rhat(series), 4)
            entry[f"ess_{col}"] = round(ess(series), 1)
            entry[f"ess_{col}_per_step"] = round(entry[f"ess_{col}"] / max(steps, 1), 4)
        out[str(k)] = entry
    return out


__all__ = [
    "chain_rows",
    "diagnostics",
    "ess",
    "labels_text",
    "log_trees",
    "mean_ok",
    "run_chain",
    "split_rhat",
]
