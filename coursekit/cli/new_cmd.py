"""``coursekit new exN``: the skeleton of a new exercise (coursekit/scaffold)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit._exceptions import CoursekitError
from coursekit.cli.errors import print_error, say
from coursekit.i18n import resolve_language


def new(
    exercise: Annotated[str, typer.Argument(help="The new exercise's id: ex followed by its number.")],
    lang: Annotated[str | None, typer.Option(
        "--lang", help="The language of the messages: zh or en (default: $COURSEKIT_LANG, then the "
                       "locale).")] = None,
) -> None:
    """Write a working skeleton of a new exercise (grader, judge, messages, stub, solution, a named
    mistake) that checks green at once: a course adds its own exercises this way."""
    from coursekit.scaffold import new_exercise

    try:
        chosen = resolve_language(lang)
        written = new_exercise(exercise)
    except CoursekitError as exc:
        print_error(exc, lang)
        raise typer.Exit(code=2) from None
    console = Console(soft_wrap=True)
    for path in written:
        console.print(escape(say("new.wrote", chosen, path=str(path))))
