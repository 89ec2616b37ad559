"""Grader of exercise 4: LSTM and GRU forward passes, against keras.layers.LSTM and keras.layers.GRU."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.judges import LazyMistakes
from coursekit.messages import Mistake
from coursekit.sandbox.report import StudentError

from ..shared.reference import recurrent as rec
from ..shared.reference.keras_ref import call_with_weights
from . import judge as ex4_judge

GATES = {"lstm": 4, "gru": 3}


@dataclass(frozen=True)
class Spec:
    """The structure of one case; public and hidden cases share it, only the sizes and values differ."""

    name: str
    function: str
    dtype: str = "float64"
    batch: int = 3
    timesteps: int = 4
    input_dim: int = 3
    units: int = 4
    bias: bool = True
    state: bool = True
    return_sequences: bool | None = None
    reset_after: bool | None = None  # None: the argument is left out (Keras's default, True)
    hidden: bool = False  # also drawn, with other sizes and values, as a hidden case


SPECS = (
    Spec("lstm cell: batch 1", "lstm_cell_forward", batch=1, input_dim=3, units=2),
    Spec("lstm cell: batch 4, float32", "lstm_cell_forward", "float32", batch=4, input_dim=2, units=3,
         hidden=True),
    Spec("lstm cell: bias=None (use_bias=False)", "lstm_cell_forward", batch=2, units=3, bias=False),
    Spec("lstm forward: one timestep, batch 1, no initial state", "lstm_forward", batch=1, timesteps=1,
         units=2, state=False),
    Spec("lstm forward: 6 timesteps, no initial state, last output", "lstm_forward", timesteps=6,
         state=False, return_sequences=False, hidden=True),
    Spec("lstm forward: 5 timesteps, initial state given, float32", "lstm_forward", "float32", batch=2,
         timesteps=5, input_dim=2, units=3),
    Spec("lstm forward: return_sequences, initial state given", "lstm_forward", batch=2, timesteps=4,
         units=3, return_sequences=True, hidden=True),
    Spec("lstm forward: return_sequences, bias=None, float32", "lstm_forward", "float32", timesteps=3,
         input_dim=2, units=2, bias=False, return_sequences=True, hidden=True),
    Spec("gru cell: reset_after=True (default), batch 1", "gru_cell_forward", batch=1, units=3),
    Spec("gru cell: reset_after=False, float32", "gru_cell_forward", "float32", batch=4, input_dim=2,
         units=3, reset_after=False, hidden=True),
    Spec("gru cell: reset_after=True, bias=None", "gru_cell_forward", batch=2, units=2, bias=False,
         reset_after=True, hidden=True),
    Spec("gru forward: one timestep, batch 1, no h0", "gru_forward", batch=1, timesteps=1, units=2,
         state=False),
    Spec("gru forward: 6 timesteps, reset_after=True, h0 given, float32", "gru_forward", "float32",
         timesteps=6, reset_after=True, hidden=True),
    Spec("gru forward: 5 timesteps, reset_after=False, no h0", "gru_forward", batch=2, timesteps=5,
         input_dim=2, units=3, state=False, reset_after=False),
    Spec("gru forward: return_sequences, reset_after=False, h0 given", "gru_forward", batch=2,
         timesteps=4, units=3, return_sequences=True, reset_after=False, hidden=True),
    Spec("gru forward: return_sequences, bias=None, float32", "gru_forward", "float32", timesteps=3,
         input_dim=2, units=3, bias=False, return_sequences=True),
    Spec("gru forward: bias=None, reset_after=False, last output", "gru_forward", batch=2, timesteps=5,
         units=2, bias=False, return_sequences=False, reset_after=False),
)


def _f64(value: Any) -> Any:
    """Inputs as float64 arrays for the numpy mistakes (tuples of arrays element by element)."""
    if isinstance(value, tuple):
        return tuple(_f64(v) for v in value)
    return None if value is None else np.asarray(value, dtype=np.float64)


def _layer_kind(function: str) -> str:
    return "lstm" if function.startswith("lstm") else "gru"


class LstmGru(Exercise):
    id = "ex4"
    title = "LSTM and GRU forward passes"
    filename = "ex4_lstm_gru.py"
    # the course's own file, graded in place of the student's when ex5 imports it (coursekit/uses.py)
    course_file = Path(__file__).with_name("course") / "ex4_lstm_gru.py"
    functions = ("lstm_cell_forward", "lstm_forward", "gru_cell_forward", "gru_forward")

    # --- cases ------------------------------------------------------------------------------------

    def _case(self, spec: Spec, rng: np.random.Generator, shape_rng: np.random.Generator | None = None, *,
              hidden: bool = False) -> Case:
        """Draw the weights and inputs of ``spec`` from ``rng``; for hidden cases, its sizes from
        ``shape_rng`` (the class's), or from ``rng`` when it is None."""
        batch, timesteps, input_dim, units = spec.batch, spec.timesteps, spec.input_dim, spec.units
        if hidden:
            sizes = rng if shape_rng is None else shape_rng
            batch = 1 if batch == 1 else int(sizes.integers(2, 6))
            timesteps = 1 if timesteps == 1 else int(sizes.integers(2, 9))
            input_dim, units = int(sizes.integers(1, 6)), int(sizes.integers(2, 6))
        kind = _layer_kind(spec.function)
        width = GATES[kind] * units
        dt = spec.dtype
        kernel = rng.normal(0, 0.6, (input_dim, width)).astype(dt)
        recurrent_kernel = rng.normal(0, 0.6, (units, width)).astype(dt)
        bias: np.ndarray | None = None
        if spec.bias:
            two_rows = kind == "gru" and spec.reset_after is not False
            bias = rng.normal(0, 0.5, (2, width) if two_rows else (width,)).astype(dt)
        weights = (kernel, recurrent_kernel, bias)
        h0 = rng.uniform(-1, 1, (batch, units)).astype(dt)
        c0 = rng.normal(0, 1.0, (batch, units)).astype(dt)
        kwargs: dict[str, Any] = {}
        if spec.function.endswith("_cell_forward"):
            x_t = rng.normal(0, 1.0, (batch, input_dim)).astype(dt)
            args: tuple[Any, ...] = (x_t, h0, c0, *weights) if kind == "lstm" else (x_t, h0, *weights)
        else:
            args = (rng.normal(0, 1.0, (batch, timesteps, input_dim)).astype(dt), *weights)
            if spec.state:
                kwargs["initial_state" if kind == "lstm" else "h0"] = (h0, c0) if kind == "lstm" else h0
            if spec.return_sequences is not None:
                kwargs["return_sequences"] = spec.return_sequences
        if spec.reset_after is not None:
            kwargs["reset_after"] = spec.reset_after
        name = f"hidden {spec.name}" if hidden else spec.name
        return Case(name, spec.function, args, kwargs, hidden=hidden)

    def public_cases(self) -> list[Case]:
        rng = np.random.default_rng(20261204)
        return [self._case(spec, rng) for spec in SPECS]

    shapes_per_class = True

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        return [self._case(spec, rng, shape_rng, hidden=True) for spec in SPECS if spec.hidden]

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        import keras

        fn, args, kwargs = case.function, case.args, dict(case.kwargs)
        states: list[Any] | None
        if fn == "lstm_cell_forward":
            x_t, h_prev, c_prev, *weights = args
            x, states = x_t[:, None, :], [h_prev, c_prev]
        elif fn == "gru_cell_forward":
            x_t, h_prev, *weights = args
            x, states = x_t[:, None, :], [h_prev]
        elif fn == "lstm_forward":
            x, *weights = args
            given = kwargs.get("initial_state")
            states = None if given is None else list(given)
        else:
            x, *weights = args
            states = None if kwargs.get("h0") is None else [kwargs["h0"]]
        _, recurrent_kernel, bias = weights
        options: dict[str, Any] = {"units": recurrent_kernel.shape[0], "use_bias": bias is not None,
                                   "dtype": x.dtype.name,
                                   "return_sequences": bool(kwargs.get("return_sequences", False))}
        if fn.startswith("lstm"):
            spec = ("LSTM", {**options, "return_state": True})
        else:
            spec = ("GRU", {**options, "reset_after": bool(kwargs.get("reset_after", True))})
        out = call_with_weights(spec, x.shape, [w for w in weights if w is not None], x, states)
        values = [keras.ops.convert_to_numpy(v).astype(np.float64) for v in (out if fn.startswith("lstm")
                                                                             else [out])]
        if fn == "lstm_cell_forward":
            return values[1], values[2]
        if fn == "lstm_forward":
            return tuple(values)
        return values[0]

    # --- judgement ----------------------------------------------------------------------------------

    judge_module = f"{__package__}.judge"
    mistake_ids: ClassVar[frozenset[str]] = frozenset({
        "gate_order_ifog", "cell_state_dropped", "lstm_activations_swapped", "h_c_swapped",
        "lstm_output_is_c", "z_swapped", "reset_before_product", "recurrent_bias_outside_reset",
        "reset_after_product",
        "gru_activations_swapped", "gate_order_rzh", "initial_state_ignored", "last_output_only",
        "all_outputs_returned", "bias_none_not_handled", "initial_state_none_not_handled",
    })

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex4_judge.judge(case, got, expected, LazyMistakes(lambda: self.mistakes(case)))

    def explain_error(self, case: Case, error: StudentError) -> Mistake | None:
        """A crash on a None argument: bias=None (use_bias=False), or an omitted initial state."""
        return ex4_judge.explain_error(case, error)

    def mistakes(self, case: Case) -> list[Mistake]:
        fn = case.function
        args = _f64(tuple(case.args))
        kwargs = {k: _f64(v) if k in ("initial_state", "h0") else v for k, v in case.kwargs.items()}
        if fn.startswith("lstm"):
            return _lstm_mistakes(self.mistake, fn, args, kwargs)
        return _gru_mistakes(self.mistake, fn, args, kwargs)


Named = Callable[..., Mistake]


def _lstm_mistakes(named: Named, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Mistake]:
    if fn == "lstm_cell_forward":
        def run(**mistake: Any) -> tuple[np.ndarray, ...]:
            return rec.lstm_cell(*args, **mistake)
    else:
        def run(**mistake: Any) -> tuple[np.ndarray, ...]:
            return rec.lstm(*args, **{**kwargs, **mistake})
    right = run()
    found = [
        named("gate_order_ifog", run(gate_order="ifoc")),
        named("cell_state_dropped", run(keep_c=False)),
        named("lstm_activations_swapped", run(swap_activations=True)),
        named("h_c_swapped", (*right[:-2], right[-1], right[-2])),
    ]
    if fn == "lstm_forward":
        cells = _c_sequence(args, kwargs) if kwargs.get("return_sequences") else right[2]
        found.append(named("lstm_output_is_c", (cells, right[1], right[2])))
        found += _sequence_mistakes(named, kwargs, right, lambda **kw: rec.lstm(*args, **{**kwargs, **kw}),
                                    state_key="initial_state")
    return found


def _c_sequence(args: tuple[Any, ...], kwargs: dict[str, Any]) -> np.ndarray:
    """The cell states c_t of every timestep of lstm_forward's case, (batch, timesteps, units)."""
    x, kernel, recurrent_kernel, bias = args
    given = kwargs.get("initial_state")
    zeros = np.zeros((x.shape[0], recurrent_kernel.shape[0]))
    h, c = (zeros, zeros) if given is None else given
    cells = []
    for t in range(x.shape[1]):
        h, c = rec.lstm_cell(x[:, t], h, c, kernel, recurrent_kernel, bias)
        cells.append(c)
    return np.stack(cells, axis=1)


def _gru_mistakes(named: Named, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Mistake]:
    reset_after = bool(kwargs.get("reset_after", True))
    if fn == "gru_cell_forward":
        x_t, h_prev, kernel, recurrent_kernel, bias = args

        def run(**mistake: Any) -> np.ndarray:
            return rec.gru_cell(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after, **mistake)
    else:
        def run(**mistake: Any) -> np.ndarray:
            return rec.gru(*args, **{**kwargs, **mistake})
    if reset_after:
        # b'_h added outside r * (...) first: with h_prev = 0 it gives what the before-product formula
        # gives with b'_h added after it, and it is then the one named.
        formula = [named("recurrent_bias_outside_reset", run(bias_outside_reset=True)),
                   named("reset_before_product", run(formula_after=False)),
                   named("reset_before_product", run(formula_after=False, candidate_bias=False))]
    else:
        formula = [named("reset_after_product", run(formula_after=True))]
    found = [
        named("z_swapped", run(swap_z=True)),
        *formula,
        named("gru_activations_swapped", run(swap_activations=True)),
        named("gate_order_rzh", run(gate_order="rzh")),
    ]
    if fn == "gru_forward":
        found += _sequence_mistakes(named, kwargs, (run(),), lambda **kw: (run(**kw),), state_key="h0")
    return found


def _sequence_mistakes(named: Named, kwargs: dict[str, Any], right: tuple[np.ndarray, ...], run: Any,
                       state_key: str) -> list[Mistake]:
    """Mistakes of the loop over time, shared by lstm_forward and gru_forward (outputs as tuples)."""
    rs = bool(kwargs.get("return_sequences", False))
    found = []
    if kwargs.get(state_key) is not None:
        found.append(named("initial_state_ignored", run(**{state_key: None})))
    if rs:
        found.append(named("last_output_only",
                           (right[1], *right[1:]) if len(right) > 1 else run(return_sequences=False)))
    elif right[0].ndim == 2:
        found.append(named("all_outputs_returned", run(return_sequences=True)))
    return [_as_tuple_mistake(m) if len(right) == 1 else m for m in found]


def _as_tuple_mistake(m: Mistake) -> Mistake:
    """gru_forward returns a single array: unwrap the one-item tuples built for the shared helpers."""
    out = m.output[0] if isinstance(m.output, tuple) else m.output
    return replace(m, output=out)


EXERCISE = LstmGru()
