"""The ``regio`` command: one entry point for everything a planner or a script does.

Sub-commands live in one module each (``data.py``, ``score.py``, ...), registered here; what
they share (consoles, ``fail``, ``load_data``, options) is in ``common.py``. Command modules
import heavy libraries inside the command functions, so ``regio --help`` starts in about 0.5 s.
"""

from __future__ import annotations

import typer

from regio import accounts, data
from regio.propose import ensemble_command, propose_command
from regio.report import report_command
from regio.run import run_command
from regio.score import score_command
from regio.serve import serve_command
from regio.space import options_command, space_app
from regio.variants import variants_command
from regio.verdict import verdict_command

app = typer.Typer(
    name="regio",
    help="regiokompas: compare SWV and jeugdregio divisions of the Netherlands on real data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(data.app, name="data")
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.tokens_app, name="tokens")
app.add_typer(accounts.library_app, name="library")
app.add_typer(space_app, name="space")
app.command("serve")(serve_command)
app.command("score")(score_command)
app.command("run")(run_command)
app.command("variants")(variants_command)
app.command("propose")(propose_command)
app.command("ensemble")(ensemble_command)
app.command("verdict")(verdict_command)
app.command("report")(report_command)
app.command("options")(options_command)


def main() -> None:  # pragma: no cover - console entry point
    app()
