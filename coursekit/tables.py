"""A model's summary table compared with the expected one: which cell differs, and the mistake it looks like.

A row is ``(class_name, output_shape, params)``, as ``model.summary()`` shows it: ``("LSTM", (None, 16),
3136)``. This module compares rows and reads a student's table; it computes none (the rows Keras gives
come from Keras, the rows of a named mistake from the grader that names it), so the judge modules of
Parameter-count and model exercises use it in the grader and in the student handout alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coursekit.bounds import MAX_TABLE_ROWS
from coursekit.messages import Message, Mistake, Param, msg
from coursekit.results import TableDetail

Shape = tuple[int | None, ...]
Row = tuple[str, Shape, int]


COLUMNS = ("Layer (type)", "Output Shape", "Param #")


def shape_text(shape: Any) -> str:
    """An output shape as model.summary() shows it: (None, None, 32)."""
    if isinstance(shape, tuple):
        inner = ", ".join("None" if d is None else str(d) for d in shape)
        return f"({inner},)" if len(shape) == 1 else f"({inner})"
    if isinstance(shape, list):
        return "[" + ", ".join(shape_text(s) for s in shape) + "]"
    return "?" if shape is None else str(shape)[:40]


def params_text(params: Any) -> str:
    if isinstance(params, int) and not isinstance(params, bool):
        return f"{params:,}"
    return str(params)[:40]


def _plain_shape(shape: Any) -> Any:
    """A shape as a tuple of ints and None; a list of shapes (several outputs) as a list of tuples."""
    if isinstance(shape, list | tuple):
        if all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in shape):
            return tuple(shape)
        return [_plain_shape(s) for s in shape]
    return shape


class RowsError(ValueError):
    """A student's table that is not a list of rows; ``message`` says what is wrong."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.key)
        self.message = message


def read_rows(value: Any, what: Param) -> list[tuple[Any, Any, Any]]:
    """A student's table as rows (class name, shape, params); raises RowsError saying what is wrong."""
    if not isinstance(value, list | tuple):
        raise RowsError(msg("table.not_rows", what=what, type=type(value).__name__))
    if len(value) > MAX_TABLE_ROWS:
        raise RowsError(msg("table.too_many_rows", what=what, rows=len(value), limit=MAX_TABLE_ROWS))
    rows = []
    for i, row in enumerate(value, 1):
        if not isinstance(row, list | tuple) or len(row) != 3:
            raise RowsError(msg("table.bad_row", what=what, row=i, text=str(row)[:80]))
        rows.append((row[0], _plain_shape(row[1]), _plain_int(row[2])))
    return rows


def _plain_int(x: Any) -> Any:
    """A count of a numpy integer type as a Python int (an int value is an int)."""
    kind = getattr(getattr(x, "dtype", None), "kind", "")
    if not _is_int(x) and type(x).__module__ == "numpy" and kind and kind in "iu":
        return int(x)
    return x


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _same_cell(column: int, expected: Any, got: Any) -> bool:
    if column == 2:
        return _is_int(got) and got == expected
    return bool(expected == got)


def _cells(row: tuple[Any, Any, Any]) -> tuple[str, str, str]:
    return (str(row[0])[:60], shape_text(row[1]), params_text(row[2]))


def _total(rows: Sequence[tuple[Any, Any, Any]]) -> str:
    return f"{sum(r[2] for r in rows):,}" if all(_is_int(r[2]) for r in rows) else "?"


def _one_line(rows: Sequence[tuple[Any, Any, Any]]) -> Message:
    if not rows:
        return msg("table.one_line_empty", total=_total(rows))
    return msg("table.one_line", rows=" · ".join(" ".join(_cells(r)) for r in rows), total=_total(rows))


def differences(expected: Sequence[Row], got: Sequence[tuple[Any, Any, Any]]) -> list[tuple[int, int]]:
    """Every (row, column) that differs; a row on one side only counts as its three cells."""
    out = []
    for i in range(max(len(expected), len(got))):
        for j in range(3):
            if i >= len(expected) or i >= len(got) or not _same_cell(j, expected[i][j], got[i][j]):
                out.append((i, j))
    return out


@dataclass(frozen=True)
class TableMistake:
    """A common mistake, and the table it produces."""

    mistake: Mistake
    rows: Sequence[Row]


def compare_tables(expected: Sequence[Row], got: Sequence[tuple[Any, Any, Any]], *, what: Param,
                   mistakes: Sequence[TableMistake] = ()) -> tuple[bool, Message, Mistake | None]:
    """(passed, message, mistake): the first differing row and cell named, both tables in one line each,
    and the mistake the student's table looks like."""
    diffs = differences(expected, got)
    if not diffs:
        return True, msg("table.matches", total=_total(expected)), None
    row, column = diffs[0]
    if row >= len(got):
        first = msg("table.row_missing", rows=len(got), expected=len(expected), row=row + 1,
                    layer=str(expected[row][0]))
    elif row >= len(expected):
        first = msg("table.row_extra", rows=len(got), expected=len(expected), row=row + 1,
                    layer=str(got[row][0])[:40])
    else:
        cell: Param = _cells(got[row])[column]
        if column == 2 and not _is_int(got[row][2]):
            cell = msg("table.param_not_int", cell=str(cell), type=type(got[row][2]).__name__)
        first = msg("table.cell_differs", row=row + 1, layer=str(expected[row][0]), column=COLUMNS[column],
                    expected=_cells(expected[row])[column], got=cell)
    message = msg("table.compare", what=what, first=first, expected=_one_line(expected), got=_one_line(got))
    found = next((m for m in mistakes if list(m.rows) != list(expected) and not differences(m.rows, got)),
                 None)
    if found is None and row < min(len(got), len(expected)):
        # A mistake explains the first differing cell only if it leaves the rows before it right, as the
        # student did: a Dense that drops the time axis is not "return_sequences ignored" on the RNN above.
        found = next((m for m in mistakes if row < len(m.rows) and not _same_cell(
            column, expected[row][column], m.rows[row][column])
            and _same_cell(column, m.rows[row][column], got[row][column])
            and not differences(expected[:row], m.rows[:row])), None)
    return False, message, None if found is None else found.mistake


def table_detail(expected: Sequence[Row], got: Sequence[tuple[Any, Any, Any]]) -> TableDetail:
    """Both tables as shown, for the side-by-side feedback of ``coursekit check --verbose``."""
    return TableDetail(expected=tuple(_cells(r) for r in expected), got=tuple(_cells(r) for r in got),
                       expected_total=_total(expected), got_total=_total(got),
                       differences=tuple(differences(expected, got)))
