"""course.toml: the course's language, each exercise's points, a due date and a late policy.

Read by ``coursekit grade`` (``--course FILE``, else ``./course.toml`` when present) and checked whole
before any grading starts: a refused value raises :class:`CourseFileError` naming its key and the reason.
The points and the late policy are applied when the outputs are written from the gradebook, so changing
them never regrades anyone.
"""

from __future__ import annotations

import csv
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from coursekit._exceptions import CourseFileError
from coursekit.classresults import Late
from coursekit.i18n import error, render
from coursekit.messages import Message, Param, msg
from coursekit.results import ExerciseResult

DEFAULT_FILE = "course.toml"
NO_FILE = "no course.toml"
LANGUAGES = ("zh", "en")
ROSTER_COLUMNS = ("student", "lms_id", "name")
COUNTS = ("latest", "best", "best_on_time")
MAX_CSV_BYTES = 4 << 20


def example(lang: str, exercise_ids: Sequence[str]) -> str:
    """The commented example course.toml in ``lang``, giving each of ``exercise_ids`` 10 points (its text
    is the catalogue's entry ``course.example``; the note on points is said over the first lines of
    ``[points]``, a line of ``course.example.points_note`` each)."""
    note = render(msg("course.example.points_note"), lang).split("\n")
    lines = [f"{i} = 10".ljust(37) + (f"# {note[n]}" if n < len(note) else "")
             for n, i in enumerate(exercise_ids)]
    # Translators: {lang} is the value of lang (zh or en); {points} the lines of [points], one per exercise;
    # {exercise} the course's last exercise, the example of an exercise's own due date.
    text = msg("course.example", lang=lang, points="\n".join(line.rstrip() for line in lines),
               exercise=exercise_ids[-1] if exercise_ids else "exN")
    return render(text, lang)


@dataclass(frozen=True)
class RosterRow:
    """A student of the roster: the id coursekit knows them by, their id in the LMS, their name."""

    student: str
    lms_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class LatePolicy:
    """``times``: the submission times read from ``submitted_at`` when the course was loaded (kept in the
    gradebook with the course, so that a rerun elsewhere applies the same ones)."""

    due: datetime
    penalty_per_day: float = 0.0
    max_penalty: float = 1.0
    zero_after_days: int | None = None
    submitted_at: Path | None = None
    times: Mapping[str, datetime] = field(default_factory=dict, compare=False)
    exercise_due: Mapping[str, datetime] = field(default_factory=dict)
    extensions: Mapping[str, datetime | timedelta] = field(default_factory=dict)

    def due_for(self, exercise: str | None = None, student: str | None = None) -> datetime:
        """The exercise's own due date (else ``due``), moved by the student's extension: a number of days
        added, or a date (the later of the two counts)."""
        due = self.exercise_due.get(exercise, self.due) if exercise is not None else self.due
        extension = self.extensions.get(student) if student is not None else None
        if isinstance(extension, timedelta):
            return due + extension
        if isinstance(extension, datetime):
            return max(due, extension)
        return due

    def share(self, submitted: datetime | None, due: datetime) -> tuple[int, float]:
        """Whole days late (a started day counts) and the share of the points lost."""
        if submitted is None or submitted <= due:
            return 0, 0.0
        days = math.ceil((submitted - due) / timedelta(days=1))
        share = min(self.penalty_per_day * days, self.max_penalty)
        if self.zero_after_days is not None and days > self.zero_after_days:
            share = 1.0
        return days, share

    def apply(self, total: float, submitted: datetime | None) -> Late:
        """Whole days late (a started day counts), the points lost and the final score."""
        days, share = self.share(submitted, self.due)
        penalty = round(total * share, 6)
        return Late(days, penalty, round(total - penalty, 6))

    def apply_each(self, student: str, scores: Mapping[str, tuple[float, datetime | None]]) -> Late:
        """The policy applied exercise by exercise (``scores``: exercise -> its points and the time of
        the submission they come from): a late penalty takes points from the exercises that were late.
        ``days``: the most days any exercise was late."""
        days, penalty, total = 0, 0.0, 0.0
        for exercise, (score, submitted) in scores.items():
            late_days, share = self.share(submitted, self.due_for(exercise, student))
            days, penalty, total = max(days, late_days), penalty + score * share, total + score
        penalty = round(penalty, 6)
        return Late(days, penalty, round(round(total, 6) - penalty, 6))


