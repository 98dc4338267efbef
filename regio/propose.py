"""``regio propose`` and ``regio ensemble``: generate an SWV division inside the jeugdregio's.

``regio propose --out proposal.yaml`` writes a scenario document (one ``assign`` edit creating
division ``swv``) and prints the report; ``--json`` prints one JSON object instead.
``regio ensemble --jeugdregio JZ14 --steps 200 --out DIR`` samples alternatives with ReCom.

Options left out take the defaults of :class:`geo.proposals.propose.ProposalSettings`; the solver
(OR-Tools, GerryChain) is imported only when a command runs, so ``regio --help`` stays fast.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from geo.atomic import write_atomic
from geo.errors import RegiokompasError, RegiokompasWarning
from regio.common import DataOption, JsonOption, console, fail, open_dataset, stdout

if TYPE_CHECKING:
    from geo.proposals.propose import ProposalSettings

MinPupilsOption = Annotated[
    float | None,
    typer.Option(
        "--min-pupils", help="Minimum PO+VO pupils per SWV (default: smallest of today's SWVs)."
    ),
]
MaxPupilsOption = Annotated[
    float | None,
    typer.Option(
        "--max-pupils", help="Maximum PO+VO pupils per SWV (default: largest of today's SWVs)."
    ),
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option("--time-limit", help="Solver seconds per jeugdregio (default: 10)."),
]
MaxExtraKmOption = Annotated[
    float | None,
    typer.Option(
        "--max-extra-km",
        help="Largest growth of any gemeente's distance to special education over its baseline "
        "(km; default: 0).",
    ),
]
MaxExtraMeanKmOption = Annotated[
    float | None,
    typer.Option(
        "--max-extra-mean-km",
        help="Largest growth of a jeugdregio's pupil-weighted mean distance (km; default: 0).",
    ),
]


def proposal_settings(**given: Any) -> ProposalSettings:
    """:class:`~geo.proposals.propose.ProposalSettings` of the options given (not None).

    >>> proposal_settings(time_limit=None, min_pupils=500.0).min_pupils
    500.0
    """
    from geo.proposals.propose import ProposalSettings

    return ProposalSettings(**{k: v for k, v in given.items() if v is not None})


def scenario_text(scenario: dict[str, Any], path: Path) -> str:
    """The scenario as JSON for ``.json`` files, else YAML (key order kept)."""
    if path.suffix.lower() == ".json":
        return json.dumps(scenario, ensure_ascii=False, indent=1) + "\n"
    import yaml

    return yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True, width=100)


def propose_command(
    out: Annotated[Path, typer.Option("--out", help="Scenario file to write (.yaml or .json).")],
    jeugdregio: Annotated[
        str,
        typer.Option(
            "--jeugdregio",
            help="Division or scenario defining the jeugdregio's (e.g. jeugdregio, jeugdregio_41).",
        ),
    ] = "jeugdregio",
    min_pupils: MinPupilsOption = None,
    max_pupils: MaxPupilsOption = None,
    target: Annotated[int | None, typer.Option("--target", help="National number of SWVs.")] = None,
    target_per_jeugdregio: Annotated[
        int | None,
        typer.Option("--target-per-jeugdregio", help="Number of SWVs in every jeugdregio."),
    ] = None,
    time_limit: TimeLimitOption = None,
    max_extra_km: MaxExtraKmOption = None,
    max_extra_mean_km: MaxExtraMeanKmOption = None,
    name: Annotated[str, typer.Option("--name", help="Scenario name.")] = "voorstel_swv",
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Propose one SWV per area for PO and VO, inside the jeugdregio's, with least disruption."""
    from geo.proposals.propose import propose

    settings = proposal_settings(
        jeugdregio=jeugdregio,
        min_pupils=min_pupils,
        max_pupils=max_pupils,
        target=target,
        target_per_jeugdregio=target_per_jeugdregio,
        time_limit=time_limit,
        max_extra_km=max_extra_km,
        max_extra_mean_km=max_extra_mean_km,
        name=name,
    )
    dataset = open_dataset(data)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("preparing", total=None)

            def step(region: str, done: int, total: int, solution: Any) -> None:
                if solution is None:
                    bar.update(task, description=f"solving {region}", total=total, completed=done)
                else:
                    bar.update(task, completed=done)
                    if not as_json:
                        console.print(
                            f"  {region}: {solution.status.lower()}, {solution.n_swvs} SWV(s), "
                            f"{solution.wall_time_s:.2f} s"
                        )

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RegiokompasWarning)
                proposal = propose(dataset, settings, progress=step)
        assert proposal.scenario is not None
        text = scenario_text(proposal.scenario, out)
        write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except RegiokompasError as exc:
        fail(str(exc))
    for warning in caught:
        console.print(f"[yellow]warning:[/] {warning.message}")
    report = {"out": str(out), **proposal.report}
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        print_report(report)


