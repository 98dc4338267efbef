"""``regio variants SCENARIO --moves all-border-units``: every single-unit move, ranked by gain.

Takes one division of a scenario (``--division``), finds every move of one unit (gemeente) into
a region of a neighbouring unit (queen contiguity of the gemeente boundaries, from
:func:`geo.adjacency.queen_adjacency`; islands are linked to their nearest unit), evaluates each
move incrementally with :class:`geo.overlap.MoveEvaluator` (only the two touched rows of the
table change, like GerryChain's Tally updater) and ranks them by the change in congruence with
``--against``.

Example::

    regio variants huidig --division swv_po --against jeugdregio --weight pupils --top 10
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from geo.atomic import write_atomic
from geo.errors import RegiokompasError
from regio.common import (
    AgainstOption,
    DataOption,
    JsonOption,
    ScenarioArgument,
    WeightOption,
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

MOVE_SETS: tuple[str, ...] = ("all-border-units",)


def rank_variants(a: Any, b: Any, weights: pd.Series, adjacency: Any) -> tuple[pd.DataFrame, float]:
    """All border moves of ``a`` ranked by gain in congruence with ``b``; and the baseline.

    Rule: candidates are :meth:`MoveEvaluator.border_moves` (each unit to each region of a
    neighbour other than its own); ranked by gain (descending), ties by unit and region code.
    Adds ``rank`` (1 = best), unit and region names are left to the caller.

    >>> import pandas as pd
    >>> from geo.division import Division
    >>> a = Division.from_assignment("a", {"x": "A1", "y": "A1", "z": "A2"})
    >>> b = Division.from_assignment("b", {"x": "B1", "y": "B2", "z": "B2"})
    >>> ranked, base = rank_variants(a, b, pd.Series(1.0, index=["x", "y", "z"]),
    ...                              {"x": ["y"], "y": ["z"]})
    >>> ranked[["unit", "to", "rank"]].to_dict("records")[0]
    {'unit': 'y', 'to': 'A2', 'rank': 1}
    """
    import pandas as pd

    from geo.overlap import MoveEvaluator

    evaluator = MoveEvaluator(a, b, weights)
    moves = evaluator.border_moves(adjacency)
    frame = (
        evaluator.evaluate(moves)
        if moves
        else pd.DataFrame(columns=["unit", "from", "to", "congruence", "gain"])
    )
    frame = frame.sort_values(
        ["gain", "unit", "to"], ascending=[False, True, True], kind="stable", ignore_index=True
    )
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame, evaluator.congruence


def variants_command(
    scenario: ScenarioArgument,
    division: Annotated[
        str, typer.Option("--division", "-d", help="Division whose units move.")
    ] = "swv_po",
    against: AgainstOption = "jeugdregio",
    weight: WeightOption = "pupils",
    moves: Annotated[
        str, typer.Option("--moves", help=f"Which moves: {', '.join(MOVE_SETS)}.")
    ] = "all-border-units",
    top: Annotated[int, typer.Option("--top", "-n", min=0, help="Show the N best.")] = 20,
    as_json: JsonOption = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write every variant to this CSV file.")
    ] = None,
    data: DataOption = None,
) -> None:
    """Evaluate every single-unit move across a border; rank by gain in congruence."""
    from geo.adjacency import queen_adjacency

    check_weights([weight])
    if moves not in MOVE_SETS:
        fail(f"unknown move set {moves!r}; choose one of {', '.join(MOVE_SETS)}")
    dataset = open_dataset(data)
    doc, divisions = scenario_divisions(scenario, dataset)
    check_divisions([division, against], divisions, doc.name)
    if division == against:
        fail("--division and --against are the same division")
    try:
        adjacency, islands = queen_adjacency(dataset.units)
        ranked, baseline = rank_variants(
            divisions[division], divisions[against], dataset.weight(weight), adjacency
        )
    except RegiokompasError as exc:
        fail(str(exc))
    names = dataset.units["name"].astype(str)
    region_names = dict(divisions[division].region_names)
    ranked.insert(2, "unit_name", ranked["unit"].map(names))
    ranked["to_name"] = ranked["to"].map(region_names)
    if out is not None:
        write_atomic(out, lambda tmp: ranked.to_csv(tmp, index=False))
    best = ranked.head(top)
    if as_json:
        payload = {
            "scenario": doc.name,
            "division": division,
            "against": against,
            "weight": weight,
            "moves": moves,
            "baseline_congruence": baseline,
            "evaluated": len(ranked),
            "improving": int((ranked["gain"] > 0).sum()),
            "island_links": islands,
            "variants": best.to_dict("records"),
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    table = Table(
        title=f"{doc.name}: best single-unit moves of {division} for congruence with {against} "
        f"(weight {weight}; baseline {baseline:.4f}; {len(ranked)} moves evaluated)",
        title_justify="left",
    )
    for column in ("rank", "unit", "name", "from", "to", "congruence", "gain"):
        table.add_column(
            column, justify="right" if column in {"rank", "congruence", "gain"} else "left"
        )
    for row in best.to_dict("records"):
        table.add_row(
            str(row["rank"]),
            row["unit"],
            str(row["unit_name"]),
            row["from"],
            row["to"] if row["to_name"] in (row["to"], None) else f"{row['to']} {row['to_name']}",
            f"{row['congruence']:.4f}",
            f"{row['gain']:+.5f}",
        )
    stdout.print(table)
    if out is not None:
        console.print(f"wrote {len(ranked)} variants to {out}", highlight=False)
