"""The units of work of a space build (plain functions of picklable arguments, run by Dask).

Per jeugdregio, in three steps, none of which serialises the build on the largest one:

* :func:`region_parts`: the valid parts (a sorted int64 array: 2.8 MB for JZ39 at a 10 km
  margin, moved once to each worker) and how many counting tasks share the count;
* :func:`count_group`: the exact counts of one contiguous slice of the first parts (rule 6 of
  :mod:`geo.space.enumerate`; the slices' counts add up to the jeugdregio's), the cut of its
  subtrees into enumeration tasks, and the live states of its subtrees only (its memo);
* then, when every slice is counted and the total is at most the cap,
  :func:`enumerate_prefixes`: every plan below some prefixes of one slice, streamed to one
  Parquet file in row groups of :data:`BATCH` plans (bounded memory); above the cap
  :func:`merge_counts` joins the slices' memos for :func:`draw_uniform` (exactly uniform
  draws) and :func:`recom_chain` (one reversible ReCom chain, diagnostics only).

Every task returns when it started (``time.time()``) and its seconds, for the build's timeline.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from geo.space.enumerate import (
    Parts,
    count_first,
    first_parts,
    index_parts,
    live_counts,
    parts_from_masks,
    sample_uniform,
    split_tasks,
    valid_parts,
)
from geo.space.figures import batch_figures
from geo.space.model import RegionModel

BATCH = 20_000
"""Plans per Parquet row group (and the most a task holds in memory)."""

Prefixes = list[tuple[tuple[int, ...], int]]
"""Prefixes (the parts chosen first) with the number of plans below each."""


def pack_prefixes(
    prefixes: list[tuple[tuple[int, ...], int]], max_plans: int
) -> list[list[tuple[tuple[int, ...], int]]]:
    """Consecutive prefixes packed into groups of at most ``max_plans`` plans (one task each;
    a single prefix above it stays alone)."""
    groups: list[list[tuple[tuple[int, ...], int]]] = []
    current: list[tuple[tuple[int, ...], int]] = []
    size = 0
    for prefix, n in prefixes:
        if current and size + n > max_plans:
            groups.append(current)
            current, size = [], 0
        current.append((prefix, n))
        size += n
    if current:
        groups.append(current)
    return groups


@dataclass
class RegionParts:
    """What :func:`region_parts` found: the valid parts and the number of counting tasks."""

    region: str
    masks: np.ndarray
    connected: int
    groups: int
    """Counting tasks (contiguous slices of the first parts, :func:`count_group`)."""
    seconds: float
    started: float
    _index: tuple[list[int], list[np.ndarray]] | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_index"] = None  # rebuilt once per process that uses it
        return state

    def parts(self, model: RegionModel, live: tuple[np.ndarray, np.ndarray] | None) -> Parts:
        """:class:`Parts` with the memo ``live``; the index of the masks is built once per
        process (Dask hands every task on a worker the same object)."""
        if self._index is None:
            self._index = (self.masks.tolist(), index_parts(self.masks, model.n))
        masks, arrays = self._index
        parts = Parts(masks, arrays, self.connected)
        if live is not None:
            keys, rows = live
            parts.memo = dict(zip(keys.tolist(), rows, strict=True))
            parts.complete = True
        return parts


def region_parts(model: RegionModel, count_parts: int) -> RegionParts:
    """The valid parts of the region, and one counting task per ``count_parts`` first parts."""
    started = time.time()
    t0 = time.perf_counter()
    parts = valid_parts(model)
    groups = max(1, -(-len(parts.arrays[0]) // count_parts))
    masks = np.asarray(parts.masks, dtype=np.int64)
    return RegionParts(
        model.region, masks, parts.connected, groups, round(time.perf_counter() - t0, 4), started
    )


@dataclass
class Counted:
    """What :func:`count_group` found for one slice of the first parts."""

    region: str
    group: int
    counts: np.ndarray
    """Divisions starting with a part of this slice, per number of SWVs (index = SWVs)."""
    live: tuple[np.ndarray, np.ndarray]
    """The live states of the slice's subtrees with their counts (the enumeration's memo)."""
    tasks: list[Prefixes]
    """The slice's subtrees cut into enumeration tasks of at most ``task_plans`` plans (empty
    when the slice alone exceeds the cap: the region is then sampled)."""
    states: int
    """States the slice's DP visited (live or dead)."""
    seconds: float
    started: float
    _parts: Parts | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_parts"] = None
        return state

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def parts(self, model: RegionModel, rparts: RegionParts) -> Parts:
        """The slice's :class:`Parts` (memo complete for its subtrees), built once per process:
        enumeration tasks of one slice on one worker share its walk memo too."""
        if self._parts is None:
            self._parts = rparts.parts(model, self.live)
        return self._parts


def count_group(
    model: RegionModel, rparts: RegionParts, group: int, task_plans: int, cap: int
) -> Counted:
    """Count slice ``group`` of the region's first parts (module docstring) and cut it."""
    started = time.time()
    t0 = time.perf_counter()
    parts = rparts.parts(model, None)
    firsts = first_parts(parts, group, rparts.groups)
    counts = count_first(model, parts, firsts).sum(axis=0)
    tasks: list[Prefixes] = []
    if counts.sum() <= cap:  # else the region is sampled: no cut (it could be huge)
        tasks = pack_prefixes(split_tasks(model, parts, task_plans, firsts.tolist()), task_plans)
    live = live_counts(model, parts, root=False)
    return Counted(
        model.region,
        group,
        counts,
        live,
        tasks,
        len(parts.memo),
        round(time.perf_counter() - t0, 4),
        started,
    )


