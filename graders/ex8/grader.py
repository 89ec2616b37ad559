"""Grader of exercise 8: backpropagation through time, vanishing gradients and gradient clipping.

The references are TensorFlow's own gradients: ``tf.GradientTape`` through
``keras.layers.SimpleRNN(return_sequences=True)`` holding [U, W, b], called with ``initial_state=[s0]``,
in float64; and ``tf.clip_by_global_norm``. The wrong versions that name a student's mistake are in
``graders/ex8/bptt.py``.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.messages import Mistake
from coursekit.sandbox.report import StudentError

from ..shared.reference import keras_ref as _keras_ref
from . import bptt
from . import judge as ex8_judge

# The named mistakes; their text is in graders/ex8/locale/{en,zh}/LC_MESSAGES/ex8.po.
TANH_OF_Z = "tanh_derivative_of_preactivation"
NOT_THROUGH_W = "gradient_not_through_w"
DW_WITH_S_T = "dw_with_current_state"
DB_NOT_SUMMED = "db_not_summed_over_batch"
LOOP_FORWARDS = "time_loop_forwards"
ONLY_LAST_STEP = "only_last_step_gets_gradient"
CLIP_EACH = "clip_each_array_by_own_norm"
DIVIDED_BY_ZERO = ex8_judge.DIVIDED_BY_ZERO  # recognised in graders/ex8/judge.py
TANH_LEFT_OUT = "tanh_derivative_left_out"
CARRY_W_AS_IS = "carry_through_w_not_transposed"


@dataclass(frozen=True)
class Spec:
    """The structure of one case; public and hidden cases share it, only the sizes and values differ."""

    name: str
    function: str
    batch: int = 2
    timesteps: int = 4
    input_dim: int = 3
    units: int = 4
    dtype: str = "float64"
    scale: float = 1.0  # the inputs' scale: 25 saturates tanh
    recurrent: str = "normal"  # "small" (vanishing) or "large" (exploding) for the norms
    last_only: bool = False  # d_states zero except at the last timestep
    arrays: tuple[tuple[int, ...], ...] = ()  # clip: the gradients' shapes
    norm: str = "over"  # clip: "over" or "under" clip_norm, or "zero" (every gradient 0)
    hidden_name: str = ""  # also drawn, with other sizes and values, as a hidden case of this name


SPECS = (
    Spec("backward: one timestep, batch 1", "rnn_backward", batch=1, timesteps=1, input_dim=3, units=2),
    Spec("backward: 6 timesteps, batch 4, input_dim 3, units 5", "rnn_backward", batch=4, timesteps=6,
         units=5, hidden_name="several timesteps"),
    Spec("backward: 5 timesteps, batch 1, input_dim 4, units 3", "rnn_backward", batch=1, timesteps=5,
         input_dim=4, units=3, hidden_name="batch 1"),
    Spec("backward: float32 inputs, batch 3", "rnn_backward", batch=3, timesteps=4, input_dim=2, units=3,
         dtype="float32"),
    Spec("backward: saturating inputs", "rnn_backward", batch=3, timesteps=5, input_dim=3, units=4,
         scale=25.0, hidden_name="saturating inputs"),
    Spec("backward: d_states only at the last timestep", "rnn_backward", batch=2, timesteps=7,
         input_dim=2, units=3, last_only=True),
    Spec("norms: 8 timesteps, batch 2", "input_gradient_norms", batch=2, timesteps=8, input_dim=3,
         units=4, hidden_name="a short sequence"),
    Spec("norms: 60 timesteps, small recurrent weights (vanishing)", "input_gradient_norms", batch=3,
         timesteps=60, input_dim=3, units=6, recurrent="small",
         hidden_name="a long sequence, small recurrent weights"),
    Spec("norms: 60 timesteps, large recurrent weights (exploding)", "input_gradient_norms", batch=3,
         timesteps=60, input_dim=3, units=6, recurrent="large",
         hidden_name="a long sequence, large recurrent weights"),
    Spec("clip: over the norm, one array all zeros", "clip_by_global_norm",
         arrays=((3, 4), (4, 4), (4,)), hidden_name="over the norm"),
    Spec("clip: already under the norm (unchanged)", "clip_by_global_norm", arrays=((2, 3), (3,)),
         norm="under", hidden_name="under the norm"),
    Spec("clip: every gradient zero (global norm 0)", "clip_by_global_norm", arrays=((2, 2), (2,)),
         norm="zero"),
)

RECURRENT_GAIN = {"normal": None, "small": 0.3, "large": 1.25}


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    orthogonal: np.ndarray = q * np.sign(np.diag(r))
    return orthogonal


def _f64(*arrays: Any) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in arrays]


class Bptt(Exercise):
    id = "ex8"
    title = "Backpropagation through time, vanishing gradients and clipping"
    filename = "ex8_bptt.py"
    functions = ("rnn_backward", "input_gradient_norms", "clip_by_global_norm")
    shapes_per_class = True

    # --- cases ------------------------------------------------------------------------------------

    def _case(self, spec: Spec, rng: np.random.Generator, sizes: Spec, name: str, hidden: bool) -> Case:
        if spec.function == "clip_by_global_norm":
            return self._clip_case(spec, rng, sizes, name, hidden)
        B, T, D, H = sizes.batch, sizes.timesteps, sizes.input_dim, sizes.units
        U = rng.normal(0, 0.6, (D, H))
        gain = RECURRENT_GAIN[spec.recurrent]
        W = rng.normal(0, 0.6, (H, H)) if gain is None else gain * _orthogonal(rng, H)
        b = rng.normal(0, 0.3, (H,)) if spec.recurrent != "large" else np.zeros(H)
        # Exploding needs the linear regime of tanh: tiny inputs keep every state far from saturation.
        scale = 1e-7 if spec.recurrent == "large" else spec.scale
        x = scale * rng.normal(size=(B, T, D))
        weights = [a.astype(spec.dtype) for a in (x, U, W, b)]
        if spec.function == "input_gradient_norms":
            return Case(name, spec.function, tuple(weights), hidden=hidden)
        s0 = rng.uniform(-1, 1, (B, H)).astype(spec.dtype)
        d_states = rng.normal(size=(B, T, H))
        if spec.last_only:
            d_states[:, :-1] = 0.0
        return Case(name, spec.function, (*weights, s0, d_states.astype(spec.dtype)), hidden=hidden)

    def _clip_case(self, spec: Spec, rng: np.random.Generator, sizes: Spec, name: str,
                   hidden: bool) -> Case:
        grads = [rng.normal(0, 1.0, shape) for shape in sizes.arrays]
        if spec.norm == "zero":
            grads = [np.zeros(shape) for shape in sizes.arrays]
        elif spec.norm == "over":
            grads[-1] = np.zeros(sizes.arrays[-1])
        norm = bptt.global_norm(grads)
        clip_norm = 1.0 if spec.norm == "zero" else round(
            float(norm * (rng.uniform(0.2, 0.6) if spec.norm == "over" else rng.uniform(1.5, 3.0))), 3)
        return Case(name, spec.function, (grads, clip_norm), hidden=hidden)

    def generate_public_cases(self) -> list[Case]:
        rng = np.random.default_rng(20261201)
        return [self._case(s, rng, s, s.name, hidden=False) for s in SPECS]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        sizes_rng = rng if shape_rng is None else shape_rng

        def size(lo: int, hi: int) -> int:
            return int(sizes_rng.integers(lo, hi + 1))

        cases = []
        for spec in (s for s in SPECS if s.hidden_name):
            if spec.function == "clip_by_global_norm":
                shapes = (*((size(1, 5), size(1, 5)) for _ in range(size(1, 3))), (size(1, 6),))
                sizes = Spec(spec.name, spec.function, arrays=shapes)
            else:
                long = spec.timesteps >= 50
                sizes = Spec(spec.name, spec.function, batch=size(1, 5),
                             timesteps=size(50, 70) if long else size(2, 9),
                             input_dim=size(1, 5), units=size(2, 7))
            cases.append(self._case(spec, rng, sizes, f"hidden {spec.name.partition(':')[0]}: "
                                                      f"{spec.hidden_name}", hidden=True))
        return cases

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        """TensorFlow's gradients through the Keras SimpleRNN, in float64; tf.clip_by_global_norm."""
        import tensorflow as tf

        if case.function == "clip_by_global_norm":
            grads, clip_norm = case.args
            clipped, norm = tf.clip_by_global_norm([tf.constant(g, tf.float64) for g in grads], clip_norm)
            return [c.numpy() for c in clipped], float(norm.numpy())
        x, U, W, b = _f64(*case.args[:4])
        sequences = case.function == "rnn_backward"
        if sequences:
            s0, d_states = _f64(*case.args[4:])
        else:  # d sum(s_T) / dx from s0 = 0: the last state only, every unit weighted 1
            s0, d_states = np.zeros((x.shape[0], U.shape[1])), np.ones((x.shape[0], U.shape[1]))
        spec = ("SimpleRNN", {"units": U.shape[1], "return_sequences": sequences, "dtype": "float64"})
        grads = dict(zip(bptt.KEYS, _tape_gradients(spec, x, [U, W, b], s0, d_states), strict=True))
        if sequences:
            return grads
        norms: np.ndarray = np.linalg.norm(grads["dx"], axis=-1).mean(axis=0)
        return norms

    # --- judgement ----------------------------------------------------------------------------------

    judge_module = f"{__package__}.judge"
    mistake_ids = frozenset({TANH_OF_Z, NOT_THROUGH_W, DW_WITH_S_T, DB_NOT_SUMMED, LOOP_FORWARDS,
                             ONLY_LAST_STEP, CLIP_EACH, DIVIDED_BY_ZERO, TANH_LEFT_OUT, CARRY_W_AS_IS})

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex8_judge.judge(case, got, expected, self.mistakes(case))

    def explain_error(self, case: Case, error: StudentError) -> Mistake | None:
        """A ZeroDivisionError in clip_by_global_norm when every gradient is 0."""
        return ex8_judge.explain_error(case, error)

    def mistakes(self, case: Case) -> list[Mistake]:
        if case.function == "clip_by_global_norm":
            grads, clip_norm = case.args
            grads = _f64(*grads)
            each = bptt.clip_each(grads, clip_norm)
            return [self.mistake(CLIP_EACH, {f"clipped[{i}]": g for i, g in enumerate(each)})]
        if case.function == "input_gradient_norms":
            weights = _f64(*case.args)
            return [
                self.mistake(TANH_OF_Z, bptt.input_gradient_norms(*weights, derivative_of="pre_activation")),
                self.mistake(ONLY_LAST_STEP, bptt.input_gradient_norms(*weights, through_w=False)),
                self.mistake(TANH_LEFT_OUT, bptt.input_gradient_norms(*weights, derivative_of="none")),
                self.mistake(CARRY_W_AS_IS, bptt.input_gradient_norms(*weights, carry_w="as_is")),
            ]
        args = _f64(*case.args)
        return [
            self.mistake(TANH_OF_Z, bptt.backward(*args, derivative_of="pre_activation")),
            self.mistake(NOT_THROUGH_W, bptt.backward(*args, through_w=False)),
            self.mistake(DW_WITH_S_T, bptt.backward(*args, dw_state="current")),
            self.mistake(DB_NOT_SUMMED, bptt.backward(*args, db="per_example")),
            self.mistake(DB_NOT_SUMMED, bptt.backward(*args, db="mean")),
            self.mistake(LOOP_FORWARDS, bptt.backward(*args, order="forward")),
            self.mistake(TANH_LEFT_OUT, bptt.backward(*args, derivative_of="none")),
            self.mistake(CARRY_W_AS_IS, bptt.backward(*args, carry_w="as_is")),
        ]


