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
6. **Split counting.** Every division's first part holds gemeente 0, so ``N(empty)`` is the sum
   of ``N(S)`` over those parts (:func:`count_first`). Disjoint slices of them
   (:func:`first_parts`) are counted by independent tasks, each with its own memo (a state
   reachable from two slices is counted twice, never wrongly), and their counts add; each
   task also cuts its own subtrees (:func:`split_tasks` with ``firsts``) and ships only their
   live states (:func:`live_counts` with ``root=False``), which is all an enumeration task
   below them needs.

>>> from geo.space.model import RegionModel
>>> import numpy as np
>>> m = toy_path(4, sizes=[1, 1, 1, 1], min_size=2, max_size=4)
>>> parts = valid_parts(m)
>>> count_plans(m, parts)   # {0..3}, {01, 23}, {012, 3}? no: 3 alone is too small
2
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from geo.space.model import RegionModel, bits, toy_path


@dataclass
class Parts:
    """The valid parts of a jeugdregio, indexed by their lowest gemeente, and the count memo."""

    masks: list[int]
    arrays: list[np.ndarray]
    """Per gemeente the masks (sorted int64) of the valid parts whose lowest gemeente it is."""
    connected: int
    """Connected sets within the size maximum that were examined."""
    memo: dict[int, np.ndarray] = field(default_factory=dict)
    options: dict[int, tuple[list[int], np.ndarray]] = field(default_factory=dict)
    complete: bool = False
    """True when ``memo`` holds every live state of the subtrees walked (shipped by a counting
    task, :func:`live_counts`): a state missing from it has no completion."""
    nexts: dict[int, list[int]] = field(default_factory=dict)
    """Per live state the parts that lead to a live state or the full cover (the walk's memo)."""
    counter: Callable[[int], np.ndarray] | None = field(default=None, repr=False, compare=False)
    """The memoised counting function (:func:`_counter`), built once per :class:`Parts`."""

    @property
    def by_min(self) -> list[list[int]]:
        """Per gemeente the masks of the valid parts whose lowest gemeente it is (lists)."""
        return [a.tolist() for a in self.arrays]

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["counter"] = None  # a closure: rebuilt where it is used
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        memo: dict[int, np.ndarray] = state["memo"]  # type: ignore[assignment]
        for c, v in memo.items():  # dead states share one array again (identity = dead)
            if not v.any():
                memo[c] = _DEAD[len(v) - 1]
        self.__dict__.update(state)


def index_parts(masks: np.ndarray, n: int) -> list[np.ndarray]:
    """The masks grouped by their lowest gemeente, each group sorted (vectorised)."""
    masks = np.sort(np.asarray(masks, dtype=np.int64))
    low = masks & -masks
    lowest = np.zeros(len(masks), dtype=np.int64)
    for v in range(n):  # n <= 25 passes over the array: exact, no float logarithm
        lowest[low == (1 << v)] = v
    order = np.argsort(lowest, kind="stable")
    bounds = np.searchsorted(lowest[order], np.arange(n + 1))
    grouped = masks[order]
    return [grouped[bounds[v] : bounds[v + 1]] for v in range(n)]


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
    kept = np.sort(arr[ok])
    return Parts(kept.tolist(), index_parts(kept, n), examined)


def _counter(model: RegionModel, parts: Parts) -> Callable[[int], np.ndarray]:
    """The memoised DP of rules 2 and 5: completions of a covered set per number of further
    parts. Built once per :class:`Parts` (its set-up is O(n), its calls are many). A dead state
    maps to one shared zero array, so ``memo[c] is not dead`` tells a live state at once."""
    if parts.counter is not None:
        return parts.counter
    full, n = model.full, model.n
    memo = parts.memo
    arrays = parts.arrays
    done = np.zeros(n + 1, dtype=np.int64)
    done[0] = 1
    zero = _DEAD[n]
    host_of = [list(level) for level in model.allowed_hosts.values()]
    sizes = [float(x) for x in model.sizes]
    nb = model.neighbours
    lo = model.min_size - 1e-9
    complete = parts.complete

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
        if complete:
            return zero
        free = ~c & full
        if not feasible(free):
            memo[c] = zero
            return zero
        v = (free & -free).bit_length() - 1
        cand = arrays[v]
        total = np.zeros(n + 1, dtype=np.int64)
        for p in cand[(cand & c) == 0].tolist():
            total[1:] += count(c | p)[:-1]
        memo[c] = total if total.any() else zero
        return memo[c]

    parts.counter = count
    return count


def _dead(k: int) -> np.ndarray:
    out = np.zeros(k + 1, dtype=np.int64)
    out.flags.writeable = False
    return out


_DEAD = [_dead(k) for k in range(64)]
"""The shared (read-only) count of a dead state, per number of gemeenten."""


def _counts(model: RegionModel, parts: Parts, c: int) -> np.ndarray:
    """Completions of ``c`` per number of further parts (:func:`_counter`)."""
    return _counter(model, parts)(c)


def _alive(model: RegionModel, parts: Parts, c: int) -> bool:
    """Has the covered set ``c`` at least one completion?"""
    return c == model.full or _counter(model, parts)(c) is not _DEAD[model.n]


