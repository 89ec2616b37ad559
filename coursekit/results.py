"""Results of grading, as plain frozen data. Rendering them is the job of ``coursekit.render``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed"]


@dataclass(frozen=True)
class ArrayDetail:
    """How an array result compared with the expected one, for ``--verbose`` feedback."""

    expected: str
    got: str
    first_difference: tuple[int, ...] | None = None
    expected_at_difference: float | None = None
    got_at_difference: float | None = None
    max_abs_error: float | None = None
    tolerance: str = ""


@dataclass(frozen=True)
class TableDetail:
    """Two ``model.summary()`` tables compared row by row (ex2, ex3), for side-by-side feedback.

    Rows are the cells as shown: (``Layer (type)``, ``Output Shape``, ``Param #``). ``differences`` holds
    the (row, column) of every cell that differs, a row present on one side only counting as all three.
    """

    expected: tuple[tuple[str, str, str], ...]
    got: tuple[tuple[str, str, str], ...]
    expected_total: str
    got_total: str
    differences: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class TestResult:
    """One graded case."""

    name: str
    status: Status
    score: float
    max_score: float
    output: str
    hidden: bool = False
    mistake: str | None = None
    detail: ArrayDetail | None = None
    internal_error: bool = False
    table: TableDetail | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class ExerciseResult:
    """All the cases of one exercise for one submission."""

    exercise: str
    title: str
    tests: tuple[TestResult, ...]
    output: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    internal_error: str | None = None
    execution_time: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.tests) and self.internal_error is None


def result_to_dict(result: ExerciseResult) -> dict[str, Any]:
    """Plain data for the gradebook and for passing results between processes."""
    return asdict(result)


def result_from_dict(data: dict[str, Any]) -> ExerciseResult:
    tests = []
    for t in data["tests"]:
        detail = t.get("detail")
        if detail is not None:
            diff = detail.get("first_difference")
            detail = ArrayDetail(**{**detail, "first_difference": tuple(diff) if diff is not None else None})
        table = t.get("table")
        if table is not None:
            table = TableDetail(**{**table, **{k: tuple(tuple(v) for v in table[k])
                                               for k in ("expected", "got", "differences")}})
        tests.append(TestResult(**{**t, "detail": detail, "table": table}))
    return ExerciseResult(**{**data, "tests": tuple(tests), "notes": tuple(data.get("notes", ()))})
