"""The units of work of a space build (plain functions of picklable arguments, run by Dask).

* :func:`plan_region`: valid parts, exact counts per number of SWVs, and the work split: the
  search tree's prefixes (exact) or batches of uniform draws and ReCom chains (sampled).
* :func:`enumerate_prefixes`: every plan below some prefixes, streamed to one Parquet file in
  row groups of :data:`BATCH` plans (bounded memory).
* :func:`draw_uniform`: ``n`` exactly uniform draws (:func:`geo.space.enumerate.sample_uniform`).
* :func:`recom_chain`: one reversible ReCom chain (diagnostics only, :mod:`geo.space.sample`).
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from geo.space.enumerate import (
    Parts,
    count_by_swvs,
    count_plans,
    enumerate_plans,
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


@dataclass
class RegionPlan:
    """What :func:`plan_region` found and how the region's work is split."""

    region: str
    n_units: int
    valid_parts: int
    connected_sets: int
    count: int
    by_swvs: dict[int, int]
    exact: bool
    masks: list[int]
    prefixes: list[list[tuple[tuple[int, ...], int]]]
    """Exact: groups of prefixes, one group per task."""
    seconds: float
    live: tuple[np.ndarray, np.ndarray] | None = None
    """The complete count memo (:func:`geo.space.enumerate.live_counts`): tasks reuse it
    instead of recounting their subtree."""

    def parts(self, model: RegionModel) -> Parts:
        """The region's valid parts with the shipped count memo (what every task starts from)."""
        return parts_from_masks(model, self.masks, self.live)


def plan_region(model: RegionModel, cap: int, task_plans: int) -> RegionPlan:
    """Count the region's valid plans exactly and split its work (module docstring)."""
    start = time.perf_counter()
    parts = valid_parts(model)
    by_k = count_by_swvs(model, parts)
    total = count_plans(model, parts)
    exact = total <= cap
    groups: list[list[tuple[tuple[int, ...], int]]] = []
    if exact and total:
        prefixes = split_tasks(model, parts, task_plans)
        current: list[tuple[tuple[int, ...], int]] = []
        size = 0
        for prefix, n in prefixes:
            if current and size + n > task_plans:
                groups.append(current)
                current, size = [], 0
            current.append(prefix_n := (prefix, n))
            size += prefix_n[1]
        if current:
            groups.append(current)
    return RegionPlan(
        model.region,
        model.n,
        len(parts.masks),
        parts.connected,
        total,
        by_k,
        exact,
        parts.masks,
        groups,
        round(time.perf_counter() - start, 4),
        live_counts(model, parts),
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
    model: RegionModel, plan: RegionPlan, prefixes: list[tuple[tuple[int, ...], int]], path: str
) -> dict[str, Any]:
    """Every plan below ``prefixes``, with its figures, written to ``path`` (Parquet)."""
    start = time.perf_counter()
    parts = plan.parts(model)

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

    out = _writer_rows(Path(path), frames())
    out["seconds"] = round(time.perf_counter() - start, 4)
    out["expected"] = sum(n for _, n in prefixes)
    return out


def _with_weight(frame: Any, log_weight: float) -> Any:
    frame["log_weight"] = log_weight
    return frame


def draw_uniform(
    model: RegionModel, plan: RegionPlan, n: int, seed: int, path: str
) -> dict[str, Any]:
    """``n`` exactly uniform draws of valid plans, written to ``path``."""
    start = time.perf_counter()
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

    out = _writer_rows(Path(path), frames())
    out["seconds"] = round(time.perf_counter() - start, 4)
    out["expected"] = n
    return out


def recom_chain(
    model: RegionModel, plan: RegionPlan, k: int, steps: int, seed: int, chain: int
) -> tuple[Any, dict[str, Any]]:
    """One reversible ReCom chain (:func:`geo.space.sample.chain_rows`)."""
    from geo.space.sample import chain_rows

    parts = plan.parts(model)
    return chain_rows(model, parts, k, steps=steps, seed=seed, chain=chain)
