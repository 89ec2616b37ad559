"""``coursekit grade CLASS_DIR --out OUT_DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from coursekit._exceptions import CoursekitError

if TYPE_CHECKING:
    from coursekit.batch import Progress as GradeProgress


def grade(
    class_dir: Annotated[Path, typer.Argument(help="One entry per student: a folder or a .zip of exN_*.py.")],
    out: Annotated[Path, typer.Option("--out", help="Where grades.csv, feedback/ and the gradebook go.")],
    exercises: Annotated[str, typer.Option(help="Comma-separated exercise ids (default: all).")] = "",
    workers: Annotated[int, typer.Option(help="Parallel workers (default: the machine's cores).")] = 0,
    timeout: Annotated[float | None, typer.Option(help="Seconds per exercise run (default: each "
                                                        "exercise's own).")] = None,
    memory: Annotated[int | None, typer.Option(help="Address-space megabytes per student process "
                                                    "(default: each exercise's own).")] = None,
    secret_file: Annotated[Path | None, typer.Option(
        help="File holding the course secret (default: $COURSEKIT_SECRET, then ./.coursekit-secret)."),
    ] = None,
) -> None:
    """Grade every student on every exercise, public and hidden cases. Reruns resume."""
    # Imported here so that `coursekit check`, which a student runs often, does not pay for them.
    from coursekit.batch import GradeOptions, grade_class
    from coursekit.batch.secret import load_secret
    from coursekit.render.classsummary import class_summary
    from coursekit.sandbox.isolation import detect

    console = Console()
    err = Console(stderr=True, soft_wrap=True)
    try:
        secret = load_secret(secret_file)
        ids = tuple(e.strip() for e in exercises.split(",") if e.strip())
        options = GradeOptions(exercises=ids, workers=workers, timeout_s=timeout, memory_mb=memory,
                               secret=secret)
        console.print(detect().summary(), markup=False, highlight=False)
        if secret.is_demo:
            err.print("[yellow]warning:[/] using the demo course secret; set $COURSEKIT_SECRET so that "
                      "students cannot compute the hidden cases")
        with Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[last]}"), TimeRemainingColumn(), console=console,
                      transient=False) as bar:
            task = bar.add_task("grading", total=None, last="")

            def show(p: GradeProgress) -> None:
                bar.update(task, total=p.total, completed=p.done, last=f"{p.student} {p.exercise}")
                if p.internal_error:
                    bar.log(f"[yellow]internal error[/] grading {p.student} {p.exercise}")

            report = grade_class(class_dir, out, options, on_progress=show)
    except (CoursekitError, FileNotFoundError) as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None
    console.print(class_summary(report))
