"""The rows of ``model.summary()`` worked out by hand, with the usual counting mistakes as switches.

Keras is the reference of ex2 and ex3; this module only answers "what would a student who made mistake X
have got?", so that a grader can name the mistake. ``Rules()`` (no mistake) agrees with Keras, which
``tests/test_ex2.py`` checks on random layers.

A layer is given as in ex2's ``summary_table``: ``(class_name, kwargs)``, e.g.
``("Bidirectional", {"layer": ("LSTM", {"units": 16}), "merge_mode": "concat"})``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from coursekit.bounds import MAX_TABLE_ROWS
from coursekit.messages import Message, Mistake, Param, msg
from coursekit.results import TableDetail

Shape = tuple[int | None, ...]
Row = tuple[str, Shape, int]
LayerSpec = tuple[str, Mapping[str, Any]]

RECURRENT = ("SimpleRNN", "LSTM", "GRU")
CLASSES = ("Embedding", "Dense", *RECURRENT, "Bidirectional")


@dataclass(frozen=True)
class Rules:
    """How parameters and shapes are counted; the defaults are Keras's rules, each switch a mistake."""

    bias: bool = True  # False: every bias left out
    honour_use_bias: bool = True  # False: a bias counted even with use_bias=False
    recurrent: bool = True  # False: the recurrent kernels (W) left out
    lstm_gates: int = 4
    gru_gates: int = 3
    gru_second_bias: Literal["reset_after", "never", "always"] = "reset_after"
    bidirectional_copies: int = 2
    return_sequences: Literal["as_given", "never", "always"] = "as_given"
    merge_width: Literal["keras", "always_double", "never_double"] = "keras"
    keep_length: bool = True  # False: a fixed length from input_shape shown as None
    next_input_after_concat: Literal["merged", "units"] = "merged"


KERAS = Rules()


def embedding_params(input_dim: int, output_dim: int) -> int:
    return input_dim * output_dim


def dense_params(input_dim: int, units: int, use_bias: bool = True, rules: Rules = KERAS) -> int:
    has_bias = rules.bias and (use_bias or not rules.honour_use_bias)
    return input_dim * units + (units if has_bias else 0)


def recurrent_params(layer: str, input_dim: int, units: int, use_bias: bool = True,
                     reset_after: bool = True, rules: Rules = KERAS) -> int:
    """kernel (input_dim, g*units) + recurrent_kernel (units, g*units) + bias, g gates."""
    gates = {"SimpleRNN": 1, "LSTM": rules.lstm_gates, "GRU": rules.gru_gates}[layer]
    has_bias = rules.bias and (use_bias or not rules.honour_use_bias)
    bias_rows = 0
    if has_bias:
        bias_rows = 1
        if layer == "GRU" and (rules.gru_second_bias == "always"
                               or (rules.gru_second_bias == "reset_after" and reset_after)):
            bias_rows = 2
    recurrent = units * units if rules.recurrent else 0
    return gates * (input_dim * units + recurrent + bias_rows * units)


def bidirectional_params(layer: str, input_dim: int, units: int, use_bias: bool = True,
                         reset_after: bool = True, rules: Rules = KERAS) -> int:
    one = recurrent_params(layer, input_dim, units, use_bias, reset_after, rules)
    return rules.bidirectional_copies * one


def _recurrent_output(batch_and_time: Shape, units: int, return_sequences: bool, rules: Rules) -> Shape:
    if rules.return_sequences == "always":
        return_sequences = True
    elif rules.return_sequences == "never":
        return_sequences = False
    return (None, batch_and_time[1], units) if return_sequences else (None, units)


def layer_row(spec: LayerSpec, shape: Shape, rules: Rules = KERAS) -> tuple[Row, Shape]:
    """One layer's row, given the shape it receives; also the shape the next layer receives."""
    name, kwargs = spec
    if name == "Embedding":
        out: Shape = (*shape, int(kwargs["output_dim"]))
        return (name, out, embedding_params(int(kwargs["input_dim"]), int(kwargs["output_dim"]))), out
    input_dim = shape[-1]
    if input_dim is None:
        raise ValueError(f"{name}: expected a known last dimension in its input, got {shape}")
    if name == "Dense":
        units = int(kwargs["units"])
        out = (*shape[:-1], units)
        return (name, out, dense_params(input_dim, units, bool(kwargs.get("use_bias", True)), rules)), out
    if name in RECURRENT:
        units = int(kwargs["units"])
        params = recurrent_params(name, input_dim, units, bool(kwargs.get("use_bias", True)),
                                  bool(kwargs.get("reset_after", True)), rules)
        out = _recurrent_output(shape, units, bool(kwargs.get("return_sequences", False)), rules)
        return (name, out, params), out
    if name == "Bidirectional":
        inner, inner_kwargs = kwargs["layer"]
        units = int(inner_kwargs["units"])
        merge = kwargs.get("merge_mode", "concat")
        doubled = {"keras": merge == "concat", "always_double": True,
                   "never_double": False}[rules.merge_width]
        params = bidirectional_params(inner, input_dim, units, bool(inner_kwargs.get("use_bias", True)),
                                      bool(inner_kwargs.get("reset_after", True)), rules)
        out = _recurrent_output(shape, 2 * units if doubled else units,
                                bool(inner_kwargs.get("return_sequences", False)), rules)
        passed_on = out
        if rules.next_input_after_concat == "units":
            passed_on = (*out[:-1], units)
        return (name, out, params), passed_on
    raise ValueError(f"layer class: expected one of {', '.join(CLASSES)}, got {name!r}")


def summary_rows(layers: Sequence[LayerSpec], input_shape: Shape = (None,),
                 rules: Rules = KERAS) -> list[Row]:
    """The rows of ``model.summary()`` for ``keras.Sequential([keras.Input(input_shape), *layers])``."""
    shape: Shape = (None, *input_shape)
    if not rules.keep_length:
        shape = (None, *(None for _ in input_shape[:1]), *input_shape[1:])
    rows = []
    for spec in layers:
        row, shape = layer_row(spec, shape, rules)
        rows.append(row)
    return rows


# ---- comparing a table with the expected one ----------------------------------------------------------

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
        found = next((m for m in mistakes if row < len(m.rows) and not _same_cell(
            column, expected[row][column], m.rows[row][column])
            and _same_cell(column, m.rows[row][column], got[row][column])), None)
    return False, message, None if found is None else found.mistake


def table_detail(expected: Sequence[Row], got: Sequence[tuple[Any, Any, Any]]) -> TableDetail:
    """Both tables as shown, for the side-by-side feedback of ``coursekit check --verbose``."""
    return TableDetail(expected=tuple(_cells(r) for r in expected), got=tuple(_cells(r) for r in got),
                       expected_total=_total(expected), got_total=_total(got),
                       differences=tuple(differences(expected, got)))
