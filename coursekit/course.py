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
from coursekit.i18n import error
from coursekit.messages import Message, Param, msg
from coursekit.results import ExerciseResult

DEFAULT_FILE = "course.toml"
LANGUAGES = ("zh", "en")
MAX_CSV_BYTES = 4 << 20

EXAMPLE = '''\
# course.toml: read by `coursekit grade` from the folder where it runs (or --course FILE).
# Every key is optional; a value coursekit cannot use is refused before grading starts.

lang = "zh"                          # the language of the feedback: "zh" or "en"

[points]                             # an exercise's points: its tests are scaled to them
{points}

[late]
due = "2026-12-15T23:59:00+08:00"    # ISO 8601 with its time zone
penalty_per_day = 0.1                # share of the score lost per day late, a started day counting whole
max_penalty = 0.5                    # the largest share a late submission loses
zero_after_days = 7                  # more days late than this: the work scores 0
# submitted_at = "submitted_at.csv"  # columns student,submitted_at (ISO 8601); without it, the newest
                                     # file time in each submission
'''

EXAMPLE_ZH = '''\
# course.toml：`coursekit grade` 从运行它的文件夹读取（或用 --course FILE 指定）。
# 每个键都可以省略；coursekit 用不了的值会在评分开始前被拒绝，并说明是哪个键、为什么。

lang = "zh"                          # 反馈的语言："zh" 或 "en"

[points]                             # 每个练习的分数：它的各项测试按这个分数折算
{points}

[late]
due = "2026-12-15T23:59:00+08:00"    # 截止时间，ISO 8601 格式，必须带时区
penalty_per_day = 0.1                # 每迟交一天扣掉得分的比例，不满一天按一天算
max_penalty = 0.5                    # 迟交最多扣掉的比例
zero_after_days = 7                  # 迟交超过这么多天：这次作业记 0 分
# submitted_at = "submitted_at.csv"  # 两列 student,submitted_at（ISO 8601）；不写这一项时，
                                     # 取每份提交中最新的文件修改时间
'''
EXAMPLES = {"en": EXAMPLE, "zh": EXAMPLE_ZH}
# The comments of the first lines of [points], by language.
POINTS_COMMENTS = {"en": ("(partial credit kept); an exercise not listed keeps one", "point per test"),
                   "zh": ("（部分得分照样保留）；没有列出的练习每项测试 1 分",)}


def example(lang: str, exercise_ids: Sequence[str]) -> str:
    """The commented example course.toml in ``lang``, giving each of ``exercise_ids`` 10 points."""
    comments = POINTS_COMMENTS[lang]
    lines = [f"{i} = 10".ljust(37) + (f"# {comments[n]}" if n < len(comments) else "")
             for n, i in enumerate(exercise_ids)]
    return EXAMPLES[lang].replace("{points}", "\n".join(line.rstrip() for line in lines))


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


def _unknown(table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise refused("unknown_key", key=f"{where}{key}", known=tuple(known))


def parse_course(data: Mapping[str, Any], exercises: Sequence[str], folder: Path, source: str) -> Course:
    """A Course from course.toml's parsed tables; ``folder`` is where relative paths start."""
    _unknown(data, ("lang", "points", "late"), "")
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
        points[exercise] = _number(value, f"points.{exercise}", 0)
        if points[exercise] == 0:
            raise refused("points_positive", key=f"points.{exercise}", got=repr(value))
    late = None
    if "late" in data:
        table = data["late"]
        if not isinstance(table, dict):
            raise refused("late_table")
        _unknown(table, ("due", "penalty_per_day", "max_penalty", "zero_after_days", "submitted_at"), "late.")
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
        raise refused("not_a_file", key="--course", path=str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise refused("unreadable", path=str(path), error=str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise refused("not_toml", path=str(path), error=str(exc)) from None
    course = parse_course(data, exercises, path.parent, str(path))
    if course.late is not None and course.late.submitted_at is not None:
        read_submission_times(course.late.submitted_at)  # refuse a bad CSV before grading starts
    return course


def read_submission_times(path: Path) -> dict[str, datetime]:
    """``student,submitted_at`` rows; a bad row is refused with its line number."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise refused("csv_too_large", path=str(path), mib=MAX_CSV_BYTES >> 20)
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise refused("csv_unreadable", path=str(path), error=str(exc)) from None
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or not {"student", "submitted_at"} <= set(reader.fieldnames):
        raise refused("csv_columns", path=str(path))
    times: dict[str, datetime] = {}
    for line, row in enumerate(reader, start=2):
        student = (row.get("student") or "").strip()
        if not student:
            raise refused("csv_no_student", path=str(path), line=line)
        times[student] = parse_time(row.get("submitted_at") or "",
                                    msg("course.csv_line", path=str(path), line=line))
    return times
