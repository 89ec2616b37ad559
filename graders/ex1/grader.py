"""Grader of exercise 1: the simple (Elman) RNN forward equations, against keras.layers.SimpleRNN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.judges import LazyMistakes
from coursekit.messages import Mistake
from coursekit.sandbox.report import StudentError

from ..shared.reference.keras_ref import call_with_weights
from . import judge as ex1_judge


def _tanh(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.tanh(z)
    return out


def _relu(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.maximum(z, 0.0)
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    out: np.ndarray = e / e.sum(axis=axis, keepdims=True)
    return out


def _cell(x_t: np.ndarray, s_prev: np.ndarray, U: np.ndarray, W: np.ndarray, b: np.ndarray, *,
          act: Any = _tanh, bias: bool = True, transpose_w: bool = False) -> np.ndarray:
    z = x_t @ U + s_prev @ (W.T if transpose_w else W) + (b if bias else 0.0)
    result: np.ndarray = act(z)
    return result


def _run(x: np.ndarray, U: np.ndarray, W: np.ndarray, b: np.ndarray, s0: np.ndarray | None,
         return_sequences: bool, *, first: bool = False, **cell: Any) -> np.ndarray:
    s = np.zeros((x.shape[0], W.shape[0])) if s0 is None else s0
    states = []
    for t in range(x.shape[1]):
        s = _cell(x[:, t], s, U, W, b, **cell)
        states.append(s)
    if return_sequences:
        return np.stack(states, axis=1)
    return states[0] if first else s


def _f64(*arrays: Any) -> list[Any]:
    return [None if a is None else np.asarray(a, dtype=np.float64) for a in arrays]


def _weights(rng: np.random.Generator, input_dim: int, units: int, dtype: str,
             scale: float = 0.6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    U = rng.normal(0, scale, (input_dim, units)).astype(dtype)
    W = rng.normal(0, scale, (units, units)).astype(dtype)
    b = rng.normal(0, 0.3, (units,)).astype(dtype)
    return U, W, b


class RnnForward(Exercise):
    id = "ex1"
    title = "The simple (Elman) RNN forward equations"
    filename = "ex1_rnn_forward.py"
    # the course's own file, graded in place of the student's when ex5 imports it (coursekit/uses.py)
    course_file = Path(__file__).with_name("course") / "ex1_rnn_forward.py"
    functions = ("rnn_cell_forward", "rnn_forward", "rnn_output")

    # --- cases ------------------------------------------------------------------------------------

    def _cell_case(self, name: str, rng: np.random.Generator, batch: int, input_dim: int, units: int,
                   dtype: str, scale: float = 1.0, hidden: bool = False) -> Case:
        U, W, b = _weights(rng, input_dim, units, dtype)
        x_t = (scale * rng.normal(size=(batch, input_dim))).astype(dtype)
        s_prev = rng.uniform(-1, 1, (batch, units)).astype(dtype)
        return Case(name, "rnn_cell_forward", (x_t, s_prev, U, W, b), hidden=hidden)

    def _forward_case(self, name: str, rng: np.random.Generator, batch: int, timesteps: int,
                      input_dim: int, units: int, dtype: str, *, s0: bool, return_sequences: bool,
                      scale: float = 1.0, hidden: bool = False) -> Case:
        U, W, b = _weights(rng, input_dim, units, dtype)
        x = (scale * rng.normal(size=(batch, timesteps, input_dim))).astype(dtype)
        kwargs: dict[str, Any] = {"return_sequences": return_sequences}
        if s0:
            kwargs["s0"] = rng.uniform(-1, 1, (batch, units)).astype(dtype)
        return Case(name, "rnn_forward", (x, U, W, b), kwargs, hidden=hidden)

    def _output_case(self, name: str, rng: np.random.Generator, lead: tuple[int, ...], units: int,
                     n_out: int, dtype: str, hidden: bool = False, scale: float = 1.0) -> Case:
        s = (scale * rng.uniform(-1, 1, (*lead, units))).astype(dtype)
        V = rng.normal(0, 1.0, (units, n_out)).astype(dtype)
        c = rng.normal(0, 0.5, (n_out,)).astype(dtype)
        return Case(name, "rnn_output", (s, V, c), hidden=hidden)

    def generate_public_cases(self) -> list[Case]:
        r = np.random.default_rng(20261127)
        return [
            self._cell_case("cell: batch 1, input_dim 3, units 4", r, 1, 3, 4, "float64"),
            self._cell_case("cell: batch 5, input_dim 2, units 3, float32", r, 5, 2, 3, "float32"),
            self._cell_case("cell: large inputs that saturate tanh", r, 3, 4, 4, "float64", scale=25.0),
            self._forward_case("forward: one timestep, batch 1", r, 1, 1, 3, 2, "float64",
                               s0=False, return_sequences=False),
            self._forward_case("forward: 7 timesteps, s0 omitted, last state", r, 4, 7, 3, 5, "float64",
                               s0=False, return_sequences=False),
            self._forward_case("forward: 6 timesteps, s0 given, last state", r, 3, 6, 2, 4, "float64",
                               s0=True, return_sequences=False),
            self._forward_case("forward: return_sequences, s0 given, float32", r, 2, 5, 4, 3, "float32",
                               s0=True, return_sequences=True),
            self._forward_case("forward: return_sequences, s0 omitted", r, 3, 4, 2, 6, "float64",
                               s0=False, return_sequences=True),
            self._forward_case("forward: saturating inputs", r, 2, 5, 3, 4, "float32",
                               s0=True, return_sequences=False, scale=30.0),
            self._output_case("output: (batch, units) -> (batch, n_out)", r, (4,), 5, 3, "float64"),
            self._output_case("output: (batch, timesteps, units), float32", r, (2, 3), 4, 5, "float32"),
            self._output_case("output: batch 1, 2 classes", r, (1,), 3, 2, "float64"),
            # logits in the hundreds: np.exp overflows float32 above 88.7 unless the row maximum is
            # subtracted first (the stub's tip)
            self._output_case("output: large logits, float32 (a naive np.exp overflows)", r, (3,), 4, 4,
                              "float32", scale=80.0),
        ]

    shapes_per_class = True

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        sizes = rng if shape_rng is None else shape_rng

        def size(lo: int, hi: int) -> int:
            return int(sizes.integers(lo, hi + 1))

        return [
            self._cell_case("hidden cell: random sizes", rng, size(1, 6), size(2, 7), size(2, 7),
                            "float64", hidden=True),
            self._cell_case("hidden cell: saturating, float32", rng, size(2, 5), size(2, 6), size(2, 6),
                            "float32", scale=20.0, hidden=True),
            self._forward_case("hidden forward: last state, s0 omitted", rng, size(1, 5), size(2, 9),
                               size(2, 6), size(2, 7), "float64", s0=False, return_sequences=False,
                               hidden=True),
            self._forward_case("hidden forward: last state, s0 given", rng, size(2, 5), size(2, 9),
                               size(2, 6), size(2, 7), "float32", s0=True, return_sequences=False,
                               hidden=True),
            self._forward_case("hidden forward: return_sequences, s0 given", rng, size(1, 4), size(2, 8),
                               size(2, 6), size(2, 7), "float64", s0=True, return_sequences=True,
                               hidden=True),
            self._forward_case("hidden forward: one timestep, sequences", rng, size(1, 4), 1, size(2, 5),
                               size(2, 5), "float64", s0=False, return_sequences=True, hidden=True),
            self._output_case("hidden output: 2-D", rng, (size(1, 6),), size(2, 7), size(2, 6), "float64",
                              hidden=True),
            self._output_case("hidden output: 3-D, float32", rng, (size(1, 4), size(2, 5)), size(2, 6),
                              size(2, 6), "float32", hidden=True),
        ]

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        """The Keras layer with the case's weights, built once per shape and reused
        (graders/shared/reference/keras_ref)."""
        import keras

        if case.function == "rnn_cell_forward":
            x_t, s_prev, U, W, b = case.args
            x, kwargs = x_t[:, None, :], {"s0": s_prev, "return_sequences": False}
        elif case.function == "rnn_forward":
            x, U, W, b = case.args
            kwargs = dict(case.kwargs)
        else:
            s, V, c = case.args
            dense = ("Dense", {"units": V.shape[1], "activation": "softmax", "dtype": s.dtype.name})
            return keras.ops.convert_to_numpy(call_with_weights(dense, s.shape, [V, c], s)).astype(np.float64)
        spec = ("SimpleRNN", {"units": U.shape[1], "dtype": x.dtype.name,
                              "return_sequences": bool(kwargs.get("return_sequences", False))})
        s0 = kwargs.get("s0")
        out = call_with_weights(spec, x.shape, [U, W, b], x, None if s0 is None else [s0])
        return keras.ops.convert_to_numpy(out).astype(np.float64)

    # --- judgement ----------------------------------------------------------------------------------

    mistake_ids = frozenset({
        "bias_missing", "relu_instead_of_tanh", "sigmoid_instead_of_tanh", "w_transposed", "no_activation",
        "sequence_reversed", "all_states_returned", "last_state_only", "first_state_returned", "s0_ignored",
        "softmax_first_axis", "softmax_time_axis", "output_bias_missing", "no_softmax",
        "sigmoid_instead_of_softmax", "softmax_whole_array", "softmax_overflow", "column_vectors",
        "s0_in_sequence",
    })

    judge_module = f"{__package__}.judge"

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex1_judge.judge(case, got, expected, LazyMistakes(lambda: self.mistakes(case)))

    def explain_error(self, case: Case, error: StudentError) -> Mistake | None:
        """U @ x_t (the lesson's column vectors): numpy's matmul refuses the shapes."""
        return ex1_judge.explain_error(case, error)

    def mistakes(self, case: Case) -> list[Mistake]:
        named = self.mistake
        if case.function == "rnn_cell_forward":
            x_t, s_prev, U, W, b = _f64(*case.args)
            return [
                named("bias_missing", _cell(x_t, s_prev, U, W, b, bias=False)),
                named("relu_instead_of_tanh", _cell(x_t, s_prev, U, W, b, act=_relu)),
                named("sigmoid_instead_of_tanh", _cell(x_t, s_prev, U, W, b, act=_sigmoid)),
                named("w_transposed", _cell(x_t, s_prev, U, W, b, transpose_w=True)),
                named("no_activation", _cell(x_t, s_prev, U, W, b, act=lambda z: z)),
            ]
        if case.function == "rnn_forward":
            x, U, W, b = _f64(*case.args)
            s0 = _f64(case.kwargs.get("s0"))[0]
            rs = bool(case.kwargs.get("return_sequences", False))
            found = [
                named("bias_missing", _run(x, U, W, b, s0, rs, bias=False)),
                named("relu_instead_of_tanh", _run(x, U, W, b, s0, rs, act=_relu)),
                named("sigmoid_instead_of_tanh", _run(x, U, W, b, s0, rs, act=_sigmoid)),
                named("w_transposed", _run(x, U, W, b, s0, rs, transpose_w=True)),
                named("no_activation", _run(x, U, W, b, s0, rs, act=lambda z: z)),
                named("sequence_reversed", _run(x, U, W, b, s0, rs)[:, ::-1] if rs else None),
                named("all_states_returned", _run(x, U, W, b, s0, True) if not rs else None),
                named("last_state_only", _run(x, U, W, b, s0, False) if rs else None),
            ]
            if x.shape[1] > 1 and not rs:
                found.append(named("first_state_returned", _run(x, U, W, b, s0, rs, first=True)))
            if s0 is not None:
                found.append(named("s0_ignored", _run(x, U, W, b, None, rs)))
            if rs:  # the initial state as the sequence's first row: T + 1 states, or T without s_T
                first = np.zeros((x.shape[0], U.shape[1])) if s0 is None else s0
                with_s0 = np.concatenate([first[:, None, :], _run(x, U, W, b, s0, rs)], axis=1)
                found.append(named("s0_in_sequence", with_s0))
                if x.shape[1] > 1:
                    found.append(named("s0_in_sequence", with_s0[:, :-1]))
            return [m for m in found if m.output is not None]
        s, V, c = _f64(*case.args)
        logits = s @ V + c
        found = [
            named("softmax_first_axis", _softmax(logits, axis=0)),
            named("output_bias_missing", _softmax(s @ V)),
            named("no_softmax", logits),
            named("sigmoid_instead_of_softmax", _sigmoid(logits)),
            named("softmax_whole_array", np.exp(logits) / np.exp(logits).sum()),
        ]
        if logits.ndim == 3:
            found.insert(1, named("softmax_time_axis", _softmax(logits, axis=1)))
        return found


EXERCISE = RnnForward()
