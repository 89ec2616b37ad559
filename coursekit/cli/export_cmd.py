"""``coursekit export gradescope --out autograder.zip``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from coursekit._exceptions import CoursekitError
from coursekit.registry import exercise_ids, get_exercise

export_app = typer.Typer(help="Export coursekit to other grading platforms.", no_args_is_help=True)


@export_app.command("gradescope")
def gradescope(
    out: Annotated[Path, typer.Option("--out", help="The autograder zip to write.")] = Path("autograder.zip"),
    exercises: Annotated[str, typer.Option(help="Comma-separated exercise ids (default: all).")] = "",
    secret_file: Annotated[Path | None, typer.Option(help="File holding the course secret.")] = None,
) -> None:
    """Write an autograder zip for Gradescope: upload it as the assignment's autograder."""
    from coursekit.batch.export import build_autograder
    from coursekit.batch.secret import load_secret

    console = Console()
    try:
        ids = [e.strip() for e in exercises.split(",") if e.strip()] or exercise_ids()
        for i in ids:
            get_exercise(i)
        secret = load_secret(secret_file)
        names = build_autograder(out, ids, secret)
    except CoursekitError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None
    if secret.is_demo:
        Console(stderr=True, soft_wrap=True).print(
            "[yellow]warning:[/] the zip carries the demo course secret; set $COURSEKIT_SECRET before "
            "exporting for a real course")
    console.print(f"wrote [bold]{out}[/] ({len(names)} files) for {', '.join(ids)}: upload it to Gradescope "
                  f"as the autograder (setup.sh installs Python 3.11 and coursekit; run_autograder grades "
                  f"/autograder/submission)")
