"""The handout's ``coursekit`` command: ``list`` and ``check``, nothing else."""

from __future__ import annotations

import typer

from coursekit.cli import check_cmd, help_text, list_cmd

app = typer.Typer(name="coursekit", help="Check your exercises of the recurrent-networks lesson.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.command("list")(list_cmd.list_exercises)
app.command("check")(check_cmd.check)


def main() -> None:
    help_text.command(app)()
