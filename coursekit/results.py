"""Results of grading, as plain frozen data. Rendering them is the job of ``coursekit.render``.

Every text a person reads is a :class:`~coursekit.messages.Message` (a catalogue key and its values), so
a stored result renders in Chinese or English later. A test's ``name`` is the case's stable name (the key
of item analysis and of the Keras cache); its display text is the entry ``name`` of the exercise's
catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal

from coursekit.messages import Message

Status = Literal["passed", "failed"]

# Bumped whenever the stored form of a result changes, so that a gradebook's old rows are regraded.
FORMAT = 2


class Failure(StrEnum):
    """Why a test failed, as a kind with a stable id (its ``message`` says the particulars)."""

    NOT_FOUND = "not_found"                # the exercise's file is not in the submission
    REFUSED = "refused"                    # a file or archive the grader will not open (a link, ...)
    FORBIDDEN_IMPORT = "forbidden_import"  # keras, tensorflow, torch or jax in a numpy exercise
    SYNTAX_ERROR = "syntax_error"          # the file does not compile
    IMPORT_ERROR = "import_error"          # importing the file raised
    NO_FUNCTION = "no_function"            # the file defines no function of that name
    NOT_IMPLEMENTED = "not_implemented"    # the function still raises NotImplementedError
    EXCEPTION = "exception"                # the function raised an exception of some type
    TIME_LIMIT = "time_limit"              # the process ran out of time
    MEMORY_LIMIT = "memory_limit"          # MemoryError, or killed by the memory limit
    KILLED = "killed"                      # the process was killed by a signal
    EXIT = "exit"                          # sys.exit, os._exit or a crash ended the process
    UNREADABLE = "unreadable"              # the process sent data that could not be read
    NOT_RUN = "not_run"                    # not run: the process stopped on an earlier case
    WRONG_VALUE = "wrong_value"            # a value that does not match Keras's
    INTERNAL_ERROR = "internal_error"      # a bug in a grader, never the student's fault


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
    # What the arrays are, as the judge named them: "lstm_forward: c" for a part of a tuple result.
    what: str = ""


@dataclass(frozen=True)
class TableDetail:
    """Two ``model.summary()`` tables compared row by row, for side-by-side feedback.

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
    """One graded case.

    ``message`` says what went wrong (or that it passed); ``mistake`` is the id of the named mistake it
    matches and ``hint`` that mistake's "looks like ..., try ..." line; ``failure`` the kind of failure.
    """

    name: str
    status: Status
    score: float
    max_score: float
    message: Message
    hidden: bool = False
    mistake: str | None = None
    hint: Message | None = None
    failure: Failure | None = None
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
    title: Message
    tests: tuple[TestResult, ...]
    output: str = ""
    notes: tuple[Message, ...] = field(default_factory=tuple)
    internal_error: Message | None = None
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
    """Plain JSON-able data for the gradebook and for passing results between processes."""
    return {"format": FORMAT, "exercise": result.exercise, "title": result.title.to_dict(),
            "tests": [_test_to_dict(t) for t in result.tests], "output": result.output,
            "notes": [n.to_dict() for n in result.notes], "internal_error": _optional(result.internal_error),
            "execution_time": result.execution_time}


def result_from_dict(data: dict[str, Any]) -> ExerciseResult:
    """The inverse of :func:`result_to_dict`; raises ValueError for another format (an old gradebook row)."""
    if data.get("format") != FORMAT:
        raise ValueError(f"a result stored in format {data.get('format')!r}, expected {FORMAT}")
    return ExerciseResult(exercise=data["exercise"], title=Message.from_dict(data["title"]),
                          tests=tuple(_test_from_dict(t) for t in data["tests"]), output=data["output"],
                          notes=tuple(Message.from_dict(n) for n in data["notes"]),
                          internal_error=_optional_message(data["internal_error"]),
                          execution_time=data["execution_time"])


def _optional(message: Message | None) -> dict[str, Any] | None:
    return None if message is None else message.to_dict()


def _optional_message(data: dict[str, Any] | None) -> Message | None:
    return None if data is None else Message.from_dict(data)


def _test_to_dict(t: TestResult) -> dict[str, Any]:
    out: dict[str, Any] = {f.name: getattr(t, f.name) for f in fields(t)}
    out["message"] = t.message.to_dict()
    out["hint"] = _optional(t.hint)
    out["failure"] = None if t.failure is None else str(t.failure)
    for name in ("detail", "table"):
        value = getattr(t, name)
        out[name] = None if value is None else {f.name: getattr(value, f.name) for f in fields(value)}
    return out


def _test_from_dict(t: dict[str, Any]) -> TestResult:
    detail = t.get("detail")
    if detail is not None:
        diff = detail.get("first_difference")
        detail = ArrayDetail(**{**detail, "first_difference": tuple(diff) if diff is not None else None})
    table = t.get("table")
    if table is not None:
        table = TableDetail(**{**table, **{k: tuple(tuple(v) for v in table[k])
                                           for k in ("expected", "got", "differences")}})
    return TestResult(**{**t, "message": Message.from_dict(t["message"]),
                         "hint": _optional_message(t.get("hint")),
                         "failure": None if t.get("failure") is None else Failure(t["failure"]),
                         "detail": detail, "table": table})
