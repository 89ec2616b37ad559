"""The judge of exercise 2 (counting parameters): no counting code, so the student handout ships it as it is.

``graders/ex2/grader.py`` computes each named mistake's count or summary table with the hand-counting rules of
``graders/shared/reference/keras_model_tables.py`` and judges with :func:`judge`; the handout judges with
the same
function, those counts and tables read from its data (see ``coursekit/judges.py``). A value arrives
through the child's ``typed`` probe as ``(type name, value)``. Its messages are entries of the ex2
catalogue (``graders/ex2/locale/{en,zh}/LC_MESSAGES/ex2.po``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coursekit.compare import Verdict, describe
from coursekit.exercise import Case
from coursekit.messages import Message, Mistake, Param, in_domain, msg
from coursekit.tables import (
    Row,
    RowsError,
    TableMistake,
    compare_tables,
    differences,
    read_rows,
    table_detail,
)

DOMAIN = "ex2"
FLOAT_RETURNED = "float_returned"


def _message(key: str, /, **params: Param) -> Message:
    return in_domain(DOMAIN, key, **params)


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """A count (an int), or summary_table's rows; ``mistakes`` give a count or rows as their output."""
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], str)):
        return Verdict(False, msg("compare.unreadable", what=case.function, got=describe(got)))
    type_name, value = got
    if case.function == "summary_table":
        return _judge_table(value, expected, mistakes)
    return _judge_count(case.function, type_name, value, int(expected), mistakes)


def _judge_count(what: str, type_name: str, value: Any, expected: int,
                 mistakes: Sequence[Mistake]) -> Verdict:
    """The first mistake whose count is the student's, unless an earlier one (or Keras) gives it too."""
    if value is None:
        return Verdict(False, _message("count_none", what=what, expected=expected))
    if not isinstance(value, int | float) or isinstance(value, bool):
        return Verdict(False, msg("compare.not_int", what=what, expected=expected, got=describe(value)))
    if value != expected:
        message = _message("count_wrong", what=what, expected=expected, got=value)
        seen = {expected}
        for mistake in mistakes:
            if mistake.output not in seen and mistake.output == value:
                return Verdict(False, message, mistake=mistake)
            seen.add(mistake.output)
        return Verdict(False, message)
    if isinstance(value, int):
        return Verdict(True)  # an int value is an int, numpy's integers included
    return Verdict(False, _message("count_not_int", what=what, value=repr(value),
                                   type=type_name.removeprefix("builtins.")),
                   mistake=Mistake(FLOAT_RETURNED, None, DOMAIN))


def _judge_table(value: Any, expected: Sequence[Any], mistakes: Sequence[Mistake]) -> Verdict:
    expected_rows = rows_of(expected)
    try:
        rows = read_rows(value, "summary_table")
    except RowsError as exc:
        return Verdict(False, exc.message)
    passed, message, mistake = compare_tables(
        expected_rows, rows, what="summary_table",
        mistakes=[TableMistake(m, rows_of(m.output)) for m in mistakes if m.output is not None])
    if not passed and mistake is None and _only_float_counts(expected_rows, rows):
        mistake = Mistake(FLOAT_RETURNED, None, DOMAIN)
    return Verdict(passed, message, mistake=mistake, table=table_detail(expected_rows, rows))


def rows_of(table: Sequence[Any]) -> list[Row]:
    """A table as rows of (class name, shape tuple, int): Keras's, or a mistake's, read back from data."""
    return [(str(c), tuple(s), int(p)) for c, s, p in table]


def _only_float_counts(expected: Sequence[Row], rows: Sequence[tuple[Any, Any, Any]]) -> bool:
    """Whether every cell that differs is a Param # given as a float of the right value (320000.0)."""
    diffs = differences(expected, rows)
    return bool(diffs) and all(
        column == 2 and row < min(len(expected), len(rows)) and isinstance(rows[row][2], float)
        and rows[row][2] == expected[row][2] for row, column in diffs)
