"""``regio run SCENARIOS... --out DIR``: every scenario x every requested comparison, in batch.

All scenarios are loaded, validated and applied first (an invalid one stops the run before any
scoring, naming file, ``edits[i]`` and field). Then every (scenario, division, against, weight)
is scored - in parallel over CPU cores (``--jobs``), or on an existing Dask distributed cluster
(``--scheduler ADDRESS``) - and written as tidy tables:

- ``summary.csv`` / ``summary.parquet``: one row per comparison (the engine's summary);
- ``regions.csv`` / ``regions.parquet``: one row per region and direction (long format with
  ``scenario, division, against, weight, direction`` columns);
- ``run.json``: what was run (scenarios with their sources, options, skipped comparisons).

Example::

    regio run huidig po_vo_samen --out out/batch --division swv_po,swv_vo --weight area,pupils
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from geo.atomic import write_atomic
from geo.dataset import WEIGHTS
from geo.errors import RegiokompasError
from regio.common import (
    DataOption,
    MinPieceOption,
    ToleranceOption,
    check_divisions,
    check_weights,
    console,
    fail,
    open_dataset,
    scenario_divisions,
    stdout,
)

if TYPE_CHECKING:
    import pandas as pd

    from geo.division import Division

DEFAULT_DIVISIONS: tuple[str, ...] = ("swv_po", "swv_vo", "swv")
DEFAULT_AGAINST: tuple[str, ...] = ("jeugdregio",)
DEFAULT_WEIGHTS: tuple[str, ...] = ("area", "inhabitants_0_15", "pupils")
KEY_COLUMNS: list[str] = ["scenario", "division", "against", "weight"]
SCHEDULER_TIMEOUT = "10s"
"""How long to try to reach a Dask scheduler before giving up."""

Result = tuple[dict[str, Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class ScoreTask:
    """One comparison, with everything a worker needs (no dataset, no files)."""

    scenario: str
    division: str
    against: str
    weight: str
    a: Division
    b: Division
    weights: pd.Series
    tolerance: float = 0.995
    min_piece: float = 0.0

    @property
    def key(self) -> dict[str, str]:
        return {
            "scenario": self.scenario,
            "division": self.division,
            "against": self.against,
            "weight": self.weight,
        }


def _flat(value: object) -> object:
    """Table-friendly value: lists become ';'-joined text."""
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    return value


def score_task(task: ScoreTask) -> Result:
    """Score one comparison; return its summary row and its region rows (both directions).

    >>> import pandas as pd
    >>> from geo.division import Division
    >>> d = Division.from_assignment("d", {"x": "A", "y": "B"})
    >>> row, regions = score_task(ScoreTask("s", "d", "e", "w", d, d, pd.Series(
    ...     {"x": 1.0, "y": 1.0})))
    >>> row["congruence"], len(regions)
    (1.0, 4)
    """
    from geo.overlap import score

    result = score(
        task.a,
        task.b,
        task.weights,
        weight_name=task.weight,
        tolerance=task.tolerance,
        min_piece=task.min_piece,
    ).to_dict()
    summary = {**task.key, **{k: _flat(v) for k, v in result["summary"].items()}}
    summary.setdefault("tolerance", task.tolerance)
    regions = []
    for direction, rows in (("forward", result["regions"]), ("reverse", result["reverse_regions"])):
        for row in rows:
            iou = row.get("iou") or {}
            regions.append(
                {
                    **task.key,
                    "direction": direction,
                    **{k: v for k, v in row.items() if k != "iou"},
                    "iou_best_match": iou.get(row.get("best_match")),
                }
            )
    return summary, regions


def split_option(values: Iterable[str] | None) -> list[str]:
    """Repeatable options and comma lists in one ordered list without duplicates.

    >>> split_option(["swv_po,swv_vo", "swv_po", " swv "])
    ['swv_po', 'swv_vo', 'swv']
    """
    seen: dict[str, None] = {}
    for value in values or []:
        for part in value.split(","):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return list(seen)


def plan_tasks(
    scenarios: Sequence[tuple[str, dict[str, Division]]],
    weights: dict[str, pd.Series],
    divisions: list[str] | None,
    against: list[str] | None,
    *,
    tolerance: float = 0.995,
    min_piece: float = 0.0,
) -> tuple[list[ScoreTask], list[str]]:
    """Every scenario x division x against x weight, in that order; returns (tasks, skipped).

    Rule: requested divisions must exist in every scenario (else exit 2 naming scenario and
    options); with the defaults, a division a scenario does not have is skipped and reported.
    A division is never compared with itself.
    """
    tasks: list[ScoreTask] = []
    skipped: list[str] = []
    for name, available in scenarios:
        wanted_a = divisions or [d for d in DEFAULT_DIVISIONS if d in available]
        wanted_b = against or [d for d in DEFAULT_AGAINST if d in available]
        if divisions is None:
            skipped += [
                f"{name}: no division {d!r}" for d in DEFAULT_DIVISIONS if d not in available
            ]
        check_divisions([*wanted_a, *wanted_b], available, name)
        for a in wanted_a:
            for b in wanted_b:
                if a == b:
                    skipped.append(f"{name}: {a} against itself")
                    continue
                for weight, series in weights.items():
                    tasks.append(
                        ScoreTask(
                            name,
                            a,
                            b,
                            weight,
                            available[a],
                            available[b],
                            series,
                            tolerance,
                            min_piece,
                        )
                    )
    return tasks, skipped


def execute(
    tasks: Sequence[ScoreTask],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[], None] = lambda: None,
) -> list[Result]:
    """Run the tasks: on a Dask cluster, in a process pool, or here (``jobs == 1``).

    Results come back in task order whatever the order of completion.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import as_completed as futures_completed

    results: list[Result | None] = [None] * len(tasks)
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler, timeout=SCHEDULER_TIMEOUT, set_as_default=False) as client:
            futures = [client.submit(score_task, task, pure=False) for task in tasks]
            position = {future.key: i for i, future in enumerate(futures)}
            for future in dask_completed(futures, loop=client.loop):
                results[position[future.key]] = future.result()
                on_done()
    elif jobs <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            results[i] = score_task(task)
            on_done()
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            pending = {pool.submit(score_task, task): i for i, task in enumerate(tasks)}
            for future in futures_completed(pending):
                results[pending[future]] = future.result()
                on_done()
    return [r for r in results if r is not None]


