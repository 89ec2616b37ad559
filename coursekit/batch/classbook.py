"""The whole class as the gradebook holds it, with the course's points and late policy applied.

Every output (grades.csv, the feedback, summary.json, report.html) is written from this, never from what
one run graded: a run on some exercises or some students changes those gradings and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import coursekit
from coursekit.batch.intake import about
from coursekit.batch.store import Adjustment, Gradebook
from coursekit.classresults import ClassReport, Late, StudentGrades
from coursekit.course import Course, course_from_data
from coursekit.messages import Message, msg
from coursekit.registry import exercise_ids, get_exercise
from coursekit.results import ADJUSTMENT, ExerciseResult, TestResult
from coursekit.similarity import ranked_pairs

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


def adjusted(result: ExerciseResult | None, exercise: str,
             adjustments: Sequence[Adjustment]) -> ExerciseResult | None:
    """``result`` with each manual adjustment of ``exercise`` as a test of its own (its points, no maximum,
    its reason as the message), so that the feedback, results.json and the report show it."""
    mine = [a for a in adjustments if a.exercise == exercise]
    if not mine:
        return result
    notes = tuple(msg("adjust.note", points=a.points, reason=a.reason) for a in mine)
    tests = tuple(TestResult(ADJUSTMENT, "passed", a.points, 0.0, note)
                  for a, note in zip(mine, notes, strict=True))
    if result is None:
        result = ExerciseResult(exercise, get_exercise(exercise).title_message(), ())
    return replace(result, tests=result.tests + tests, notes=result.notes + notes)


Timed = Sequence[tuple[ExerciseResult, datetime | None]]


def choose(course: Course, student: str, gradings: Mapping[str, Timed],
           adjustments: Sequence[Adjustment] = ()) -> tuple[tuple[ExerciseResult, ...], Late | None]:
    """Per exercise, the grading that counts (``course.counts``: the latest, the best after the late
    penalty, or the best of those on time, else the latest), scaled to the course's points and adjusted;
    and the late policy applied exercise by exercise to the chosen ones. ``gradings``: exercise -> its
    gradings, oldest first, each with the time of the submission it graded."""
    results: list[ExerciseResult] = []
    timed: dict[str, tuple[float, datetime | None]] = {}
    for exercise, kept in gradings.items():
        if not kept:
            continue
        scaled = [(course.scale(r, r.max_score), at) for r, at in kept]

        def late_share(at: datetime | None, exercise: str = exercise) -> tuple[int, float]:
            if course.late is None:
                return 0, 0.0
            return course.late.share(at, course.late.due_for(exercise, student))

        result, at = scaled[-1]
        if course.counts == "best":
            result, at = max(reversed(scaled), key=lambda g: g[0].score * (1 - late_share(g[1])[1]))
        elif course.counts == "best_on_time":
            on_time = [g for g in reversed(scaled) if late_share(g[1])[0] == 0]
            if on_time:
                result, at = max(on_time, key=lambda g: g[0].score)
        final = adjusted(result, exercise, adjustments)
        if final is not None:
            results.append(final)
            timed[exercise] = (final.score, at)
    for exercise in dict.fromkeys(a.exercise for a in adjustments):
        if exercise not in gradings:
            extra = adjusted(None, exercise, adjustments)
            if extra is not None:
                results.append(extra)
                timed[exercise] = (extra.score, None)
    late = None if course.late is None else course.late.apply_each(student, timed)
    return tuple(results), late


def apply_course(course: Course, grades: StudentGrades, submitted: datetime | None,
                 adjustments: Sequence[Adjustment] = ()) -> StudentGrades:
    """``grades`` (as graded: each test a point, one submission) with the course's points, adjustments and
    late policy applied: the one rule grades.csv and the Gradescope autograder share."""
    results, late = choose(course, grades.student, {r.exercise: [(r, submitted)] for r in grades.results},
                           adjustments)
    return replace(grades, results=results, late=late,
                   submitted_at=submitted.isoformat() if submitted is not None else grades.submitted_at)


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
    dropped = book.dropped()
    students = []
    for record in book.students():
        if record.student in dropped:
            continue
        stored = book.results(record.student)
        history = book.history(record.student)
        submitted = times.get(record.student) or (
            datetime.fromisoformat(record.submitted_at) if record.submitted_at else None)
        gradings: dict[str, list[tuple[ExerciseResult, datetime | None]]] = {}
        for e in exercises:
            if e not in stored:
                continue
            kept = [(g.result, datetime.fromisoformat(g.submitted_at) if g.submitted_at else submitted)
                    for g in history.get(e, [])]
            # The current grading is the latest: the times CSV (read now) says when it was submitted.
            gradings[e] = [*kept[:-1], (stored[e], times.get(record.student) or (kept[-1][1] if kept
                                                                                    else submitted))]
        results, late = choose(course, record.student, gradings, book.adjustments(record.student))
        students.append(StudentGrades(record.student, results, record.problem, record.present,
                                      submitted.isoformat() if submitted is not None else None, late,
                                      intake=tuple(n for n in record.intake if about(n, exercises, every)),
                                      on_roster=not on_roster or record.student in on_roster))
    known = {s.student for s in students}  # the roster's others never handed anything in
    students += [apply_course(course, StudentGrades(r.student, (), present=False, submitted=False), None)
                 for r in course.roster if r.student not in known and r.student not in dropped]
    students.sort(key=lambda s: s.student)
    similarity, compared, stubs = _similarity(book, exercises, {s.student for s in students})
    return ClassReport(exercises, tuple(students), graded, reused, out_dir, seconds,
                       max_points={e: course.max_points(e, raw_max[e]) for e in exercises},
                       late_policy=course.late is not None,
                       submitted_from=submitted_from if course.late is not None else None, skipped=skipped,
                       similarity=similarity, compared=compared, stubs=stubs)


def stub_text(exercise: str) -> str:
    """The exercise's stub as handed out (the repository's exercises/), or nothing when it is not here."""
    path = Path(coursekit.__file__).resolve().parents[1] / "exercises" / get_exercise(exercise).filename
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _similarity(book: Gradebook, exercises: Sequence[str], students: set[str]) -> tuple[
        dict[str, tuple[tuple[str, str, float], ...]], dict[tuple[str, str], str], dict[str, str]]:
    """Per exercise, the most alike pairs of the students' kept files, and the files of each exercise's
    most alike pair (to show side by side). Flags only: no grade reads it."""
    similarity: dict[str, tuple[tuple[str, str, float], ...]] = {}
    compared: dict[tuple[str, str], str] = {}
    stubs: dict[str, str] = {}
    for e in exercises:
        sources = {s: text for s, text in book.sources(e).items() if s in students}
        if len(sources) < 2:
            continue
        stubs[e] = stub_text(e)
        similarity[e] = tuple(ranked_pairs(sources, stubs[e]))
        if similarity[e]:
            a, b, _ = similarity[e][0]
            compared[(a, e)], compared[(b, e)] = sources[a], sources[b]
    return similarity, compared, stubs
