"""``coursekit init-course [FILE]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit.course import DEFAULT_FILE, EXAMPLE


def init_course(
    path: Annotated[Path, typer.Argument(help="The file to write.")] = Path(DEFAULT_FILE),
) -> None:
    """Write a commented example course.toml (points, due date, late policy) to edit; never overwrites."""
    if path.exists() or path.is_symlink():
        Console(stderr=True, soft_wrap=True).print(
            f"[bold red]error:[/] {escape(str(path))} already exists; edit it, or remove it first")
        raise typer.Exit(code=2)
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(EXAMPLE)
    except OSError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {escape(str(path))}: {exc.strerror}")
        raise typer.Exit(code=2) from None
    Console().print(f"wrote {escape(str(path))}: edit it, then `coursekit grade` reads it from this folder "
                    f"(or pass --course {escape(str(path))})")