@dataclass(frozen=True)
class Course:
    """What course.toml says; the default Course (no file) changes nothing."""

    lang: str | None = None
    points: Mapping[str, float] = field(default_factory=dict)
    late: LatePolicy | None = None
    source: str = NO_FILE
    roster: tuple[RosterRow, ...] = ()
    counts: str = "latest"  # which of an exercise's gradings counts: latest, best or best_on_time

    @property
    def from_file(self) -> bool:
        """Whether a course file said this (the default Course is no file's)."""
        return self.source != NO_FILE

    def to_data(self) -> dict[str, Any]:
        """Plain data (JSON) holding everything the outputs use: the gradebook keeps it, the Gradescope
        autograder ships it. :func:`course_from_data` reads it back."""
        late = None
        if self.late is not None:
            late = {"due": self.late.due.isoformat(), "penalty_per_day": self.late.penalty_per_day,
                    "max_penalty": self.late.max_penalty, "zero_after_days": self.late.zero_after_days,
                    "submitted_at": None if self.late.submitted_at is None else str(self.late.submitted_at),
                    "times": {s: t.isoformat() for s, t in sorted(self.late.times.items())},
                    "exercise_due": {e: t.isoformat() for e, t in self.late.exercise_due.items()},
                    "extensions": {s: t.total_seconds() / 86400 if isinstance(t, timedelta) else t.isoformat()
                                   for s, t in self.late.extensions.items()}}
        return {"lang": self.lang, "points": dict(self.points), "late": late, "source": self.source,
                "roster": [[r.student, r.lms_id, r.name] for r in self.roster], "counts": self.counts}

    def scale(self, result: ExerciseResult, raw_max: float) -> ExerciseResult:
        """``result`` with its tests scaled so the exercise is worth its course points."""
        points = self.points.get(result.exercise)
        if points is None or raw_max <= 0:
            return result
        factor = points / raw_max
        # Each test keeps 9 decimals, so that the exercise's sum, rounded to 6, is its points exactly.
        tests = tuple(replace(t, score=round(t.score * factor, 9), max_score=round(t.max_score * factor, 9))
                      for t in result.tests)
        return replace(result, tests=tests)

    def max_points(self, exercise: str, raw_max: float) -> float:
        return float(self.points.get(exercise, raw_max))


# An exercise's points: finite, above 0, and at most this, so that every sum, scaled score and late
# penalty stays an ordinary float (1e308 overflowed only when the outputs were written).
MAX_POINTS = 1000.0


def course_from_data(data: Mapping[str, Any]) -> Course:
    """The Course that :meth:`Course.to_data` wrote."""
    late_data = data.get("late")
    late = None
    if isinstance(late_data, dict):
        where = late_data.get("submitted_at")
        late = LatePolicy(due=datetime.fromisoformat(late_data["due"]),
                          penalty_per_day=float(late_data.get("penalty_per_day", 0.0)),
                          max_penalty=float(late_data.get("max_penalty", 1.0)),
                          zero_after_days=late_data.get("zero_after_days"),
                          submitted_at=None if where is None else Path(where),
                          times={s: datetime.fromisoformat(t) for s, t in late_data.get("times", {}).items()},
                          exercise_due={e: datetime.fromisoformat(t)
                                        for e, t in late_data.get("exercise_due", {}).items()},
                          extensions={s: timedelta(days=t) if isinstance(t, int | float)
                                      else datetime.fromisoformat(t)
                                      for s, t in late_data.get("extensions", {}).items()})
    return Course(lang=data.get("lang"), points={e: float(p) for e, p in data.get("points", {}).items()},
                  late=late, source=str(data.get("source", NO_FILE)),
                  roster=tuple(RosterRow(*map(str, row)) for row in data.get("roster", [])),
                  counts=str(data.get("counts", "latest")))


