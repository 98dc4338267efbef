"""``regio space build``: the space of valid divisions of every jeugdregio, on Dask.

Layout of the output directory (resumable per jeugdregio):

* ``settings.json``: the proposal settings and the space settings; a second build into the same
  directory with other settings stops with an error (nothing is overwritten);
* ``plans/jeugdregio=<code>/part-<i>.parquet``: one row per plan (:mod:`geo.space.figures`) plus
  ``log_weight`` (0 for enumerated and uniformly drawn plans); Hive-partitioned by jeugdregio;
* ``plans/jeugdregio=<code>/_region.json``: written last, when the jeugdregio is complete: its
  manifest entry. A rerun skips every jeugdregio that has it and redoes the others from scratch;
* ``manifest.json``: the entries of all jeugdregio's, the totals (how many exact) and settings.

Work split (so the largest jeugdregio does not serialise the run): one planning task per
jeugdregio (:func:`geo.space.tasks.plan_region`); an exactly enumerable jeugdregio (at most
``cap`` plans) becomes tasks of at most ``task_plans`` plans each, cut from its search tree by
the first parts chosen (the subtree counts are known exactly, so the cut is balanced); a larger
one becomes ``draw_tasks`` batches of exactly uniform draws plus, per number of SWVs, ``chains``
merge-split chains (:mod:`geo.space.mergesplit`, uniform stationary distribution: the manifest's
chain diagnostics) and ``recom_chains`` reversible ReCom chains (the baseline it is compared
with). Every task streams its plans to its own file.
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

from geo.atomic import write_atomic
from geo.dataset import Dataset
from geo.proposals.problem import ProposalSettings, prepare
from geo.space.errors import SpaceError
from geo.space.mergesplit import mergesplit_chain
from geo.space.model import RegionModel, region_models
from geo.space.tasks import RegionPlan, draw_uniform, enumerate_prefixes, plan_region, recom_chain

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


@dataclass
class BuildResult:
    manifest: dict[str, Any]
    seconds: float
    tasks: int
    skipped: list[str] = field(default_factory=list)


def settings_record(proposal: ProposalSettings, space: SpaceSettings) -> dict[str, Any]:
    p = asdict(proposal)
    keep = ("jeugdregio", "min_pupils", "max_pupils", "max_extra_km", "max_extra_mean_km")
    return {"format": FORMAT, "proposal": {k: p[k] for k in keep}, "space": asdict(space)}


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
    if todo:
        if client is None:
            client, close = _client(scheduler, workers)
        else:
            close = lambda: None  # noqa: E731 - the caller's client stays open
        bar = _Progress(progress, len(todo))
        try:
            n_tasks = _run(client, models, todo, out, space, bar, isinstance(client, _Sync))
        finally:
            bar.close()
            close()
    manifest = write_manifest(out, models, record)
    manifest["distance_model"] = ctx.travel.distance_name
    manifest["build_seconds"] = round(time.perf_counter() - start, 3)
    write_atomic(out / "manifest.json", json.dumps(manifest, indent=1))
    return BuildResult(manifest, manifest["build_seconds"], n_tasks, skipped)


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
) -> int:
    """Plan, split and run the work; write each region's ``_region.json`` when it completes."""
    pending: dict[str, dict[str, Any]] = {}
    queue: deque[tuple[str, str, Any]] = deque()
    n_tasks = 0

    def submit(kind: str, region: str, fn: Callable[..., Any], *args: Any) -> None:
        nonlocal n_tasks
        n_tasks += 1
        queue.append((kind, region, client.submit(fn, *args, pure=False)))

    # Largest jeugdregio first: its planning task (valid parts, the counting DP) is the one
    # serial step of the build, so it starts at once while the small ones fill the other workers.
    for r in sorted(todo, key=lambda r: -models[r].n):
        submit("plan", r, plan_region, models[r], space.cap, space.task_plans)
    if not sync:
        from distributed import as_completed

        stream = as_completed([f for _, _, f in queue], with_results=False)
        lookup = {f.key: (k, r) for k, r, f in queue}
        queue.clear()

        def next_done() -> tuple[str, str, Any] | None:
            try:
                f = next(stream)
            except StopIteration:
                return None
            kind, region = lookup[f.key]
            return kind, region, f

        def add(kind: str, region: str, fn: Callable[..., Any], *args: Any) -> None:
            nonlocal n_tasks
            n_tasks += 1
            f = client.submit(fn, *args, pure=False)
            lookup[f.key] = (kind, region)
            stream.add(f)

    else:

        def next_done() -> tuple[str, str, Any] | None:
            return queue.popleft() if queue else None

        add = submit

    while (item := next_done()) is not None:
        kind, region, future = item
        result = future.result()
        state = pending.setdefault(region, {"open": 0, "files": [], "chains": [], "recom": []})
        if kind == "plan":
            plan: RegionPlan = result
            state["plan"] = plan
            # The tasks get the plan's future, not its value: Dask moves the valid parts and the
            # count memo to each worker once instead of shipping them from here with every task.
            shipped = plan if sync else future
            d = region_dir(out, region)
            model = models[region]
            if plan.exact:
                for i, group in enumerate(plan.prefixes):
                    state["open"] += 1
                    add(
                        "enum",
                        region,
                        enumerate_prefixes,
                        model,
                        shipped,
                        group,
                        str(d / f"part-{i:04d}.parquet"),
                    )
            elif plan.count:
                per = -(-space.draws // space.draw_tasks)
                for i in range(space.draw_tasks):
                    n = min(per, space.draws - i * per)
                    if n > 0:
                        state["open"] += 1
                        seed = space.seed * 1000 + i
                        add(
                            "draw",
                            region,
                            draw_uniform,
                            model,
                            shipped,
                            n,
                            seed,
                            str(d / f"part-{i:04d}.parquet"),
                        )
                for k in sorted(plan.by_swvs):
                    for c in range(space.chains + space.recom_chains):
                        state["open"] += 1
                        add(
                            "chain" if c < space.chains else "recom",
                            region,
                            mergesplit_chain if c < space.chains else recom_chain,
                            model,
                            shipped,
                            k,
                            space.chain_steps,
                            space.seed * 1000 + 100 * k + c,
                            c,
                        )
        elif kind in ("chain", "recom"):
            state["open"] -= 1
            state["chains" if kind == "chain" else "recom"].append(result)
        else:
            state["open"] -= 1
            state["files"].append(result)
        if "plan" in state and state["open"] == 0:
            _finish(out, models[region], state)
            bar.advance(region)
    return n_tasks


def _finish(out: Path, model: RegionModel, state: dict[str, Any]) -> None:
    plan: RegionPlan = state["plan"]
    files = state["files"]
    rows = sum(f["rows"] for f in files)
    entry: dict[str, Any] = {
        "jeugdregio": model.region,
        "name": model.name,
        "gemeenten": model.n,
        "units": model.units,
        "valid_parts": plan.valid_parts,
        "connected_sets": plan.connected_sets,
        "count": plan.count if not plan.exact else rows,
        "count_by_swvs": {str(k): v for k, v in plan.by_swvs.items()},
        "method": "exact" if plan.exact else "sampled",
        "rows": rows,
        "rejected_mean_travel": sum(f["rejected_mean"] for f in files),
        "tasks": len(files) + len(state["chains"]) + len(state["recom"]) + 1,
        "seconds": round(plan.seconds + sum(f["seconds"] for f in files), 4),
    }
    if not plan.exact:
        drawn = rows + entry["rejected_mean_travel"]
        entry["draws"] = drawn
        entry["count_estimated_after_mean_rule"] = round(plan.count * rows / max(drawn, 1))
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
