"""What grading a class produced, as plain frozen data: per student, per class, and progress events.

These types sit below both ``coursekit.batch`` (which builds them) and ``coursekit.render`` (which shows
them), so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from coursekit.messages import Message, msg
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
    and shown, marked. ``problem`` says why the submission was refused; ``intake`` holds the lines saying
    which file was used or what was found (messages, rendered in each output's language).
    """

    student: str
    results: tuple[ExerciseResult, ...]
    problem: Message | None = None
    present: bool = True
    submitted_at: str | None = None
    late: Late | None = None
    intake: tuple[Message, ...] = ()

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
    grades.csv carries late_days, penalty and final. ``submitted_from``: where submission times came from
    (None without a late policy). ``skipped``: the entries of the class folder that are no student, and
    why.
    """

    exercises: tuple[str, ...]
    students: tuple[StudentGrades, ...]
    graded: int
    reused: int
    out_dir: Path
    seconds: float
    max_points: dict[str, float] = field(default_factory=dict)
    late_policy: bool = False
    submitted_from: Message | None = None
    skipped: tuple[Message, ...] = ()

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


# The intake's notes (coursekit.batch.intake) as the outputs read them.

def refused_note(path: PurePosixPath | str, reason: Message, exercise: str | None = None) -> Message:
    """``<id>: hw13/<file> was refused: <reason>`` (without the exercise for a file of none)."""
    where = path if isinstance(path, str) else path.as_posix()
    if exercise is None:
        return msg("intake.refused", path=where, reason=reason)
    return msg("intake.refused_for", exercise=exercise, path=where, reason=reason)


REFUSED = frozenset({"intake.refused", "intake.refused_for"})


def refusal(note: Message) -> tuple[str, Message] | None:
    """(the exercise or "", the note without its exercise) when ``note`` says that a file was refused,
    else None. A line
    the gradebook stored as English text before notes were messages is recognised by its words (its
    "exercise" is then whatever precedes the first colon)."""
    if note.key in REFUSED:
        exercise, path, reason = note.param("exercise"), note.param("path"), note.param("reason")
        why = reason if isinstance(reason, Message) else msg("verbatim", text=str(reason))
        return exercise if isinstance(exercise, str) else "", refused_note(str(path), why)
    text = note.param("text")
    if note.key == "verbatim" and isinstance(text, str) and " was refused: " in text:
        head, _, rest = text.partition(": ")
        return head, msg("verbatim", text=rest)
    return None


def exercise_of(note: Message) -> str | None:
    """The exercise a note is about (None for a note on no exercise)."""
    exercise = note.param("exercise")
    if isinstance(exercise, str):
        return exercise
    text = note.param("text")
    if note.key == "verbatim" and isinstance(text, str):  # a line stored as text by an older coursekit
        return text.split(":", 1)[0]
    return None
