"""The whole class as the gradebook holds it, with the course's points and late policy applied.

Every output (grades.csv, the feedback, summary.json, report.html) is written from this, never from what
one run graded: a run on some exercises or some students changes those gradings and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from coursekit.batch.intake import about
from coursekit.batch.store import Gradebook
from coursekit.classresults import ClassReport, StudentGrades
from coursekit.course import Course, read_submission_times
from coursekit.messages import Message, msg
from coursekit.registry import exercise_ids, get_exercise


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
        times = read_submission_times(course.late.submitted_at)
        submitted_from = msg("times.csv", path=str(course.late.submitted_at))
    students = []
    for record in book.students():
        stored = book.results(record.student)
        results = tuple(course.scale(stored[e], stored[e].max_score) for e in exercises if e in stored)
        submitted = times.get(record.student) or (
            datetime.fromisoformat(record.submitted_at) if record.submitted_at else None)
        grades = StudentGrades(record.student, results, record.problem, record.present,
                               submitted.isoformat() if submitted is not None else None,
                               intake=tuple(n for n in record.intake if about(n, exercises, every)))
        if course.late is not None:
            grades = StudentGrades(grades.student, grades.results, grades.problem, grades.present,
                                   grades.submitted_at, course.late.apply(grades.total, submitted),
                                   grades.intake)
        students.append(grades)
    return ClassReport(exercises, tuple(students), graded, reused, out_dir, seconds,
                       max_points={e: course.max_points(e, raw_max[e]) for e in exercises},
                       late_policy=course.late is not None,
                       submitted_from=submitted_from if course.late is not None else None, skipped=skipped)
