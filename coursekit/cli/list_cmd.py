"""``coursekit list``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from coursekit._exceptions import CoursekitError
from coursekit.cli.errors import never_fail_to_print, print_error
from coursekit.i18n import resolve_language
from coursekit.registry import all_exercises
from coursekit.render.terminal import exercise_list


def list_exercises(
    lang: Annotated[str | None, typer.Option(
        "--lang", help="zh or en (default: $COURSEKIT_LANG, then the locale).")] = None,
) -> None:
    """List the exercises, their titles and points."""
    never_fail_to_print()
    try:
        language = resolve_language(lang)
    except CoursekitError as exc:
        print_error(exc, lang)
        raise typer.Exit(code=2) from None
    Console().print(exercise_list(all_exercises(), language))
