"""Grader of exercise 9: the neural Turing machine's addressing, reading and writing.

The reference is the paper's equations (Graves, Wayne & Danihelka 2014, section 3) written with
``keras.ops`` on the TensorFlow backend, in float64: ``tests/test_ex9.py`` checks it against answers
worked out by hand for tiny memories. The wrong versions that name a student's mistake are in
``graders/ex9/ntm.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.messages import Mistake

from . import judge as ex9_judge
from . import ntm

EPS = ntm.EPS
NO_EPSILON = ex9_judge.NO_EPSILON  # recognised in graders/ex9/judge.py

# The named mistakes; their text is in graders/ex9/locale/{en,zh}/LC_MESSAGES/ex9.po.
DOT_PRODUCT = "dot_product_not_cosine"
SOFTMAX_AXIS = "softmax_wrong_axis"
G_SWAPPED = "interpolation_g_swapped"
NO_WRAP = "shift_without_wraparound"
SHIFT_REVERSED = "shift_opposite_direction"
NOT_RENORMALISED = "sharpen_not_renormalised"
ADD_BEFORE_ERASE = "add_before_erase"


@dataclass(frozen=True)
class Spec:
    """The structure of one case; public and hidden cases share it, only the sizes and values differ."""

    name: str
    function: str
    kind: str = "random"
    batch: int = 2
    N: int = 4
    M: int = 2
    dtype: str = "float64"
    hidden_name: str = ""  # also drawn, with other sizes and values, as a hidden case of this name


SPECS = (
    Spec("content: key equal to row 2, beta 1, 10 and 100", "content_weights", "key_row", batch=3,
         hidden_name="key equal to one row"),
    Spec("content: beta 0 gives uniform weights", "content_weights", "beta0", batch=2, N=3),
    Spec("content: a zero row in memory", "content_weights", "zero_row", batch=2,
         hidden_name="a zero row"),
    Spec("content: batch 3, N 5, M 3, float32", "content_weights", batch=3, N=5, M=3, dtype="float32",
         hidden_name="random"),
    Spec("interpolate: g 0 and g 1", "interpolate", "g01", batch=2, hidden_name="g 0 and g 1"),
    Spec("interpolate: g between 0 and 1, batch 3", "interpolate", batch=3, N=5, hidden_name="random g"),
    Spec("shift: +1 wraps from the last location to the first", "shift", "plus", batch=2,
         hidden_name="+1 wraps around"),
    Spec("shift: -1 wraps from the first location to the last", "shift", "minus", batch=2, N=3,
         hidden_name="-1 wraps around"),
    Spec("shift: a blurred shift, batch 3", "shift", batch=3, N=5, hidden_name="blurred"),
    Spec("sharpen: gamma 1 changes nothing", "sharpen", "gamma1", batch=2),
    Spec("sharpen: large gamma", "sharpen", "large", batch=2, N=5, hidden_name="large gamma"),
    Spec("sharpen: batch 3, gamma between 1.5 and 5", "sharpen", batch=3, hidden_name="random gamma"),
    Spec("read: batch 3", "read", batch=3, N=4, M=3, hidden_name="random"),
    Spec("read: batch 2, a sharp weighting", "read", "sharp", batch=2, N=3),
    Spec("write: erase all, batch 2", "write", "erase_all", batch=2, hidden_name="erase all"),
    Spec("write: erase nothing, batch 2", "write", "erase_none", batch=2, N=3, hidden_name="erase nothing"),
    Spec("write: batch 3, erase and add", "write", batch=3, N=5, M=3, hidden_name="random"),
)


def _weighting(rng: np.random.Generator, batch: int, n: int, peak: int | None = None,
               sharpness: float = 1.0) -> np.ndarray:
    z = sharpness * rng.normal(size=(batch, n))
    if peak is not None:
        z[:, peak] += 4.0
    return ntm.softmax(z)


def _f64(*arrays: Any) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def _args(spec: Spec, rng: np.random.Generator, s: Spec) -> tuple[np.ndarray, ...]:
    """The arguments of one case of ``spec``'s function and kind, with the sizes of ``s``."""
    B, N, M, kind = s.batch, s.N, s.M, spec.kind
    if spec.function == "content_weights":
        memory = rng.normal(size=(B, N, M))
        beta = rng.uniform(0.5, 5.0, B)
        key = rng.normal(size=(B, M))
        if kind == "key_row":  # one memory and key for the whole batch, so that only beta changes
            memory = np.repeat(memory[:1], B, axis=0)
            key = memory[:, min(2, N - 1)].copy()
            beta = np.array([1.0, 10.0, 100.0, 3.0, 30.0][:B] + [50.0] * max(0, B - 5))
        elif kind == "beta0":
            beta = np.zeros(B)
        elif kind == "zero_row":
            memory[:, rng.integers(N)] = 0.0
        return memory, key, beta
    if spec.function == "interpolate":
        g = np.array([0.0, 1.0] * B)[:B] if kind == "g01" else rng.uniform(0.05, 0.95, B)
        return _weighting(rng, B, N), _weighting(rng, B, N), g
    if spec.function == "shift":
        if kind == "plus":
            return _weighting(rng, B, N, peak=N - 1), np.tile([0.0, 0.0, 1.0], (B, 1))
        if kind == "minus":
            return _weighting(rng, B, N, peak=0), np.tile([1.0, 0.0, 0.0], (B, 1))
        return _weighting(rng, B, N), _weighting(rng, B, 3)
    if spec.function == "sharpen":
        gamma = {"gamma1": np.ones(B), "large": np.full(B, 20.0)}.get(kind, rng.uniform(1.5, 5.0, B))
        return _weighting(rng, B, N), gamma
    memory = rng.normal(size=(B, N, M))
    if spec.function == "read":
        return memory, _weighting(rng, B, N, sharpness=5.0 if kind == "sharp" else 1.0)
    erase = {"erase_all": np.ones((B, M)), "erase_none": np.zeros((B, M))}.get(
        kind, rng.uniform(0, 1, (B, M)))
    return memory, _weighting(rng, B, N), erase, rng.normal(size=(B, M))