def refused(reason: str, /, **params: Param) -> CourseFileError:
    """The error for a refused value: the entry ``course.<reason>`` of the engine's catalogue (its key and
    the reason, rendered in the user's language by the CLI; ``str()`` is the English text)."""
    return error(CourseFileError, f"course.{reason}", **params)


def _number(value: Any, key: str, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise refused("number", key=key, got=repr(value))
    if value < low or (high is not None and value > high):
        if high is None:
            raise refused("number_at_least", key=key, low=low, got=repr(value))
        raise refused("number_between", key=key, low=low, high=high, got=repr(value))
    return float(value)


def parse_time(text: Any, key: str | Message) -> datetime:
    """An ISO 8601 time with its time zone (a time without one would depend on the grading machine)."""
    if isinstance(text, datetime):
        moment = text
    elif isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise refused("time_format", key=key, got=repr(text)) from None
    else:
        raise refused("time_type", key=key, got=repr(text))
    if moment.tzinfo is None:
        raise refused("no_time_zone", key=key, text=str(text))
    return moment


def _table(table: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise refused("a_table", key=f"late.{key}")
    return value


def _unknown(table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise refused("unknown_key", key=f"{where}{key}", known=tuple(known))


def parse_course(data: Mapping[str, Any], exercises: Sequence[str], folder: Path, source: str) -> Course:
    """A Course from course.toml's parsed tables; ``folder`` is where relative paths start."""
    _unknown(data, ("lang", "points", "late", "roster", "counts"), "")
    counts = data.get("counts", "latest")
    if counts not in COUNTS:
        raise refused("counts", choices=COUNTS, got=repr(counts))
    lang = data.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise refused("lang", languages=LANGUAGES, got=repr(lang))
    points_table = data.get("points", {})
    if not isinstance(points_table, dict):
        raise refused("points_table")
    points: dict[str, float] = {}
    for exercise, value in points_table.items():
        if exercise not in exercises:
            raise refused("unknown_exercise", key=f"points.{exercise}", exercises=tuple(exercises))
        points[exercise] = _number(value, f"points.{exercise}", 0, MAX_POINTS)
        if points[exercise] == 0:
            raise refused("points_positive", key=f"points.{exercise}", got=repr(value))
    late = None
    if "late" in data:
        table = data["late"]
        if not isinstance(table, dict):
            raise refused("late_table")
        _unknown(table, ("due", "penalty_per_day", "max_penalty", "zero_after_days", "submitted_at",
                         "exercise_due", "extensions"), "late.")
        exercise_due = _table(table, "exercise_due")
        for exercise in exercise_due:
            if exercise not in exercises:
                raise refused("unknown_exercise", key=f"late.exercise_due.{exercise}",
                              exercises=tuple(exercises))
        extensions: dict[str, datetime | timedelta] = {}
        for student, value in _table(table, "extensions").items():
            where = f"late.extensions.{student}"
            if isinstance(value, int | float) and not isinstance(value, bool):
                extensions[student] = timedelta(days=_number(value, where, 0))
            else:
                extensions[student] = parse_time(value, where)
        if "due" not in table:
            raise refused("due_missing")
        zero_after = table.get("zero_after_days")
        if zero_after is not None and (isinstance(zero_after, bool) or not isinstance(zero_after, int)
                                       or zero_after < 0):
            raise refused("whole_days", got=repr(zero_after))
        times = table.get("submitted_at")
        if times is not None and not isinstance(times, str):
            raise refused("csv_path", got=repr(times))
        times_path = None if times is None else folder / times
        if times_path is not None and not times_path.is_file():
            raise refused("not_a_file", key="late.submitted_at", path=str(times_path))
        late = LatePolicy(
            due=parse_time(table["due"], "late.due"),
            penalty_per_day=_number(table.get("penalty_per_day", 0.0), "late.penalty_per_day", 0, 1),
            max_penalty=_number(table.get("max_penalty", 1.0), "late.max_penalty", 0, 1),
            zero_after_days=zero_after,
            submitted_at=times_path,
            times={} if times_path is None else read_submission_times(times_path),
            exercise_due={e: parse_time(t, f"late.exercise_due.{e}") for e, t in exercise_due.items()},
            extensions=extensions,
        )
    roster: tuple[RosterRow, ...] = ()
    if "roster" in data:
        where = data["roster"]
        if not isinstance(where, str):
            raise refused("csv_path_key", key="roster", got=repr(where))
        roster_path = folder / where
        if not roster_path.is_file():
            raise refused("not_a_file", key="roster", path=str(roster_path))
        roster = read_roster(roster_path)
    return Course(lang=lang, points=points, late=late, source=source, roster=roster, counts=counts)


def load_course(path: Path | None, exercises: Sequence[str], cwd: Path | None = None) -> Course:
    """``path``, else ``./course.toml`` when present, else the default Course."""
    if path is None:
        candidate = (cwd or Path.cwd()) / DEFAULT_FILE
        if not candidate.is_file():
            return Course()
        path = candidate
    if not path.is_file():
        raise refused("not_a_file", key="--course", path=str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise refused("unreadable", path=str(path), error=str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise refused("not_toml", path=str(path), error=str(exc)) from None
    return parse_course(data, exercises, path.parent, str(path))  # a bad CSV is refused here, before grading


def read_submission_times(path: Path) -> dict[str, datetime]:
    """``student,submitted_at`` rows; a bad row is refused with its line number."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise refused("csv_too_large", path=str(path), mib=MAX_CSV_BYTES >> 20)
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise refused("csv_unreadable", path=str(path), error=str(exc)) from None
    times: dict[str, datetime] = {}
    for line, row in _csv_rows(path, text, ("student", "submitted_at"), "late.submitted_at"):
        where = msg("course.csv_line", path=str(path), line=line)
        times[row["student"]] = parse_time(row["submitted_at"], where)
    return times


def _csv_rows(path: Path, text: str, columns: Sequence[str], key: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV that must have ``columns`` (others are ignored), each with its line number. A row
    without a student, a cell with spaces around it or a student listed twice is refused with its line:
    a stray space would make another student of the same person, a second row would silently win."""
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or not set(columns) <= {(f or "").strip() for f in reader.fieldnames}:
        raise refused("csv_columns_of", key=key, path=str(path), columns=tuple(columns))
    reader.fieldnames = [(f or "").strip() for f in reader.fieldnames]
    rows: list[tuple[int, dict[str, str]]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        cells = {c: row.get(c) or "" for c in columns}
        if not any(cells.values()):
            continue  # an empty line
        student = cells["student"]
        if not student.strip():
            raise refused("csv_no_student_in", key=key, path=str(path), line=line)
        for column, value in cells.items():
            if value != value.strip():
                raise refused("csv_spaces", key=key, path=str(path), line=line, column=column,
                              got=repr(value))
        if student in seen:
            raise refused("csv_duplicate", key=key, path=str(path), line=line, first=seen[student],
                          student=student)
        seen[student] = line
        rows.append((line, cells))
    return rows


def read_roster(path: Path) -> tuple[RosterRow, ...]:
    """``student,lms_id,name`` rows (``lms_id`` and ``name`` may be empty); refused like the times CSV."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise refused("roster_too_large", path=str(path), mib=MAX_CSV_BYTES >> 20)
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise refused("roster_unreadable", path=str(path), error=str(exc)) from None
    return tuple(RosterRow(row["student"], row["lms_id"], row["name"])
                 for _, row in _csv_rows(path, text, ROSTER_COLUMNS, "roster"))


def check_times(course: Course, students: Sequence[str]) -> None:
    """Refuse a submitted_at CSV that names a student who is neither in the class folder (``students``)
    nor on the roster: a typo would otherwise fall back to the file times without a word."""
    if course.late is None or not course.late.times:
        return
    known = set(students) | {r.student for r in course.roster}
    unknown = sorted(s for s in course.late.times if s not in known)
    if len(unknown) > 10:
        raise refused("csv_unknown_more", path=str(course.late.submitted_at), students=tuple(unknown[:10]),
                      more=len(unknown) - 10)
    if unknown:
        raise refused("csv_unknown", path=str(course.late.submitted_at), students=tuple(unknown))
