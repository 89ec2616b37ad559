"""Bounds on what one grading can make: the text kept per test, per gradebook row and per student.

A student's result can be as large as the result limit of their process (32 MB of JSON): a table of a
million rows, say. Graders read at most ``MAX_TABLE_ROWS`` rows of a table (``coursekit/tables.py``),
and batch grading passes every result through :func:`bound_result` before it leaves the worker, so that
a gradebook row, the coordinator's memory and each student's feedback stay small whatever the student
returned. Where text is cut, it ends in ``(cut)``.
"""

from __future__ import annotations

import json
from dataclasses import replace

from coursekit.messages import Message, Param
from coursekit.results import ExerciseResult, TableDetail, TestResult, result_to_dict

MAX_TEST_CHARS = 4000  # one test's message
MAX_TABLE_ROWS = 64  # rows of a summary table read, compared and kept (the lesson's have at most 8)
MAX_ROW_CHARS = 64 << 10  # one exercise's result as stored in the gradebook (JSON)
MAX_STUDENT_CHARS = 256 << 10  # one student's report.md
CUT = " … (cut)"


def cut(text: str, limit: int) -> str:
    """``text``, or its first characters and ``(cut)`` when it is longer than ``limit``."""
    return text if len(text) <= limit else text[:max(0, limit - len(CUT))] + CUT


def _table(table: TableDetail) -> TableDetail:
    def rows(side: tuple[tuple[str, str, str], ...]) -> tuple[tuple[str, str, str], ...]:
        kept = tuple((cut(a, 100), cut(b, 100), cut(c, 40)) for a, b, c in side[:MAX_TABLE_ROWS])
        if len(side) > MAX_TABLE_ROWS:
            kept += ((f"(cut): {len(side) - MAX_TABLE_ROWS} more rows", "", ""),)
        return kept

    return replace(table, expected=rows(table.expected), got=rows(table.got),
                   expected_total=cut(table.expected_total, 40), got_total=cut(table.got_total, 40),
                   differences=tuple((r, c) for r, c in table.differences if r < MAX_TABLE_ROWS))


def _test(test: TestResult, limit: int) -> TestResult:
    detail = test.detail
    if detail is not None:
        detail = replace(detail, expected=cut(detail.expected, limit), got=cut(detail.got, limit),
                         tolerance=cut(detail.tolerance, 200))
    return replace(test, name=cut(test.name, 200), message=bound_message(test.message, limit),
                   hint=None if test.hint is None else bound_message(test.hint, limit),
                   mistake=None if test.mistake is None else cut(test.mistake, 200), detail=detail,
                   table=None if test.table is None else _table(test.table))


def bound_message(message: Message, limit: int) -> Message:
    """``message`` with each of its texts (its parameters, those of the messages in it) within ``limit``;
    its key and domain within 200 characters, at most 20 parameters, tuples of at most 100 items."""
    params = tuple((cut(name, 200), _bound_param(value, limit)) for name, value in message.params[:20])
    return Message(cut(message.key, 200), params, cut(message.domain, 200))


def _bound_param(value: Param, limit: int) -> Param:
    if isinstance(value, Message):
        return bound_message(value, limit)
    if isinstance(value, str):
        return cut(value, limit)
    if isinstance(value, tuple):
        return tuple(_bound_param(v, limit) for v in value[:100])
    return value


def _size(result: ExerciseResult) -> int:
    return len(json.dumps(result_to_dict(result), ensure_ascii=False))


def bound_result(result: ExerciseResult) -> ExerciseResult:
    """``result`` with every text within its bound: each test's message within ``MAX_TEST_CHARS``, and
    the whole within ``MAX_ROW_CHARS`` (the messages, array slices and tables cut further if needed)."""
    limit = MAX_TEST_CHARS
    while True:
        bounded = replace(result, tests=tuple(_test(t, limit) for t in result.tests),
                          output=cut(result.output, MAX_TEST_CHARS),
                          notes=tuple(bound_message(n, 500) for n in result.notes[:20]),
                          internal_error=None if result.internal_error is None
                          else bound_message(result.internal_error, MAX_TEST_CHARS))
        if _size(bounded) <= MAX_ROW_CHARS or limit <= 100:
            return bounded if limit > 100 else replace(
                bounded, tests=tuple(replace(t, table=None, detail=None) for t in bounded.tests))
        limit //= 2

