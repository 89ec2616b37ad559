"""The whole class as the gradebook holds it, with the course's points and late policy applied.

Every output (grades.csv, the feedback, summary.json, report.html) is written from this, never from what
one run graded: a run on some exercises or some students changes those gradings and nothing else.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from coursekit.batch.intake import about
from coursekit.batch.store import Gradebook
from coursekit.classresults import ClassReport, StudentGrades
from coursekit.course import Course, course_from_data
from coursekit.messages import Message, msg
from coursekit.registry import exercise_ids, get_exercise

GRADEBOOK = "gradebook.sqlite"


def graded_course(book: Gradebook, given: Course) -> tuple[Course, bool]:
    """The course to apply: ``given`` when a course file said it, else the one the gradebook was graded
    with (True: kept from the gradebook), so that a rerun from a folder without course.toml changes no
    grade."""
    if given.from_file:
        return given, False
    stored = book.course()
    if stored is None:
        return given, False
    kept = course_from_data(stored)
    return kept, kept.from_file


def stored_course(out_dir: Path, given: Course) -> tuple[Course, bool]:
    """:func:`graded_course` for the gradebook in ``out_dir`` (``given`` when there is none yet)."""
    if given.from_file or not (out_dir / GRADEBOOK).is_file():
        return given, False
    with Gradebook(out_dir / GRADEBOOK) as book:
        return graded_course(book, given)


def apply_course(course: Course, grades: StudentGrades, submitted: datetime | None) -> StudentGrades:
    """``grades`` (as graded: each test a point) with the course's points and late policy applied: the one
    rule grades.csv and the Gradescope autograder share."""
    results = tuple(course.scale(r, r.max_score) for r in grades.results)
    grades = replace(grades, results=results,
                     submitted_at=submitted.isoformat() if submitted is not None else grades.submitted_at)
    if course.late is not None:
        grades = replace(grades, late=course.late.apply(grades.total, submitted))
    return grades


def _raw_max(exercise_id: str) -> float:
    exercise = get_exercise(exercise_id)
    return exercise.public_points() + exercise.hidden_points()


def columns(graded: set[str], run: tuple[str, ...]) -> tuple[str, ...]:
    """The exercises of the outputs: every one graded so far or now, in the registry's order."""
    order = exercise_ids()
    wanted = graded | set(run)
    return tuple(e for e in order if e in wanted)


def report_from_gradebook(book: Gradebook, course: Course, run: tuple[str, ...], out_dir: Path,
                          graded: int, reused: int, seconds: float,
                          skipped: tuple[Message, ...] = ()) -> ClassReport:
    exercises = columns(book.exercises(), run)
    every = exercise_ids()
    raw_max = {e: _raw_max(e) for e in exercises}
    times: dict[str, datetime] = {}
    submitted_from = msg("times.file_times")
    if course.late is not None and course.late.submitted_at is not None:
        times = dict(course.late.times)
        submitted_from = msg("times.csv", path=str(course.late.submitted_at))
    on_roster = {r.student for r in course.roster}
    students = []
    for record in book.students():
        stored = book.results(record.student)
        submitted = times.get(record.student) or (
            datetime.fromisoformat(record.submitted_at) if record.submitted_at else None)
        grades = StudentGrades(record.student, tuple(stored[e] for e in exercises if e in stored),
                               record.problem, record.present, None,
                               intake=tuple(n for n in record.intake if about(n, exercises, every)),
                               on_roster=not on_roster or record.student in on_roster)
        students.append(apply_course(course, grades, submitted))
    known = {s.student for s in students}
    students += [apply_course(course, StudentGrades(r.student, (), present=False, submitted=False), None)
                 for r in course.roster if r.student not in known]  # on the roster, never submitted
    students.sort(key=lambda s: s.student)
    return ClassReport(exercises, tuple(students), graded, reused, out_dir, seconds,
                       max_points={e: course.max_points(e, raw_max[e]) for e in exercises},
                       late_policy=course.late is not None,
                       submitted_from=submitted_from if course.late is not None else None, skipped=skipped)
