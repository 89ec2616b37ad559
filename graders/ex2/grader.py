"""Grader of exercise 2: counting parameters by hand, against Keras's count_params() and model.summary().

The student's functions are called through the child's ``typed`` probe, which reports the type of what
they returned: a count is an int, a numpy integer included (an int value is an int); a float such as
320000.0 is named (float_returned), even when its value is right. The judging is in
``graders/ex2/judge.py``, which holds no counting code: this grader gives it the named mistakes' counts
and tables, worked out with the rules of ``graders/shared/reference/keras_model_tables.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.messages import Mistake

from ..shared.reference import keras_model_tables as tables
from ..shared.reference.keras_model_tables import LayerSpec, Rules
from ..shared.reference.keras_ref import count_params, make_layer, zeros_spec
from . import judge as ex2_judge

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

# Counting mistakes (their ids), as switches of the hand-made rules; each is tried on every count and table.
COUNT_MISTAKES: tuple[tuple[str, Rules], ...] = (
    ("bidirectional_not_doubled", Rules(bidirectional_copies=1)),
    ("bias_forgotten", Rules(bias=False)),
    ("recurrent_weights_forgotten", Rules(recurrent=False)),
    ("bias_and_recurrent_forgotten", Rules(bias=False, recurrent=False)),
    ("lstm_three_gates", Rules(lstm_gates=3)),
    ("lstm_one_gate", Rules(lstm_gates=1)),
    ("gru_second_bias_missing", Rules(gru_second_bias="never")),
    ("gru_second_bias_extra", Rules(gru_second_bias="always")),
    ("gru_four_gates", Rules(gru_gates=4)),
    ("use_bias_ignored", Rules(honour_use_bias=False)),
)
SHAPE_MISTAKES: tuple[tuple[str, Rules], ...] = (
    ("return_sequences_ignored_last", Rules(return_sequences="never")),
    ("return_sequences_ignored_sequence", Rules(return_sequences="always")),
    ("merge_width_doubled", Rules(merge_width="always_double")),
    ("concat_not_doubled", Rules(merge_width="never_double")),
    ("input_after_concat_not_doubled", Rules(next_input_after_concat="units")),
    ("fixed_length_lost", Rules(keep_length=False)),
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
    shapes_per_class = True  # the cases' sizes: see hidden_cases

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
        """ex2's inputs are sizes alone: all drawn per class (``shape_rng``, else ``rng``), so that Keras
        builds each hidden case's layers once per worker, not once per student."""
        draw = shape_rng if shape_rng is not None else rng

        def size(lo: int, hi: int) -> int:
            return int(draw.integers(lo, hi + 1))

        def coin(p: float = 0.5) -> bool:
            return bool(draw.random() < p)

        def recurrent(return_sequences: bool) -> LayerSpec:
            kind = str(draw.choice(["SimpleRNN", "LSTM", "GRU"]))
            kwargs: dict[str, Any] = {"units": size(2, 24), "return_sequences": return_sequences}
            if coin(0.3):
                kwargs["use_bias"] = False
            if kind == "GRU" and coin():
                kwargs["reset_after"] = False
            if coin(0.4):
                return _layer("Bidirectional", layer=(kind, kwargs),
                              merge_mode=str(draw.choice(["concat", "sum", "ave", "mul"])))
            return (kind, kwargs)

        def stack(n: int) -> list[LayerSpec]:
            layers = [recurrent(True) for _ in range(n - 1)] + [recurrent(coin())]
            if coin(0.6):
                layers.append(_layer("Dense", units=size(1, 10), use_bias=coin(0.8)))
            return layers

        layer_kind = str(draw.choice(["SimpleRNN", "LSTM", "GRU"]))
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

        from ..shared.judging.keras_model import model_table

        a = bind(case)
        if case.function == "summary_table":
            model = keras.Sequential([keras.Input(tuple(a["input_shape"])),
                                      *(make_layer(zeros_spec(spec)) for spec in a["layers"])])
            return model_table(model)
        return count_params(*counted_layer(case))

    # --- judgement ----------------------------------------------------------------------------------

    mistake_ids = frozenset({*(m for m, _ in COUNT_MISTAKES), *(m for m, _ in SHAPE_MISTAKES),
                             ex2_judge.FLOAT_RETURNED})
    judge_module = f"{__package__}.judge"

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex2_judge.judge(case, got, expected, self.mistakes(case))

    def mistakes(self, case: Case) -> list[Mistake]:
        """Every named mistake's count (a table: its rows), in the order the judge tries them."""
        if case.function != "summary_table":
            return [self.mistake(mistake_id, count(case, rules)) for mistake_id, rules in COUNT_MISTAKES]
        a = bind(case)
        layers, input_shape = a["layers"], tuple(a["input_shape"])
        return [self.mistake(mistake_id, tables.summary_rows(layers, input_shape, rules))
                for mistake_id, rules in (*SHAPE_MISTAKES, *COUNT_MISTAKES)]


EXERCISE = ParamCount()
