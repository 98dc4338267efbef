"""The Dask side of ``regio space build``: submit every jeugdregio's tasks, follow them as they
complete, and write each jeugdregio's manifest entry when its last task is done
(:mod:`geo.space.build` has the layout, the settings and the work split; ``space`` below is
its ``SpaceSettings``)."""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Callable, Iterable
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
    region_start,
    timed_chain,
)


def region_dir(out: Path, region: str) -> Path:
    return out / "plans" / f"jeugdregio={region}"


class _Runner:
    """The task loop of :func:`run_tasks`: a ready queue by priority on this side, and at most
    as many tasks handed to Dask as it has worker threads, so a task always starts on a free
    worker. (Handed all at once, Dask assigned the 9 counting slices of JZ39 to the worker
    holding the valid parts, where 8 of them waited behind the heaviest while the other worker
    sat idle: its work stealing did not move them.)"""

    def __init__(self, client: Any, sync: bool) -> None:
        self.client, self.sync = client, sync
        self.ready: list[tuple[int, int, str, str, Callable[..., Any], tuple[Any, ...]]] = []
        self.running: dict[str, tuple[str, str]] = {}
        self.seq = itertools.count()
        self.tasks = 0
        self.stream: Any = None
        self.slots = 1
        if not sync:
            from distributed import as_completed

            self.stream = as_completed([], with_results=False)
            self.slots = max(1, sum(client.nthreads().values()))

    def add(
        self, kind: str, region: str, priority: int, fn: Callable[..., Any], *args: Any
    ) -> None:
        """Queue a task; the highest ``priority`` runs first."""
        self.tasks += 1
        heapq.heappush(self.ready, (-priority, next(self.seq), kind, region, fn, args))

    def ref(self, state: dict[str, Any], obj: Any) -> Any:
        """What later tasks get for an earlier task's result (the valid parts, a count slice, a
        joined memo): in-process the value; on Dask a copy on every worker, sent once from here
        (this loop has fetched it anyway), so a task needing it may run on any worker."""
        if self.sync:
            return obj
        refs = state.setdefault("refs", {})
        if id(obj) not in refs:
            refs[id(obj)] = (obj, self.client.scatter(obj, broadcast=True, hash=False))
        return refs[id(obj)][1]

    def dispatch(self) -> None:
        while not self.sync and self.ready and len(self.running) < self.slots:
            _, _, kind, region, fn, args = heapq.heappop(self.ready)
            f = self.client.submit(fn, *args, pure=False)
            self.running[f.key] = (kind, region)
            self.stream.add(f)

    def next_done(self) -> tuple[str, str, Any] | None:
        """The next finished task (kind, region, result), or None when all are done."""
        if self.sync:
            if not self.ready:
                return None
            _, _, kind, region, fn, args = heapq.heappop(self.ready)
            return kind, region, fn(*args)
        self.dispatch()
        if not self.running:
            return None
        f = next(self.stream)
        kind, region = self.running.pop(f.key)
        return kind, region, f.result()


def run_tasks(
    client: Any,
    ordered: Iterable[tuple[str, RegionModel]],
    out: Path,
    space: Any,
    bar: Any,
    sync: bool,
) -> tuple[int, list[dict[str, Any]]]:
    """Run the steps of every region (module docstring) of ``ordered`` (its models, the most
    important first); write each region's ``_region.json`` when it completes. Returns the
    number of tasks and the timeline (per step: kind, region, started, seconds)."""
    pending: dict[str, dict[str, Any]] = {}
    timeline: list[dict[str, Any]] = []
    models: dict[str, RegionModel] = {}
    base: dict[str, int] = {}
    run = _Runner(client, sync)
    # Priorities: the regions in the order given (the build puts the one with the most
    # gemeenten first), all tasks of one before any of the next (the first one's chain of steps
    # is the build's critical path; the small regions fill the gaps); inside a region the
    # earlier count slices (they hold the smallest first parts, whose subtrees are the largest)
    # and the largest enumeration tasks first.
    for i, (r, model) in enumerate(ordered):  # each model built while earlier tasks run
        models[r] = model
        base[r] = (10_000 - i) * 10_000_000
        pending[r] = {"open": 0, "files": [], "chains": [], "recom": [], "counted": {}}
        pending[r].update(seconds=0.0, tasks=1, model=model, dir=region_dir(out, r))
        path = str(region_dir(out, r) / "part-0000.parquet")
        args = (model, space.count_parts, space.task_plans, space.cap, path)
        run.add("start", r, base[r] + 9_000_000, region_start, *args)
        run.dispatch()

    while (item := run.next_done()) is not None:
        kind, region, result = item
        state, model = pending[region], models[region]
        if kind == "start":
            _started(run, state, result, space, base[region], timeline)
        elif kind == "count":
            _counted(run, state, result, space, base[region], timeline)
        elif kind == "merge":
            plan: RegionPlan = result
            _record(timeline, kind, region, plan.started, plan.seconds, state)
            _sample(run, state, space, base[region], model, run.ref(state, plan))
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
            del pending[region]  # releases its scattered data on the workers
            bar.advance(region)
    return run.tasks, timeline


