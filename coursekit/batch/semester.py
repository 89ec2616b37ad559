"""What an instructor does with a graded class between runs: adjust a grade, drop a student, and hand the
grades to an LMS (Canvas, Moodle) and the feedback back to the students.

Each reads ``OUT_DIR/gradebook.sqlite`` and the course it was graded with (kept in the gradebook), and an
adjustment or a drop rewrites every output at once, so that grades.csv, the feedback and the report never
disagree. Adjustments and drops are kept in the gradebook: every rerun of ``grade`` applies them.

Canvas's gradebook import (Grades > Import) reads a CSV whose first columns are ``Student``, ``ID``,
``SIS User ID``, ``SIS Login ID`` and ``Section``, then one column per assignment; a second row
``Points Possible`` gives each new assignment's points. Canvas matches a row by ``ID`` (its user id, the
roster's ``lms_id``), else ``SIS User ID``. Moodle's grade import (Grades > Import > CSV file) reads any
header row; the instructor maps the column ``ID number`` (the roster's ``lms_id``) to the user's
"ID number" and each exercise column to a grade item.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

from coursekit._exceptions import InvalidOptionError
from coursekit.batch.classbook import GRADEBOOK, columns, report_from_gradebook
from coursekit.batch.outputs import feedback_folder, write_atomic, write_class_outputs
from coursekit.batch.store import Gradebook
from coursekit.classresults import ClassReport
from coursekit.course import Course, course_from_data
from coursekit.messages import msg
from coursekit.registry import get_exercise
from coursekit.render.csvout import write_csv
from coursekit.render.gradescope import SHOWN_DECIMALS

CANVAS_CSV = "canvas.csv"
MOODLE_CSV = "moodle.csv"
FEEDBACK_ZIP = "feedback.zip"
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("ID number", "Full name", "Student")
MAX_REASON_CHARS = 500


def open_gradebook(out_dir: Path) -> Gradebook:
    """The gradebook of ``out_dir``; refused (one line, exit 2) when there is none: nothing was graded."""
    path = out_dir / GRADEBOOK
    if not path.is_file():
        raise InvalidOptionError(f"OUT_DIR: {out_dir} holds no gradebook (run coursekit grade first)",
                                 message=msg("option.no_gradebook", path=str(out_dir)))
    return Gradebook(path)


def graded_course(book: Gradebook) -> Course:
    stored = book.course()
    return Course() if stored is None else course_from_data(stored)


def class_report(book: Gradebook, out_dir: Path) -> ClassReport:
    """The whole class as the gradebook holds it, with the course it was graded with."""
    return report_from_gradebook(book, graded_course(book), columns(book.exercises(), ()), out_dir, 0, 0, 0.0)


def rewrite(out_dir: Path, lang: str) -> ClassReport:
    """Every output of ``out_dir`` written again from its gradebook (after an adjustment or a drop)."""
    with open_gradebook(out_dir) as book:
        report = class_report(book, out_dir)
    write_class_outputs(report, lang, out_dir / GRADEBOOK)
    return report


def known_students(book: Gradebook) -> set[str]:
    return {r.student for r in book.students()} | {r.student for r in graded_course(book).roster}


def adjust(out_dir: Path, student: str, exercise: str, points: float, reason: str) -> None:
    """Add ``points`` (negative to take away) to ``student``'s ``exercise``, with ``reason``; kept in the
    gradebook, applied by every output and every rerun."""
    get_exercise(exercise)
    if not math.isfinite(points) or points == 0:
        raise InvalidOptionError(f"POINTS: expected a number other than 0, got {points}",
                                 message=msg("option.points", got=str(points)))
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise InvalidOptionError("--reason: say why, in at most 500 characters",
                                 message=msg("option.reason", limit=MAX_REASON_CHARS))
    with open_gradebook(out_dir) as book:
        if student not in known_students(book):
            raise InvalidOptionError(f"STUDENT: {student} is not in the gradebook",
                                     message=msg("option.unknown_student", student=student))
        book.adjust(student, exercise, points, reason)


def drop(out_dir: Path, student: str, reason: str) -> None:
    """Leave ``student`` out of every output from now on; a rerun does not grade their entry again."""
    with open_gradebook(out_dir) as book:
        if student not in known_students(book):
            raise InvalidOptionError(f"STUDENT: {student} is not in the gradebook",
                                     message=msg("option.unknown_student", student=student))
        book.drop(student, reason.strip())


def _points(value: float) -> float:
    return round(value, SHOWN_DECIMALS)


def canvas_csv(report: ClassReport, course: Course) -> str:
    """Canvas's gradebook import: one row per student, the roster's ``lms_id`` as Canvas's ``ID``, coursekit's
    id as ``SIS User ID``, one column per exercise and ``coursekit final`` (after the late penalty)."""
    names = {r.student: r for r in course.roster}
    header: list[object] = [*CANVAS_COLUMNS, *report.exercises, "coursekit final"]
    maximum = [report.max_points.get(e, 0.0) for e in report.exercises]
    possible: list[object] = ["Points Possible", "", "", "", "", *map(_points, maximum),
                              _points(sum(maximum))]
    rows: list[list[object]] = [header, possible]
    for s in report.students:
        row = names.get(s.student)
        scores = {r.exercise: r.score for r in s.results}
        rows.append([row.name if row and row.name else s.student, row.lms_id if row else "", s.student,
                     "", "", *(_points(scores.get(e, 0.0)) for e in report.exercises), _points(s.final)])
    return write_csv(rows)


def moodle_csv(report: ClassReport, course: Course) -> str:
    """Moodle's CSV grade import: ``ID number`` (the roster's ``lms_id``), ``Full name``, ``Student``
    (coursekit's id), one column per exercise and ``Total`` (after the late penalty)."""
    names = {r.student: r for r in course.roster}
    rows: list[list[object]] = [[*MOODLE_COLUMNS, *report.exercises, "Total"]]
    for s in report.students:
        row = names.get(s.student)
        scores = {r.exercise: r.score for r in s.results}
        rows.append([row.lms_id if row else "", row.name if row else "", s.student,
                     *(_points(scores.get(e, 0.0)) for e in report.exercises), _points(s.final)])
    return write_csv(rows)


def export_lms(out_dir: Path, kind: str) -> tuple[Path, list[str]]:
    """Write ``OUT_DIR/canvas.csv`` or ``OUT_DIR/moodle.csv``; return it and the students without an
    ``lms_id`` (the LMS cannot match their row)."""
    with open_gradebook(out_dir) as book:
        report = class_report(book, out_dir)
        course = graded_course(book)
    text = canvas_csv(report, course) if kind == "canvas" else moodle_csv(report, course)
    path = out_dir / (CANVAS_CSV if kind == "canvas" else MOODLE_CSV)
    write_atomic(path, text)
    ids = {r.student: r.lms_id for r in course.roster}
    return path, [s.student for s in report.students if not ids.get(s.student)]


def feedback_zip(out_dir: Path) -> Path:
    """``OUT_DIR/feedback.zip``: each student's feedback folder (report.md, results.json) under their id,
    to hand back. The outputs are the gradebook's (written by the last run, an adjustment or a drop)."""
    with open_gradebook(out_dir) as book:
        students = [s.student for s in class_report(book, out_dir).students]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for student in students:
            folder = feedback_folder(out_dir, student)
            for name in ("report.md", "results.json"):
                if (folder / name).is_file():
                    info = zipfile.ZipInfo(f"{student}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, (folder / name).read_bytes())
    path = out_dir / FEEDBACK_ZIP
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)
    return path