@dataclass
class _Tape:
    layer: Any
    eager_s: float = 0.0
    traced: Any = None


_tapes: dict[Hashable, _Tape] = {}


def _tape_gradients(spec: _keras_ref.Spec, x: np.ndarray, weights: list[np.ndarray], s0: np.ndarray,
                    d_states: np.ndarray) -> list[np.ndarray]:
    """tf.GradientTape's gradients of sum(layer(x, initial_state=[s0]) * d_states) with respect to the
    layer's [kernel, recurrent_kernel, bias], x and s0, on the cached layer of ``spec`` holding ``weights``.

    Eager at first; once a layer has cost ``COMPILE_AFTER_S`` of eager tapes (a class's shared hidden
    shapes), the same computation is traced with tf.function, as _keras_ref.call_with_weights does.
    """
    import tensorflow as tf

    layer = _keras_ref.layer_with_weights(spec, x.shape, weights)
    key = (_keras_ref.freeze(spec), x.shape)
    tape = _tapes.get(key)
    if tape is None or tape.layer is not layer:
        tape = _tapes[key] = _Tape(layer)
        if len(_tapes) > _keras_ref.MAX_LAYERS:
            del _tapes[next(iter(_tapes))]

    def gradients(x_t: Any, s0_t: Any, d_t: Any) -> Any:
        with tf.GradientTape() as g:
            g.watch([x_t, s0_t])
            loss = tf.reduce_sum(layer(x_t, initial_state=[s0_t]) * d_t)
        return g.gradient(loss, [*layer.trainable_weights, x_t, s0_t])

    args = [tf.constant(a) for a in (x, s0, d_states)]
    if tape.traced is not None:
        return [np.asarray(g, dtype=np.float64) for g in tape.traced(*args)]
    started = time.perf_counter()
    out = [np.asarray(g, dtype=np.float64) for g in gradients(*args)]
    tape.eager_s += time.perf_counter() - started
    if tape.eager_s > _keras_ref.COMPILE_AFTER_S:
        tape.traced = tf.function(gradients)
    return out


EXERCISE = Bptt()
"""One grader per exercise; see coursekit.exercise.Exercise."""
