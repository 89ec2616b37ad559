"""``coursekit init-course [FILE]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit._exceptions import CoursekitError
from coursekit.cli.errors import print_error, say
from coursekit.course import DEFAULT_FILE, example
from coursekit.i18n import resolve_language
from coursekit.messages import msg
from coursekit.registry import exercise_ids


def init_course(
    path: Annotated[Path, typer.Argument(help="The file to write.")] = Path(DEFAULT_FILE),
    lang: Annotated[str | None, typer.Option(
        "--lang", help="The language of its comments and of the messages: zh or en (default: "
                       "$COURSEKIT_LANG, then the locale).")] = None,
) -> None:
    """Write a commented example course.toml (points, due date, late policy) to edit; never overwrites."""
    try:
        chosen = resolve_language(lang)
    except CoursekitError as exc:
        print_error(exc, lang)
        raise typer.Exit(code=2) from None
    if path.exists() or path.is_symlink():
        print_error(msg("init.exists", path=str(path)), lang)
        raise typer.Exit(code=2)
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(example(chosen, exercise_ids()))
    except OSError as exc:
        print_error(msg("init.cannot_write", path=str(path), error=exc.strerror or type(exc).__name__), lang)
        raise typer.Exit(code=2) from None
    Console(soft_wrap=True).print(escape(say("init.wrote", chosen, path=str(path))))
