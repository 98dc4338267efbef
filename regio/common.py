"""What the ``regio`` sub-commands share: consoles, options, errors, data and scenario loading.

Rule: every sub-command stops on a planner's mistake through :func:`fail` (a red message on
stderr naming the problem, no traceback, exit code 2) and loads the data through
:func:`load_data`, the one function tests replace to run the CLI on synthetic data. This module
imports only light modules (typer, rich, the weight names); heavy ones are imported inside the
functions, so ``regio --help`` starts fast.

Output files are written with :func:`geo.atomic.write_atomic`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from geo.dataset import WEIGHTS
from geo.errors import RegiokompasError

if TYPE_CHECKING:
    from geo.dataset import Dataset
    from geo.division import Division
    from geo.scenarios import ScenarioDoc

console = Console(stderr=True)
"""Messages, progress and errors (stderr)."""
stdout = Console()
"""Results for people (stdout); ``--json`` output goes through ``typer.echo``."""

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Data directory (default: $REGIOKOMPAS_DATA or ../shared/data)."),
]
ScenarioArgument = Annotated[
    str,
    typer.Argument(
        help="Scenario file (YAML/JSON, or the web app's JSON export), library name (e.g. "
        "huidig) or id of a scenario stored in the web app ($REGIOKOMPAS_STATE)."
    ),
]
AgainstOption = Annotated[str, typer.Option("--against", "-a", help="Division to compare with.")]
WeightOption = Annotated[str, typer.Option("--weight", "-w", help=f"One of {', '.join(WEIGHTS)}.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")]
ToleranceOption = Annotated[
    float,
    typer.Option("--tolerance", min=0.0, max=1.0, help="Nested when containment >= this value."),
]
MinPieceOption = Annotated[
    float,
    typer.Option("--min-piece", min=0.0, max=1.0, help="Pieces above this share count."),
]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a clear error (no traceback) and exit with ``code``."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_data(data: Path | None) -> Dataset:
    """The dataset (tests replace this function to run the CLI on synthetic data)."""
    from geo.data.store import load_dataset

    return load_dataset(data)


def open_dataset(data: Path | None) -> Dataset:
    """:func:`load_data`; a problem with the data stops with its message and exit code 2."""
    try:
        return load_data(data)
    except RegiokompasError as exc:
        fail(str(exc))


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
    """Load, validate and apply a scenario (a file, the web app's JSON export, a library name
    or a scenario id stored in the web app: :func:`regio.stored.load_cli_scenario`); any
    problem stops with exit code 2."""
    from regio.stored import load_cli_scenario

    try:
        return load_cli_scenario(scenario, dataset)
    except RegiokompasError as exc:
        fail(str(exc))