def region_start(
    model: RegionModel, count_parts: int, task_plans: int, cap: int, path: str
) -> dict[str, Any]:
    """A region's first task: :func:`region_parts`; when one counting slice suffices, also
    :func:`count_group`; and when the region then is one enumeration task, also
    :func:`enumerate_prefixes` into ``path``. So a small region is one task, and a large one
    continues from what is done (keys ``rparts``, ``counted``, ``enum``: None when not done)."""
    rparts = region_parts(model, count_parts)
    out: dict[str, Any] = {"rparts": rparts, "counted": None, "enum": None}
    if rparts.groups == 1:
        counted = count_group(model, rparts, 0, task_plans, cap)
        out["counted"] = counted
        if counted.total <= cap and len(counted.tasks) == 1:
            out["enum"] = enumerate_prefixes(model, rparts, counted, counted.tasks[0], path)
    return out


@dataclass
class RegionPlan:
    """A region's complete count memo (all slices joined, the root added): what uniform draws
    and ReCom chains of a sampled region start from."""

    region: str
    masks: np.ndarray
    connected: int
    live: tuple[np.ndarray, np.ndarray]
    seconds: float
    started: float

    def parts(self, model: RegionModel) -> Parts:
        return parts_from_masks(model, self.masks, self.live)


def merge_counts(model: RegionModel, rparts: RegionParts, *counted: Counted) -> RegionPlan:
    """Join the slices' live memos (a state counted by two slices has the same counts) and add
    the root (the empty cover: the sum of the slices' counts)."""
    started = time.time()
    t0 = time.perf_counter()
    keys = np.concatenate([np.zeros(1, dtype=np.int64), *[c.live[0] for c in counted]])
    root = np.sum([c.counts for c in counted], axis=0).astype(np.int64)
    rows = np.concatenate([root[None, :], *[c.live[1] for c in counted]])
    keys, first = np.unique(keys, return_index=True)
    return RegionPlan(
        model.region,
        rparts.masks,
        rparts.connected,
        (keys, rows[first]),
        round(time.perf_counter() - t0, 4),
        started,
    )


def _writer_rows(path: Path, frames: Any) -> dict[str, int]:
    """Write the frames to ``path`` (through a temporary file); returns counts."""
    tmp = path.with_suffix(".tmp")
    writer = None
    kept = rejected = 0
    try:
        for frame in frames:
            ok = frame["mean_ok"].to_numpy()
            rejected += int((~ok).sum())
            frame = frame[ok].drop(columns=["mean_ok"])
            kept += len(frame)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if writer is not None:
        os.replace(tmp, path)
    return {"rows": kept, "rejected_mean": rejected}


def enumerate_prefixes(
    model: RegionModel, rparts: RegionParts, counted: Counted, prefixes: Prefixes, path: str
) -> dict[str, Any]:
    """Every plan below ``prefixes`` (of the slice ``counted``), with its figures, written to
    ``path`` (Parquet)."""
    from geo.space.enumerate import enumerate_plans

    started = time.time()
    t0 = time.perf_counter()
    parts = counted.parts(model, rparts)

    def frames() -> Any:
        batch: list[list[int]] = []
        for prefix, _ in prefixes:
            for plan in enumerate_plans(model, parts, prefix):
                batch.append(plan)
                if len(batch) >= BATCH:
                    yield _with_weight(batch_figures(model, batch), 0.0)
                    batch = []
        if batch:
            yield _with_weight(batch_figures(model, batch), 0.0)

    out: dict[str, Any] = dict(_writer_rows(Path(path), frames()))
    out["seconds"] = round(time.perf_counter() - t0, 4)
    out["started"] = started
    out["expected"] = sum(n for _, n in prefixes)
    return out


def _with_weight(frame: Any, log_weight: float) -> Any:
    frame["log_weight"] = log_weight
    return frame


def draw_uniform(
    model: RegionModel, plan: RegionPlan, n: int, seed: int, path: str
) -> dict[str, Any]:
    """``n`` exactly uniform draws of valid plans, written to ``path``."""
    started = time.time()
    t0 = time.perf_counter()
    parts = plan.parts(model)
    rng = random.Random(seed)

    def frames() -> Any:
        left = n
        while left > 0:
            m = min(left, BATCH)
            yield _with_weight(
                batch_figures(model, [sample_uniform(model, parts, rng) for _ in range(m)]), 0.0
            )
            left -= m

    out: dict[str, Any] = dict(_writer_rows(Path(path), frames()))
    out["seconds"] = round(time.perf_counter() - t0, 4)
    out["started"] = started
    out["expected"] = n
    return out


def recom_chain(
    model: RegionModel, plan: RegionPlan, k: int, steps: int, seed: int, chain: int
) -> tuple[Any, dict[str, Any]]:
    """One reversible ReCom chain (:func:`geo.space.sample.chain_rows`)."""
    from geo.space.sample import chain_rows

    parts = plan.parts(model)
    return chain_rows(model, parts, k, steps=steps, seed=seed, chain=chain)


def timed_chain(
    chain: Callable[..., tuple[Any, dict[str, Any]]], *args: Any
) -> tuple[Any, dict[str, Any], float, float]:
    """``chain(*args)`` (a merge-split or ReCom chain task) with when it started and its
    seconds, for the build's timeline."""
    started = time.time()
    t0 = time.perf_counter()
    frame, stats = chain(*args)
    return frame, stats, started, round(time.perf_counter() - t0, 4)