def count_plans(model: RegionModel, parts: Parts, covered: int = 0) -> int:
    """The exact number of valid divisions completing ``covered`` (rule 2)."""
    return int(_counts(model, parts, covered).sum())


def count_by_swvs(model: RegionModel, parts: Parts) -> dict[int, int]:
    """The exact number of valid divisions per number of SWVs (the DP of rule 2, counted per
    number of parts)."""
    counts = _counts(model, parts, 0)
    return {k: int(v) for k, v in enumerate(counts.tolist()) if v}


def first_parts(parts: Parts, group: int = 0, groups: int = 1) -> np.ndarray:
    """The ``group``-th of ``groups`` contiguous slices of the parts holding gemeente 0 (the
    first part of every division), equally many each: the unit of a split count (rule 6). The
    first slice holds the smallest parts, whose subtrees are the largest, so it is the heaviest
    and the later ones light: run first to last, that is longest first. (Slices cut by an
    estimate of their work, tried: the heaviest 0.57 s CPU instead of 0.87 s for JZ39 at 10 km,
    but the heavy slices then fell at both ends and the last ones finished late on 2 workers.)"""
    first = parts.arrays[0]
    k = len(first)
    return first[group * k // groups : (group + 1) * k // groups]


def count_first(model: RegionModel, parts: Parts, firsts: Sequence[int]) -> np.ndarray:
    """Per first part ``p`` the divisions that start with it, per number of SWVs (rows
    ``len(firsts) x (n + 1)``). Summed over disjoint slices of :func:`first_parts` it is the
    root count, so a jeugdregio's count splits into independent tasks (rule 6)."""
    count = _counter(model, parts)
    out = np.zeros((len(firsts), model.n + 1), dtype=np.int64)
    for i, p in enumerate(firsts):
        out[i, 1:] = count(int(p))[:-1]
    return out


def enumerate_plans(
    model: RegionModel, parts: Parts, prefix: tuple[int, ...] = ()
) -> Iterator[list[int]]:
    """Every valid division that starts with the parts ``prefix``, as lists of part masks."""
    full = model.full
    start = 0
    for p in prefix:
        start |= p
    if not _alive(model, parts, start):
        return
    chosen = list(prefix)
    count = _counter(model, parts)
    dead = _DEAD[model.n]
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
                if nxt == full or count(nxt) is not dead:
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
    model: RegionModel, parts: Parts, max_plans: int, firsts: Sequence[int] | None = None
) -> list[tuple[tuple[int, ...], int]]:
    """Prefixes ``(parts chosen first, plans below)`` covering the whole tree, or with
    ``firsts`` the subtrees of those first parts, each with at most ``max_plans`` plans unless
    it is already a complete division (rule 4)."""
    full = model.full
    count = _counter(model, parts)
    dead = _DEAD[model.n]
    arrays = parts.arrays
    out: list[tuple[tuple[int, ...], int]] = []
    if firsts is None:
        stack: list[tuple[tuple[int, ...], int]] = [((), 0)]
    else:
        stack = [((int(p),), int(p)) for p in firsts][::-1]
    while stack:
        prefix, c = stack.pop()
        n = 1 if c == full else int(count(c).sum())
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
            if nxt == full or count(nxt) is not dead:
                stack.append(((*prefix, p), nxt))
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
        cand = parts.arrays[v]
        options, ways = [], []
        for p in cand[(cand & c) == 0].tolist():
            w = _counts(model, parts, c | p)
            if c | p == full or w is not _DEAD[model.n]:
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


def live_counts(
    model: RegionModel, parts: Parts, *, root: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Every counted state with at least one completion and its counts per number of further
    parts: a compact memo to ship to tasks (JZ39 at a 10 km margin: 6,279 live states of
    178,422 visited). ``root``: count the whole tree first (the memo is then complete); else
    the states counted so far (a counting task's subtrees, :func:`count_first`)."""
    if root:
        _counts(model, parts, 0)
    dead = _DEAD[model.n]
    live = [(c, v) for c, v in parts.memo.items() if v is not dead]
    keys = np.array([c for c, _ in live], dtype=np.int64)
    rows = np.array([v for _, v in live], dtype=np.int64).reshape(len(live), model.n + 1)
    return keys, rows


def parts_from_masks(
    model: RegionModel,
    masks: np.ndarray | list[int],
    live: tuple[np.ndarray, np.ndarray] | None = None,
) -> Parts:
    """:class:`Parts` rebuilt from the valid masks (what a Dask task receives); with ``live``
    (:func:`live_counts`) the count memo is complete for the subtrees it was counted on and
    nothing is recounted."""
    arr = np.sort(np.asarray(masks, dtype=np.int64))
    parts = Parts(arr.tolist(), index_parts(arr, model.n), len(arr))
    if live is not None:
        keys, rows = live
        parts.memo = dict(zip(keys.tolist(), rows, strict=True))
        parts.complete = True
    return parts


__all__ = [
    "Parts",
    "bits",
    "count_by_swvs",
    "count_first",
    "count_plans",
    "enumerate_plans",
    "first_parts",
    "index_parts",
    "live_counts",
    "parts_from_masks",
    "sample_uniform",
    "sample_uniform_k",
    "split_tasks",
    "toy_path",
    "valid_parts",
]
