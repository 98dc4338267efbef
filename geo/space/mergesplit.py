"""Merge-split chains: an MCMC sampler whose stationary distribution is exactly uniform.

Rule (a Metropolised heat-bath on two adjacent parts; in the family of the merge-split chains of
Carter, Herschlag, Hunter, Mattingly et al. 2019 and Autry et al. 2021, here with the re-split
drawn from *all* valid splits instead of a spanning tree). The state is a valid plan ``P`` with
``k`` SWVs (``k`` is fixed per chain; the numbers of SWVs are mixed afterwards with their exact
counts ``N_k``, :func:`geo.space.enumerate.count_by_swvs`). One step:

1. choose one of the ``t(P)`` *adjacent* pairs of parts ``{A, B}`` uniformly (adjacent: some
   gemeente of ``A`` borders some gemeente of ``B`` in the contiguity graph);
2. merge them, ``U = A | B``, and choose a split ``{X, U - X}`` uniformly among *all* ``s(U)``
   splits of ``U`` into two valid parts (connected, size bounds, principle 2 per gemeente:
   exactly the valid parts of :func:`geo.space.enumerate.valid_parts`; the current split is one
   of them). The proposal is ``P' = P - {A, B} + {X, U - X}``;
3. reject (stay) if ``P'`` fails the jeugdregio-mean travel margin; otherwise accept with
   probability ``min(1, t(P) / t(P'))`` (Metropolis-Hastings).

Why the stationary distribution is uniform over the valid plans with ``k`` SWVs. For ``P' != P``
the pair is unique (the parts of ``P`` outside the pair are parts of ``P'``, and a third part
kept would force ``P' = P``), so ``q(P -> P') = 1 / (t(P) s(U))``. In ``P'`` the parts ``X`` and
``U - X`` are adjacent (``U`` is connected, both halves are connected), and merging them gives
the same ``U`` with the same ``s(U)`` splits, so ``q(P' -> P) = 1 / (t(P') s(U))``. The
Metropolis-Hastings ratio for the uniform target is therefore ``t(P) / t(P')``, and the chain
satisfies detailed balance with respect to the uniform distribution; rejecting plans outside the
mean margin restricts it to the valid plans. It is aperiodic (the current split is always among
the proposals). Irreducibility is not automatic for local moves on a constrained space;
:func:`communicating_classes` counts the classes of the move graph, and the tests check on
synthetic grids, with the full transition matrix (:func:`transition_matrix`), that ``pi P = pi``
for uniform ``pi``, that ``P`` is symmetric (detailed balance) and that the chain is irreducible.

Why it mixes where reversible ReCom does not: ReCom proposes one spanning-tree cut of ``U``,
which on our small graphs mostly breaks principle 2 or the size bounds (1-4% accepted); this
chain proposes among the valid splits only (listed from the valid parts table, memoised per
``U``), so the only rejections are the mean margin and the ``t(P) / t(P')`` correction.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd

from geo.space.enumerate import Parts, sample_uniform_k
from geo.space.figures import batch_figures
from geo.space.model import RegionModel
from geo.space.sample import MAX_START_DRAWS, ess, mean_ok

Plan = tuple[int, ...]
"""A plan as its part masks in increasing order (canonical)."""


class MergeSplit:
    """The merge-split kernel of one jeugdregio (module docstring); memoises splits per union."""

    def __init__(self, model: RegionModel, parts: Parts, *, metropolis: bool = True) -> None:
        """``metropolis=False`` drops the ``t(P) / t(P')`` correction: that chain is stationary
        for ``pi(P) ~ t(P)``, not the uniform distribution (only to show that the tests see it)."""
        self.model = model
        self.metropolis = metropolis
        self.valid = np.array(sorted(parts.masks), dtype=np.int64)
        self.by_min = [np.array(sorted(m), dtype=np.int64) for m in parts.by_min]
        self._splits: dict[int, list[int]] = {}
        self._touch: dict[int, int] = {}
        self._con: dict[str, dict[int, float]] = {"po": {}, "vo": {}}

    def touch(self, mask: int) -> int:
        """The part and every gemeente bordering it."""
        got = self._touch.get(mask)
        if got is None:
            got, m, i = mask, mask, 0
            nb = self.model.neighbours
            while m:
                if m & 1:
                    got |= nb[i]
                m >>= 1
                i += 1
            self._touch[mask] = got
        return got

    def pairs(self, plan: Plan) -> list[tuple[int, int]]:
        """The adjacent pairs of parts (indices into ``plan``)."""
        reach = [self.touch(m) for m in plan]
        return [
            (i, j) for i in range(len(plan)) for j in range(i + 1, len(plan)) if reach[i] & plan[j]
        ]

    def splits(self, union: int) -> list[int]:
        """The halves ``X`` holding the lowest gemeente of ``union`` such that ``X`` and
        ``union - X`` are both valid parts: every split of ``union`` into two valid parts once."""
        got = self._splits.get(union)
        if got is None:
            low = (union & -union).bit_length() - 1
            cand = self.by_min[low]
            inside = cand[((cand & ~union) == 0) & (cand != union)]
            rest = union ^ inside
            pos = np.searchsorted(self.valid, rest)
            pos = np.minimum(pos, len(self.valid) - 1)
            got = inside[self.valid[pos] == rest].tolist() if len(self.valid) else []
            self._splits[union] = got
        return got

    def mean_ok(self, plan: Plan) -> bool:
        return mean_ok(self.model, list(plan), self._con)

    def step(self, plan: Plan, rng: random.Random) -> tuple[Plan, str]:
        """One step: the next plan and what happened (``moved``, ``same``: the proposal was the
        current plan, ``mean``: rejected by the mean margin, ``mh``: rejected by the
        Metropolis-Hastings correction, ``stuck``: no adjacent pair, k = 1)."""
        pairs = self.pairs(plan)
        if not pairs:
            return plan, "stuck"
        i, j = pairs[rng.randrange(len(pairs))]
        union = plan[i] | plan[j]
        halves = self.splits(union)
        x = halves[rng.randrange(len(halves))]
        new = _replace(plan, i, j, x, union ^ x)
        if new == plan:
            return plan, "same"
        if not self.mean_ok(new):
            return plan, "mean"
        t_new = len(self.pairs(new))
        if self.metropolis and t_new > len(pairs) and rng.random() * t_new >= len(pairs):
            return plan, "mh"
        return new, "moved"

    def transition_row(self, plan: Plan) -> dict[Plan, float]:
        """The exact transition probabilities of :meth:`step` from ``plan``."""
        row: dict[Plan, float] = {}
        pairs = self.pairs(plan)
        if not pairs:
            return {plan: 1.0}
        for i, j in pairs:
            union = plan[i] | plan[j]
            halves = self.splits(union)
            for x in halves:
                q = 1.0 / (len(pairs) * len(halves))
                new = _replace(plan, i, j, x, union ^ x)
                if new != plan and self.mean_ok(new):
                    t_new = len(self.pairs(new))
                    a = min(1.0, len(pairs) / t_new) if self.metropolis else 1.0
                    row[new] = row.get(new, 0.0) + q * a
                    q *= 1.0 - a
                row[plan] = row.get(plan, 0.0) + q
        return row


def _replace(plan: Plan, i: int, j: int, x: int, y: int) -> Plan:
    rest = [m for t, m in enumerate(plan) if t not in (i, j)]
    return tuple(sorted([*rest, x, y]))


def transition_matrix(kernel: MergeSplit, plans: list[Plan]) -> np.ndarray:
    """The full transition matrix over ``plans`` (every plan to every plan); a move leaving
    the list raises (the list must be every valid plan with its number of SWVs)."""
    index = {p: i for i, p in enumerate(plans)}
    out = np.zeros((len(plans), len(plans)))
    for p, i in index.items():
        for q, prob in kernel.transition_row(p).items():
            if q not in index:
                raise ValueError(f"a move leaves the given plans: {q}")
            out[i, index[q]] += prob
    return out


def communicating_classes(kernel: MergeSplit, plans: list[Plan]) -> int:
    """The number of classes of the move graph on ``plans`` (1: irreducible), by union-find
    over every proposal that would be accepted."""
    index = {p: i for i, p in enumerate(plans)}
    parent = list(range(len(plans)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for p, i in index.items():
        for q in kernel.transition_row(p):
            j = index.get(q)
            if j is not None:
                parent[find(i)] = find(j)
    return len({find(i) for i in range(len(plans))})


def start_plan(model: RegionModel, parts: Parts, k: int, rng: random.Random) -> Plan:
    """An exactly uniform plan with ``k`` SWVs that meets the mean margin."""
    con: dict[str, dict[int, float]] = {"po": {}, "vo": {}}
    for _ in range(MAX_START_DRAWS):
        start = sample_uniform_k(model, parts, k, rng)
        if mean_ok(model, start, con):
            return tuple(sorted(start))
    raise ValueError(
        f"jeugdregio {model.region}: no plan with {k} SWVs meeting the jeugdregio-mean travel "
        f"margin in {MAX_START_DRAWS} uniform draws"
    )


def run_mergesplit(
    model: RegionModel,
    parts: Parts,
    k: int,
    *,
    steps: int,
    seed: int,
    start: Plan | None = None,
    kernel: MergeSplit | None = None,
) -> tuple[list[Plan], dict[str, int]]:
    """A merge-split chain of ``steps`` states (the first is ``start``, else a uniform draw with
    ``k`` SWVs) and how many steps ended how (:meth:`MergeSplit.step`)."""
    rng = random.Random(seed)
    kernel = kernel or MergeSplit(model, parts)
    plan = tuple(sorted(start)) if start is not None else start_plan(model, parts, k, rng)
    outcomes = {"moved": 0, "same": 0, "mean": 0, "mh": 0, "stuck": 0}
    plans = [plan]
    for _ in range(steps - 1):
        plan, what = kernel.step(plan, rng)
        outcomes[what] += 1
        plans.append(plan)
    return plans, outcomes


def mergesplit_rows(
    model: RegionModel, parts: Parts, k: int, *, steps: int, seed: int, chain: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows of one merge-split chain (figures, ``log_weight`` 0: the chain targets the
    uniform distribution itself, ``chain``, ``step``) and its stats (as
    :func:`geo.space.sample.chain_rows`, plus the outcome counts)."""
    plans, outcomes = run_mergesplit(model, parts, k, steps=steps, seed=seed)
    distinct = sorted(set(plans))
    figures = batch_figures(model, [list(p) for p in distinct])
    where = {p: i for i, p in enumerate(distinct)}
    frame = figures.iloc[[where[p] for p in plans]].reset_index(drop=True)
    frame = frame.drop(columns=["mean_ok"])
    frame["log_weight"] = 0.0
    frame["chain"] = chain
    frame["step"] = np.arange(len(plans))
    stats = {"k": k, "chain": chain, "seed": seed, "steps": len(plans), **outcomes}
    return frame, stats


def mergesplit_chain(
    model: RegionModel, plan: Any, k: int, steps: int, seed: int, chain: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The Dask task of one merge-split chain: ``plan`` is the jeugdregio's
    :class:`geo.space.tasks.RegionPlan` (valid parts and the shipped count memo)."""
    return mergesplit_rows(model, plan.parts(model), k, steps=steps, seed=seed, chain=chain)


def agreement(frames: list[pd.DataFrame], draws: pd.DataFrame, column: str) -> dict[str, Any]:
    """Per number of SWVs: the Kolmogorov-Smirnov distance ``D`` between the chains' values of
    ``column`` (pooled) and the exactly uniform draws' with that number of SWVs, and the 5%
    critical value ``1.36 sqrt(1 / ESS + 1 / n_draws)`` with the chains' effective sample size in
    place of their length (their steps are not independent): ``agrees`` when ``D`` is below.
    An independent check of the chains against the exact sampler, where no enumeration exists."""
    out: dict[str, Any] = {}
    pooled = pd.concat(frames) if frames else pd.DataFrame(columns=["swvs", column])
    for k, group in pooled.groupby("swvs"):
        ref = draws.loc[draws["swvs"] == k, column].to_numpy(dtype=float)
        mine = group[column].to_numpy(dtype=float)
        if not len(ref) or not len(mine):
            continue
        grid = np.union1d(ref, mine)
        d = float(
            np.abs(
                np.searchsorted(np.sort(mine), grid, side="right") / len(mine)
                - np.searchsorted(np.sort(ref), grid, side="right") / len(ref)
            ).max()
        )
        runs = [f.loc[f["swvs"] == k, column].to_numpy(dtype=float) for f in frames]
        n_eff = max(ess([r for r in runs if len(r)]), 1.0)
        critical = 1.36 * float(np.sqrt(1 / n_eff + 1 / len(ref)))
        out[str(k)] = {
            "ks": round(d, 4),
            "critical": round(critical, 4),
            "agrees": d < critical,
            "draws": len(ref),
        }
    return out


def spectral_ess_factor(matrix: np.ndarray) -> float:
    """``(1 - lambda) / (1 + lambda)`` for the second largest eigenvalue ``lambda`` of a
    symmetric (reversible, uniform) transition matrix: a lower bound on ESS / steps for every
    statistic (the integrated autocorrelation time of any function is at most
    ``(1 + lambda) / (1 - lambda)``)."""
    eig = np.sort(np.linalg.eigvalsh((matrix + matrix.T) / 2))
    lam = float(eig[-2]) if len(eig) > 1 else 0.0
    lam = max(lam, 0.0)
    return (1 - lam) / (1 + lam) if lam < 1 else 0.0


def mixing_time(matrix: np.ndarray, eps: float = 0.25, limit: int = 10_000) -> int:
    """The exact mixing time: the least ``t`` with ``max_x TV(P^t(x, .), uniform) <= eps``."""
    n = len(matrix)
    power = np.eye(n)
    for t in range(1, limit + 1):
        power = power @ matrix
        if 0.5 * np.abs(power - 1.0 / n).sum(axis=1).max() <= eps:
            return t
    raise ValueError(f"not mixed to {eps} in {limit} steps")


__all__ = [
    "MergeSplit",
    "Plan",
    "agreement",
    "mergesplit_chain",
    "communicating_classes",
    "mergesplit_rows",
    "mixing_time",
    "run_mergesplit",
    "spectral_ess_factor",
    "start_plan",
    "transition_matrix",
]
