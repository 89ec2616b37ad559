"""``coursekit export gradescope --out autograder.zip``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit._exceptions import CoursekitError
from coursekit.cli.errors import print_error, print_warning, say
from coursekit.registry import exercise_ids, get_exercise

export_app = typer.Typer(help="Export coursekit to other grading platforms.", no_args_is_help=True)


@export_app.command("gradescope")
def gradescope(
    out: Annotated[Path, typer.Option("--out", help="The autograder zip to write.")] = Path("autograder.zip"),
    exercises: Annotated[str, typer.Option(help="Comma-separated exercise ids (default: all).")] = "",
    secret_file: Annotated[Path | None, typer.Option(help="File holding the course secret.")] = None,
    course: Annotated[Path | None, typer.Option(
        "--course", help="The course file whose points, language and late policy Gradescope applies, as "
                         "grades.csv does (default: ./course.toml when present).")] = None,
) -> None:
    """Write an autograder zip for Gradescope: upload it as the assignment's autograder.

    Messages are in $COURSEKIT_LANG's language, else the locale's."""
    from coursekit.batch.export import build_autograder
    from coursekit.batch.secret import load_secret
    from coursekit.course import load_course

    console = Console()
    try:
        ids = [e.strip() for e in exercises.split(",") if e.strip()] or exercise_ids()
        for i in ids:
            get_exercise(i)
        secret = load_secret(secret_file)
        the_course = load_course(course, exercise_ids())
        names = build_autograder(out, ids, secret, the_course)
    except CoursekitError as exc:
        print_error(exc, None)
        raise typer.Exit(code=2) from None
    if secret.is_demo:
        print_warning("export.demo_secret", None)
    console.print(escape(say("export.wrote", None, path=str(out), count=len(names), exercises=tuple(ids))),
                  soft_wrap=True)


OUT_DIR_HELP = "The folder grade wrote (its gradebook)."


def _lms(kind: str, out_dir: Path) -> None:
    from coursekit.batch.semester import export_lms

    try:
        path, unmatched = export_lms(out_dir, kind)
    except CoursekitError as exc:
        print_error(exc, None)
        raise typer.Exit(code=2) from None
    if unmatched:
        print_warning("export.no_lms_id", None, count=len(unmatched), students=tuple(unmatched[:10]))
    Console(soft_wrap=True).print(escape(say(f"export.{kind}_wrote", None, path=str(path))))


@export_app.command("canvas")
def canvas(out_dir: Annotated[Path, typer.Argument(help=OUT_DIR_HELP)]) -> None:
    """Write OUT_DIR/canvas.csv: Canvas's gradebook import, the roster's lms_id as Canvas's ID."""
    _lms("canvas", out_dir)


@export_app.command("moodle")
def moodle(out_dir: Annotated[Path, typer.Argument(help=OUT_DIR_HELP)]) -> None:
    """Write OUT_DIR/moodle.csv: Moodle's CSV grade import, the roster's lms_id as the ID number."""
    _lms("moodle", out_dir)


@export_app.command("feedback")
def feedback(out_dir: Annotated[Path, typer.Argument(help=OUT_DIR_HELP)]) -> None:
    """Write OUT_DIR/feedback.zip: each student's feedback (report.md, results.json) to hand back."""
    from coursekit.batch.semester import feedback_zip

    try:
        path = feedback_zip(out_dir)
    except CoursekitError as exc:
        print_error(exc, None)
        raise typer.Exit(code=2) from None
    Console(soft_wrap=True).print(escape(say("export.feedback_wrote", None, path=str(path))))