class NtmAddressing(Exercise):
    id = "ex9"
    title = "Neural Turing machine addressing, reading and writing"
    filename = "ex9_ntm.py"
    functions = ("content_weights", "interpolate", "shift", "sharpen", "read", "write")
    shapes_per_class = True

    def _case(self, spec: Spec, rng: np.random.Generator, sizes: Spec, name: str, hidden: bool) -> Case:
        args = tuple(a.astype(spec.dtype) for a in _args(spec, rng, sizes))
        return Case(name, spec.function, args, hidden=hidden)

    def public_cases(self) -> list[Case]:
        rng = np.random.default_rng(20261202)
        return [self._case(s, rng, s, s.name, hidden=False) for s in SPECS]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        sizes_rng = rng if shape_rng is None else shape_rng

        def size(lo: int, hi: int) -> int:
            return int(sizes_rng.integers(lo, hi + 1))

        cases = []
        for spec in (s for s in SPECS if s.hidden_name):
            low_batch = 3 if spec.kind == "key_row" else 2
            sizes = Spec(spec.name, spec.function, batch=size(low_batch, 5), N=size(3, 8), M=size(2, 5))
            name = f"hidden {spec.name.partition(':')[0]}: {spec.hidden_name}"
            cases.append(self._case(spec, rng, sizes, name, hidden=True))
        return cases

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        """The paper's equation for ``case.function``, in keras.ops (TensorFlow backend), float64."""
        from keras import ops

        args = [ops.convert_to_tensor(a, dtype="float64") for a in _f64(*case.args)]
        out = _REFERENCES[case.function](ops, *args)
        result: np.ndarray = np.asarray(ops.convert_to_numpy(out), dtype=np.float64)
        return result

    # --- judgement ----------------------------------------------------------------------------------

    judge_module = f"{__package__}.judge"
    mistake_ids = frozenset({DOT_PRODUCT, SOFTMAX_AXIS, NO_EPSILON, G_SWAPPED, NO_WRAP, SHIFT_REVERSED,
                             NOT_RENORMALISED, ADD_BEFORE_ERASE})

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex9_judge.judge(case, got, expected, self.mistakes(case))

    def mistakes(self, case: Case) -> list[Mistake]:
        args = _f64(*case.args)
        fn = case.function
        if fn == "content_weights":
            return [self.mistake(DOT_PRODUCT, ntm.content_weights(*args, similarity="dot")),
                    self.mistake(SOFTMAX_AXIS, ntm.content_weights(*args, axis=0))]
        if fn == "interpolate":
            return [self.mistake(G_SWAPPED, ntm.interpolate(*args, swapped=True))]
        if fn == "shift":
            return [self.mistake(NO_WRAP, ntm.shift(*args, wrap=False)),
                    self.mistake(SHIFT_REVERSED, ntm.shift(*args, direction=-1))]
        if fn == "sharpen":
            return [self.mistake(NOT_RENORMALISED, ntm.sharpen(*args, renormalise=False))]
        if fn == "write":
            return [self.mistake(ADD_BEFORE_ERASE, ntm.write(*args, add_first=True))]
        return []


