"""The Dask side of ``regio space build``: submit every jeugdregio's tasks, follow them as they
complete, and write each jeugdregio's manifest entry when its last task is done
(:mod:`geo.space.build` has the layout, the settings and the work split; ``space`` below is
its ``SpaceSettings``)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from geo.atomic import write_atomic
from geo.space.mergesplit import mergesplit_chain
from geo.space.model import RegionModel
from geo.space.tasks import (
    Counted,
    RegionParts,
    RegionPlan,
    count_group,
    draw_uniform,
    enumerate_prefixes,
    merge_counts,
    recom_chain,
    region_parts,
    timed_chain,
)


def region_dir(out: Path, region: str) -> Path:
    return out / "plans" / f"jeugdregio={region}"


def run_tasks(
    client: Any,
    models: dict[str, RegionModel],
    todo: list[str],
    out: Path,
    space: Any,
    bar: Any,
    sync: bool,
) -> tuple[int, list[dict[str, Any]]]:
    """Run the three steps of every region (module docstring); write each region's
    ``_region.json`` when it completes. Returns the number of tasks and the timeline (per task:
    kind, region, started, seconds)."""
    pending: dict[str, dict[str, Any]] = {}
    timeline: list[dict[str, Any]] = []
    queue: deque[tuple[str, str, Any]] = deque()
    lookup: dict[str, tuple[str, str]] = {}
    stream: Any = None
    n_tasks = 0
    # Priorities (Dask runs the highest first): the region with the most gemeenten first, and
    # all its tasks before any of the next region (its chain of steps is the build's critical
    # path; the small regions fill the gaps); inside a region the earlier count slices (they
    # hold the smallest first parts, whose subtrees are the largest) and the largest
    # enumeration tasks first.
    order = sorted(todo, key=lambda r: (-models[r].n, r))
    base = {r: (len(order) - i) * 10_000_000 for i, r in enumerate(order)}

    def add(kind: str, region: str, priority: int, fn: Callable[..., Any], *args: Any) -> None:
        nonlocal n_tasks
        n_tasks += 1
        f = client.submit(fn, *args, pure=False, priority=priority)
        if sync:
            queue.append((kind, region, f))
        else:
            lookup[f.key] = (kind, region)
            stream.add(f)

    def value(future: Any) -> Any:
        """What a task gets for an earlier task's result: its future (Dask moves the data to
        each worker once), or the value itself in-process."""
        return future.result() if sync else future

    if not sync:
        from distributed import as_completed

        stream = as_completed([], with_results=False)

    def next_done() -> tuple[str, str, Any] | None:
        if sync:
            return queue.popleft() if queue else None
        try:
            f = next(stream)
        except StopIteration:
            return None
        kind, region = lookup.pop(f.key)
        return kind, region, f

    for r in order:
        pending[r] = {
            "open": 0,
            "files": [],
            "chains": [],
            "recom": [],
            "counted": {},
            "seconds": 0.0,
        }
        add("parts", r, base[r] + 9_000_000, region_parts, models[r], space.count_parts)

    while (item := next_done()) is not None:
        kind, region, future = item
        result = future.result()
        state = pending[region]
        model = models[region]
        d = region_dir(out, region)
        if kind == "parts":
            rparts: RegionParts = result
            state["rparts"], state["rparts_ref"] = rparts, value(future)
            _record(timeline, kind, region, rparts.started, rparts.seconds, state)
            for g in range(rparts.groups):
                add(
                    "count",
                    region,
                    base[region] + 8_000_000 + rparts.groups - g,
                    count_group,
                    model,
                    state["rparts_ref"],
                    g,
                    space.task_plans,
                    space.cap,
                )
            continue
        if kind == "count":
            counted: Counted = result
            state["counted"][counted.group] = (counted, value(future))
            _record(timeline, kind, region, counted.started, counted.seconds, state)
            if len(state["counted"]) == state["rparts"].groups:
                _counted_all(state, space, base[region], add, model, d)
        elif kind == "merge":
            plan: RegionPlan = result
            _record(timeline, kind, region, plan.started, plan.seconds, state)
            _sample(state, space, base[region], add, model, d, value(future))
        elif kind in ("chain", "recom"):
            state["open"] -= 1
            frame, stats, started, seconds = result
            state["chains" if kind == "chain" else "recom"].append((frame, stats))
            _record(timeline, kind, region, started, seconds, state)
        else:
            state["open"] -= 1
            state["files"].append(result)
            _record(timeline, kind, region, result["started"], result["seconds"], state)
        if state.get("done_counting") and state["open"] == 0:
            _finish(out, model, state)
            del pending[region]  # releases its futures (and the workers' copies)
            bar.advance(region)
    return n_tasks, timeline


def _record(
    timeline: list[dict[str, Any]],
    kind: str,
    region: str,
    started: float,
    seconds: float,
    state: dict[str, Any],
) -> None:
    timeline.append({"kind": kind, "region": region, "started": started, "seconds": seconds})
    state["seconds"] += seconds


def _counted_all(
    state: dict[str, Any],
    space: Any,
    base: int,
    add: Callable[..., None],
    model: RegionModel,
    d: Path,
) -> None:
    """Every slice of a region is counted: enumerate it (at most ``cap`` plans) or sample it."""
    groups = [state["counted"][g] for g in sorted(state["counted"])]
    counts = np.sum([c.counts for c, _ in groups], axis=0)
    state["count"] = int(counts.sum())
    state["by_swvs"] = {k: int(v) for k, v in enumerate(counts.tolist()) if v}
    state["exact"] = state["count"] <= space.cap
    state["done_counting"] = True
    if state["exact"]:
        i = 0
        for counted, ref in groups:
            for prefixes in counted.tasks:
                plans = sum(n for _, n in prefixes)
                state["open"] += 1
                add(
                    "enum",
                    model.region,
                    base + min(plans, 7_999_999),
                    enumerate_prefixes,
                    model,
                    state["rparts_ref"],
                    ref,
                    prefixes,
                    str(d / f"part-{i:04d}.parquet"),
                )
                i += 1
    elif state["count"]:
        state["open"] += 1  # the merge task; its draws and chains follow
        add(
            "merge",
            model.region,
            base + 8_500_000,
            merge_counts,
            model,
            state["rparts_ref"],
            *[ref for _, ref in groups],
        )


def _sample(
    state: dict[str, Any],
    space: Any,
    base: int,
    add: Callable[..., None],
    model: RegionModel,
    d: Path,
    plan: Any,
) -> None:
    """The uniform draws and ReCom chains of a sampled region (after :func:`merge_counts`)."""
    state["open"] -= 1  # the merge task is done
    per = -(-space.draws // space.draw_tasks)
    for i in range(space.draw_tasks):
        n = min(per, space.draws - i * per)
        if n > 0:
            state["open"] += 1
            add(
                "draw",
                model.region,
                base + n,
                draw_uniform,
                model,
                plan,
                n,
                space.seed * 1000 + i,
                str(d / f"part-{i:04d}.parquet"),
            )
    for k in sorted(state["by_swvs"]):
        for c in range(space.chains + space.recom_chains):
            state["open"] += 1
            merge_split = c < space.chains
            add(
                "chain" if merge_split else "recom",
                model.region,
                base,
                timed_chain,
                mergesplit_chain if merge_split else recom_chain,
                model,
                plan,
                k,
                space.chain_steps,
                space.seed * 1000 + 100 * k + c,
                c,
            )


def _finish(out: Path, model: RegionModel, state: dict[str, Any]) -> None:
    rparts: RegionParts = state["rparts"]
    files = state["files"]
    rows = sum(f["rows"] for f in files)
    exact = state["exact"]
    entry: dict[str, Any] = {
        "jeugdregio": model.region,
        "name": model.name,
        "gemeenten": model.n,
        "units": model.units,
        "valid_parts": len(rparts.masks),
        "connected_sets": rparts.connected,
        "count": state["count"] if not exact else rows,
        "count_by_swvs": {str(k): v for k, v in state["by_swvs"].items()},
        "method": "exact" if exact else "sampled",
        "rows": rows,
        "rejected_mean_travel": sum(f["rejected_mean"] for f in files),
        "tasks": 1
        + len(state["counted"])
        + len(files)
        + len(state["chains"])
        + len(state["recom"])
        + (not exact),
        "seconds": round(state["seconds"], 4),
    }
    if not exact:
        drawn = rows + entry["rejected_mean_travel"]
        entry["draws"] = drawn
        entry["count_estimated_after_mean_rule"] = round(state["count"] * rows / max(drawn, 1))
        _chain_entries(entry, state, region_dir(out, model.region))
    write_atomic(region_dir(out, model.region) / "_region.json", json.dumps(entry, indent=1))


def _chain_entries(entry: dict[str, Any], state: dict[str, Any], d: Path) -> None:
    """The chains' diagnostics of a sampled jeugdregio: ``chains`` (merge-split, the chain that
    mixes, ``chain_method`` says so), ``chains_vs_draws`` (the chains against the exact uniform
    draws, :func:`geo.space.mergesplit.agreement`) and ``recom`` (reversible ReCom, baseline)."""
    import pandas as pd

    from geo.space.mergesplit import agreement
    from geo.space.sample import diagnostics

    entry["chain_method"] = "merge-split (Metropolised heat-bath, uniform stationary distribution)"
    frames = [c[0] for c in state["chains"]]
    entry["chains"] = diagnostics(frames, [c[1] for c in state["chains"]]) if frames else {}
    draws = pd.concat(
        [
            pd.read_parquet(f, columns=["swvs", "disrupted"])
            for f in sorted(d.glob("part-*.parquet"))
        ]
        or [pd.DataFrame(columns=["swvs", "disrupted"])]
    )
    entry["chains_vs_draws"] = agreement(frames, draws, "disrupted")
    recom = [c[0] for c in state["recom"]]
    entry["recom"] = diagnostics(recom, [c[1] for c in state["recom"]]) if recom else {}
