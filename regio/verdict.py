"""``regio verdict SCENARIO``: the cabinet's three principles and the hard constraints, checked.

Prints one row per check (``geo.checks``): passed or failed, the figures and the offending
regions; with ``--json`` exactly one JSON object (schema in docs/verdict.md). Exit status 0 when
every hard check (P1, P2, P3, size, contiguity) passes, 1 when one fails, 2 on bad input (unknown
scenario, no SWV division, unknown jeugdregio division, bounds that cannot be met). A principle
the scenario claims (``principles:``) but fails is warned about on stderr.

Example::

    regio verdict huidig --jeugdregio jeugdregio_41 --json
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from geo.errors import RegiokompasError
from regio.common import DataOption, JsonOption, ScenarioArgument, console, fail, stdout

if TYPE_CHECKING:
    from geo.checks import Verdict, VerdictSettings
    from geo.dataset import Dataset

JeugdregioOption = Annotated[
    str | None,
    typer.Option(
        "--jeugdregio",
        help="Jeugdregio division to check P3 against: a division of the scenario or a scenario "
        "whose jeugdregio is used (default: the scenario's own jeugdregio).",
    ),
]
VerdictToleranceOption = Annotated[
    float,
    typer.Option("--tolerance", min=0.0, max=1.0, help="P3: nested when containment >= this."),
]
VerdictWeightOption = Annotated[
    str,
    typer.Option(
        "--weight",
        help="P3 and uniform regions: 'pupils' (the SWV's own level) or a weight name (area, ...).",
    ),
]
MarginOption = Annotated[
    float,
    typer.Option("--margin-km", min=0.0, help="P2: allowed extra km over the baseline."),
]
MinOption = Annotated[
    float | None,
    typer.Option("--min-pupils", help="Size: minimum PO+VO pupils (default: today's smallest)."),
]
MaxOption = Annotated[
    float | None,
    typer.Option("--max-pupils", help="Size: maximum PO+VO pupils (default: today's largest)."),
]

SpaceOption = Annotated[
    Path | None,
    typer.Option(
        "--space",
        help="A space built by 'regio space build': add the reported check 'space' (the "
        "scenario's percentiles among the valid divisions).",
    ),
]
SpaceDivisionOption = Annotated[
    str | None,
    typer.Option(
        "--space-division",
        help="The SWV division placed in the space (default: swv, else swv_po).",
    ),
]

MAX_LISTED = 6
"""Offenders named per row of the table (the JSON has all)."""


def _mark(passed: bool | None) -> str:
    if passed is None:
        return "[cyan]reported[/]"
    return "[green]✔ pass[/]" if passed else "[red]✗ FAIL[/]"


def print_verdict(v: Verdict) -> None:
    """One row per check: result, summary, offenders (code and name)."""
    from geo.names import label

    j = v.jeugdregio
    table = Table(
        title=f"{v.scenario}: verdict against {j['regions']} jeugdregio's ({j['source']}); "
        f"divisions {', '.join(v.divisions)}",
        title_justify="left",
    )
    for column, kw in (
        ("check", {"no_wrap": True}),
        ("", {"no_wrap": True}),
        ("figures", {"ratio": 3}),
        ("offenders", {"ratio": 2}),
    ):
        table.add_column(column, **kw)  # type: ignore[arg-type]
    for r in v.results:
        shown = [
            f"{label(str(o['code']), o.get('name'))} ({o['problem']})"
            for o in r.offenders[:MAX_LISTED]
        ]
        if len(r.offenders) > MAX_LISTED:
            shown.append(f"... {len(r.offenders) - MAX_LISTED} more (--json lists all)")
        table.add_row(
            f"{r.name}{'' if r.hard else ' *'}", _mark(r.passed), r.summary, "\n".join(shown)
        )
    stdout.print(table)
    stdout.print("[dim]* reported, not judged[/]")
    outcome = (
        "[green]PASSES every hard check[/]"
        if v.passed
        else "[red]FAILS[/] " + ", ".join(r.name for r in v.results if r.hard and not r.passed)
    )
    stdout.print(f"{v.scenario}: {outcome}")


def settings_from(
    tolerance: float,
    weight: str,
    margin_km: float,
    min_pupils: float | None,
    max_pupils: float | None,
) -> VerdictSettings:
    """:class:`VerdictSettings` from the options; a bad value stops with exit code 2."""
    from geo.checks import VerdictSettings

    try:
        return VerdictSettings(
            tolerance=tolerance,
            weight=weight,
            margin_km=margin_km,
            min_pupils=min_pupils,
            max_pupils=max_pupils,
        )
    except RegiokompasError as exc:
        fail(str(exc))


def with_space(
    v: Verdict, dataset: Dataset, space: Path | None, division: str | None = None
) -> Verdict:
    """``v`` with the reported check ``space`` added (:mod:`geo.space.verdict`) when a space is
    given; a bad space directory or division stops with exit code 2."""
    if space is None:
        return v
    from geo.space.verdict import space_result

    assert v.state is not None
    try:
        result = space_result(
            dataset, v.state.divisions, space, scenario=v.scenario, division=division
        )
    except RegiokompasError as exc:
        fail(str(exc))
    return replace(v, results=[*v.results, result])


def verdict_command(
    scenario: ScenarioArgument,
    jeugdregio: JeugdregioOption = None,
    tolerance: VerdictToleranceOption = 0.995,
    weight: VerdictWeightOption = "pupils",
    margin_km: MarginOption = 0.0,
    min_pupils: MinOption = None,
    max_pupils: MaxOption = None,
    space: SpaceOption = None,
    space_division: SpaceDivisionOption = None,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Check a scenario against the three principles, size and contiguity (exit 1 if one fails)."""
    from geo.checks import scenario_verdict
    from regio.common import open_dataset
    from regio.stored import load_cli_scenario

    settings = settings_from(tolerance, weight, margin_km, min_pupils, max_pupils)
    dataset = open_dataset(data)
    try:
        v = scenario_verdict(
            dataset, scenario, jeugdregio=jeugdregio, settings=settings, loader=load_cli_scenario
        )
    except RegiokompasError as exc:
        fail(str(exc))
    v = with_space(v, dataset, space, space_division)
    for warning in v.warnings:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    if as_json:
        typer.echo(json.dumps(v.to_dict(), ensure_ascii=False, allow_nan=False))
    else:
        print_verdict(v)
    raise typer.Exit(0 if v.passed else 1)
