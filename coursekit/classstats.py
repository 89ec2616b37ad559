"""The class's numbers, as plain data: per exercise the scores' mean, median and histogram, per test the
share that passed and its discrimination, the named mistakes with the students who made each, and the
students whose files were missing or refused or whose grading hit an internal error.

``summary.json`` is :func:`summary_data` of these; report.html and the terminal summary show the same.

Discrimination is the upper-lower index: the share that passed the test among the students in the top
27 % of the exercise's scores, minus that share in the bottom 27 % (from -1 to 1; near 0 or below, the
test does not separate students who know the exercise from those who do not). It is None with fewer
than 4 students.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from coursekit.classresults import ClassReport, StudentGrades, refusal
from coursekit.i18n import DEFAULT, render
from coursekit.messages import Message, msg
from coursekit.names import folder_name
from coursekit.results import ADJUSTMENT, ExerciseResult, Failure

BINS = 5
MAX_BINS = 20
GROUP_SHARE = 0.27
MIN_FOR_DISCRIMINATION = 4


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class ExerciseStats:
    exercise: str
    students: int
    mean: float
    median: float
    max_points: float
    full_marks: int
    histogram: tuple[Bin, ...]


@dataclass(frozen=True)
class ItemStats:
    exercise: str
    test: str
    hidden: bool
    attempts: int
    passed_share: float
    discrimination: float | None


@dataclass(frozen=True)
class MistakeStats:
    exercise: str
    mistake: str
    students: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """A student to look at: ``kind`` is ``missing``, ``refused``, ``internal_error``, ``departed``,
    ``no_submission`` (on the roster, nothing handed in), ``not_on_roster``, ``ambiguous`` (two files
    could each be the exercise's: neither was guessed), ``zero`` (handed in, scored nothing) or ``late``;
    ``message`` says what, in either language (summary.json holds it rendered in the grader's)."""

    student: str
    kind: str
    exercise: str
    message: Message


@dataclass(frozen=True)
class ClassStats:
    exercises: tuple[ExerciseStats, ...]
    items: tuple[ItemStats, ...]
    mistakes: tuple[MistakeStats, ...]
    problems: tuple[Problem, ...]
    feedback: dict[str, str]


def histogram(scores: list[float], max_score: float, bins: int = BINS) -> tuple[Bin, ...]:
    """``bins`` equal bins from 0 to ``max_score``, the last one closed."""
    counts = [0] * bins
    for s in scores:
        i = bins - 1 if max_score <= 0 else min(bins - 1, max(0, int(bins * s / max_score)))
        counts[i] += 1
    return tuple(Bin(round(max_score * i / bins, 6), round(max_score * (i + 1) / bins, 6), n)
                 for i, n in enumerate(counts))


def fine_bins(max_points: float) -> int:
    """Bins fine enough to see partial credit: one a point up to 20 whole points, else 20 of 5 % each."""
    if 0 < max_points <= MAX_BINS and float(max_points).is_integer():
        return int(max_points)
    return MAX_BINS


def _discrimination(rows: list[tuple[float, bool]]) -> float | None:
    if len(rows) < MIN_FOR_DISCRIMINATION:
        return None
    ranked = sorted(rows, key=lambda r: r[0])
    k = max(1, math.floor(len(ranked) * GROUP_SHARE + 0.5))
    low, high = ranked[:k], ranked[-k:]
    return round(sum(p for _, p in high) / k - sum(p for _, p in low) / k, 4)


def is_missing(result: ExerciseResult) -> bool:
    """The exercise's file was not in the submission."""
    return bool(result.tests) and result.score == 0 and result.tests[0].failure is Failure.NOT_FOUND


def _ran(result: ExerciseResult) -> bool:
    """Whether the student's code was run for ``result`` (not a file missing, refused or ambiguous)."""
    return not all(t.failure in (Failure.NOT_FOUND, Failure.REFUSED) for t in result.tests)


def feedback_link(student: str) -> str:
    return f"feedback/{quote(folder_name(student), safe='')}/report.md"


def class_stats(report: ClassReport) -> ClassStats:
    by_exercise: dict[str, list[tuple[StudentGrades, ExerciseResult]]] = defaultdict(list)
    for s in report.students:
        for r in s.results:
            by_exercise[r.exercise].append((s, r))
    exercises: list[ExerciseStats] = []
    items: list[ItemStats] = []
    mistakes: list[MistakeStats] = []
    problems: list[Problem] = []
    for ex in report.exercises:
        graded = by_exercise.get(ex, [])
        if not graded:
            continue
        scores = [r.score for _, r in graded]
        max_points = report.max_points.get(ex, max(r.max_score for _, r in graded))
        exercises.append(ExerciseStats(ex, len(scores), round(statistics.fmean(scores), 4),
                                       round(statistics.median(scores), 4), max_points,
                                       sum(r.score >= r.max_score > 0 for _, r in graded),
                                       histogram(scores, max_points, fine_bins(max_points))))
        outcomes: dict[tuple[str, bool], list[tuple[float, bool]]] = defaultdict(list)
        made: dict[str, set[str]] = defaultdict(set)
        for s, r in graded:
            for t in r.tests:
                if t.name == ADJUSTMENT:
                    continue  # a manual adjustment is no item of the exercise
                outcomes[(t.name, t.hidden)].append((r.score, t.passed))
                if t.mistake and not t.passed:
                    made[t.mistake].add(s.student)
        for (name, hidden), rows in outcomes.items():
            items.append(ItemStats(ex, name, hidden, len(rows), round(sum(p for _, p in rows) / len(rows), 4),
                                   _discrimination(rows)))
        mistakes.extend(MistakeStats(ex, m, tuple(sorted(who)))
                        for m, who in sorted(made.items(), key=lambda kv: (-len(kv[1]), kv[0])))
    # The most made first, with who: what to teach again.
    mistakes.sort(key=lambda m: (-len(m.students), report.exercises.index(m.exercise), m.mistake))
    # The hardest first (the smallest share passed), then the ones that separate the class the least.
    items.sort(key=lambda i: (i.passed_share, i.discrimination if i.discrimination is not None else 2.0))
    for s in report.students:
        # scored nothing on what was run (a missing or refused file is said as that, exercise by exercise)
        if s.submitted and s.problem is None and s.total <= 0 and any(_ran(r) for r in s.results):
            problems.append(Problem(s.student, "zero", "", msg("problem.zero")))
        if s.late is not None and s.late.days > 0:
            problems.append(Problem(s.student, "late", "", msg("problem.late", days=s.late.days,
                                                                penalty=round(s.late.penalty, 2))))
        if not s.submitted:
            problems.append(Problem(s.student, "no_submission", "", msg("problem.no_submission")))
        elif not s.present:
            problems.append(Problem(s.student, "departed", "", msg("problem.departed")))
        if not s.on_roster:
            problems.append(Problem(s.student, "not_on_roster", "", msg("problem.not_on_roster")))
        if s.problem:
            problems.append(Problem(s.student, "refused", "", s.problem))
        said: set[str] = set()  # exercises whose file a note already explains: never "missing" as well
        for note in s.intake:
            refused = refusal(note)
            if refused is not None:
                exercise = refused[0] if refused[0] in report.exercises else ""
                problems.append(Problem(s.student, "refused", exercise, refused[1] if exercise else note))
                said.add(exercise)
            elif note.key == "intake.ambiguous" and note.param("exercise") in report.exercises:
                exercise = str(note.param("exercise"))
                problems.append(Problem(s.student, "ambiguous", exercise, note))
                said.add(exercise)
        for r in s.results:
            if s.problem is None and is_missing(r) and r.exercise not in said:
                problems.append(Problem(s.student, "missing", r.exercise, r.tests[0].message))
            if r.internal_error or any(t.internal_error for t in r.tests):
                message = r.internal_error or next(t.message for t in r.tests if t.internal_error)
                problems.append(Problem(s.student, "internal_error", r.exercise, message))
    return ClassStats(tuple(exercises), tuple(items), tuple(mistakes), tuple(problems),
                      {s.student: feedback_link(s.student) for s in report.students})


def summary_data(report: ClassReport, stats: ClassStats, lang: str = DEFAULT) -> dict[str, Any]:
    """summary.json: the same numbers as report.html, and every student's scores. Keys and ids (``kind``,
    ``mistake``, a test's stable name) are the same in every language; the texts meant to be read
    (``problems[].message``, ``submission_times``, ``skipped``) are in ``lang``."""
    return {
        "exercises": [asdict(e) for e in stats.exercises],
        "items": [asdict(i) for i in stats.items],
        "mistakes": [asdict(m) for m in stats.mistakes],
        "problems": [{"student": p.student, "kind": p.kind, "exercise": p.exercise,
                      "message": render(p.message, lang)} for p in stats.problems],
        "students": [{"student": s.student, "present": s.present, "submitted": s.submitted,
                      "total": s.total, "final": s.final,
                      "scores": {r.exercise: r.score for r in s.results},
                      "late_days": s.late.days if s.late else None,
                      "penalty": s.late.penalty if s.late else None,
                      "submitted_at": s.submitted_at, "feedback": stats.feedback[s.student]}
                     for s in report.students],
        "max_points": report.max_points,
        "submission_times": None if report.submitted_from is None else render(report.submitted_from, lang),
        "skipped": [render(note, lang) for note in report.skipped],
        "unwritten": [render(note, lang) for note in report.unwritten],
        "graded": report.graded,
        "reused": report.reused,
        "similarity": {e: [list(p) for p in pairs] for e, pairs in report.similarity.items()},
    }