def print_report(report: dict[str, Any]) -> None:
    """The planner's summary: totals, travel, jeugdregio's and new SWVs."""
    out = stdout
    t = report["totals"]
    out.print(f"[bold]{report['name']}[/] written to {report['out']}")
    out.print(
        f"{t['swvs']} SWVs for PO+VO in {len(report['jeugdregios'])} jeugdregio's; "
        f"bounds {report['bounds']['min_pupils']:,.0f}-{report['bounds']['max_pupils']:,.0f} "
        f"PO+VO pupils ({report['bounds']['rule']}); status {t['status']}, "
        f"{t['solve_seconds']} s"
    )
    out.print(
        f"pupils changing SWV: [bold]{t['disrupted']:,.0f}[/] ({t['disrupted_share']:.1%}) — "
        f"PO {t['disrupted_po']:,.0f}, VO {t['disrupted_vo']:,.0f}; unavoidable under the "
        f"jeugdregio borders {t['unavoidable_disruption']:,.0f}; lower bound "
        f"{t['disruption_bound']:,.0f}; gemeenten whose SWV changes: {t['gemeenten_changed']}"
    )
    travel = Table(
        "level",
        "",
        "mean",
        "pupil-weighted",
        "p50",
        "p90",
        "max",
        title="Distance to special education in the own SWV (km, "
        + str(report["travel"].get("distance_model", "straight line"))
        + ")",
    )
    for level in ("po", "vo"):
        for when in ("before", "after"):
            s = report["travel"][level][when]
            travel.add_row(
                level.upper(),
                when,
                *(f"{s[k]}" for k in ("mean", "weighted_mean", "p50", "p90", "max")),
            )
    out.print(travel)
    out.print(f"location of a gemeente: {report['travel']['point_rule']}")
    forced = report["travel"]["forced_by_principle_3"]
    if forced:
        out.print(
            f"{len(forced)} gemeente/level pair(s) farther because of the jeugdregio border: "
            + ", ".join(
                f"{f['name']} ({f['level'].upper()} {f['before_km']}→"
                f"{f['nearest_in_jeugdregio_km']} km)"
                for f in forced[:8]
            )
            + (" …" if len(forced) > 8 else "")
        )
    regions = Table(
        "jeugdregio",
        "gemeenten",
        "SWVs",
        "pupils",
        "changed",
        "status",
        "gap",
        title="Per jeugdregio",
    )
    for r in report["jeugdregios"]:
        regions.add_row(
            f"{r['code']} {r['name']}",
            str(r["gemeenten"]),
            str(r["swvs"]),
            f"{r['pupils']:,.0f}",
            f"{r['changed_pupils']:,.0f}",
            r["status"],
            f"{r['gap']:.1%}",
        )
    out.print(regions)
    swvs = Table("SWV", "continues", "gemeenten", "pupils", title="New SWVs")
    for s in report["swvs"]:
        swvs.add_row(s["code"], s["name"], str(len(s["gemeenten"])), f"{s['pupils']:,.0f}")
    out.print(swvs)


def ensemble_command(
    jeugdregio: Annotated[str, typer.Option("--jeugdregio", help="Jeugdregio code, e.g. JZ14.")],
    out: Annotated[
        Path,
        typer.Option("--out", help="Directory for ensemble.csv, ensemble.png and ensemble.json."),
    ],
    steps: Annotated[int, typer.Option("--steps", min=1, help="ReCom steps.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    swvs: Annotated[
        int | None,
        typer.Option("--swvs", help="Number of SWVs (default: as in the proposal, at least 2)."),
    ] = None,
    division: Annotated[
        str, typer.Option("--division", help="Division or scenario defining the jeugdregio's.")
    ] = "jeugdregio",
    min_pupils: MinPupilsOption = None,
    max_pupils: MaxPupilsOption = None,
    max_extra_km: MaxExtraKmOption = None,
    max_extra_mean_km: MaxExtraMeanKmOption = None,
    time_limit: TimeLimitOption = None,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Sample alternative valid SWV divisions of one jeugdregio (GerryChain ReCom)."""
    from geo.proposals.ensemble import ensemble, write_ensemble

    settings = proposal_settings(
        jeugdregio=division,
        min_pupils=min_pupils,
        max_pupils=max_pupils,
        max_extra_km=max_extra_km,
        max_extra_mean_km=max_extra_mean_km,
        time_limit=time_limit,
    )
    dataset = open_dataset(data)
    try:
        with console.status(f"ReCom in {jeugdregio}, {steps} steps"):
            result = ensemble(
                dataset, jeugdregio, steps=steps, seed=seed, n_swvs=swvs, settings=settings
            )
        files = write_ensemble(result, out)
    except RegiokompasError as exc:
        fail(str(exc))
    summary = {**result.summary, "files": {k: str(v) for k, v in files.items()}}
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    outc = stdout
    outc.print(
        f"[bold]ensemble {jeugdregio}[/]: {summary['samples']} samples, "
        f"{summary['distinct_divisions']} distinct divisions of {summary['swvs']} SWVs"
    )
    table = Table(
        "measure",
        "proposal",
        "min",
        "median",
        "max",
        "proposal's rank",
        title="Proposal against the ensemble",
    )
    for key, row in summary["measures"].items():
        table.add_row(
            key,
            f"{row['proposal']}",
            f"{row['min']}",
            f"{row['median']}",
            f"{row['max']}",
            f"{row['proposal_percentile']:.0f}%",
        )
    outc.print(table)
    for k, v in summary["files"].items():
        outc.print(f"{k}: {v}")