def _started(
    run: _Runner,
    state: dict[str, Any],
    result: dict[str, Any],
    space: Any,
    base: int,
    timeline: list[dict[str, Any]],
) -> None:
    """The region's first task is done: its valid parts, and for a small region (one counting
    slice, one enumeration task) its count and its plans too."""
    rparts: RegionParts = result["rparts"]
    model: RegionModel = state["model"]
    state["rparts"] = rparts
    _record(timeline, "parts", model.region, rparts.started, rparts.seconds, state)
    if result["enum"] is not None:
        state["files"].append(result["enum"])
        state["enumerated"] = True
        _record(
            timeline,
            "enum",
            model.region,
            result["enum"]["started"],
            result["enum"]["seconds"],
            state,
        )
    if result["counted"] is not None:
        _counted(run, state, result["counted"], space, base, timeline)
        return
    for g in range(rparts.groups):
        state["tasks"] += 1
        prio = base + 8_000_000 + rparts.groups - g
        run.add(
            "count",
            model.region,
            prio,
            count_group,
            model,
            run.ref(state, rparts),
            g,
            space.task_plans,
            space.cap,
        )


def _counted(
    run: _Runner,
    state: dict[str, Any],
    counted: Counted,
    space: Any,
    base: int,
    timeline: list[dict[str, Any]],
) -> None:
    """A slice is counted; when all are: enumerate the region (at most ``cap`` plans) or
    sample it."""
    model: RegionModel = state["model"]
    state["counted"][counted.group] = counted
    _record(timeline, "count", model.region, counted.started, counted.seconds, state)
    if len(state["counted"]) < state["rparts"].groups:
        return
    groups = [state["counted"][g] for g in sorted(state["counted"])]
    counts = np.sum([c.counts for c in groups], axis=0)
    state["count"] = int(counts.sum())
    state["by_swvs"] = {k: int(v) for k, v in enumerate(counts.tolist()) if v}
    state["exact"] = state["count"] <= space.cap
    state["done_counting"] = True
    d: Path = state["dir"]
    if not state["exact"]:
        if state["count"]:
            state["open"] += 1  # the merge task; its draws and chains follow
            state["tasks"] += 1
            refs = [run.ref(state, c) for c in groups]
            run.add(
                "merge",
                model.region,
                base + 8_500_000,
                merge_counts,
                model,
                run.ref(state, state["rparts"]),
                *refs,
            )
        return
    i = 0
    for counted in groups:
        for prefixes in counted.tasks:
            if i == 0 and state.get("enumerated"):  # done by the region's first task
                i += 1
                continue
            plans = sum(n for _, n in prefixes)
            state["open"] += 1
            state["tasks"] += 1
            run.add(
                "enum",
                model.region,
                base + min(plans, 7_999_999),
                enumerate_prefixes,
                model,
                run.ref(state, state["rparts"]),
                run.ref(state, counted),
                prefixes,
                str(d / f"part-{i:04d}.parquet"),
            )
            i += 1


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


def _sample(
    run: _Runner,
    state: dict[str, Any],
    space: Any,
    base: int,
    model: RegionModel,
    plan: Any,
) -> None:
    """The uniform draws and chains of a sampled region (after :func:`merge_counts`)."""
    d: Path = state["dir"]
    state["open"] -= 1  # the merge task is done
    per = -(-space.draws // space.draw_tasks)
    for i in range(space.draw_tasks):
        n = min(per, space.draws - i * per)
        if n > 0:
            state["open"] += 1
            state["tasks"] += 1
            run.add(
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
            state["tasks"] += 1
            merge_split = c < space.chains
            run.add(
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
        "tasks": state["tasks"],
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
