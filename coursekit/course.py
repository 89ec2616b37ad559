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
from coursekit.results import ExerciseResult

DEFAULT_FILE = "course.toml"
LANGUAGES = ("zh", "en")
MAX_CSV_BYTES = 4 << 20

EXAMPLE = '''\
# course.toml: read by `coursekit grade` from the folder where it runs (or --course FILE).
# Every key is optional; a value coursekit cannot use is refused before grading starts.

lang = "zh"                          # the language of the feedback: "zh" or "en"

[points]                             # an exercise's points: its tests are scaled to them
ex1 = 10                             # (partial credit kept); an exercise not listed keeps one
ex2 = 10                             # point per test
ex3 = 20
ex4 = 20
ex5 = 20

[late]
due = "2026-12-15T23:59:00+08:00"    # ISO 8601 with its time zone
penalty_per_day = 0.1                # share of the score lost per day late, a started day counting whole
max_penalty = 0.5                    # the largest share a late submission loses
zero_after_days = 7                  # more days late than this: the work scores 0
# submitted_at = "submitted_at.csv"  # columns student,submitted_at (ISO 8601); without it, the newest
                                     # file time in each submission
'''


@dataclass(frozen=True)
class LatePolicy:
    due: datetime
    penalty_per_day: float = 0.0
    max_penalty: float = 1.0
    zero_after_days: int | None = None
    submitted_at: Path | None = None

    def apply(self, total: float, submitted: datetime | None) -> Late:
        """Whole days late (a started day counts), the points lost and the final score."""
        if submitted is None or submitted <= self.due:
            return Late(0, 0.0, total)
        days = math.ceil((submitted - self.due) / timedelta(days=1))
        share = min(self.penalty_per_day * days, self.max_penalty)
        if self.zero_after_days is not None and days > self.zero_after_days:
            share = 1.0
        penalty = round(total * share, 6)
        return Late(days, penalty, round(total - penalty, 6))


@dataclass(frozen=True)
class Course:
    """What course.toml says; the default Course (no file) changes nothing."""

    lang: str | None = None
    points: Mapping[str, float] = field(default_factory=dict)
    late: LatePolicy | None = None
    source: str = "no course.toml"

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


def _number(value: Any, key: str, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CourseFileError(f"{key}: expected a number, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise CourseFileError(f"{key}: expected a number {bounds}, got {value!r}")
    return float(value)


def parse_time(text: Any, key: str) -> datetime:
    """An ISO 8601 time with its time zone (a time without one would depend on the grading machine)."""
    if isinstance(text, datetime):
        moment = text
    elif isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise CourseFileError(f"{key}: expected an ISO 8601 time such as 2026-12-15T23:59:00+08:00, "
                                  f"got {text!r}") from None
    else:
        raise CourseFileError(f"{key}: expected an ISO 8601 time, got {text!r}")
    if moment.tzinfo is None:
        raise CourseFileError(f"{key}: {text!s} has no time zone; add one, e.g. +08:00")
    return moment


def _unknown(table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise CourseFileError(f"{where}{key}: unknown key (expected one of {', '.join(known)})")


def parse_course(data: Mapping[str, Any], exercises: Sequence[str], folder: Path, source: str) -> Course:
    """A Course from course.toml's parsed tables; ``folder`` is where relative paths start."""
    _unknown(data, ("lang", "points", "late"), "")
    lang = data.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise CourseFileError(f"lang: expected one of {', '.join(LANGUAGES)}, got {lang!r}")
    points_table = data.get("points", {})
    if not isinstance(points_table, dict):
        raise CourseFileError("points: expected a table of exercise = points")
    points: dict[str, float] = {}
    for exercise, value in points_table.items():
        if exercise not in exercises:
            raise CourseFileError(f"points.{exercise}: unknown exercise "
                                  f"(expected one of {', '.join(exercises)})")
        points[exercise] = _number(value, f"points.{exercise}", 0)
        if points[exercise] == 0:
            raise CourseFileError(f"points.{exercise}: expected more than 0 points, got {value!r}")
    late = None
    if "late" in data:
        table = data["late"]
        if not isinstance(table, dict):
            raise CourseFileError("late: expected a table")
        _unknown(table, ("due", "penalty_per_day", "max_penalty", "zero_after_days", "submitted_at"), "late.")
        if "due" not in table:
            raise CourseFileError("late.due: missing; a late policy needs a due date")
        zero_after = table.get("zero_after_days")
        if zero_after is not None and (isinstance(zero_after, bool) or not isinstance(zero_after, int)
                                       or zero_after < 0):
            raise CourseFileError(f"late.zero_after_days: expected a whole number of days >= 0, "
                                  f"got {zero_after!r}")
        times = table.get("submitted_at")
        if times is not None and not isinstance(times, str):
            raise CourseFileError(f"late.submitted_at: expected the path of a CSV file, got {times!r}")
        times_path = None if times is None else folder / times
        if times_path is not None and not times_path.is_file():
            raise CourseFileError(f"late.submitted_at: {times_path} is not a file")
        late = LatePolicy(
            due=parse_time(table["due"], "late.due"),
            penalty_per_day=_number(table.get("penalty_per_day", 0.0), "late.penalty_per_day", 0, 1),
            max_penalty=_number(table.get("max_penalty", 1.0), "late.max_penalty", 0, 1),
            zero_after_days=zero_after,
            submitted_at=times_path,
        )
    return Course(lang=lang, points=points, late=late, source=source)


def load_course(path: Path | None, exercises: Sequence[str], cwd: Path | None = None) -> Course:
    """``path``, else ``./course.toml`` when present, else the default Course."""
    if path is None:
        candidate = (cwd or Path.cwd()) / DEFAULT_FILE
        if not candidate.is_file():
            return Course()
        path = candidate
    if not path.is_file():
        raise CourseFileError(f"--course: {path} is not a file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseFileError(f"{path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseFileError(f"{path}: not valid TOML ({exc})") from None
    course = parse_course(data, exercises, path.parent, str(path))
    if course.late is not None and course.late.submitted_at is not None:
        read_submission_times(course.late.submitted_at)  # refuse a bad CSV before grading starts
    return course


def read_submission_times(path: Path) -> dict[str, datetime]:
    """``student,submitted_at`` rows; a bad row is refused with its line number."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise CourseFileError(f"late.submitted_at: {path} is larger than {MAX_CSV_BYTES >> 20} MiB")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseFileError(f"late.submitted_at: {path} cannot be read ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or not {"student", "submitted_at"} <= set(reader.fieldnames):
        raise CourseFileError(f"late.submitted_at: {path} needs the columns student,submitted_at")
    times: dict[str, datetime] = {}
    for line, row in enumerate(reader, start=2):
        student = (row.get("student") or "").strip()
        if not student:
            raise CourseFileError(f"late.submitted_at: {path}, line {line}: no student")
        times[student] = parse_time(row.get("submitted_at") or "", f"late.submitted_at ({path}, line {line})")
    return times
