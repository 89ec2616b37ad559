"""Grader of exercise 5: bidirectional RNN forward passes, against keras.layers.Bidirectional.

A submission may import its own ex1 and ex4 files (``from ex4_lstm_gru import lstm_forward``): every
``.py`` file of the student's folder is copied next to it in the sandbox, and the forbidden-import check
follows those imports, so an ex4 file that imports keras makes ex5 score 0 too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.compare import Verdict, compare_array
from coursekit.exercise import Case, Exercise
from coursekit.judges import LazyMistakes
from coursekit.messages import Mistake

from ..shared.reference import recurrent as rec
from ..shared.reference.keras_ref import call_with_weights

GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


@dataclass(frozen=True)
class Spec:
    """The structure of one case; public and hidden cases share it, only the sizes and values differ."""

    name: str
    cell: str
    merge_mode: str
    return_sequences: bool
    dtype: str = "float64"
    batch: int = 2
    timesteps: int = 4
    input_dim: int = 3
    units: int = 3
    defaults: bool = False  # leave cell, merge_mode and return_sequences out of the call
    hidden: bool = False  # also drawn, with other sizes and values, as a hidden case


SPECS = (
    Spec("simple_rnn, concat, last output (the defaults)", "simple_rnn", "concat", False, defaults=True,
         hidden=True),
    Spec("simple_rnn, sum, return_sequences", "simple_rnn", "sum", True, batch=3, timesteps=5),
    Spec("simple_rnn, ave, last output, float32", "simple_rnn", "ave", False, "float32", units=2),
    Spec("simple_rnn, mul, return_sequences", "simple_rnn", "mul", True, input_dim=2, hidden=True),
    Spec("simple_rnn, concat, one timestep, batch 1", "simple_rnn", "concat", True, batch=1, timesteps=1),
    Spec("lstm, concat, return_sequences", "lstm", "concat", True, timesteps=5, units=2, hidden=True),
    Spec("lstm, ave, return_sequences, float32", "lstm", "ave", True, "float32", batch=3, hidden=True),
    Spec("lstm, sum, last output", "lstm", "sum", False, timesteps=6, hidden=True),
    Spec("lstm, mul, last output", "lstm", "mul", False, batch=3, input_dim=2),
    Spec("lstm, concat, last output, float32", "lstm", "concat", False, "float32", timesteps=3),
    Spec("gru, concat, last output", "gru", "concat", False, timesteps=5, hidden=True),
    Spec("gru, sum, return_sequences", "gru", "sum", True, units=2),
    Spec("gru, ave, last output", "gru", "ave", False, batch=3, input_dim=2, hidden=True),
    Spec("gru, mul, return_sequences, float32", "gru", "mul", True, "float32", timesteps=3, hidden=True),
    Spec("gru, concat, return_sequences", "gru", "concat", True, batch=1, timesteps=6),
)

LAYERS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def _weights(rng: np.random.Generator, cell: str, input_dim: int, units: int,
             dtype: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    width = GATES[cell] * units
    kernel = rng.normal(0, 0.6, (input_dim, width)).astype(dtype)
    recurrent_kernel = rng.normal(0, 0.6, (units, width)).astype(dtype)
    bias = rng.normal(0, 0.5, (2, width) if cell == "gru" else (width,)).astype(dtype)
    return kernel, recurrent_kernel, bias


def _f64(weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kernel, recurrent_kernel, bias = (np.asarray(w, dtype=np.float64) for w in weights)
    return kernel, recurrent_kernel, bias


class Bidirectional(Exercise):
    id = "ex5"
    title = "Bidirectional RNN forward passes"
    filename = "ex5_bidirectional.py"
    functions = ("bidirectional_forward",)
    # A submission may import its own ex1 and ex4 (rnn_forward, lstm_forward, gru_forward): a mistake of
    # theirs is charged to them, not to ex5 (coursekit/uses.py).
    uses = ("ex1", "ex4")
    # One array compared with tolerance: the engine's own judge module (coursekit/judges.py).
    judge_module = "coursekit.judges"

    # --- cases ------------------------------------------------------------------------------------

    def _case(self, spec: Spec, rng: np.random.Generator, shape_rng: np.random.Generator | None = None, *,
              hidden: bool = False) -> Case:
        """Draw the input and weights of ``spec`` from ``rng``; for hidden cases, its sizes from
        ``shape_rng`` (the class's), or from ``rng`` when it is None."""
        batch, timesteps, input_dim, units = spec.batch, spec.timesteps, spec.input_dim, spec.units
        if hidden:
            sizes = rng if shape_rng is None else shape_rng
            batch = 1 if batch == 1 else int(sizes.integers(2, 6))
            timesteps = 1 if timesteps == 1 else int(sizes.integers(2, 9))
            input_dim, units = int(sizes.integers(1, 6)), int(sizes.integers(2, 6))
        x = rng.normal(0, 1.0, (batch, timesteps, input_dim)).astype(spec.dtype)
        forward = _weights(rng, spec.cell, input_dim, units, spec.dtype)
        backward = _weights(rng, spec.cell, input_dim, units, spec.dtype)
        kwargs: dict[str, Any] = {} if spec.defaults else {
            "cell": spec.cell, "merge_mode": spec.merge_mode, "return_sequences": spec.return_sequences}
        name = f"hidden {spec.name}" if hidden else spec.name
        return Case(name, "bidirectional_forward", (x, forward, backward), kwargs, hidden=hidden)

    def public_cases(self) -> list[Case]:
        rng = np.random.default_rng(20261205)
        return [self._case(spec, rng) for spec in SPECS]

    shapes_per_class = True

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        return [self._case(spec, rng, shape_rng, hidden=True) for spec in SPECS if spec.hidden]

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        import keras

        x, forward, backward = case.args
        cell, merge_mode, rs = _options(case)
        options: dict[str, Any] = {"units": forward[1].shape[0], "return_sequences": rs,
                                   "dtype": x.dtype.name}
        if cell == "gru":
            options["reset_after"] = True
        spec = ("Bidirectional", {"layer": (LAYERS[cell], options), "merge_mode": merge_mode,
                                  "dtype": x.dtype.name})
        # Keras's order of the weights: the forward layer's, then the backward's.
        out = call_with_weights(spec, x.shape, [*forward, *backward], x)
        return keras.ops.convert_to_numpy(out).astype(np.float64)

    # --- judgement ----------------------------------------------------------------------------------

    mistake_ids = frozenset({
        "backward_order_not_restored", "backward_reads_forwards", "backward_first_step", "ave_as_sum",
        "ave_precedence", "concat_backward_first",
    })

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return compare_array(expected, got, what="bidirectional_forward",
                             mistakes=LazyMistakes(lambda: self.mistakes(case)))

    def mistakes(self, case: Case) -> list[Mistake]:
        x = np.asarray(case.args[0], dtype=np.float64)
        forward, backward = _f64(case.args[1]), _f64(case.args[2])
        cell, merge_mode, rs = _options(case)

        def run(**mistake: Any) -> np.ndarray:
            return rec.bidirectional(x, forward, backward, cell, merge_mode, rs, **mistake)

        named = self.mistake
        found = []
        if rs:
            found.append(named("backward_order_not_restored", run(restore_order=False)))
        found += [
            named("backward_reads_forwards", run(reverse_input=False)),
            named("backward_reads_forwards",
                  run(reverse_input=False, flip_forwards_read=True) if rs else None),
        ]
        if not rs:
            found.append(named("backward_first_step", run(first_backward_step=True)))
        if merge_mode == "ave":
            found.append(named("ave_as_sum", run(ave_as_sum=True)))
            found.append(named("ave_precedence", run(ave_precedence=True)))
        if merge_mode == "concat":
            found.append(named("concat_backward_first", run(backward_first=True)))
        return [m for m in found if m.output is not None]


def _options(case: Case) -> tuple[str, str, bool]:
    kwargs = case.kwargs
    return (str(kwargs.get("cell", "simple_rnn")), str(kwargs.get("merge_mode", "concat")),
            bool(kwargs.get("return_sequences", False)))


EXERCISE = Bidirectional()
