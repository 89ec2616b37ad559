"""Grader of exercise 2: counting parameters by hand, against Keras's count_params() and model.summary().

The student's functions are called through the child's ``typed`` probe, which reports the type of what
they returned: the contract asks for Python ints, and a numpy integer looks like one once encoded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict, describe, untranslated
from coursekit.exercise import Case, Exercise
from coursekit.messages import msg, verbatim
from graders import _keras_model_tables as tables
from graders._keras_model_tables import LayerSpec, Row, Rules, TableMistake
from graders._keras_ref import count_params, make_layer, zeros_spec

# Each function's parameters, in order, with their defaults (None: required).
SIGNATURES: Mapping[str, tuple[tuple[str, Any], ...]] = {
    "embedding_params": (("input_dim", None), ("output_dim", None)),
    "dense_params": (("input_dim", None), ("units", None), ("use_bias", True)),
    "simple_rnn_params": (("input_dim", None), ("units", None), ("use_bias", True)),
    "lstm_params": (("input_dim", None), ("units", None), ("use_bias", True)),
    "gru_params": (("input_dim", None), ("units", None), ("use_bias", True), ("reset_after", True)),
    "bidirectional_params": (("layer", None), ("input_dim", None), ("units", None)),
    "summary_table": (("layers", None), ("input_shape", (None,))),
}
LAYER_OF = {"simple_rnn_params": "SimpleRNN", "lstm_params": "LSTM", "gru_params": "GRU"}

# Counting mistakes, as switches of the hand-made rules; each is tried on every count and every table.
COUNT_MISTAKES: tuple[tuple[str, str, Rules], ...] = (
    ("Bidirectional not doubled",
     "Bidirectional holds two copies of the layer, forward and backward, each with its own weights",
     Rules(bidirectional_copies=1)),
    ("the bias forgotten", "each gate has a bias of units numbers: Keras's bias is (gates * units,)",
     Rules(bias=False)),
    ("the recurrent weights forgotten",
     "each gate also multiplies the previous state: a recurrent_kernel W of shape (units, gates * units)",
     Rules(recurrent=False)),
    ("the bias and the recurrent weights forgotten",
     "count kernel (input_dim, g*units) + recurrent_kernel (units, g*units) + bias (g*units,)",
     Rules(bias=False, recurrent=False)),
    ("three gates for LSTM", "an LSTM has four gates, i, f, c and o: its kernel is (input_dim, 4 * units)",
     Rules(lstm_gates=3)),
    ("LSTM counted as one gate, like a SimpleRNN", "an LSTM has four gates: multiply by 4",
     Rules(lstm_gates=1)),
    ("GRU counted without its second bias row",
     "with reset_after=True (Keras's default) the GRU bias is (2, 3 * units): an input row and a "
     "recurrent row", Rules(gru_second_bias="never")),
    ("GRU counted with a second bias row although reset_after=False",
     "with reset_after=False the GRU bias is a single row of 3 * units", Rules(gru_second_bias="always")),
    ("four gates for GRU", "a GRU has three gates, z, r and h: its kernel is (input_dim, 3 * units)",
     Rules(gru_gates=4)),
    ("use_bias=False ignored", "with use_bias=False the layer has no bias at all",
     Rules(honour_use_bias=False)),
)
SHAPE_MISTAKES: tuple[tuple[str, str, Rules], ...] = (
    ("output shapes that ignore return_sequences (every recurrent layer shown as (None, units))",
     "a layer with return_sequences=True outputs every timestep: (None, timesteps, units)",
     Rules(return_sequences="never")),
    ("output shapes that ignore return_sequences (every recurrent layer shown returning sequences)",
     "with return_sequences=False (the default) a recurrent layer outputs only its last state: (None, units)",
     Rules(return_sequences="always")),
    ("a merge mode that changes the width: sum, ave or mul counted as doubling",
     "only merge_mode='concat' puts the two directions side by side (2 * units); sum, ave and mul "
     "combine them element-wise and keep units", Rules(merge_width="always_double")),
    ("concat not doubled", "merge_mode='concat' (the default) joins forward and backward: 2 * units wide",
     Rules(merge_width="never_double")),
    ("the layer after a concatenated Bidirectional given units inputs instead of 2 * units",
     "the next layer's input_dim is the width of the Bidirectional output, 2 * units with concat",
     Rules(next_input_after_concat="units")),
    ("the fixed length of input_shape lost",
     "with input_shape=(500,) the timesteps axis is 500, not None: (None, 500, 32)",
     Rules(keep_length=False)),
)


def bind(case: Case) -> dict[str, Any]:
    """The case's arguments by name, defaults filled in; bidirectional_params keeps its layer kwargs."""
    names = SIGNATURES[case.function]
    bound = {name: default for name, default in names}
    bound.update(zip([n for n, _ in names], case.args, strict=False))
    bound.update(case.kwargs)
    return bound


