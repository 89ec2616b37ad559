"""What grading a class produced, as plain frozen data: per student, per class, and progress events.

These types sit below both ``coursekit.batch`` (which builds them) and ``coursekit.render`` (which shows
them), so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coursekit.messages import Message
from coursekit.results import ExerciseResult


@dataclass(frozen=True)
class Progress:
    """One finished (student, exercise): sent to ``on_progress`` as grading goes."""

    done: int
    total: int
    student: str
    exercise: str
    score: float
    max_score: float
    reused: bool
    internal_error: bool


@dataclass(frozen=True)
class Late:
    """A late policy applied to one student: whole days late, the points lost, what remains."""

    days: int
    penalty: float
    final: float


@dataclass(frozen=True)
class StudentGrades:
    """One student's gradings as the gradebook holds them.

    ``present`` is False for a student whose entry has left the class folder: their gradings are kept
    and shown, marked. ``intake`` holds the lines saying which file was used or what was found.
    """

    student: str
    results: tuple[ExerciseResult, ...]
    problem: str | None = None
    present: bool = True
    submitted_at: str | None = None
    late: Late | None = None
    intake: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return round(sum(r.score for r in self.results), 6)

    @property
    def max_total(self) -> float:
        return round(sum(r.max_score for r in self.results), 6)

    @property
    def final(self) -> float:
        return self.late.final if self.late is not None else self.total


@dataclass(frozen=True)
class ClassReport:
    """The whole class from the gradebook, after a run that graded ``graded`` and reused ``reused``.

    ``max_points``: each exercise's maximum points (after the course's scaling). ``late_policy``: whether
    grades.csv carries late_days, penalty and final. ``submitted_from``: where submission times came from.
    """

    exercises: tuple[str, ...]
    students: tuple[StudentGrades, ...]
    graded: int
    reused: int
    out_dir: Path
    seconds: float
    max_points: dict[str, float] = field(default_factory=dict)
    late_policy: bool = False
    submitted_from: str = ""
    skipped: tuple[str, ...] = ()  # entries of the class folder that are no student, and why

    def internal_errors(self) -> list[tuple[str, str, Message]]:
        """(student, exercise, message) for every grading that hit a bug in a grader."""
        found: list[tuple[str, str, Message]] = []
        for s in self.students:
            for r in s.results:
                if r.internal_error is not None:
                    found.append((s.student, r.exercise, r.internal_error))
                else:
                    found.extend((s.student, r.exercise, t.message) for t in r.tests if t.internal_error)
        return found
