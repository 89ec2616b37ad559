"""Grader of exercise 10: the differentiable neural computer's memory addressing.

The reference is the paper's equations (Graves et al. 2016, Methods, "Memory addressing") written with
``keras.ops`` on the TensorFlow backend, in float64: ``tests/test_ex10.py`` checks it against answers
worked out by hand and against deepmind/dnc's ``addressing.py`` ported to TensorFlow 2. The wrong versions
that name a student's mistake are in ``_dnc.py`` beside this file; ``mistakes/<id>.py`` holds one wrong
submission per named mistake, which the tests grade.

Public inputs are drawn with ``Generator.integers`` and ``Generator.uniform`` and combined with +, -, *
and / only (no exp, no softmax): every one of those is correctly rounded, so the inputs have the same bits
on every machine and the cached answers are found everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.messages import Mistake

from . import _dnc as dnc
from . import judge as ex10_judge

# The named mistakes; their text is in locale/{en,zh}/LC_MESSAGES/ex10.po beside this file.
RETENTION_IGNORED = "retention_ignored"
RETENTION_SUM = "retention_as_sum"
LOCATION_ORDER = "allocation_in_location_order"
PRODUCT_INCLUSIVE = "allocation_product_includes_slot"
DIAGONAL_KEPT = "link_diagonal_kept"
LINK_TRANSPOSED = "link_new_term_transposed"
DIRECTIONS_SWAPPED = "forward_backward_swapped"
MODES_ORDER = "read_modes_wrong_order"
WRITE_GATE_IGNORED = "write_gate_ignored"
PRECEDENCE_NOT_DECAYED = "precedence_not_decayed"

Array = np.ndarray


@dataclass(frozen=True)
class Spec:
    """The structure of one case; public and hidden cases share it, only the sizes and values differ."""

    name: str
    function: str
    kind: str = "random"
    batch: int = 2
    N: int = 4
    R: int = 1
    dtype: str = "float64"
    hidden_name: str = ""  # also drawn, with other sizes and values, as a hidden case of this name
    several_heads: bool = False  # hidden: R drawn from 2 to 4 (else 1 to 4, or 1 when R is 1 here)


SPECS = (
    Spec("usage: R 1, batch 2", "usage", R=1, hidden_name="R 1"),
    Spec("usage: R 3, batch 3, N 5, float32", "usage", batch=3, N=5, R=3, dtype="float32",
         hidden_name="R > 1", several_heads=True),
    Spec("usage: free gates 0 and 1, R 2", "usage", "gates01", R=2, hidden_name="free gates 0 and 1",
         several_heads=True),
    Spec("allocation: ties in usage, the lower index first", "allocation", "ties", N=5,
         hidden_name="ties in usage"),
    Spec("allocation: usage all 0", "allocation", "zero", hidden_name="usage all 0"),
    Spec("allocation: usage all near 1", "allocation", "near1", hidden_name="usage all near 1"),
    Spec("allocation: batch 3, N 6, float32", "allocation", batch=3, N=6, dtype="float32",
         hidden_name="random"),
    Spec("write weighting: gates 0 and 1", "write_weighting", "gates01", batch=4,
         hidden_name="gates 0 and 1"),
    Spec("write weighting: batch 3, N 5, float32", "write_weighting", batch=3, N=5, dtype="float32",
         hidden_name="random"),
    Spec("precedence: write weights summing to less than 1", "precedence", "partial",
         hidden_name="write weights summing to less than 1"),
    Spec("precedence: a full write (sum 1) replaces p, batch 3, float32", "precedence", "full", batch=3,
         N=5, dtype="float32", hidden_name="a full write"),
    Spec("link: a new diagonal that must be zero", "link_matrix", "diagonal",
         hidden_name="a new diagonal that must be zero"),
    Spec("link: the first write, from an empty link matrix", "link_matrix", "first", N=3),
    Spec("link: write weights summing to less than 1, batch 3, N 5, float32", "link_matrix", "partial",
         batch=3, N=5, dtype="float32", hidden_name="random"),
    Spec("directions: R 1, batch 2", "directional_weights", R=1, hidden_name="R 1"),
    Spec("directions: R 3, batch 2, N 5, float32", "directional_weights", N=5, R=3, dtype="float32",
         hidden_name="R > 1", several_heads=True),
    Spec("read weighting: one mode per head (backward, content, forward)", "read_weighting", "one_mode",
         R=3, hidden_name="one mode per head"),
    Spec("read weighting: R 2, batch 3, N 5, float32", "read_weighting", batch=3, N=5, R=2,
         dtype="float32", hidden_name="random", several_heads=True),
)


# ---- inputs: integers, uniform draws, and the four correctly rounded operations --------------------------

def _weighting(rng: np.random.Generator, shape: tuple[int, ...], total: Array | float = 1.0,
               peak: Array | None = None) -> Array:
    """Non-negative rows over the last axis summing to ``total``; ``peak``: the location given most."""
    counts = rng.integers(1, 9, size=shape).astype(np.float64)
    if peak is not None:
        np.put_along_axis(counts, peak[..., None], 40.0, axis=-1)
    total = np.asarray(total, dtype=np.float64)
    result: Array = counts / counts.sum(axis=-1, keepdims=True) * total[..., None]
    return result


def _ties(rng: np.random.Generator, batch: int, n: int) -> Array:
    """Usage with equal values: even rows hold several free (0) slots, odd rows pairs of equal usage."""
    out = np.empty((batch, n))
    for b in range(batch):
        order = rng.permutation(n)
        if b % 2 == 0:
            out[b] = rng.integers(1, 10, n) / 10.0
            out[b, order[:2 + (n > 4)]] = 0.0
        else:
            values = rng.permutation(np.arange(1, 10) / 10.0)[:(n + 1) // 2]
            out[b, order] = np.repeat(values, 2)[:n]
    return out


def _args(spec: Spec, rng: np.random.Generator, s: Spec) -> tuple[Array, ...]:
    """The arguments of one case of ``spec``'s function and kind, with the sizes of ``s``."""
    B, N, R, kind, fn = s.batch, s.N, s.R, spec.kind, spec.function
    if fn == "usage":
        free = rng.uniform(0.2, 1.0, (B, R))
        if kind == "gates01":
            free = np.tile(np.array([0.0, 1.0] * R)[:R], (B, 1))
            free[1::2] = 1.0 - free[1::2]
        return (rng.uniform(0.0, 1.0, (B, N)), _weighting(rng, (B, N), rng.uniform(0.3, 1.0, B)), free,
                _weighting(rng, (B, R, N)))
    if fn == "allocation":
        if kind == "ties":
            return (_ties(rng, B, N),)
        if kind == "zero":
            return (np.zeros((B, N)),)
        if kind == "near1":
            return (1.0 - rng.uniform(0.005, 0.05, (B, N)),)
        return (rng.uniform(0.0, 1.0, (B, N)),)
    if fn == "write_weighting":
        if kind == "gates01":
            pairs = np.array([(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] * B)[:B]
            gates = (pairs[:, 0], pairs[:, 1])
        else:
            gates = (rng.uniform(0.0, 1.0, B), rng.uniform(0.1, 0.9, B))
        return (dnc.allocation(rng.uniform(0.0, 1.0, (B, N))), _weighting(rng, (B, N)), *gates)
    if fn == "precedence":
        total = 1.0 if kind == "full" else rng.uniform(0.2, 0.8, B)
        return _weighting(rng, (B, N), rng.uniform(0.3, 1.0, B)), _weighting(rng, (B, N), total)
    if fn == "link_matrix":
        link = _weighting(rng, (B, N, N), rng.uniform(0.2, 1.0, (B, N)))
        link[:, np.arange(N), np.arange(N)] = 0.0
        written = rng.integers(0, N, B)
        if kind == "first":
            link[:] = 0.0
        peak = written if kind == "diagonal" else None  # written again where the precedence is
        return (link, _weighting(rng, (B, N), rng.uniform(0.3, 1.0, B), peak=peak),
                _weighting(rng, (B, N), rng.uniform(0.3, 0.9, B), peak=written))
    if fn == "directional_weights":
        link = _weighting(rng, (B, N, N), rng.uniform(0.2, 1.0, (B, N)))
        link[:, np.arange(N), np.arange(N)] = 0.0
        return link, _weighting(rng, (B, R, N))
    if kind == "one_mode":  # head r of example b reads in mode (b + r) mod 3 only
        modes = np.zeros((B, R, 3))
        for b in range(B):
            modes[b, np.arange(R), (b + np.arange(R)) % 3] = 1.0
    else:
        modes = _weighting(rng, (B, R, 3))
    return _weighting(rng, (B, R, N)), _weighting(rng, (B, R, N)), _weighting(rng, (B, R, N)), modes


def _f64(*arrays: Any) -> list[Array]:
    return [np.asarray(a, dtype=np.float64) for a in arrays]


class DncAddressing(Exercise):
    id = "ex10"
    title = "The differentiable neural computer's memory addressing"
    filename = "ex10_dnc.py"
    functions = ("usage", "allocation", "write_weighting", "precedence", "link_matrix",
                 "directional_weights", "read_weighting")
    shapes_per_class = True

    def _case(self, spec: Spec, rng: np.random.Generator, sizes: Spec, name: str, hidden: bool) -> Case:
        args = tuple(a.astype(spec.dtype) for a in _args(spec, rng, sizes))
        return Case(name, spec.function, args, hidden=hidden)

    def generate_public_cases(self) -> list[Case]:
        rng = np.random.default_rng(20261207)
        return [self._case(s, rng, s, s.name, hidden=False) for s in SPECS]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        sizes_rng = rng if shape_rng is None else shape_rng

        def size(lo: int, hi: int) -> int:
            return int(sizes_rng.integers(lo, hi + 1))

        cases = []
        for spec in (s for s in SPECS if s.hidden_name):
            heads = size(2, 4) if spec.several_heads else size(3, 4) if spec.kind == "one_mode" else 1
            sizes = Spec(spec.name, spec.function, batch=size(2, 5), N=size(3, 8), R=heads)
            name = f"hidden {spec.name.partition(':')[0]}: {spec.hidden_name}"
            cases.append(self._case(spec, rng, sizes, name, hidden=True))
        return cases

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        """The paper's equation for ``case.function``, in keras.ops (TensorFlow backend), float64.

        directional_weights' pair (forward, backward) is stacked into one (2, batch, R, N) array.
        """
        from keras import ops

        args = [ops.convert_to_tensor(a, dtype="float64") for a in _f64(*case.args)]
        out = _REFERENCES[case.function](ops, *args)
        result: Array = np.asarray(ops.convert_to_numpy(out), dtype=np.float64)
        return result

    # --- judgement ----------------------------------------------------------------------------------

    judge_module = f"{__package__}.judge"
    mistake_ids = frozenset({RETENTION_IGNORED, RETENTION_SUM, LOCATION_ORDER, PRODUCT_INCLUSIVE,
                             DIAGONAL_KEPT, LINK_TRANSPOSED, DIRECTIONS_SWAPPED, MODES_ORDER,
                             WRITE_GATE_IGNORED, PRECEDENCE_NOT_DECAYED})

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex10_judge.judge(case, got, expected, self.mistakes(case))

    def mistakes(self, case: Case) -> list[Mistake]:
        args = _f64(*case.args)
        fn = case.function
        if fn == "usage":
            return [self.mistake(RETENTION_IGNORED, dnc.usage(*args, retention="none")),
                    self.mistake(RETENTION_SUM, dnc.usage(*args, retention="sum")),
                    self.mistake(RETENTION_SUM, dnc.usage(*args, retention="one_minus_sum"))]
        if fn == "allocation":
            return [self.mistake(LOCATION_ORDER, dnc.allocation(*args, order="location")),
                    self.mistake(PRODUCT_INCLUSIVE, dnc.allocation(*args, inclusive=True)),
                    self.mistake(LOCATION_ORDER, dnc.allocation(*args, order="location", inclusive=True))]
        if fn == "write_weighting":
            return [self.mistake(WRITE_GATE_IGNORED, dnc.write_weighting(*args, use_write_gate=False))]
        if fn == "precedence":
            return [self.mistake(PRECEDENCE_NOT_DECAYED, dnc.precedence(*args, decay=False))]
        if fn == "link_matrix":
            return [self.mistake(DIAGONAL_KEPT, dnc.link_matrix(*args, zero_diagonal=False)),
                    self.mistake(LINK_TRANSPOSED, dnc.link_matrix(*args, transposed=True)),
                    self.mistake(LINK_TRANSPOSED, dnc.link_matrix(*args, transposed=True,
                                                                  zero_diagonal=False))]
        if fn == "directional_weights":
            return [self.mistake(DIRECTIONS_SWAPPED, dnc.directional_weights(*args, swapped=True))]
        return [self.mistake(MODES_ORDER, dnc.read_weighting(*args, order=order))
                for order in dnc.WRONG_MODE_ORDERS]


# ---- the paper's equations in keras.ops ----------------------------------------------------------------

def _usage(ops: Any, prev_usage: Any, prev_write_weights: Any, free_gates: Any,
           prev_read_weights: Any) -> Any:
    """u_t = (u_{t-1} + w^w_{t-1} - u_{t-1} o w^w_{t-1}) o psi_t, psi_t = prod_i (1 - f^i_t w^{r,i}_{t-1})."""
    retention = ops.prod(1.0 - ops.expand_dims(free_gates, -1) * prev_read_weights, axis=1)
    return (prev_usage + prev_write_weights - prev_usage * prev_write_weights) * retention


def _allocation(ops: Any, usage: Any) -> Any:
    """a_t[phi_j] = (1 - u_t[phi_j]) prod_{i=1}^{j-1} u_t[phi_i], phi_t the locations by ascending usage.

    The product runs over the locations that come before j in that order: those with a smaller usage,
    and those with the same usage and a lower index (ties in location order, as a stable sort leaves
    them). Written with that comparison instead of a sort, it needs no argsort, whose order of ties
    Keras does not promise.
    """
    n = ops.shape(usage)[-1]
    u_i, u_j = ops.expand_dims(usage, 2), ops.expand_dims(usage, 1)  # (batch, i, j)
    index = ops.arange(n)
    lower = ops.expand_dims(index, 1) < ops.expand_dims(index, 0)  # i < j
    before = ops.logical_or(u_i < u_j, ops.logical_and(ops.equal(u_i, u_j), lower))
    return (1.0 - usage) * ops.prod(ops.where(before, u_i, ops.ones_like(u_i)), axis=1)


def _write_weighting(ops: Any, allocation: Any, content: Any, allocation_gate: Any, write_gate: Any) -> Any:
    """w^w_t = g^w_t [g^a_t a_t + (1 - g^a_t) c^w_t]."""
    g_a, g_w = ops.expand_dims(allocation_gate, -1), ops.expand_dims(write_gate, -1)
    return g_w * (g_a * allocation + (1.0 - g_a) * content)


def _precedence(ops: Any, prev_precedence: Any, write_weights: Any) -> Any:
    """p_t = (1 - sum_i w^w_t[i]) p_{t-1} + w^w_t."""
    return (1.0 - ops.sum(write_weights, axis=-1, keepdims=True)) * prev_precedence + write_weights


def _link_matrix(ops: Any, prev_link: Any, prev_precedence: Any, write_weights: Any) -> Any:
    """L_t[i, j] = (1 - w^w_t[i] - w^w_t[j]) L_{t-1}[i, j] + w^w_t[i] p_{t-1}[j]; L_t[i, i] = 0."""
    w_i, w_j = ops.expand_dims(write_weights, 2), ops.expand_dims(write_weights, 1)
    link = (1.0 - w_i - w_j) * prev_link + w_i * ops.expand_dims(prev_precedence, 1)
    return link * (1.0 - ops.eye(ops.shape(write_weights)[-1], dtype="float64"))


def _directional_weights(ops: Any, link: Any, prev_read_weights: Any) -> Any:
    """f^i_t = L_t w^{r,i}_{t-1}, b^i_t = L_t^T w^{r,i}_{t-1}; stacked (forward, backward)."""
    forward = ops.einsum("bij,brj->bri", link, prev_read_weights)
    backward = ops.einsum("bji,brj->bri", link, prev_read_weights)
    return ops.stack([forward, backward])


def _read_weighting(ops: Any, backward: Any, content: Any, forward: Any, read_modes: Any) -> Any:
    """w^{r,i}_t = pi^i_t[1] b^i_t + pi^i_t[2] c^{r,i}_t + pi^i_t[3] f^i_t (the paper counts from 1)."""
    return (read_modes[:, :, 0:1] * backward + read_modes[:, :, 1:2] * content
            + read_modes[:, :, 2:3] * forward)


_REFERENCES: dict[str, Callable[..., Any]] = {
    "usage": _usage, "allocation": _allocation, "write_weighting": _write_weighting,
    "precedence": _precedence, "link_matrix": _link_matrix, "directional_weights": _directional_weights,
    "read_weighting": _read_weighting,
}

EXERCISE = DncAddressing()
"""One grader per exercise; see coursekit.exercise.Exercise."""