def count(case: Case, rules: Rules = tables.KERAS) -> int:
    """The count for a scalar case under ``rules``; Rules() is Keras's count."""
    a = bind(case)
    if case.function == "embedding_params":
        return tables.embedding_params(a["input_dim"], a["output_dim"])
    if case.function == "dense_params":
        return tables.dense_params(a["input_dim"], a["units"], a["use_bias"], rules)
    if case.function == "bidirectional_params":
        return tables.bidirectional_params(a["layer"], a["input_dim"], a["units"], a.get("use_bias", True),
                                           a.get("reset_after", True), rules)
    return tables.recurrent_params(LAYER_OF[case.function], a["input_dim"], a["units"], a["use_bias"],
                                   a.get("reset_after", True), rules)


def counted_layer(case: Case) -> tuple[LayerSpec, tuple[int | None, ...]]:
    """The Keras layer whose count_params() a scalar case asks for, and the input shape to build it on."""
    a = bind(case)
    if case.function == "embedding_params":
        return ("Embedding", {"input_dim": a["input_dim"], "output_dim": a["output_dim"]}), (None, None)
    if case.function == "dense_params":
        return ("Dense", {"units": a["units"], "use_bias": a["use_bias"]}), (None, a["input_dim"])
    if case.function == "bidirectional_params":
        inner = {k: v for k, v in a.items() if k not in ("layer", "input_dim")}
        return ("Bidirectional", {"layer": (a["layer"], inner)}), (None, None, a["input_dim"])
    inner = {k: v for k, v in a.items() if k != "input_dim"}
    return (LAYER_OF[case.function], inner), (None, None, a["input_dim"])


def _layer(name: str, **kwargs: Any) -> LayerSpec:
    return (name, kwargs)


def _token_case(name: str, layers: list[LayerSpec], input_shape: tuple[int | None, ...] | None = None,
                hidden: bool = False) -> Case:
    kwargs = {} if input_shape is None else {"input_shape": input_shape}
    return Case(name, "summary_table", (layers,), kwargs, hidden=hidden, probe="typed")


def _case(name: str, function: str, *args: Any, hidden: bool = False, **kwargs: Any) -> Case:
    return Case(name, function, args, kwargs, hidden=hidden, probe="typed")


