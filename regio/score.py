"""``regio score SCENARIO``: how well one division lines up with another in a scenario.

SCENARIO is a scenario file (YAML/JSON) or the name of a library scenario (``huidig``,
``po_vo_samen``, ...). Prints a table for people, or with ``--json`` exactly one JSON object (the
engine's :meth:`geo.overlap.Score.to_dict`). Bad names of divisions or weights stop with a message
listing the options and exit code 2; so does an invalid scenario (file, ``edits[i]`` and field).

Example::

    regio score huidig --division swv_po --against jeugdregio --weight pupils --json
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from geo.errors import RegiokompasError
from regio.common import (
    AgainstOption,
    DataOption,
    JsonOption,
    MinPieceOption,
    ScenarioArgument,
    ToleranceOption,
    WeightOption,
    check_divisions,
    check_weights,
    fail,
    open_dataset,
    scenario_divisions,
    stdout,
)

if TYPE_CHECKING:
    from geo.overlap import Score


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
    stdout.print(table)
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
    stdout.print(summary)
    for note in result.notes:
        stdout.print(f"[dim]- {note}[/]", highlight=False)


def score_command(
    scenario: ScenarioArgument,
    division: Annotated[
        str, typer.Option("--division", "-d", help="Division to score.")
    ] = "swv_po",
    against: AgainstOption = "jeugdregio",
    weight: WeightOption = "area",
    tolerance: ToleranceOption = 0.995,
    min_piece: MinPieceOption = 0.0,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Score one division against another in a scenario (metrics in docs/metrics.md)."""
    from geo.overlap import score

    check_weights([weight])
    dataset = open_dataset(data)
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
