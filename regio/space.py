"""``regio space build`` and ``regio options``: the space of valid divisions and options on it.

``regio space build --out DIR`` enumerates (or samples, above ``--cap`` plans) every valid SWV
division of every jeugdregio on a Dask cluster (a local one with ``--workers`` processes, or
``--scheduler ADDR``), writes Parquet per jeugdregio and a manifest, and resumes per jeugdregio.
``regio options --space DIR --k 5 --out DIR`` writes up to K diverse options on the national
Pareto front of disruption x travel x number of SWVs as scenario files, a trade-off chart
and ``options.json``. Method: docs/space.md.

Example::

    regio space build --jeugdregio-division jeugdregio_41 --out space41/
    regio verdict voorstel.yaml --space space41/
    regio options --space space41/ --k 5 --swvs JZ14=2 --out options/
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from geo.atomic import write_atomic
from geo.errors import RegiokompasError
from regio.common import DataOption, JsonOption, console, fail, open_dataset, stdout
from regio.propose import MaxExtraKmOption, MaxExtraMeanKmOption, MaxPupilsOption, MinPupilsOption

space_app = typer.Typer(help="The space of valid SWV divisions per jeugdregio (docs/space.md).")

SpaceDirOption = Annotated[
    Path, typer.Option("--space", help="A space directory written by 'regio space build'.")
]


@space_app.command("build")
def build_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write (resumed if present).")],
    jeugdregio_division: Annotated[
        str,
        typer.Option(
            "--jeugdregio-division",
            help="Division or scenario defining the jeugdregio's (e.g. jeugdregio_41).",
        ),
    ] = "jeugdregio",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler (default: local)."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes of the local Dask cluster.")
    ] = 2,
    cap: Annotated[
        int, typer.Option("--cap", min=1, help="Most plans per jeugdregio to enumerate exactly.")
    ] = 200_000,
    draws: Annotated[
        int, typer.Option("--draws", min=1, help="Uniform draws of a sampled jeugdregio.")
    ] = 20_000,
    chains: Annotated[
        int, typer.Option("--chains", min=2, help="Merge-split chains per SWV count.")
    ] = 4,
    steps: Annotated[int, typer.Option("--steps", min=10, help="Steps per chain.")] = 1000,
    recom_chains: Annotated[
        int,
        typer.Option(
            "--recom-chains", min=0, help="Reversible ReCom chains per SWV count (baseline)."
        ),
    ] = 2,
    jeugdregio: Annotated[
        list[str] | None,
        typer.Option("--jeugdregio", help="Only these jeugdregio codes (repeatable)."),
    ] = None,
    min_pupils: MinPupilsOption = None,
    max_pupils: MaxPupilsOption = None,
    max_extra_km: MaxExtraKmOption = None,
    max_extra_mean_km: MaxExtraMeanKmOption = None,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Enumerate or sample every valid SWV division of every jeugdregio (Parquet + manifest)."""
    from geo.space.build import SpaceSettings, build_space
    from regio.propose import proposal_settings

    settings = proposal_settings(
        jeugdregio=jeugdregio_division,
        min_pupils=min_pupils,
        max_pupils=max_pupils,
        max_extra_km=max_extra_km,
        max_extra_mean_km=max_extra_mean_km,
    )
    space = SpaceSettings(
        cap=cap, draws=draws, chains=chains, chain_steps=steps, recom_chains=recom_chains
    )
    dataset = open_dataset(data)
    try:
        result = build_space(
            dataset,
            out,
            proposal=settings,
            space=space,
            scheduler=scheduler,
            workers=workers,
            regions=jeugdregio or None,
            progress=not as_json,
        )
    except RegiokompasError as exc:
        fail(str(exc))
    m = result.manifest
    if as_json:
        typer.echo(json.dumps(m, ensure_ascii=False))
        return
    table = Table(title=f"space in {out}", title_justify="left")
    for col in ("jeugdregio", "gemeenten", "valid divisions", "method", "stored", "seconds"):
        table.add_column(col)
    for e in m["regions"]:
        table.add_row(
            f"{e['jeugdregio']} {e['name']}",
            str(e["gemeenten"]),
            f"{int(e['count']):,}",
            e["method"],
            f"{e['rows']:,}",
            f"{e['seconds']:.2f}",
        )
    stdout.print(table)
    stdout.print(
        f"{m['jeugdregios']} jeugdregio's: {m['exact']} exact, {m['sampled']} sampled; "
        f"{m['plans_stored']:,} plans stored; national valid divisions "
        f"{m['valid_divisions_national']} (product, never materialised); "
        f"{result.seconds:.1f} s ({len(result.skipped)} jeugdregio's resumed)"
    )


def _fixed(values: list[str] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values or []:
        code, _, n = v.partition("=")
        if not code or not n.isdigit():
            fail(f"--swvs {v!r}: write JEUGDREGIO=N, e.g. --swvs JZ14=2")
        out[code] = int(n)
    return out


def options_command(
    space: SpaceDirOption,
    out: Annotated[Path, typer.Option("--out", help="Directory for the scenario files.")],
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Most options to write.")] = 5,
    swvs: Annotated[
        list[str] | None,
        typer.Option("--swvs", help="Fix the SWVs of a jeugdregio: JZ14=2 (repeatable)."),
    ] = None,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Up to K diverse options on the Pareto front of disruption x travel x SWVs."""
    from geo.space.report import write_options

    dataset = open_dataset(data)
    try:
        result = write_options(dataset, space, out, k=k, fixed=_fixed(swvs))
    except RegiokompasError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    table = Table(title=f"{len(result['options'])} options (front of {result['front']})")
    for col in ("option", "SWVs", "pupils changing SWV", "km PO+VO", "file"):
        table.add_column(col)
    for o in result["options"]:
        table.add_row(
            o["name"],
            f"{o['swvs']:.0f}",
            f"{o['disrupted']:,.0f}",
            f"{o['travel_km']:.3f}",
            o["file"],
        )
    stdout.print(table)
    console.print(f"chart: {result['chart']}")


def write_json(path: Path, payload: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(payload, ensure_ascii=False, indent=1))