class ParamCount(Exercise):
    id = "ex2"
    title = "Counting parameters"
    filename = "ex2_param_count.py"
    functions = ("embedding_params", "dense_params", "simple_rnn_params", "lstm_params", "gru_params",
                 "bidirectional_params", "summary_table")

    # --- cases ------------------------------------------------------------------------------------

    def public_cases(self) -> list[Case]:
        emb, rnn = _layer("Embedding", input_dim=10000, output_dim=32), _layer("SimpleRNN", units=32)
        seq = _layer("SimpleRNN", units=32, return_sequences=True)
        return [
            _case("embedding: the lesson's Embedding(10000, 32)", "embedding_params", 10000, 32),
            _case("embedding: Embedding(7, 3)", "embedding_params", 7, 3),
            _case("dense: Dense(1) on 32 inputs (the IMDB output layer)", "dense_params", 32, 1),
            _case("dense: Dense(16, use_bias=False) on 8 inputs", "dense_params", 8, 16, use_bias=False),
            _case("simple_rnn: SimpleRNN(32) on 32 inputs (the lesson)", "simple_rnn_params", 32, 32),
            _case("simple_rnn: SimpleRNN(4) on 10 inputs", "simple_rnn_params", 10, 4),
            _case("simple_rnn: SimpleRNN(5) on 3 inputs, use_bias=False", "simple_rnn_params", 3, 5,
                  use_bias=False),
            _case("lstm: LSTM(32) on 32 inputs", "lstm_params", 32, 32),
            _case("lstm: LSTM(3) on 7 inputs, use_bias=False", "lstm_params", 7, 3, use_bias=False),
            _case("gru: GRU(32) on 32 inputs, reset_after=True (the default)", "gru_params", 32, 32),
            _case("gru: GRU(6) on 4 inputs, reset_after=False", "gru_params", 4, 6, reset_after=False),
            _case("gru: GRU(5) on 3 inputs, use_bias=False", "gru_params", 3, 5, use_bias=False),
            _case("bidirectional: Bidirectional(LSTM(16)) on 32 inputs", "bidirectional_params",
                  "LSTM", 32, 16),
            _case("bidirectional: Bidirectional(GRU(8, reset_after=False)) on 5 inputs",
                  "bidirectional_params", "GRU", 5, 8, reset_after=False),
            _case("bidirectional: Bidirectional(SimpleRNN(4)) on 6 inputs", "bidirectional_params",
                  "SimpleRNN", 6, 4),
            _token_case("summary_table: the lesson's first table, Embedding + SimpleRNN(32)", [emb, rnn]),
            _token_case("summary_table: the lesson's second table, return_sequences=True", [emb, seq]),
            _token_case("summary_table: the lesson's third table, four stacked SimpleRNN(32)",
                        [emb, seq, seq, seq, rnn]),
            _token_case("summary_table: the IMDB model, Embedding + SimpleRNN + Dense(1, sigmoid)",
                        [emb, rnn, _layer("Dense", units=1, activation="sigmoid")]),
            _token_case("summary_table: Bidirectional LSTM (concat) then GRU, input_shape (500,)",
                        [_layer("Embedding", input_dim=2000, output_dim=16),
                         _layer("Bidirectional", layer=("LSTM", {"units": 8, "return_sequences": True})),
                         _layer("GRU", units=4, reset_after=False)], (500,)),
            _token_case("summary_table: merge modes sum and ave, Dense on a sequence, input_shape (None, 6)",
                        [_layer("Bidirectional", layer=("GRU", {"units": 5, "return_sequences": True}),
                                merge_mode="sum"),
                         _layer("Dense", units=3),
                         _layer("Bidirectional", layer=("SimpleRNN", {"units": 4, "use_bias": False}),
                                merge_mode="ave")], (None, 6)),
        ]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        """Everything from the student's ``rng``, ``shape_rng`` unused: ex2's inputs are the sizes."""

        def size(lo: int, hi: int) -> int:
            return int(rng.integers(lo, hi + 1))

        def coin(p: float = 0.5) -> bool:
            return bool(rng.random() < p)

        def recurrent(return_sequences: bool) -> LayerSpec:
            kind = str(rng.choice(["SimpleRNN", "LSTM", "GRU"]))
            kwargs: dict[str, Any] = {"units": size(2, 24), "return_sequences": return_sequences}
            if coin(0.3):
                kwargs["use_bias"] = False
            if kind == "GRU" and coin():
                kwargs["reset_after"] = False
            if coin(0.4):
                return _layer("Bidirectional", layer=(kind, kwargs),
                              merge_mode=str(rng.choice(["concat", "sum", "ave", "mul"])))
            return (kind, kwargs)

        def stack(n: int) -> list[LayerSpec]:
            layers = [recurrent(True) for _ in range(n - 1)] + [recurrent(coin())]
            if coin(0.6):
                layers.append(_layer("Dense", units=size(1, 10), use_bias=coin(0.8)))
            return layers

        layer_kind = str(rng.choice(["SimpleRNN", "LSTM", "GRU"]))
        bidi_kwargs: dict[str, Any] = {"use_bias": coin(0.7)}
        if layer_kind == "GRU":
            bidi_kwargs["reset_after"] = coin()
        return [
            _case("hidden embedding: random sizes", "embedding_params", size(2, 50000), size(1, 300),
                  hidden=True),
            _case("hidden dense: random sizes, use_bias drawn", "dense_params", size(1, 500), size(1, 300),
                  use_bias=coin(0.7), hidden=True),
            _case("hidden simple_rnn: random sizes, use_bias drawn", "simple_rnn_params", size(1, 300),
                  size(1, 300), use_bias=coin(0.7), hidden=True),
            _case("hidden lstm: random sizes, use_bias drawn", "lstm_params", size(1, 300), size(1, 300),
                  use_bias=coin(0.7), hidden=True),
            _case("hidden gru: random sizes, use_bias and reset_after drawn", "gru_params", size(1, 300),
                  size(1, 300), use_bias=coin(0.7), reset_after=coin(), hidden=True),
            _case("hidden bidirectional: random layer, sizes and options", "bidirectional_params",
                  layer_kind, size(1, 200), size(1, 200), hidden=True, **bidi_kwargs),
            _token_case("hidden summary_table: a random model of token ids",
                        [_layer("Embedding", input_dim=size(10, 20000), output_dim=size(2, 64)),
                         *stack(size(1, 4))], (size(5, 600),) if coin() else None, hidden=True),
            _token_case("hidden summary_table: a random model of float sequences", stack(size(1, 3)),
                        (size(2, 50) if coin() else None, size(1, 20)), hidden=True),
        ]

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        """Keras's counts and tables; the layers are built with zeros, which changes neither."""
        import keras

        from graders._keras_model import model_table

        a = bind(case)
        if case.function == "summary_table":
            model = keras.Sequential([keras.Input(tuple(a["input_shape"])),
                                      *(make_layer(zeros_spec(spec)) for spec in a["layers"])])
            return model_table(model)
        return count_params(*counted_layer(case))

    # --- judgement ----------------------------------------------------------------------------------

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], str)):
            return Verdict(False, msg("compare.unreadable", what=case.function, got=describe(got)))
        type_name, value = got
        if case.function == "summary_table":
            return self._judge_table(case, value, expected)
        return self._judge_count(case, type_name, value, int(expected))

    def _judge_count(self, case: Case, type_name: str, value: Any, expected: int) -> Verdict:
        what = case.function
        if value is None:
            return Verdict(False, verbatim(f"{what}: returned None, expected the int {expected:,} "
                                           "(a missing return?)"))
        if not isinstance(value, int | float) or isinstance(value, bool):
            return Verdict(False, msg("compare.not_int", what=what, expected=expected, got=describe(value)))
        if value != expected:
            message = f"{what}: expected {expected:,} parameters, got {value:,}"
            seen = {expected}
            for name, hint, rules in COUNT_MISTAKES:
                wrong = count(case, rules)
                if wrong not in seen and wrong == value:
                    return Verdict(False, verbatim(message), mistake=untranslated(name, hint))
                seen.add(wrong)
            return Verdict(False, verbatim(message))
        if type_name == "builtins.int":
            return Verdict(True)
        if type_name == "builtins.float":
            name, hint = "a float returned instead of an int", "use // rather than /, or int(...)"
        elif type_name.startswith("numpy."):
            name, hint = "a numpy value returned instead of a Python int", "convert it with int(...)"
        else:
            name, hint = f"a {type_name} returned instead of an int", "return a Python int"
        return Verdict(False, verbatim(f"{what}: returned {value!r} of type {type_name}; the count is right "
                                       "but the contract asks for a Python int"),
                       mistake=untranslated(name, hint))

    def _judge_table(self, case: Case, value: Any, expected: Sequence[Any]) -> Verdict:
        expected_rows: list[Row] = [(str(c), tuple(s), int(p)) for c, s, p in expected]
        try:
            rows = tables.read_rows(value, "summary_table")
        except ValueError as exc:
            return Verdict(False, verbatim(str(exc)))
        a = bind(case)
        layers, input_shape = a["layers"], tuple(a["input_shape"])
        mistakes = [TableMistake(name, hint, tables.summary_rows(layers, input_shape, rules))
                    for name, hint, rules in (*SHAPE_MISTAKES, *COUNT_MISTAKES)]
        passed, message, mistake = tables.compare_tables(expected_rows, rows, what="summary_table",
                                                         mistakes=mistakes)
        return Verdict(passed, message, mistake=mistake, table=tables.table_detail(expected_rows, rows))


EXERCISE = ParamCount()