# ---- the paper's equations in keras.ops ----------------------------------------------------------------

def _content_weights(ops: Any, memory: Any, key: Any, beta: Any) -> Any:
    """(6) K[k, M(i)] = k . M(i) / (|k| |M(i)| + EPS); (5) w_c = softmax_i(beta K)."""
    dot = ops.einsum("bnm,bm->bn", memory, key)
    norms = ops.norm(memory, axis=-1) * ops.expand_dims(ops.norm(key, axis=-1), -1)
    return ops.softmax(ops.expand_dims(beta, -1) * dot / (norms + EPS), axis=-1)


def _interpolate(ops: Any, w_content: Any, w_prev: Any, g: Any) -> Any:
    """(7) w_g = g w_c + (1 - g) w_{t-1}."""
    g = ops.expand_dims(g, -1)
    return g * w_content + (1.0 - g) * w_prev


def _shift(ops: Any, w: Any, s: Any) -> Any:
    """(8) w~(i) = sum_j w(j) s(i - j), indices modulo N; s's columns are the shifts -1, 0, +1.

    Only the three shifts have weight, so the sum over j has three terms: j = i - k for k in -1, 0, +1,
    and ops.roll(w, k)[i] = w[(i - k) mod N].
    """
    return sum(s[:, index:index + 1] * ops.roll(w, k, axis=-1) for index, k in enumerate(ntm.SHIFTS))


def _sharpen(ops: Any, w: Any, gamma: Any) -> Any:
    """(9) w(i) = w~(i)^gamma / sum_j w~(j)^gamma."""
    powered = ops.power(w, ops.expand_dims(gamma, -1))
    return powered / ops.sum(powered, axis=-1, keepdims=True)


def _read(ops: Any, memory: Any, w: Any) -> Any:
    """(2) r = sum_i w(i) M(i)."""
    return ops.einsum("bn,bnm->bm", w, memory)


def _write(ops: Any, memory: Any, w: Any, erase: Any, add: Any) -> Any:
    """(3) M~(i) = M(i) [1 - w(i) e]; (4) M(i) = M~(i) + w(i) a."""
    w = ops.expand_dims(w, -1)
    return memory * (1.0 - w * ops.expand_dims(erase, 1)) + w * ops.expand_dims(add, 1)


_REFERENCES: dict[str, Callable[..., Any]] = {
    "content_weights": _content_weights, "interpolate": _interpolate, "shift": _shift,
    "sharpen": _sharpen, "read": _read, "write": _write,
}

EXERCISE = NtmAddressing()
"""One grader per exercise; see coursekit.exercise.Exercise."""
