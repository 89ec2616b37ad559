"""The handout's ``coursekit`` command: ``list`` and ``check``, nothing else. A plain ``check``
command line is run without starting typer (``coursekit.cli.quick``), as in coursekit itself."""

from __future__ import annotations

import sys
from typing import Any


def _app() -> Any:
    import typer

    from coursekit.cli import check_cmd, list_cmd

    app = typer.Typer(name="coursekit", help="Check your exercises of the recurrent-networks lesson.",
                      no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    app.command("list")(list_cmd.list_exercises)
    app.command("check")(check_cmd.check)
    return app


def main() -> None:
    from coursekit.cli.quick import run_plain

    code = run_plain(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from coursekit.cli import help_text

    help_text.command(_app())()


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
