"""``regio score SCENARIO``: how well one division lines up with another in a scenario.

SCENARIO is a scenario file (YAML/JSON) or the name of a library scenario (``huidig``,
``po_vo_samen``, ...). Prints a table for people, or with ``--json`` exactly one JSON object (the
engine's :meth:`geo.overlap.Score.to_dict`). Bad names of divisions or weights stop with a message
listing the options and exit code 2; so does an invalid scenario (file, ``edits[i]`` and field).

Example::

    regio score huidig --division swv_po --against jeugdregio --weight pupils --json

This module also holds the helpers that ``regio run`` and ``regio variants`` share.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from geo.dataset import WEIGHTS
from geo.errors import RegiokompasError

if TYPE_CHECKING:
    from geo.dataset import Dataset
    from geo.division import Division
    from geo.overlap import Score
    from geo.scenarios import ScenarioDoc

console = Console(stderr=True)
out = Console()

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Data directory (default: $REGIOKOMPAS_DATA or ../shared/data)."),
]
ScenarioArgument = Annotated[
    str, typer.Argument(help="Scenario file (YAML/JSON) or library name, e.g. huidig.")
]
TOLERANCE_HELP = "Nested when containment >= this value."


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a clear error (no traceback) and exit with ``code``."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_data(data: Path | None) -> Dataset:
    """The dataset (tests replace this function to run the CLI on synthetic data)."""
    from geo.store import load_dataset

    return load_dataset(data)


def check_weights(names: Iterable[str]) -> None:
    """Stop (exit 2) on an unknown weight name, listing the options."""
    for name in names:
        if name not in WEIGHTS:
            fail(f"unknown weight {name!r}; choose one of {', '.join(WEIGHTS)}")


def check_divisions(names: Iterable[str], divisions: Mapping[str, Division], where: str) -> None:
    """Stop (exit 2) on a division name the scenario does not have, listing the options."""
    for name in names:
        if name not in divisions:
            fail(
                f"unknown division {name!r} in scenario {where!r}; choose one of "
                f"{', '.join(sorted(divisions))}"
            )


def scenario_divisions(scenario: str, dataset: Dataset) -> tuple[ScenarioDoc, dict[str, Division]]:
    """Load, validate and apply a scenario; any problem stops with exit code 2."""
    from geo.scenarios import apply_scenario, load_scenario

    try:
        doc = load_scenario(scenario)
        return doc, apply_scenario(doc, dataset)
    except RegiokompasError as exc:
        fail(str(exc))


def _fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def print_score(result: Score, scenario: str) -> None:
    """A human-readable table of a score: summary, then one row per region."""
    s = result.summary
    title = (
        f"{scenario}: {result.division} in {result.against}, weight {result.weight} "
        f"(congruence {_fmt(s.get('congruence'))})"
    )
    table = Table(title=title, title_justify="left")
    for column, justify in [
        ("region", "left"),
        ("name", "left"),
        ("total", "right"),
        ("best match", "left"),
        ("containment", "right"),
        ("nested", "center"),
        ("splits", "right"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in result.regions:
        table.add_row(
            r.region,
            r.name,
            _fmt(r.total, 1),
            f"{r.best_match} {r.best_match_name}" if r.best_match else "-",
            _fmt(r.containment),
            _fmt(r.nested),
            str(r.splits),
        )
    out.print(table)
    summary = Table(show_header=False, box=None)
    for key in (
        "nested_regions",
        "regions",
        "nested_share",
        "mean_containment",
        "reverse_mean_containment",
        "congruence",
        "ari",
        "nmi",
        "vi",
        "total_pieces",
        "no_region_total",
    ):
        if key in s:
            summary.add_row(key, _fmt(s[key], 4))
    out.print(summary)
    for note in result.notes:
        out.print(f"[dim]- {note}[/]", highlight=False)


def score_command(
    scenario: ScenarioArgument,
    division: Annotated[
        str, typer.Option("--division", "-d", help="Division to score.")
    ] = "swv_po",
    against: Annotated[
        str, typer.Option("--against", "-a", help="Division to compare with.")
    ] = "jeugdregio",
    weight: Annotated[
        str, typer.Option("--weight", "-w", help=f"One of {', '.join(WEIGHTS)}.")
    ] = "area",
    tolerance: Annotated[
        float, typer.Option("--tolerance", min=0.0, max=1.0, help=TOLERANCE_HELP)
    ] = 0.995,
    min_piece: Annotated[
        float,
        typer.Option("--min-piece", min=0.0, max=1.0, help="Pieces above this share count."),
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
    data: DataOption = None,
) -> None:
    """Score one division against another in a scenario (metrics in docs/metrics.md)."""
    from geo.overlap import score

    check_weights([weight])
    try:
        dataset = load_data(data)
    except RegiokompasError as exc:
        fail(str(exc))
    doc, divisions = scenario_divisions(scenario, dataset)
    check_divisions([division, against], divisions, doc.name)
    try:
        result = score(
            divisions[division],
            divisions[against],
            dataset.weight(weight),
            weight_name=weight,
            tolerance=tolerance,
            min_piece=min_piece,
        )
    except RegiokompasError as exc:
        fail(str(exc))
    if as_json:
        try:
            text = json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False)
        except ValueError as exc:  # a NaN would not be valid JSON
            fail(f"the score cannot be written as JSON: {exc}", code=1)
        typer.echo(text)
    else:
        print_score(result, doc.name)
