"""``regio space build``: the space of valid divisions of every jeugdregio, on Dask.

Layout of the output directory (resumable per jeugdregio):

* ``settings.json``: the proposal settings and the space settings; a second build into the same
  directory with other settings stops with an error (nothing is overwritten);
* ``plans/jeugdregio=<code>/part-<i>.parquet``: one row per plan (:mod:`geo.space.figures`) plus
  ``log_weight`` (0 for enumerated and uniformly drawn plans); Hive-partitioned by jeugdregio;
* ``plans/jeugdregio=<code>/_region.json``: written last, when the jeugdregio is complete: its
  manifest entry. A rerun skips every jeugdregio that has it and redoes the others from scratch;
* ``manifest.json``: the entries of all jeugdregio's, the totals (how many exact) and settings.

Work split (so the largest jeugdregio does not serialise the run), per jeugdregio: a task for
its valid parts (:func:`geo.space.tasks.region_parts`); then one counting task per slice of
``count_parts`` first parts (:func:`geo.space.tasks.count_group`: the slices' exact counts add
up); when all are counted, an exactly enumerable jeugdregio (at most ``cap`` plans) becomes
tasks of at most ``task_plans`` plans each, cut by each slice from its own subtrees (the subtree
counts are known exactly, so the cut is balanced); a larger one becomes ``draw_tasks`` batches
of exactly uniform draws plus, per number of SWVs, ``chains`` merge-split chains
(:mod:`geo.space.mergesplit`, uniform stationary distribution: the manifest's chain
diagnostics) and ``recom_chains`` reversible ReCom chains (the baseline it is compared with),
after one task joins the slices' memos. Every task streams its plans to its own file. Dask
priorities run the region with the most gemeenten first, the heaviest count slices and the
largest enumeration tasks first.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geo.atomic import write_atomic
from geo.dataset import Dataset
from geo.proposals.problem import ProposalSettings, prepare
from geo.space.errors import SpaceError
from geo.space.mergesplit import mergesplit_chain
from geo.space.model import RegionModel, region_models
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

FORMAT = 1


@dataclass(frozen=True)
class SpaceSettings:
    """How the space is built (the validity rules are the proposal's settings)."""

    cap: int = 200_000
    """Most plans a jeugdregio may have to be enumerated exactly; above it, it is sampled."""
    draws: int = 20_000
    """Uniform draws of a sampled jeugdregio."""
    draw_tasks: int = 4
    chains: int = 4
    """Merge-split chains per number of SWVs of a sampled jeugdregio (diagnostics)."""
    chain_steps: int = 1000
    recom_chains: int = 2
    """Reversible ReCom chains per number of SWVs (baseline for the diagnostics; 0: none)."""
    task_plans: int = 20_000
    """Most plans per enumeration task."""
    seed: int = 0
    count_parts: int = 20_000
    """First parts (valid parts holding the region's first gemeente) per counting task: JZ39
    at a 10 km margin (173,332) is counted by 9 tasks. It changes how the work is cut, never
    the result, so it is not part of the recorded settings (a space resumes under another)."""


WORK_SPLIT = ("count_parts",)
"""Settings that only cut the work (left out of ``settings.json``)."""


@dataclass
class BuildResult:
    manifest: dict[str, Any]
    seconds: float
    tasks: int
    skipped: list[str] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    """Per task run: ``kind`` (parts, count, enum, merge, draw, chain), ``region``, ``started``
    (``time.time()`` on its worker) and ``seconds``."""


def settings_record(proposal: ProposalSettings, space: SpaceSettings) -> dict[str, Any]:
    p = asdict(proposal)
    keep = ("jeugdregio", "min_pupils", "max_pupils", "max_extra_km", "max_extra_mean_km")
    recorded = {k: v for k, v in asdict(space).items() if k not in WORK_SPLIT}
    return {"format": FORMAT, "proposal": {k: p[k] for k in keep}, "space": recorded}


class _Sync:
    """In-process stand-in for a Dask client (``scheduler="synchronous"``)."""

    class _Done:
        def __init__(self, value: Any) -> None:
            self._value = value

        def result(self) -> Any:
            return self._value

    def submit(self, fn: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return self._Done(fn(*args))


def _client(scheduler: str | None, workers: int) -> tuple[Any, Callable[[], None]]:
    if scheduler == "synchronous":
        return _Sync(), lambda: None
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        return client, client.close
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=50,
    )
    client = Client(cluster)

    def close() -> None:
        client.close()
        cluster.close()

    return client, close


def _check_settings(out: Path, record: dict[str, Any]) -> None:
    path = out / "settings.json"
    if path.exists():
        old = json.loads(path.read_text())
        if old != record:
            raise SpaceError(
                f"{out}: holds a space built with other settings ({path}); choose another --out "
                "or remove the directory"
            )
    else:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(record, indent=1))