def write_tables(results: Sequence[Result], out: Path, meta: dict[str, Any]) -> dict[str, Path]:
    """Write summary and region tables (CSV and Parquet) plus ``run.json`` into ``out``.

    Each file is written atomically (:func:`~geo.atomic.write_atomic`).
    """
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    summary = pd.DataFrame([r[0] for r in results])
    regions = pd.DataFrame([row for r in results for row in r[1]])
    written: dict[str, Path] = {}
    for name, frame in (("summary", summary), ("regions", regions)):
        csv_path, parquet_path = out / f"{name}.csv", out / f"{name}.parquet"
        write_atomic(csv_path, lambda p, f=frame: f.to_csv(p, index=False))
        write_atomic(parquet_path, lambda p, f=frame: f.to_parquet(p, index=False))
        written[f"{name}.csv"], written[f"{name}.parquet"] = csv_path, parquet_path
    run_path = out / "run.json"
    text = json.dumps(meta, indent=1, ensure_ascii=False)
    write_atomic(run_path, lambda p: p.write_text(text + "\n", encoding="utf-8"))
    written["run.json"] = run_path
    return written


def run_command(
    scenarios: Annotated[
        list[str], typer.Argument(help="Scenario files or library names (e.g. huidig).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the tables.")],
    division: Annotated[
        list[str] | None,
        typer.Option(
            "--division",
            "-d",
            help=f"Divisions to score (repeat or comma list; default {','.join(DEFAULT_DIVISIONS)}"
            " where present).",
        ),
    ] = None,
    against: Annotated[
        list[str] | None,
        typer.Option("--against", "-a", help="Divisions to compare with (default jeugdregio)."),
    ] = None,
    weight: Annotated[
        list[str] | None,
        typer.Option(
            "--weight",
            "-w",
            help=f"Weights (default {','.join(DEFAULT_WEIGHTS)}); one of {', '.join(WEIGHTS)}.",
        ),
    ] = None,
    tolerance: ToleranceOption = 0.995,
    min_piece: MinPieceOption = 0.0,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all CPU cores)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a Dask distributed scheduler to run on."),
    ] = None,
    data: DataOption = None,
) -> None:
    """Score every scenario x every comparison; write summary and per-region tables."""
    weights_wanted = split_option(weight) or list(DEFAULT_WEIGHTS)
    check_weights(weights_wanted)
    dataset = open_dataset(data)
    applied: list[tuple[str, dict[str, Division]]] = []
    sources: list[dict[str, Any]] = []
    for scenario in scenarios:
        doc, divisions = scenario_divisions(scenario, dataset)
        if any(doc.name == name for name, _ in applied):
            fail(f"two scenarios are named {doc.name!r} ({scenario}); give each a unique name")
        applied.append((doc.name, divisions))
        sources.append(
            {
                "name": doc.name,
                "source": doc.source,
                "description": doc.description,
                "principles": doc.principles,
            }
        )
    weights = {name: dataset.weight(name) for name in weights_wanted}
    tasks, skipped = plan_tasks(
        applied,
        weights,
        split_option(division) or None,
        split_option(against) or None,
        tolerance=tolerance,
        min_piece=min_piece,
    )
    if not tasks:
        fail("nothing to compare: check --division and --against")
    n_jobs = jobs or os.cpu_count() or 1
    where = f"Dask scheduler {scheduler}" if scheduler else f"{min(n_jobs, len(tasks))} process(es)"
    with Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        auto_refresh=False,  # no refresh thread while worker processes are forked
    ) as progress:
        bar = progress.add_task("scoring", total=len(tasks))

        def done() -> None:
            progress.advance(bar)
            progress.refresh()

        try:
            results = execute(tasks, jobs=n_jobs, scheduler=scheduler, on_done=done)
        except (OSError, TimeoutError) as exc:
            fail(f"cannot run on {where}: {exc}")
        except RegiokompasError as exc:
            fail(str(exc))
    meta = {
        "scenarios": sources,
        "comparisons": [
            {k: getattr(t, k) for k in ("scenario", "division", "against", "weight")} for t in tasks
        ],
        "weights": weights_wanted,
        "tolerance": tolerance,
        "min_piece": min_piece,
        "skipped": skipped,
        "executor": where,
    }
    written = write_tables(results, out, meta)
    _print_overview(results)
    for note in skipped:
        console.print(f"[dim]skipped {note}[/]", highlight=False)
    console.print(
        f"{len(results)} comparisons on {where}; wrote "
        + ", ".join(str(p) for p in written.values()),
        highlight=False,
        soft_wrap=True,
    )


def _print_overview(results: Sequence[Result]) -> None:
    table = Table(title="regio run", title_justify="left")
    for column in [*KEY_COLUMNS, "nested", "nested share", "congruence", "ARI"]:
        table.add_column(column, justify="left" if column in KEY_COLUMNS else "right")
    for summary, _ in results:
        table.add_row(
            *(str(summary[k]) for k in KEY_COLUMNS),
            f"{summary.get('nested_regions')}/{summary.get('regions')}",
            f"{summary.get('nested_share') or 0:.3f}",
            f"{summary.get('congruence') or 0:.3f}",
            f"{summary.get('ari') or 0:.3f}",
        )
    stdout.print(table)
