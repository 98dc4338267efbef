"""``regio data build|check``: build the store from the public sources and validate it."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from geo.errors import RegiokompasError
from regio import common
from regio.common import DataOption, JsonOption, console, fail
from regio.fetch import fetch_command

app = typer.Typer(help="Build, check and fetch the real data.", no_args_is_help=True)
app.command("fetch")(fetch_command)


@app.command("build")
def build_command(
    data: DataOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild even when nothing changed.")
    ] = False,
) -> None:
    """Build the embedded store (rebuilt only when a source file changed)."""
    from geo.data.store import build_store

    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("fingerprinting sources", total=None)
            path, rebuilt = build_store(
                data, force=force, progress=lambda m: progress.update(task, description=m)
            )
    except RegiokompasError as exc:
        fail(str(exc))
    state = "built" if rebuilt else "up to date"
    console.print(f"store {state}: {path}")


@app.command("check")
def check_command(
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Validate the foundation; exit non-zero on any inconsistency."""
    from geo.data.check import check_dataset

    try:
        report = check_dataset(common.load_data(data))
    except RegiokompasError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print_report(report)
    if report["problems"]:
        raise typer.Exit(1)


def _print_report(report: dict) -> None:
    out = common.stdout
    out.print(f"[bold]units[/] {report['units']} gemeenten (2025)")
    table = Table(
        "division",
        "regions",
        "max |Σshare−1|",
        "split gemeenten",
        "'no region' units",
        title="Divisions",
    )
    for name, n in report["divisions"].items():
        table.add_row(
            name,
            str(n),
            f"{report['max_share_sum_deviation'][name]:.1e}",
            str(len(report["split_units"][name])),
            str(len(report["unassigned"][name])),
        )
    out.print(table)
    for name, rows in report["split_units"].items():
        if rows:
            out.print(f"[bold]{name}[/] split gemeenten:")
            for row in rows:
                regions = ", ".join(f"{r} {s:.3f}" for r, s in row["regions"].items())
                out.print(f"  {row['unit']} {row['name']}: {regions}")
    for name, rows in report["unassigned"].items():
        for row in rows:
            out.print(
                f"[bold]{name}[/] 'no region' share: {row['unit']} {row['name']} {row['share']:.4f}"
            )
    out.print(
        "[bold]crosswalk 2015→2025[/] "
        f"{report['crosswalk'].get('source_units')} → {report['crosswalk'].get('target_units')}"
    )
    for split in report["crosswalk"].get("splits", []):
        parts = ", ".join(f"{t} {w:.3f}" for t, w in split["to"].items())
        out.print(f"  split: {split['gemeente_2015']} → {parts}")
    totals = Table("total", "value", title="Totals")
    for key, value in report["totals"].items():
        totals.add_row(key, f"{value:,}")
    out.print(totals)
    s = report["schools"]
    out.print(
        f"schools: {s['rows']} rows, {s['duplicates_removed']} duplicates removed, "
        f"{s['locations']} locations; not in any gemeente: {len(s['not_in_any_gemeente'])}; "
        f"snapped to nearest gemeente: {len(s['snapped_to_nearest_gemeente'])}; "
        f"postcode not in SWV table: {len(s['postcode_not_in_swv_table'])}; "
        f"pupil count missing: {s['pupils_missing']}"
    )
    for row in s["postcode_not_in_swv_table"]:
        out.print(f"  postcode not in SWV table: {row['postcode']} {row['naam']} ({row['type']})")
    _print_pc4(report.get("pc4") or {})
    travel = report.get("travel_table")
    if travel:
        out.print(
            f"[bold]travel table[/] {travel.get('file')}: layout {travel['layout']}, "
            f"{travel['rows']:,} rows used ({travel['value']}); P2 and every travel figure use it"
        )
    else:
        out.print(
            "travel table: none (travel model: hemelsbreed over land, via vaste oeververbindingen)"
        )
    out.print(f"lowest best overlap per division: {report['lowest_overlap']}")
    out.print(f"repaired geometries: {len(report['repaired_geometries'])}")
    if report["problems"]:
        for problem in report["problems"]:
            out.print(f"[bold red]problem:[/] {problem}")
    else:
        out.print("[bold green]no problems[/]")


def _print_pc4(pc4: dict) -> None:
    """The PC4 layer part of ``regio data check`` (all of it is in ``--json``)."""
    if not pc4:
        return
    out = common.stdout
    per = pc4["pc4s_per_gemeente"]
    cov = pc4["area_coverage"]
    out.print(f"[bold]PC4 layer[/] {pc4['pc4s']} PC4s; PC4s per gemeente (area coverage):")
    out.print("  " + "; ".join(f"{u} {n} ({cov.get(u, 0):.2f})" for u, n in sorted(per.items())))
    for u, c in pc4["area_coverage_outside_90_110_percent"].items():
        out.print(f"  area coverage outside 90-110%: {u} {c:.3f}")
    for row in pc4["crossing_gemeente_border"]:
        parts = ", ".join(f"{u} {f:.3f}" for u, f in row["pieces"].items())
        out.print(f"  PC4 {row['pc4']} crosses a gemeente border: {parts}")
    for row in pc4["derived_swv"]:
        src = f" (split off {row['from_pc4']})" if row["from_pc4"] else ""
        out.print(
            f"  SWV derived for PC4 {row['pc4']} ({row['unit']}): {row['swv_po']} / "
            f"{row['swv_vo']} by rule {row['rule']}{src}, 2015 gemeente {row['code2015']}"
        )
    for row in pc4["annex_without_polygon"]:
        out.print(
            f"  annex postcode without a 2020 polygon: {row['pc4']} {row['gemeente_2015']} "
            f"{row['swv_po']} / {row['swv_vo']}; nearest 2020 PC4 {row['nearest_pc4_2020']} "
            f"{'same SWV' if row['same_swv'] else 'OTHER SWV'}"
        )
    if pc4["pc4_without_polygon"] or pc4["pc4_without_inhabitants"]:
        out.print(
            f"  PC4 features without polygon: {pc4['pc4_without_polygon']}; "
            f"without inhabitants: {pc4['pc4_without_inhabitants']}"
        )
    for column, row in pc4["no_swv"].items():
        out.print(
            f"  {column} no SWV (GEEN): PC4 {', '.join(row['pc4'])}: "
            f"{row['inhabitants']:,.0f} inhabitants, {row['area_km2']:,.1f} km²"
        )
