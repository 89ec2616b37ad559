"""``coursekit check EXERCISE [PATH]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit._exceptions import CoursekitError
from coursekit.check import check as run_check
from coursekit.i18n import resolve_language
from coursekit.render.jsonout import check_json, error_json
from coursekit.render.terminal import show_check

LANG_HELP = "The language of the feedback: zh or en (default: $COURSEKIT_LANG, then the locale)."


def check(
    exercise: Annotated[str, typer.Argument(help="The exercise id, e.g. ex1.")],
    path: Annotated[Path | None, typer.Argument(
        help="Your file, or the folder holding it (default: ./ then ./exercises/).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Show expected and received arrays.")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
) -> None:
    """Run the public tests of one exercise on your file.

    Exit code 0 when every test passed, 1 when any failed, 2 when the file or the exercise is not found.
    """
    console = Console()
    try:
        language = resolve_language(lang)
        result = run_check(exercise, path)
    except CoursekitError as exc:  # an unknown exercise or language, a file not found or refused: exit 2
        if as_json:
            typer.echo(json.dumps(error_json(str(exc)), ensure_ascii=False))
        else:
            Console(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(code=2) from None
    if as_json:
        typer.echo(json.dumps(check_json(result, language), ensure_ascii=False))
    else:
        show_check(console, result, language, verbose=verbose)
    raise typer.Exit(code=0 if result.passed else 1)
