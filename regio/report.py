"""``regio report SCENARIO... --out report.html``: a printable report of the verdicts.

One self-contained HTML file (no external requests; print to PDF from a browser): a scorecard
with one column per scenario, then per scenario a map of its SWVs, the checks, a per-SWV table
and the gemeenten whose SWV changes, and the sources (:mod:`maps.report`). The file is written
through a temporary file, so an existing report survives any error. Exit status as
``regio verdict``: 0 when every scenario passes every hard check, 1 otherwise, 2 on bad input.

Example::

    regio report huidig po_vo_samen swv_binnen_jeugdregio --out report.html
    regio report jeugdregio_41 --region JZ42 --out limburg.pdf   # regional, printed by Chromium
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo.atomic import write_atomic
from geo.errors import RegiokompasError
from regio.common import DataOption, console, fail, open_dataset
from regio.verdict import (
    JeugdregioOption,
    MarginOption,
    MaxOption,
    MinOption,
    SpaceDivisionOption,
    SpaceOption,
    VerdictToleranceOption,
    VerdictWeightOption,
    settings_from,
    with_space,
)


def report_command(
    scenarios: Annotated[
        list[str], typer.Argument(help="Scenario files (YAML/JSON) or library names.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="File to write: *.html, or *.pdf (needs Chromium).")
    ],
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="Regional report: a jeugdregio code (JZ42), a province (PV31 or Limburg) or an "
            "SWV code: maps zoomed to it, tables of the SWVs that touch it.",
        ),
    ] = None,
    appendix: Annotated[
        bool, typer.Option("--appendix", help="With --region: add the national tables.")
    ] = False,
    jeugdregio: JeugdregioOption = None,
    tolerance: VerdictToleranceOption = 0.995,
    weight: VerdictWeightOption = "pupils",
    margin_km: MarginOption = 0.0,
    min_pupils: MinOption = None,
    max_pupils: MaxOption = None,
    space: SpaceOption = None,
    space_division: SpaceDivisionOption = None,
    data: DataOption = None,
) -> None:
    """Write a self-contained HTML or PDF report (scorecard, maps, tables) of one or more
    scenarios, for the whole country or one region (--region)."""
    from geo.checks import build_context, scenario_verdict
    from maps.report import render_report
    from regio.stored import load_cli_scenario

    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        fail(f"--out {out}: the report is HTML or PDF; name the file *.html or *.pdf")
    if appendix and region is None:
        fail("--appendix adds the national tables to a regional report: give --region too")
    settings = settings_from(tolerance, weight, margin_km, min_pupils, max_pupils)
    dataset = open_dataset(data)
    try:
        ctx = build_context(dataset)
        verdicts = [
            scenario_verdict(
                ctx, s, jeugdregio=jeugdregio, settings=settings, loader=load_cli_scenario
            )
            for s in scenarios
        ]
    except RegiokompasError as exc:
        fail(str(exc))
    verdicts = [with_space(v, dataset, space, space_division) for v in verdicts]
    for v in verdicts:
        for warning in v.warnings:
            console.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    try:
        html = render_report(verdicts, region=region, appendix=appendix)
        if out.suffix.lower() == ".pdf":
            from maps.pdf import html_to_pdf

            pdf = html_to_pdf(html)
            write_atomic(out, lambda tmp: tmp.write_bytes(pdf))
        else:
            write_atomic(out, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    except RegiokompasError as exc:
        fail(str(exc))
    passed = [v.scenario for v in verdicts if v.passed]
    console.print(
        f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): {len(verdicts)} scenario(s), "
        f"{len(passed)} passing every hard check"
    )
    raise typer.Exit(0 if len(passed) == len(verdicts) else 1)
