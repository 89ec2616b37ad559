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

from coursekit.tables import Row, Shape

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