def region_dir(out: Path, region: str) -> Path:
    return out / "plans" / f"jeugdregio={region}"


def build_space(
    dataset: Dataset,
    out: Path | str,
    *,
    proposal: ProposalSettings | None = None,
    space: SpaceSettings | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    regions: list[str] | None = None,
    progress: bool = False,
    client: Any = None,
) -> BuildResult:
    """Build (or resume) the space in ``out`` (module docstring); ``client``: a running Dask
    client to use (left open), else one is made from ``scheduler`` / ``workers``."""
    start = time.perf_counter()
    proposal = proposal or ProposalSettings()
    space = space or SpaceSettings()
    out = Path(out)
    record = settings_record(proposal, space)
    ctx = prepare(dataset, proposal)
    if dataset.travel_table is not None:  # another travel model: never resumed into one
        record["travel_table"] = dataset.travel_table.sha256  # built with the water-aware one
    unknown = sorted(set(regions or []) - set(ctx.graphs))
    if unknown:
        raise SpaceError(f"unknown jeugdregio(s) {unknown}; choose from {sorted(ctx.graphs)}")
    models = region_models(ctx, regions)
    _check_settings(out, record)
    skipped = [r for r in models if (region_dir(out, r) / "_region.json").exists()]
    todo = [r for r in models if r not in skipped]
    for r in todo:
        d = region_dir(out, r)
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    n_tasks = 0
    timeline: list[dict[str, Any]] = []
    if todo:
        if client is None:
            client, close = _client(scheduler, workers)
        else:
            close = lambda: None  # noqa: E731 - the caller's client stays open
        bar = _Progress(progress, len(todo))
        try:
            n_tasks, timeline = _run(
                client, models, todo, out, space, bar, isinstance(client, _Sync)
            )
        finally:
            bar.close()
            close()
    manifest = write_manifest(out, models, record)
    manifest["distance_model"] = ctx.travel.distance_name
    manifest["build_seconds"] = round(time.perf_counter() - start, 3)
    write_atomic(out / "manifest.json", json.dumps(manifest, indent=1))
    return BuildResult(manifest, manifest["build_seconds"], n_tasks, skipped, timeline)


class _Progress:
    """A rich progress bar over tasks (or nothing)."""

    def __init__(self, show: bool, regions: int) -> None:
        self.bar = None
        if show:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self.bar.start()
            self.task = self.bar.add_task("jeugdregio's", total=regions)

    def advance(self, description: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=description)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _run(
    client: Any,
    models: dict[str, RegionModel],
    todo: list[str],
    out: Path,
    space: SpaceSettings,
    bar: _Progress,
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
    space: SpaceSettings,
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
    space: SpaceSettings,
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


def write_manifest(
    out: Path, models: dict[str, RegionModel], record: dict[str, Any]
) -> dict[str, Any]:
    """The manifest of every complete jeugdregio in ``out`` (also ones of earlier runs)."""
    entries = []
    for d in sorted((out / "plans").glob("jeugdregio=*")):
        f = d / "_region.json"
        if f.exists():
            entries.append(json.loads(f.read_text()))
    exact = [e for e in entries if e["method"] == "exact"]
    product = 1
    for e in entries:
        product *= max(int(e["count"]), 1)
    return {
        "format": FORMAT,
        "settings": record,
        "jeugdregios": len(entries),
        "exact": len(exact),
        "sampled": len(entries) - len(exact),
        "plans_stored": sum(int(e["rows"]) for e in entries),
        "valid_divisions_national": str(product),
        "missing": sorted(set(models) - {e["jeugdregio"] for e in entries}),
        "regions": entries,
    }
