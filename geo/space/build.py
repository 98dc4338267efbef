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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from geo.atomic import write_atomic
from geo.dataset import Dataset
from geo.proposals.problem import ProposalSettings, prepare
from geo.space.errors import SpaceError
from geo.space.model import iter_region_models
from geo.space.schedule import region_dir, run_tasks

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
    codes = sorted(ctx.graphs) if regions is None else list(regions)
    _check_settings(out, record)
    skipped = [r for r in codes if (region_dir(out, r) / "_region.json").exists()]
    todo = [r for r in codes if r not in skipped]
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
            # the jeugdregio with the most gemeenten first (the critical path, see run_tasks);
            # each model is built as the tasks of the ones before it already run
            order = sorted(todo, key=lambda r: (-ctx.graphs[r].number_of_nodes(), r))
            models = iter_region_models(ctx, order)
            n_tasks, timeline = run_tasks(
                client, models, out, space, bar, isinstance(client, _Sync)
            )
        finally:
            bar.close()
            close()
    manifest = write_manifest(out, codes, record)
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


def write_manifest(out: Path, codes: list[str], record: dict[str, Any]) -> dict[str, Any]:
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
        "missing": sorted(set(codes) - {e["jeugdregio"] for e in entries}),
        "regions": entries,
    }
