"""``coursekit adjust STUDENT EXERCISE POINTS --reason ...`` and ``coursekit drop STUDENT``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit._exceptions import CoursekitError
from coursekit.cli.errors import print_error, say
from coursekit.messages import msg

OUT_HELP = "The folder grade wrote (its gradebook.sqlite)."
LANG_HELP = ("The language of the outputs written again: zh or en (default: $COURSEKIT_LANG, then the "
             "course's, then the locale).")
REASON_HELP = "Why: shown in the student's feedback and the report."


def _language(out: Path, lang: str | None) -> str:
    from coursekit.batch.semester import graded_course, open_gradebook
    from coursekit.i18n import resolve_language

    with open_gradebook(out) as book:
        return resolve_language(lang, configured=graded_course(book).lang)


def adjust(
    student: Annotated[str, typer.Argument(help="The student id.")],
    exercise: Annotated[str, typer.Argument(help="The exercise id (coursekit list shows them).")],
    points: Annotated[str, typer.Argument(help="Points to add, e.g. +2 or -1.5.")],
    reason: Annotated[str, typer.Option("--reason", help=REASON_HELP)],
    out: Annotated[Path, typer.Option("--out", help=OUT_HELP)] = Path("."),
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
) -> None:
    """Change a student's points on one exercise, with a reason. Kept in the gradebook: every rerun of grade
    applies it; every output is written again now."""
    from coursekit.batch.semester import adjust as add_adjustment
    from coursekit.batch.semester import rewrite

    try:
        try:
            value = float(points)
        except ValueError:
            raise CoursekitError(f"POINTS: expected a number, got {points!r}",
                                 message=msg("option.points", got=repr(points))) from None
        language = _language(out, lang)
        add_adjustment(out, student, exercise, value, reason)
        rewrite(out, language)
    except CoursekitError as exc:
        print_error(exc, lang)
        raise typer.Exit(code=2) from None
    Console(soft_wrap=True).print(escape(say("adjust.done", language, student=student, exercise=exercise,
                                             points=value, reason=reason.strip())))


def drop(
    student: Annotated[str, typer.Argument(help="The student id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the gradebook).")] = "",
    out: Annotated[Path, typer.Option("--out", help=OUT_HELP)] = Path("."),
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
) -> None:
    """Drop a student from the gradebook: left out of every output, their entry never graded again."""
    from coursekit.batch.semester import drop as drop_student
    from coursekit.batch.semester import rewrite

    try:
        language = _language(out, lang)
        drop_student(out, student, reason)
        rewrite(out, language)
    except CoursekitError as exc:
        print_error(exc, lang)
        raise typer.Exit(code=2) from None
    Console(soft_wrap=True).print(escape(say("drop.done", language, student=student)))
