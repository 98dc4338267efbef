"""``regio data fetch``: download the public source files into a data directory.

The lead registers it in ``regio/data.py`` with ``app.command("fetch")(fetch_command)``.

Example::

    regio data fetch --data ~/regiokompas-data
    regio data fetch --base-url http://mirror.example:8000/ --only cbs --only swv_pc4_2015
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from geo.data.fetch import fetch
from geo.errors import RegiokompasError


def fetch_command(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Target data directory (default: the regiokompas data dir)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Mirror carrying the layout: fetch <URL>/<path>."),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Only these files: path, file name, short name (gemeente_2025) or folder (cbs); "
            "repeat or separate by commas.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Download again even when a verified file is present.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Download the public source files (CBS, population, schools, SWV) with sha256 checks.

    A file is written only after its full download has the known-good sha256; on any error
    the file already present stays as it was. FETCHED.json and CHECKSUMS.sha256 record what
    was fetched.
    """
    out = Console()
    err = Console(stderr=True)
    try:
        results = fetch(
            data, base_url=base_url, only=only, force=force, progress=not quiet, console=err
        )
    except RegiokompasError as exc:
        err.print(f"[bold red]fetch failed:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    table = Table("file", "status", Column("bytes", justify="right"), box=box.SIMPLE)
    for r in results:
        table.add_row(r.path, r.status, f"{r.bytes:,}")
    out.print(table)
    fetched = sum(r.status == "fetched" for r in results)
    out.print(f"{fetched} fetched, {len(results) - fetched} already present and verified")
    out.print("sha256 of every file: CHECKSUMS.sha256 in the data directory", style="dim")
