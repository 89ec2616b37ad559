"""``coursekit grade CLASS_DIR --out OUT_DIR``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from coursekit._exceptions import CoursekitError, InvalidOptionError
from coursekit.cli.errors import print_error, print_warning, say

if TYPE_CHECKING:
    from coursekit.batch import Progress as GradeProgress


def _ids(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.strip() for e in text.split(",") if e.strip()))


def grade(
    class_dir: Annotated[Path, typer.Argument(help="One entry per student: a folder or a .zip of exN_*.py.")],
    out: Annotated[Path, typer.Option("--out", help="Where grades.csv, feedback/ and the gradebook go.")],
    exercises: Annotated[str, typer.Option(help="Comma-separated exercise ids (default: all).")] = "",
    students: Annotated[str, typer.Option(help="Comma-separated student ids to (re)grade (default: all); "
                                               "every output still holds the whole class.")] = "",
    workers: Annotated[int | None, typer.Option(
        help="Parallel workers (default: the machine's cores).")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds per exercise run (default: each "
                                                        "exercise's own).")] = None,
    memory: Annotated[int | None, typer.Option(help="Address-space megabytes per student process "
                                                    "(default: each exercise's own).")] = None,
    secret_file: Annotated[Path | None, typer.Option(
        help="File holding the course secret (default: $COURSEKIT_SECRET, then ./.coursekit-secret)."),
    ] = None,
    course: Annotated[Path | None, typer.Option(
        "--course", help="The course file: points, late policy, language (default: ./course.toml).")] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="The language of the feedback: zh or en (default: $COURSEKIT_LANG, then the course "
                       "file's lang, then the locale)."),
    ] = None,
    cluster: Annotated[str | None, typer.Option(
        "--cluster", help="Grade on the workers of this Dask scheduler, tcp://HOST:PORT or tls://HOST:PORT "
                          "(needs coursekit[cluster]; see docs/cluster.md).")] = None,
    cluster_security: Annotated[Path | None, typer.Option(
        "--cluster-security", help="A TOML file of TLS certificates for the scheduler: ca_file, cert, key "
                                   "(default: Dask's own configuration).")] = None,
    cluster_wait: Annotated[float | None, typer.Option(
        "--cluster-wait", help="Seconds to wait for the scheduler, and for a worker that can grade "
                               "(default: 60).")] = None,
) -> None:
    """Grade every student on every exercise, public and hidden cases. Reruns resume."""
    # Imported here so that `coursekit check`, which a student runs often, does not pay for them.
    from coursekit.batch import GradeOptions, grade_class
    from coursekit.batch.classbook import stored_course
    from coursekit.batch.cluster import DEFAULT_WAIT_S, ClusterOptions
    from coursekit.batch.run import check_out, check_students
    from coursekit.batch.secret import load_secret
    from coursekit.course import load_course
    from coursekit.i18n import render, resolve_language
    from coursekit.messages import Message, msg
    from coursekit.registry import exercise_ids
    from coursekit.render.classsummary import class_summary
    from coursekit.sandbox.isolation import detect

    console = Console()
    said_in = lang  # the language of an error: --lang, then (once read) the course file's
    try:
        secret = load_secret(secret_file)
        # Without a course file here, the course the gradebook in OUT_DIR was graded with is kept.
        the_course, kept = stored_course(out, load_course(course, exercise_ids()))
        language = said_in = resolve_language(lang, configured=the_course.lang)
        if kept:
            print_warning("grade.course_kept", language, source=the_course.source)
        on_cluster = None
        for given, name in ((cluster_security, "--cluster-security"), (cluster_wait, "--cluster-wait")):
            if given is not None and cluster is None:
                raise InvalidOptionError(f"{name}: only with --cluster",
                                         message=msg("option.cluster_only", option=name))
        if cluster is not None:
            on_cluster = ClusterOptions(cluster, cluster_security,
                                        cluster_wait if cluster_wait is not None else DEFAULT_WAIT_S)
        options = GradeOptions(exercises=_ids(exercises), workers=workers, timeout_s=timeout,
                               memory_mb=memory, secret=secret, students=_ids(students), course=the_course,
                               lang=language, cluster=on_cluster)
        check_students(class_dir, options.students, the_course)
        check_out(class_dir, out)
        isolation = detect()
        options = replace(options, isolation=isolation)
        console.print(isolation.summary(language), markup=False, highlight=False)
        if secret.is_demo:
            print_warning("grade.demo_secret", language)
        with Progress(TextColumn(f"[bold]{escape(say('grade.progress', language))}"), BarColumn(),
                      MofNCompleteColumn(),
                      TextColumn("{task.fields[last]}"), TimeRemainingColumn(), console=console,
                      transient=False) as bar:
            task = bar.add_task("grading", total=None, last="")

            def show(p: GradeProgress) -> None:
                bar.update(task, total=p.total, completed=p.done, last=f"{p.student} {p.exercise}")
                if p.internal_error:
                    said = say("grade.internal_error", language, student=p.student, exercise=p.exercise)
                    bar.log(f"[yellow]{escape(said)}[/]")

            def tell(message: Message) -> None:
                bar.log(f"[yellow]{escape(render(message, language))}[/]")

            report = grade_class(class_dir, out, options, on_progress=show, on_notice=tell)
    except CoursekitError as exc:
        print_error(exc, said_in)
        raise typer.Exit(code=2) from None
    console.print(class_summary(report, language))
