"""``coursekit check EXERCISE [PATH]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coursekit.cli.check_run import run

LANG_HELP = "The language of the feedback: zh or en (default: $COURSEKIT_LANG, then the locale)."


def check(
    exercise: Annotated[str, typer.Argument(help="The exercise id (coursekit list shows them).")],
    path: Annotated[Path | None, typer.Argument(
        help="Your file, or the folder holding it (default: ./ then ./exercises/).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Show each failed test's inputs and the expected and "
                                               "received arrays.")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
) -> None:
    """Run the public tests of one exercise on your file.

    Exit code 0 when every test passed, 1 when any failed, 2 when the file or the exercise is not found or
    the file cannot be loaded (a syntax error, a failed import).
    """
    raise typer.Exit(code=run(exercise, path, as_json=as_json, verbose=verbose, lang=lang))
