"""Exact enumeration of the valid divisions of one jeugdregio: connected set partitions.

Rule. A *valid part* is a set ``S`` of the jeugdregio's gemeenten that is connected in the
contiguity graph, holds between ``min_size`` and ``max_size`` PO + VO pupils, and meets
principle 2 for every member and level: some gemeente of ``S`` holds a location within the
member's allowed distance (:class:`~geo.space.model.RegionModel`). A *valid division* is a set
partition of the jeugdregio into valid parts (the jeugdregio-mean travel margin is checked per
plan afterwards, :mod:`geo.space.figures`).

Algorithm.

1. :func:`valid_parts` lists every connected set with at most ``max_size`` pupils once (ESU:
   grow from its lowest gemeente ``v`` by an extension set of higher-numbered gemeenten; a
   gemeente that would exceed ``max_size`` is dropped from the branch: sizes are non-negative,
   so no superset can fit), then keeps the valid ones, indexed by their lowest gemeente.
2. :func:`count_plans`: the number of valid divisions, exactly, by dynamic programming over the
   set of covered gemeenten: ``N(C) = sum over valid parts S with min(S) = lowest gemeente not in
   C and S disjoint from C of N(C | S)``, ``N(all) = 1``. Taking the lowest uncovered gemeente
   makes every division appear exactly once. At most ``2^n`` states (n <= 21 on the real data);
   a state whose free gemeenten cannot all be covered (one lost every admissible host, or a
   connected piece is below the minimum size) is 0 without looking at any part, and the
   gemeenten are numbered in reverse Cuthill-McKee order (:func:`geo.space.model.search_order`).
3. :func:`enumerate_plans` walks the same tree depth first, only into branches with ``N > 0``
   (no dead ends), and yields each division as its list of part bitmasks.
4. :func:`split_tasks` cuts the tree into prefixes (the first parts chosen) whose subtree counts
   are at most a given size, so a large jeugdregio becomes many balanced Dask tasks.
5. :func:`sample_uniform` draws divisions exactly uniformly, by choosing each next part with
   probability ``N(C | S) / N(C)`` (used to test the ReCom sampler).

>>> from geo.space.model import RegionModel
>>> import numpy as np
>>> m = toy_path(4, sizes=[1, 1, 1, 1], min_size=2, max_size=4)
>>> parts = valid_parts(m)
>>> count_plans(m, parts)   # {0..3}, {01, 23}, {012, 3}? no: 3 alone is too small
2
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from geo.space.model import RegionModel, bits


@dataclass
class Parts:
    """The valid parts of a jeugdregio, indexed by their lowest gemeente, and the count memo."""

    masks: list[int]
    by_min: list[list[int]]
    """Per gemeente the masks of the valid parts whose lowest gemeente it is."""
    connected: int
    """Connected sets within the size maximum that were examined."""
    memo: dict[int, np.ndarray] = field(default_factory=dict)
    arrays: list[np.ndarray] = field(default_factory=list)
    options: dict[int, tuple[list[int], np.ndarray]] = field(default_factory=dict)
    complete: bool = False
    """True when ``memo`` holds every live state reachable from the empty cover (shipped by
    the planning task, :func:`live_counts`): a state missing from it has no completion."""
    nexts: dict[int, list[int]] = field(default_factory=dict)
    """Per live state the parts that lead to a live state or the full cover (the walk's memo)."""


def p2_ok(model: RegionModel, mask: int) -> bool:
    for level in model.allowed_hosts:
        hosts = model.allowed_hosts[level]
        m = mask
        i = 0
        while m:
            if m & 1 and hosts[i] != -1 and not (hosts[i] & mask):
                return False
            m >>= 1
            i += 1
    return True


def valid_parts(model: RegionModel) -> Parts:
    """Every valid part (rule 1 of the module docstring)."""
    n = model.n
    sizes = [float(x) for x in model.sizes]
    nb = model.neighbours
    lo, hi = model.min_size, model.max_size
    by_min: list[list[int]] = [[] for _ in range(n)]
    found: list[int] = []
    found_size: list[float] = []
    for v in range(n):
        if sizes[v] > hi:
            continue
        higher = ~((1 << (v + 1)) - 1)
        stack: list[tuple[int, int, int, float]] = [
            (1 << v, nb[v] & higher, nb[v] | (1 << v), sizes[v])
        ]
        while stack:
            s, ext, closed, size = stack.pop()
            found.append(s)
            found_size.append(size)
            while ext:
                w_bit = ext & -ext
                ext ^= w_bit
                w = w_bit.bit_length() - 1
                new_size = size + sizes[w]
                if new_size > hi + 1e-9:
                    continue
                excl = nb[w] & ~closed & higher
                stack.append((s | w_bit, ext | excl, closed | nb[w], new_size))
    examined = len(found)
    arr = np.array(found, dtype=np.int64)
    ok = np.array(found_size) >= lo - 1e-9
    for level in model.allowed_hosts:
        for g, hosts in enumerate(model.allowed_hosts[level]):
            if hosts == -1:
                continue
            has = ((arr >> g) & 1).astype(bool)
            ok &= ~has | ((arr & hosts) != 0)
    masks = [int(m) for m in np.sort(arr[ok]).tolist()]
    for m in masks:
        by_min[(m & -m).bit_length() - 1].append(m)
    return Parts(masks, by_min, examined)


def _counts(model: RegionModel, parts: Parts, c: int) -> np.ndarray:
    """Completions of ``c`` per number of further parts (the memoised DP of rules 2 and 5)."""
    full = model.full
    memo = parts.memo
    if c == full:
        out = np.zeros(model.n + 1, dtype=np.int64)
        out[0] = 1
        return out
    got = memo.get(c)
    if got is not None:
        return got
    if parts.complete:
        return np.zeros(model.n + 1, dtype=np.int64)
    if not parts.arrays:
        parts.arrays = [np.array(m, dtype=np.int64) for m in parts.by_min]
    arrays, n = parts.arrays, model.n
    done = np.zeros(n + 1, dtype=np.int64)
    done[0] = 1
    zero = np.zeros(n + 1, dtype=np.int64)
    host_of = [list(level) for level in model.allowed_hosts.values()]
    sizes = [float(x) for x in model.sizes]
    nb = model.neighbours
    lo = model.min_size - 1e-9

    def feasible(free: int) -> bool:
        """Necessary for a free set to be covered: every gemeente keeps an admissible host
        and every connected piece holds at least the minimum size."""
        for level in host_of:
            m, i = free, 0
            while m:
                if m & 1 and level[i] != -1 and not level[i] & free:
                    return False
                m >>= 1
                i += 1
        left = free
        while left:
            seed = left & -left
            comp, frontier = seed, seed
            while frontier:
                grow = 0
                f = frontier
                while f:
                    b = f & -f
                    grow |= nb[b.bit_length() - 1]
                    f ^= b
                frontier = grow & free & ~comp
                comp |= frontier
            left &= ~comp
            total, m, i = 0.0, comp, 0
            while m:
                if m & 1:
                    total += sizes[i]
                m >>= 1
                i += 1
            if total < lo:
                return False
        return True

    def count(c: int) -> np.ndarray:
        if c == full:
            return done
        got = memo.get(c)
        if got is not None:
            return got
        free = ~c & full
        if not feasible(free):
            memo[c] = zero
            return zero
        v = (free & -free).bit_length() - 1
        cand = arrays[v]
        total = np.zeros(n + 1, dtype=np.int64)
        for p in cand[(cand & c) == 0].tolist():
            total[1:] += count(c | p)[:-1]
        memo[c] = total
        return total

    return count(c)


def count_plans(model: RegionModel, parts: Parts, covered: int = 0) -> int:
    """The exact number of valid divisions completing ``covered`` (rule 2)."""
    return int(_counts(model, parts, covered).sum())


def count_by_swvs(model: RegionModel, parts: Parts) -> dict[int, int]:
    """The exact number of valid divisions per number of SWVs (the DP of rule 2, counted per
    number of parts)."""
    counts = _counts(model, parts, 0)
    return {k: int(v) for k, v in enumerate(counts.tolist()) if v}


def enumerate_plans(
    model: RegionModel, parts: Parts, prefix: tuple[int, ...] = ()
) -> Iterator[list[int]]:
    """Every valid division that starts with the parts ``prefix``, as lists of part masks."""
    full = model.full
    start = 0
    for p in prefix:
        start |= p
    if count_plans(model, parts, start) == 0:
        return
    chosen = list(prefix)

    if not parts.arrays:
        parts.arrays = [np.array(m, dtype=np.int64) for m in parts.by_min]
    arrays, nexts = parts.arrays, parts.nexts

    def following(c: int) -> list[int]:
        """The parts after ``c`` that lead somewhere (memoised per state: the walk visits a
        state once per partial plan reaching it, but scans its candidates once)."""
        got = nexts.get(c)
        if got is None:
            free = ~c & full
            v = (free & -free).bit_length() - 1
            cand = arrays[v]
            got = []
            for p in cand[(cand & c) == 0].tolist():
                nxt = c | p
                if nxt == full or _counts(model, parts, nxt).any():
                    got.append(p)
            nexts[c] = got
        return got

    def walk(c: int) -> Iterator[list[int]]:
        if c == full:
            yield list(chosen)
            return
        for p in following(c):
            chosen.append(p)
            yield from walk(c | p)
            chosen.pop()

    yield from walk(start)


def split_tasks(
    model: RegionModel, parts: Parts, max_plans: int
) -> list[tuple[tuple[int, ...], int]]:
    """Prefixes ``(parts chosen first, plans below)`` covering the whole tree, each with at most
    ``max_plans`` plans unless it is already a complete division (rule 4)."""
    full = model.full
    count_plans(model, parts)  # fills the memo for every reachable state
    memo = parts.memo
    arrays = parts.arrays
    out: list[tuple[tuple[int, ...], int]] = []
    stack: list[tuple[tuple[int, ...], int]] = [((), 0)]
    while stack:
        prefix, c = stack.pop()
        n = 1 if c == full else int(memo[c].sum())
        if n == 0:
            continue
        if n <= max_plans or c == full:
            out.append((prefix, n))
            continue
        free = ~c & full
        v = (free & -free).bit_length() - 1
        cand = arrays[v]
        for p in cand[(cand & c) == 0].tolist()[::-1]:
            nxt = c | p
            if nxt == full or memo[nxt].any():
                stack.append(((*prefix, p), nxt))
    out.sort(key=lambda t: [m & -m for m in t[0]])
    return out


def _options(
    model: RegionModel, parts: Parts, c: int, left: int | None
) -> tuple[list[int], list[int]]:
    """The parts that may come next after ``c`` and their numbers of completions (with
    ``left`` more parts, or any number when None); memoised per state, so repeated draws scan
    each state's candidates once."""
    got = parts.options.get(c)
    if got is None:
        full = model.full
        free = ~c & full
        v = (free & -free).bit_length() - 1
        if not parts.arrays:
            parts.arrays = [np.array(m, dtype=np.int64) for m in parts.by_min]
        cand = parts.arrays[v]
        options, ways = [], []
        for p in cand[(cand & c) == 0].tolist():
            w = _counts(model, parts, c | p)
            if w.any():
                options.append(p)
                ways.append(w)
        got = (options, np.array(ways, dtype=np.int64).reshape(len(options), model.n + 1))
        parts.options[c] = got
    options, ways = got
    if left is None:
        weights = ways.sum(axis=1)
    else:
        weights = ways[:, left - 1] if left >= 1 else np.zeros(len(options), dtype=np.int64)
    keep = weights > 0
    return [p for p, k in zip(options, keep.tolist(), strict=True) if k], weights[keep].tolist()


def sample_uniform(model: RegionModel, parts: Parts, rng: random.Random) -> list[int]:
    """One valid division drawn exactly uniformly (rule 5)."""
    full = model.full
    if count_plans(model, parts) == 0:
        raise ValueError(f"jeugdregio {model.region} has no valid division")
    c, chosen = 0, []
    while c != full:
        options, weights = _options(model, parts, c, None)
        p = rng.choices(options, weights=weights)[0]
        chosen.append(p)
        c |= p
    return chosen


def sample_uniform_k(model: RegionModel, parts: Parts, k: int, rng: random.Random) -> list[int]:
    """One valid division with exactly ``k`` SWVs, drawn uniformly among those."""
    full = model.full
    counts = _counts(model, parts, 0)
    if k >= len(counts) or counts[k] == 0:
        raise ValueError(f"jeugdregio {model.region} has no valid division with {k} SWVs")
    c, chosen, left = 0, [], k
    while c != full:
        options, weights = _options(model, parts, c, left)
        p = rng.choices(options, weights=weights)[0]
        chosen.append(p)
        c |= p
        left -= 1
    return chosen


def toy_path(n: int, *, sizes: list[float], min_size: float, max_size: float) -> RegionModel:
    """A path of ``n`` gemeenten without travel rules (doctests and small tests)."""
    nb = [((1 << (i - 1)) if i else 0) | ((1 << (i + 1)) if i < n - 1 else 0) for i in range(n)]
    zeros = np.zeros((n, 0))
    empty = {lv: np.zeros(n) for lv in ("po", "vo")}
    return RegionModel(
        region="T",
        name="toy",
        units=[f"G{i}" for i in range(n)],
        sizes=np.asarray(sizes, dtype=float),
        neighbours=nb,
        edges=[(i, i + 1) for i in range(n - 1)],
        min_size=min_size,
        max_size=max_size,
        pupils=empty,
        host_km={lv: np.full((n, n), np.inf) for lv in ("po", "vo")},
        before_km=empty,
        baseline_km={lv: np.full(n, np.inf) for lv in ("po", "vo")},
        allowed_km={lv: np.full(n, np.inf) for lv in ("po", "vo")},
        allowed_hosts={lv: [-1] * n for lv in ("po", "vo")},
        mean_allowed={"po": None, "vo": None},
        W={lv: zeros for lv in ("po", "vo")},
        home={lv: np.zeros(0, bool) for lv in ("po", "vo")},
        current={"po": [], "vo": []},
        uniform={},
    )


def live_counts(model: RegionModel, parts: Parts) -> tuple[np.ndarray, np.ndarray]:
    """Every state with at least one completion and its counts per number of further parts
    (after the full count): a compact, complete memo to ship to tasks (JZ39 at a 10 km margin:
    7,480 live states of 182,553 visited)."""
    _counts(model, parts, 0)
    live = [(c, v) for c, v in parts.memo.items() if v.any()]
    keys = np.array([c for c, _ in live], dtype=np.int64)
    rows = np.array([v for _, v in live], dtype=np.int64).reshape(len(live), model.n + 1)
    return keys, rows


def parts_from_masks(
    model: RegionModel, masks: list[int], live: tuple[np.ndarray, np.ndarray] | None = None
) -> Parts:
    """:class:`Parts` rebuilt from a list of valid masks (what a Dask task receives); with
    ``live`` (:func:`live_counts`) the count memo is complete and nothing is recounted."""
    by_min: list[list[int]] = [[] for _ in range(model.n)]
    for m in masks:
        by_min[(m & -m).bit_length() - 1].append(m)
    parts = Parts(list(masks), by_min, len(masks))
    if live is not None:
        keys, rows = live
        parts.memo = dict(zip(keys.tolist(), rows, strict=True))
        parts.complete = True
    return parts


__all__ = [
    "Parts",
    "bits",
    "count_by_swvs",
    "count_plans",
    "enumerate_plans",
    "live_counts",
    "parts_from_masks",
    "sample_uniform",
    "sample_uniform_k",
    "split_tasks",
    "toy_path",
    "valid_parts",
]
