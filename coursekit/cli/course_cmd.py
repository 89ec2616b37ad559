"""``coursekit init-course [FILE]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit.cli.errors import print_error, say
from coursekit.course import DEFAULT_FILE, EXAMPLE
from coursekit.messages import msg


def init_course(
    path: Annotated[Path, typer.Argument(help="The file to write.")] = Path(DEFAULT_FILE),
) -> None:
    """Write a commented example course.toml (points, due date, late policy) to edit; never overwrites.

    Messages are in $COURSEKIT_LANG's language, else the locale's."""
    if path.exists() or path.is_symlink():
        print_error(msg("init.exists", path=str(path)), None)
        raise typer.Exit(code=2)
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(EXAMPLE)
    except OSError as exc:
        print_error(msg("init.cannot_write", path=str(path), error=exc.strerror or type(exc).__name__), None)
        raise typer.Exit(code=2) from None
    Console(soft_wrap=True).print(escape(say("init.wrote", None, path=str(path))))
