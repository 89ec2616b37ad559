"""Exercise 10, DNC memory addressing: the keras.ops reference against answers worked out by hand and
against deepmind/dnc's ``addressing.py`` (ported to TensorFlow 2 below), the cases, and
other correct and wrong ways of writing it; the solution, the stub and each named mistake's wrong file
(``graders/ex10/mistakes/``) are graded by tests/test_contract.py."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from conftest import EXERCISES, SOLUTIONS, GradeFiles, text
from test_contract import wrong_files

from coursekit import refcache
from coursekit.exercise import Case
from coursekit.grading import grade_exercise
from coursekit.i18n import render
from coursekit.results import ExerciseResult
from graders.ex10 import _dnc as dnc
from graders.ex10 import grader as ex10

FILE = "ex10_dnc.py"
EX10 = ex10.EXERCISE
SPECS = ex10.SPECS
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
STUB = (EXERCISES / FILE).read_text(encoding="utf-8")


def ref(function: str, *args: Any) -> np.ndarray:
    """The grader's keras.ops reference on plain lists."""
    return np.asarray(EX10.reference(Case("known answer", function, tuple(np.asarray(a, dtype=np.float64)
                                                                           for a in args))))


# ---- the reference against answers worked out by hand ----------------------------------------------

@pytest.mark.slow
def test_usage_known_answers(keras: ModuleType) -> None:
    u, w = [[0.5, 0.0, 1.0]], [[0.5, 0.5, 0.0]]
    # u + w - u w = [0.5 + 0.5 - 0.25, 0 + 0.5 - 0, 1 + 0 - 0] = [0.75, 0.5, 1]
    # R = 1, f = 0.5, read location 2: psi = 1 - 0.5 [0, 0, 1] = [1, 1, 0.5] -> [0.75, 0.5, 0.5]
    np.testing.assert_allclose(ref("usage", u, w, [[0.5]], [[[0.0, 0.0, 1.0]]]), [[0.75, 0.5, 0.5]])
    # R = 2, f = [0.5, 0.5], heads read locations 2 and 0: psi = [1, 1, 0.5] * [0.5, 1, 1] = [0.5, 1, 0.5]
    # -> [0.375, 0.5, 0.5] (a sum over the heads would give psi = [1.5, 2, 1.5])
    np.testing.assert_allclose(ref("usage", u, w, [[0.5, 0.5]], [[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]]),
                               [[0.375, 0.5, 0.5]])
    # free gates 0: psi = 1, the usage after writing only; N = 4, batch 2, the second with nothing written
    # row 0: [0.2 + 0.5 - 0.1, 0.4 + 0.5 - 0.2, 0, 1] = [0.6, 0.7, 0, 1]; row 1: u unchanged
    np.testing.assert_allclose(
        ref("usage", [[0.2, 0.4, 0.0, 1.0], [0.1, 0.2, 0.3, 0.4]], [[0.5, 0.5, 0.0, 0.0], [0.0] * 4],
            [[0.0], [0.0]], [[[0.25] * 4], [[0.25] * 4]]),
        [[0.6, 0.7, 0.0, 1.0], [0.1, 0.2, 0.3, 0.4]])


@pytest.mark.slow
def test_allocation_known_answers(keras: ModuleType) -> None:
    # usage [0.4, 0.1, 0.4, 0.8]: phi = [1, 0, 2, 3] (locations 0 and 2 tie: 0 first)
    # a[1] = 0.9; a[0] = 0.6 * 0.1 = 0.06; a[2] = 0.6 * 0.1 * 0.4 = 0.024
    # a[3] = 0.2 * 0.1 * 0.4 * 0.4 = 0.0032
    np.testing.assert_allclose(ref("allocation", [[0.4, 0.1, 0.4, 0.8]]), [[0.06, 0.9, 0.024, 0.0032]])
    # usage all 0: location 0 gets 1 - 0 = 1, every later one a product holding a 0
    np.testing.assert_allclose(ref("allocation", [[0.0, 0.0, 0.0, 0.0]]), [[1.0, 0.0, 0.0, 0.0]])
    # two free slots, 1 and 3: the lower index first, a[1] = 1 and a[3] = (1 - 0) * 0 = 0
    # a[0] (usage 0.5, third) = 0.5 * 0 * 0 = 0; a[2] likewise
    np.testing.assert_allclose(ref("allocation", [[0.5, 0.0, 0.5, 0.0]]), [[0.0, 1.0, 0.0, 0.0]])
    # usage all 0.9, N = 3 (ties in location order): [0.1, 0.9 * 0.1, 0.81 * 0.1] = [0.1, 0.09, 0.081]
    np.testing.assert_allclose(ref("allocation", [[0.9, 0.9, 0.9]]), [[0.1, 0.09, 0.081]])
    # usage all 1: nothing is free, every allocation 0
    np.testing.assert_allclose(ref("allocation", [[1.0, 1.0, 1.0]]), [[0.0, 0.0, 0.0]])


@pytest.mark.slow
def test_write_weighting_known_answers(keras: ModuleType) -> None:
    # 0.5 [0, 1, 0] + 0.5 [0.2, 0.3, 0.5] = [0.1, 0.65, 0.25]; times the write gate 0.8: [0.08, 0.52, 0.2]
    # second row: g^a 1 takes the allocation alone, g^w 0 writes nothing
    np.testing.assert_allclose(
        ref("write_weighting", [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], [[0.2, 0.3, 0.5], [0.2, 0.3, 0.5]],
            [0.5, 1.0], [0.8, 0.0]),
        [[0.08, 0.52, 0.2], [0.0, 0.0, 0.0]])


@pytest.mark.slow
def test_precedence_known_answers(keras: ModuleType) -> None:
    # w sums to 0.6: 0.4 [0.5, 0.5, 0] + [0, 0, 0.6] = [0.2, 0.2, 0.6]
    # a full write (sum 1) replaces p: [0.25, 0.75, 0]; no write keeps p
    np.testing.assert_allclose(
        ref("precedence", [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.1, 0.2, 0.3]],
            [[0.0, 0.0, 0.6], [0.25, 0.75, 0.0], [0.0, 0.0, 0.0]]),
        [[0.2, 0.2, 0.6], [0.25, 0.75, 0.0], [0.1, 0.2, 0.3]])


@pytest.mark.slow
def test_link_matrix_known_answers(keras: ModuleType) -> None:
    # t = 1: L_0 = 0, p_0 = [0.5, 0.5, 0] (sic: any p), w = [0, 0, 0.6]: L[i, j] = w[i] p[j]
    # row 2 = 0.6 [0.5, 0.5, 0] = [0.3, 0.3, 0]; every other row 0
    first = ref("link_matrix", np.zeros((1, 3, 3)), [[0.5, 0.5, 0.0]], [[0.0, 0.0, 0.6]])
    np.testing.assert_allclose(first, [[[0, 0, 0], [0, 0, 0], [0.3, 0.3, 0]]])
    # then p = [0.2, 0.2, 0.6], w = [0, 0.5, 0.5]:
    # row 1: [(1 - 0.5 - 0) 0 + 0.5 * 0.2, diagonal 0 (0.5 * 0.2 before zeroing), (1 - 1) 0 + 0.5 * 0.6]
    #      = [0.1, 0, 0.3]
    # row 2: [(1 - 0.5 - 0) 0.3 + 0.5 * 0.2, (1 - 0.5 - 0.5) 0.3 + 0.5 * 0.2, diagonal 0 (0.3 before)]
    #      = [0.25, 0.1, 0]
    np.testing.assert_allclose(ref("link_matrix", first, [[0.2, 0.2, 0.6]], [[0.0, 0.5, 0.5]]),
                               [[[0, 0, 0], [0.1, 0, 0.3], [0.25, 0.1, 0]]])
    # N = 4, a full write at location 2 after p = [0, 1, 0, 0]: L[2, 1] = 1, everything else
    # (1 - w[i] - w[j]) 0 + w[i] p[j] = 0; and the diagonal L[1, 1] = 0 though p[1] = 1
    np.testing.assert_allclose(ref("link_matrix", np.zeros((1, 4, 4)), [[0.0, 1.0, 0.0, 0.0]],
                                   [[0.0, 0.0, 1.0, 0.0]]),
                               [[[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]])


@pytest.mark.slow
def test_directional_weights_known_answers(keras: ModuleType) -> None:
    link = [[[0.0, 0.0, 0.0], [0.1, 0.0, 0.3], [0.25, 0.1, 0.0]]]
    # read location 1: forward = L w = column 1 of L = [0, 0, 0.1]; backward = L^T w = row 1 = [0.1, 0, 0.3]
    # R = 2, the second head read location 0: forward = column 0 = [0, 0.1, 0.25], backward = row 0 = 0
    forward, backward = ref("directional_weights", link, [[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]])
    np.testing.assert_allclose(forward, [[[0.0, 0.0, 0.1], [0.0, 0.1, 0.25]]])
    np.testing.assert_allclose(backward, [[[0.1, 0.0, 0.3], [0.0, 0.0, 0.0]]])


@pytest.mark.slow
def test_read_weighting_known_answers(keras: ModuleType) -> None:
    b, c, f = [[[0.1, 0.0, 0.3]]], [[[0.2, 0.3, 0.5]]], [[[0.0, 0.0, 0.1]]]
    # 0.5 b + 0.3 c + 0.2 f = [0.05 + 0.06 + 0, 0 + 0.09 + 0, 0.15 + 0.15 + 0.02] = [0.11, 0.09, 0.32]
    np.testing.assert_allclose(ref("read_weighting", b, c, f, [[[0.5, 0.3, 0.2]]]), [[[0.11, 0.09, 0.32]]])
    # one mode each: pi = [1, 0, 0] reads backward, [0, 1, 0] content, [0, 0, 1] forward
    for k, want in enumerate((b, c, f)):
        modes = np.zeros((1, 1, 3))
        modes[0, 0, k] = 1.0
        np.testing.assert_allclose(ref("read_weighting", b, c, f, modes), want)


# ---- the reference against deepmind/dnc's addressing.py ---------------------------------------------
# google-deepmind/dnc, dnc/addressing.py (Freeness, TemporalLinkage), dnc/access.py (_write_weights,
# _read_weights) and dnc/util.py, ported to TensorFlow 2 with one write head (num_writes = 1): the same
# operations, tf.matrix_set_diag -> tf.linalg.set_diag, tf.cumprod -> tf.math.cumprod, util.reduce_prod
# -> tf.reduce_prod. deepmind floors the usage at 1e-6 inside the allocation and orders its read modes
# (backward, forward, content); the paper's order (backward, content, forward) is mapped below.

DM_EPSILON = 1e-6


def dm_batch_invert_permutation(tf: Any, permutations: Any) -> Any:
    """util.batch_invert_permutation: one tf.invert_permutation over the batch, rows offset."""
    perm = tf.cast(permutations, tf.float32)
    dim = int(perm.shape[-1])
    size = tf.cast(tf.shape(perm)[0], tf.float32)
    delta = tf.cast(tf.shape(perm)[-1], tf.float32)
    rg = tf.tile(tf.expand_dims(tf.range(0, size * delta, delta, dtype=tf.float32), 1), [1, dim])
    flat = tf.reshape(perm + rg, [-1])
    perm = tf.reshape(tf.math.invert_permutation(tf.cast(flat, tf.int32)), [-1, dim])
    return perm - tf.cast(rg, tf.int32)


def dm_batch_gather(tf: Any, values: Any, indices: Any) -> Any:
    """util.batch_gather."""
    idx = tf.expand_dims(indices, -1)
    rg = tf.tile(tf.expand_dims(tf.range(tf.shape(indices)[0], dtype=tf.int32), -1),
                 [1, int(indices.shape[-1])])
    return tf.gather_nd(values, tf.concat([tf.expand_dims(rg, -1), idx], -1))


def dm_usage(tf: Any, prev_usage: Any, write_weights: Any, free_gate: Any, read_weights: Any) -> Any:
    """Freeness._build: _usage_after_write, then _usage_after_read; write_weights (batch, 1, N)."""
    write_weights = 1 - tf.reduce_prod(1 - write_weights, 1)
    usage = prev_usage + (1 - prev_usage) * write_weights
    free_read_weights = tf.expand_dims(free_gate, -1) * read_weights
    phi = tf.reduce_prod(1 - free_read_weights, 1)
    return usage * phi


def dm_allocation(tf: Any, usage: Any) -> Any:
    """Freeness._allocation."""
    usage = DM_EPSILON + (1 - DM_EPSILON) * usage
    nonusage = 1 - usage
    sorted_nonusage, indices = tf.math.top_k(nonusage, k=int(usage.shape[-1]))
    sorted_usage = 1 - sorted_nonusage
    prod_sorted_usage = tf.math.cumprod(sorted_usage, axis=1, exclusive=True)
    sorted_allocation = sorted_nonusage * prod_sorted_usage
    return dm_batch_gather(tf, sorted_allocation, dm_batch_invert_permutation(tf, indices))


def dm_write_weights(tf: Any, allocation: Any, content: Any, allocation_gate: Any, write_gate: Any) -> Any:
    """DNC access module's _write_weights, after write_allocation_weights (one write head)."""
    allocation_gate = tf.expand_dims(allocation_gate, -1)
    write_gate = tf.expand_dims(write_gate, -1)
    return write_gate * (allocation_gate * allocation + (1 - allocation_gate) * content)


def dm_link(tf: Any, prev_link: Any, prev_precedence_weights: Any, write_weights: Any) -> Any:
    """TemporalLinkage._link; prev_link (batch, 1, N, N), the others (batch, 1, N)."""
    write_weights_i = tf.expand_dims(write_weights, 3)
    write_weights_j = tf.expand_dims(write_weights, 2)
    prev_precedence_weights_j = tf.expand_dims(prev_precedence_weights, 2)
    prev_link_scale = 1 - write_weights_i - write_weights_j
    new_link = write_weights_i * prev_precedence_weights_j
    link = prev_link_scale * prev_link + new_link
    return tf.linalg.set_diag(link, tf.zeros_like(write_weights))


def dm_precedence(tf: Any, prev_precedence_weights: Any, write_weights: Any) -> Any:
    """TemporalLinkage._precedence_weights."""
    write_sum = tf.reduce_sum(write_weights, 2, keepdims=True)
    return (1 - write_sum) * prev_precedence_weights + write_weights


def dm_directional_read_weights(tf: Any, link: Any, prev_read_weights: Any, forward: bool) -> Any:
    """TemporalLinkage.directional_read_weights -> (batch, R, 1, N)."""
    expanded_read_weights = tf.stack([prev_read_weights], 1)
    result = tf.matmul(expanded_read_weights, link, adjoint_b=forward)
    return tf.transpose(result, perm=[0, 2, 1, 3])


def dm_read_weights(tf: Any, read_mode: Any, content_weights: Any, forward_weights: Any,
                    backward_weights: Any) -> Any:
    """DNC access module's _read_weights, from its modes (backward, forward, content) with num_writes 1."""
    backward_mode = read_mode[:, :, :1]
    forward_mode = read_mode[:, :, 1:2]
    content_mode = read_mode[:, :, 2]
    return (tf.expand_dims(content_mode, 2) * content_weights
            + tf.reduce_sum(tf.expand_dims(forward_mode, 3) * forward_weights, 2)
            + tf.reduce_sum(tf.expand_dims(backward_mode, 3) * backward_weights, 2))


def random_inputs(rng: np.random.Generator, batch: int, n: int, heads: int) -> dict[str, np.ndarray]:
    def weighting(*shape: int) -> np.ndarray:
        z = rng.uniform(0.0, 1.0, shape) ** 3
        return z / z.sum(axis=-1, keepdims=True) * rng.uniform(0.2, 1.0, (*shape[:-1], 1))

    link = weighting(batch, n, n)
    link[:, np.arange(n), np.arange(n)] = 0.0
    modes = rng.uniform(0.0, 1.0, (batch, heads, 3))
    return {"usage": rng.uniform(0.0, 1.0, (batch, n)), "write": weighting(batch, n),
            "free": rng.uniform(0.0, 1.0, (batch, heads)), "read": weighting(batch, heads, n),
            "content_w": weighting(batch, n), "content_r": weighting(batch, heads, n),
            "gates": rng.uniform(0.0, 1.0, (2, batch)), "precedence": weighting(batch, n), "link": link,
            "modes": modes / modes.sum(axis=-1, keepdims=True)}


@pytest.mark.slow
@pytest.mark.parametrize("seed, batch, n, heads", [(1, 3, 6, 2), (2, 2, 4, 1), (3, 4, 8, 4), (4, 1, 3, 3)])
def test_the_reference_agrees_with_deepmind_dnc(keras: ModuleType, seed: int, batch: int, n: int,
                                                heads: int) -> None:
    import tensorflow as tf

    x = random_inputs(np.random.default_rng(seed), batch, n, heads)
    t = {k: tf.constant(v, dtype=tf.float64) for k, v in x.items()}
    one = {k: tf.expand_dims(t[k], 1) for k in ("write", "precedence", "link")}  # num_writes = 1

    def close(ours: np.ndarray, theirs: Any, atol: float = 1e-12) -> None:
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-10, atol=atol)

    usage = ref("usage", x["usage"], x["write"], x["free"], x["read"])
    close(usage, dm_usage(tf, t["usage"], one["write"], t["free"], t["read"]))
    for u in (usage, np.round(usage * 4) / 4, np.zeros_like(usage), np.full_like(usage, 0.999)):
        # deepmind floors the usage at 1e-6: the two differ by about 1e-6 at most
        close(ref("allocation", u), dm_allocation(tf, tf.constant(u)), atol=1e-5)
    allocation = ref("allocation", usage)
    g_a, g_w = x["gates"]
    write = ref("write_weighting", allocation, x["content_w"], g_a, g_w)
    close(write, dm_write_weights(tf, tf.constant(allocation), t["content_w"], t["gates"][0], t["gates"][1]))
    w1 = tf.expand_dims(tf.constant(write), 1)
    link = ref("link_matrix", x["link"], x["precedence"], write)
    close(link, dm_link(tf, one["link"], one["precedence"], w1)[:, 0])
    close(ref("precedence", x["precedence"], write), dm_precedence(tf, one["precedence"], w1)[:, 0])
    forward, backward = ref("directional_weights", link, x["read"])
    link1 = tf.expand_dims(tf.constant(link), 1)
    dm_forward = dm_directional_read_weights(tf, link1, t["read"], forward=True)
    dm_backward = dm_directional_read_weights(tf, link1, t["read"], forward=False)
    close(forward, dm_forward[:, :, 0])
    close(backward, dm_backward[:, :, 0])
    paper_modes = x["modes"]  # (backward, content, forward)
    deepmind_modes = paper_modes[:, :, [0, 2, 1]]  # (backward, forward, content)
    close(ref("read_weighting", backward, x["content_r"], forward, paper_modes),
          dm_read_weights(tf, tf.constant(deepmind_modes), t["content_r"], dm_forward, dm_backward))


# ---- the cases ------------------------------------------------------------------------------------

def cases_of(function: str, cases: list[Case] | None = None) -> list[Case]:
    return [c for c in (EX10.public_cases() if cases is None else cases) if c.function == function]


def heads(case: Case) -> int:
    """R of a case: the read weights' or the free gates' second axis."""
    index = {"usage": 2, "directional_weights": 1, "read_weighting": 0}[case.function]
    return int(case.args[index].shape[1])


@pytest.mark.parametrize("hidden", [False, True])
def test_the_cases_cover_several_heads_ties_partial_writes_and_both_dtypes(hidden: bool) -> None:
    cases = EX10.hidden_cases(np.random.default_rng(5), np.random.default_rng(6)) if hidden \
        else EX10.public_cases()
    assert {c.function for c in cases} == set(EX10.functions)
    assert all(c.args[0].shape[0] > 1 for c in cases), "batch > 1 everywhere"
    for function in ("usage", "directional_weights"):
        assert {heads(c) > 1 for c in cases_of(function, cases)} == {False, True}, f"{function}: R 1 and > 1"
    assert all(heads(c) > 1 for c in cases_of("read_weighting", cases))
    if not hidden:
        assert {c.args[0].dtype.name for c in cases} == {"float32", "float64"}
    usages = [c.args[0] for c in cases_of("allocation", cases)]
    assert any(np.all(u == 0) for u in usages) and any(np.all(u > 0.9) for u in usages)
    ties = [u for u in usages if any(len(set(row)) < len(row) and row.min() > 0 for row in u)
            and any(np.sum(row == 0) >= 2 for row in u)]
    assert ties, "ties in usage: several free slots, and equal usages above 0"
    for function in ("precedence", "link_matrix"):
        sums = [c.args[-1].sum(axis=-1) for c in cases_of(function, cases)]
        assert any(np.all(s < 0.95) for s in sums), f"{function}: write weights summing to less than 1"
    new_diagonal = [np.einsum("bi,bi->bi", c.args[2], c.args[1]) for c in cases_of("link_matrix", cases)]
    assert any(d.max() > 0.1 for d in new_diagonal), "w[i] p[i] large: a new diagonal that must be zeroed"
    modes = [c.args[3] for c in cases_of("read_weighting", cases)]
    assert any(set(np.unique(m)) == {0.0, 1.0} for m in modes), "one mode per head"
    gates = [c.args[2] for c in cases_of("usage", cases)]
    assert any(set(np.unique(g)) == {0.0, 1.0} for g in gates), "free gates 0 and 1"


def test_every_mistake_is_told_apart_from_the_answer_and_from_the_others_by_a_public_case() -> None:
    cases = EX10.public_cases()
    told_apart: set[str] = set()
    for case in cases:
        right = getattr(dnc, case.function)(*(np.asarray(a, dtype=np.float64) for a in case.args))
        mistakes = EX10.mistakes(case)
        for m in mistakes:
            others = [o.output for o in mistakes if o.id != m.id]
            if not np.allclose(m.output, right, rtol=1e-3, atol=1e-4) and not any(
                    np.allclose(m.output, o, rtol=1e-3, atol=1e-4) for o in others):
                told_apart.add(m.id)
    assert told_apart == EX10.mistake_ids


def test_hidden_cases_keep_names_and_points_but_change_values_and_sizes() -> None:
    a = EX10.hidden_cases(np.random.default_rng(1))
    b = EX10.hidden_cases(np.random.default_rng(2))
    assert [(c.name, c.points, c.function) for c in a] == [(c.name, c.points, c.function) for c in b]
    assert {c.function for c in a} == set(EX10.functions) and all(c.hidden for c in a)
    assert not {c.name for c in EX10.public_cases()} & {c.name for c in a}
    assert [c.args[0].shape for c in a] != [c.args[0].shape for c in b]
    same_class = EX10.hidden_cases(np.random.default_rng(3), np.random.default_rng(10))
    other = EX10.hidden_cases(np.random.default_rng(4), np.random.default_rng(10))
    assert [[a.shape for a in c.args] for c in same_class] == [[a.shape for a in c.args] for c in other]
    assert not np.array_equal(same_class[-1].args[0], other[-1].args[0])


# ---- the stub's text ----------------------------------------------------------------------------------

SIGNATURES = {
    "usage": ["prev_usage", "prev_write_weights", "free_gates", "prev_read_weights"],
    "allocation": ["usage"],
    "write_weighting": ["allocation", "content", "allocation_gate", "write_gate"],
    "precedence": ["prev_precedence", "write_weights"],
    "link_matrix": ["prev_link", "prev_precedence", "write_weights"],
    "directional_weights": ["link", "prev_read_weights"],
    "read_weighting": ["backward", "content", "forward", "read_modes"],
}


@pytest.mark.parametrize("source", [STUB, SOLUTION], ids=["stub", "solution"])
def test_the_stub_and_the_solution_define_the_contract_signatures(source: str) -> None:
    functions = {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    assert {name: [a.arg for a in node.args.args] for name, node in functions.items()} == SIGNATURES
    assert list(functions) == list(EX10.functions)
    if source is STUB:
        assert all(isinstance(node.body[-1], ast.Raise) for node in functions.values())


def stub_docstrings() -> dict[str, str]:
    return {node.name: ast.get_docstring(node) or "" for node in ast.parse(STUB).body
            if isinstance(node, ast.FunctionDef)}


GLOSSARY = {"usage": "使用率", "allocation": "分配权重", "write_weighting": "写权重",
            "precedence": "优先权重", "link_matrix": "链接矩阵", "directional_weights": "正向",
            "read_weighting": "读模式"}


@pytest.mark.parametrize("function", list(SIGNATURES))
def test_each_docstring_is_bilingual_with_the_papers_equation_and_an_example(function: str) -> None:
    doc = stub_docstrings()[function]
    assert re.search(r"[\u4e00-\u9fff]", doc) and "paper" in doc and "Keras" in doc
    assert GLOSSARY[function] in doc
    assert "Returns" in doc and "Example" in doc and "例" in doc and "->" in doc


def test_the_module_docstring_shows_one_timestep_and_the_shapes() -> None:
    doc = ast.get_docstring(ast.parse(STUB)) or ""
    assert "可微神经计算机（DNC）" in doc and "Graves et al. (2016)" in doc and "(batch, R, N)" in doc
    assert all(f"{name}(" in doc for name in SIGNATURES)
    assert "coursekit check ex10" in doc


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]


def test_the_worked_examples_are_the_solutions_answers() -> None:
    namespace: dict[str, Callable[..., Any]] = {}
    exec(compile(SOLUTION, FILE, "exec"), namespace)  # the reference solution, trusted code
    docs = stub_docstrings()

    def shown(function: str, marker: str = "-> ", last: bool = True) -> list[float]:
        doc = docs[function]
        text = doc.rpartition(marker)[2] if last else doc.partition(marker)[2]
        return numbers(text.partition("\n")[0])

    def run(function: str, *args: Any) -> np.ndarray:
        out = namespace[function](*(np.asarray(a, dtype=np.float64) for a in args))
        return np.asarray(out).ravel()

    u, w = [[0.5, 0.0, 1.0]], [[0.5, 0.5, 0.0]]
    np.testing.assert_allclose(shown("usage", "-> ", last=False), run("usage", u, w, [[0.5]], [[[0, 0, 1]]]))
    np.testing.assert_allclose(shown("usage"), run("usage", u, w, [[0.5, 0.5]], [[[0, 0, 1], [1, 0, 0]]]))
    np.testing.assert_allclose(shown("allocation", "-> ", last=False),
                               run("allocation", [[0.4, 0.1, 0.4, 0.8]]))
    np.testing.assert_allclose(shown("allocation"), run("allocation", [[0.0] * 4]))
    np.testing.assert_allclose(shown("write_weighting"),
                               run("write_weighting", [[0, 1, 0]], [[0.2, 0.3, 0.5]], [0.5], [0.8]))
    np.testing.assert_allclose(shown("precedence"), run("precedence", [[0.5, 0.5, 0]], [[0, 0, 0.6]]))
    link = [[[0, 0, 0], [0, 0, 0], [0.3, 0.3, 0]]]
    np.testing.assert_allclose(shown("link_matrix"),
                               run("link_matrix", link, [[0.2, 0.2, 0.6]], [[0, 0.5, 0.5]]))
    new_link = [[[0, 0, 0], [0.1, 0, 0.3], [0.25, 0.1, 0]]]
    forward, backward = namespace["directional_weights"](np.asarray(new_link), np.asarray([[[0.0, 1, 0]]]))
    directions = docs["directional_weights"]
    np.testing.assert_allclose(numbers(directions.partition("forward  = L w")[2].partition("-> ")[2]
                                       .partition("\n")[0]), forward.ravel())
    np.testing.assert_allclose(numbers(directions.partition("backward = L^T w")[2].partition("-> ")[2]
                                       .partition("\n")[0]), backward.ravel())
    np.testing.assert_allclose(shown("read_weighting"),
                               run("read_weighting", [[[0.1, 0, 0.3]]], [[[0.2, 0.3, 0.5]]], [[[0, 0, 0.1]]],
                                   [[[0.5, 0.3, 0.2]]]))


# ---- the judge of directional_weights' pair -----------------------------------------------------------

def directions_case() -> tuple[Case, np.ndarray]:
    case = cases_of("directional_weights")[0]
    return case, dnc.directional_weights(*(np.asarray(a, dtype=np.float64) for a in case.args))


def test_the_pair_is_judged_part_by_part_and_names_the_part() -> None:
    case, expected = directions_case()
    forward, backward = expected
    assert EX10.judge(case, (forward, backward), expected).passed
    assert EX10.judge(case, [forward, backward], expected).passed
    verdict = EX10.judge(case, (forward, backward + 0.01), expected)
    assert not verdict.passed and verdict.mistake is None and verdict.message is not None
    assert "backward (the second of the pair)" in render(verdict.message, "en", strict=True)
    assert "反向权重" in render(verdict.message, "zh", strict=True)
    swapped = EX10.judge(case, (backward, forward), expected)
    assert swapped.mistake is not None and swapped.mistake.id == ex10.DIRECTIONS_SWAPPED


@pytest.mark.parametrize("got", ["stacked", "one", "three"])
def test_anything_but_a_pair_is_told_what_to_return(got: str) -> None:
    case, expected = directions_case()
    value = {"stacked": expected, "one": expected[0], "three": (expected[0], expected[1], expected[0])}[got]
    verdict = EX10.judge(case, value, expected)
    assert not verdict.passed and verdict.message is not None
    assert "expected a pair (forward, backward)" in render(verdict.message, "en", strict=True)
    assert "期望返回一对数组 (forward, backward)" in render(verdict.message, "zh", strict=True)


# ---- the solution and the stub, graded ---------------------------------------------------------------

def test_the_numpy_equations_the_mistakes_start_from_equal_the_cached_keras_answers() -> None:
    cases = EX10.public_cases()
    expected = refcache.load(EX10, cases)
    assert set(expected) == {c.name for c in cases}, "every public case is cached"
    for case in cases:
        mine = getattr(dnc, case.function)(*(np.asarray(a, dtype=np.float64) for a in case.args))
        np.testing.assert_allclose(mine, expected[case.name], rtol=1e-10, atol=1e-12, err_msg=case.name)


def test_importing_keras_scores_zero_with_the_reason(grade_files: GradeFiles) -> None:
    result = grade_files("ex10", {FILE: "from keras import ops\n" + SOLUTION})
    assert result.score == 0 and all("keras, tensorflow, torch or jax" in text(t) for t in result.tests)


# ---- the mistakes: one wrong file each in graders/ex10/mistakes/ --------------------------------------

# mistake id -> (its wrong file's source, the one function whose tests it fails, from its "Fails:" line):
# tests/test_contract.py grades them, tests/test_release.py reads this view
MISTAKES: dict[str, tuple[str, str]] = {
    w.mistake: (w.source, ", ".join(w.functions)) for w in wrong_files("ex10") if w.variant is None}


@pytest.mark.parametrize("key", sorted(MISTAKES))
def test_each_wrong_file_is_the_solution_with_one_function_changed(key: str) -> None:
    def functions(source: str) -> dict[str, str]:
        return {n.name: ast.dump(n) for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}

    mine, solution = functions(MISTAKES[key][0]), functions(SOLUTION)
    assert set(mine) == set(solution)
    assert [name for name in solution if mine[name] != solution[name]] == [MISTAKES[key][1]]


def by_function(result: ExerciseResult) -> dict[str, list[Any]]:
    cases = {c.name: c.function for c in EX10.public_cases()}
    out: dict[str, list[Any]] = {}
    for t in result.tests:
        out.setdefault(cases[t.name], []).append(t)
    return out


# ---- implementations written apart from the solution ------------------------------------------------
# Written without looking at solutions/ or the mistake files: other styles the contract allows (loops over
# lists, float32 throughout, deepmind/dnc's 1e-6 floor on usage, a product taken in log space) get full
# marks; wrong ones outside the catalogue fail their function's tests (and only theirs), naming no mistake.

LOOPS = '''
import numpy as np


def usage(prev_usage, prev_write_weights, free_gates, prev_read_weights):
    u, w = np.asarray(prev_usage).tolist(), np.asarray(prev_write_weights).tolist()
    f, wr = np.asarray(free_gates).tolist(), np.asarray(prev_read_weights).tolist()
    out = []
    for b in range(len(u)):
        row = []
        for n in range(len(u[b])):
            psi = 1.0
            for r in range(len(f[b])):
                psi *= 1.0 - f[b][r] * wr[b][r][n]
            row.append((u[b][n] + w[b][n] - u[b][n] * w[b][n]) * psi)
        out.append(row)
    return out


def allocation(usage):
    out = []
    for row in np.asarray(usage).tolist():
        a, prod = [0.0] * len(row), 1.0
        for j in sorted(range(len(row)), key=lambda i: (row[i], i)):
            a[j] = (1.0 - row[j]) * prod
            prod *= row[j]
        out.append(a)
    return out


def write_weighting(allocation, content, allocation_gate, write_gate):
    a, c = np.asarray(allocation).tolist(), np.asarray(content).tolist()
    ga, gw = np.asarray(allocation_gate).tolist(), np.asarray(write_gate).tolist()
    return [[gw[b] * (ga[b] * a[b][n] + (1.0 - ga[b]) * c[b][n]) for n in range(len(a[b]))]
            for b in range(len(a))]


def precedence(prev_precedence, write_weights):
    p, w = np.asarray(prev_precedence).tolist(), np.asarray(write_weights).tolist()
    return [[(1.0 - sum(w[b])) * p[b][n] + w[b][n] for n in range(len(w[b]))] for b in range(len(w))]


def link_matrix(prev_link, prev_precedence, write_weights):
    L, p = np.asarray(prev_link).tolist(), np.asarray(prev_precedence).tolist()
    w = np.asarray(write_weights).tolist()
    return [[[0.0 if i == j else (1.0 - w[b][i] - w[b][j]) * L[b][i][j] + w[b][i] * p[b][j]
              for j in range(len(w[b]))] for i in range(len(w[b]))] for b in range(len(w))]


def directional_weights(link, prev_read_weights):
    L, wr = np.asarray(link).tolist(), np.asarray(prev_read_weights).tolist()
    n = range(len(L[0]))
    forward = [[[sum(L[b][i][j] * h[j] for j in n) for i in n] for h in wr[b]] for b in range(len(L))]
    backward = [[[sum(L[b][j][i] * h[j] for j in n) for i in n] for h in wr[b]] for b in range(len(L))]
    return forward, backward


def read_weighting(backward, content, forward, read_modes):
    bw, c = np.asarray(backward).tolist(), np.asarray(content).tolist()
    fw, pi = np.asarray(forward).tolist(), np.asarray(read_modes).tolist()
    return [[[pi[b][r][0] * bw[b][r][n] + pi[b][r][1] * c[b][r][n] + pi[b][r][2] * fw[b][r][n]
              for n in range(len(c[b][r]))] for r in range(len(c[b]))] for b in range(len(c))]
'''
# the solution with one function replaced by another way of writing it (the later def wins)
OTHER_WAYS = {
    "float32, deepmind's 1e-6 floor, the inverse permutation": '''
def allocation(usage):
    u = 1e-6 + (1 - 1e-6) * np.asarray(usage, np.float32)
    idx = np.argsort(u, axis=1, kind="mergesort")
    su = np.take_along_axis(u, idx, 1)
    before = np.cumprod(np.concatenate([np.ones((u.shape[0], 1), np.float32), su[:, :-1]], 1), 1)
    return np.take_along_axis((1 - su) * before, np.argsort(idx, axis=1), 1)


def link_matrix(prev_link, prev_precedence, write_weights):
    w, p = np.asarray(write_weights, np.float32), np.asarray(prev_precedence, np.float32)
    new = np.einsum("bi,bj->bij", w, p)
    scale = 1 - w[:, :, None] - w[:, None, :]
    return (scale * np.asarray(prev_link, np.float32) + new) * (1 - np.eye(w.shape[1], dtype=np.float32))


def directional_weights(link, prev_read_weights):
    L, wr = np.asarray(link, np.float32), np.asarray(prev_read_weights, np.float32)
    return wr @ np.transpose(L, (0, 2, 1)), wr @ L
''',
    "a product in log space, a lexsort": '''
def allocation(usage):
    u = np.asarray(usage, np.float64)
    out = np.zeros_like(u)
    for b in range(u.shape[0]):
        order = np.lexsort((np.arange(u.shape[1]), u[b]))
        with np.errstate(divide="ignore"):
            logs = np.log(u[b][order])
        out[b, order] = (1 - u[b][order]) * np.exp(np.concatenate([[0.0], np.cumsum(logs)[:-1]]))
    return out


def read_weighting(backward, content, forward, read_modes):
    stacked = np.stack([backward, content, forward], -1)
    return np.einsum("brnk,brk->brn", stacked, np.asarray(read_modes))
''',
}
# function -> a wrong way of writing it that is none of the named mistakes
WRONG_WAYS = {
    "allocation": ('''
def allocation(usage):
    u = np.asarray(usage, np.float64)
    idx = np.argsort(-u, axis=1, kind="stable")[:, ::-1]  # ascending, but ties: the higher index first
    su = np.take_along_axis(u, idx, 1)
    before = np.concatenate([np.ones_like(su[:, :1]), np.cumprod(su, 1)[:, :-1]], 1)
    out = np.empty_like(u)
    np.put_along_axis(out, idx, (1 - su) * before, 1)
    return out
''', '''
def allocation(usage):
    u = np.sort(np.asarray(usage, np.float64), axis=1)  # left in the sorted order
    return (1 - u) * np.concatenate([np.ones_like(u[:, :1]), np.cumprod(u, 1)[:, :-1]], 1)
'''),
    "usage": ('''
def usage(prev_usage, prev_write_weights, free_gates, prev_read_weights):
    psi = np.prod(1 - np.asarray(free_gates)[:, :, None] * np.asarray(prev_read_weights), axis=1)
    return (np.asarray(prev_usage) + np.asarray(prev_write_weights)) * psi  # no - u w
''',),
    "link_matrix": ('''
def link_matrix(prev_link, prev_precedence, write_weights):
    w, p = np.asarray(write_weights), np.asarray(prev_precedence)
    link = (1 - w[:, :, None]) * (1 - w[:, None, :]) * prev_link + w[:, :, None] * p[:, None, :]
    return link * (1 - np.eye(w.shape[1]))  # (1 - w_i)(1 - w_j) for 1 - w_i - w_j
''',),
    "write_weighting": ('''
def write_weighting(allocation, content, allocation_gate, write_gate):
    ga, gw = np.asarray(allocation_gate)[:, None], np.asarray(write_gate)[:, None]
    return gw * ((1 - ga) * allocation + ga * content)  # the allocation gate on the wrong side
''',),
    "read_weighting": ('''
def read_weighting(backward, content, forward, read_modes):
    pi = np.exp(read_modes)
    pi = pi / pi.sum(-1, keepdims=True)  # a softmax again over modes already summing to 1
    return pi[..., 0:1] * backward + pi[..., 1:2] * content + pi[..., 2:3] * forward
''',),
}


@pytest.mark.parametrize("source", ["loops", *OTHER_WAYS])
def test_other_correct_ways_get_full_marks(graded_once: Callable[[str, str], ExerciseResult],
                                           source: str) -> None:
    result = graded_once("ex10", LOOPS if source == "loops" else SOLUTION + OTHER_WAYS[source])
    assert result.passed and result.score == result.max_score, [text(t) for t in result.tests if not t.passed]


@pytest.mark.slow
def test_the_loops_pass_the_hidden_cases_against_live_keras(tmp_path: Any, keras: ModuleType) -> None:
    (tmp_path / FILE).write_text(LOOPS, encoding="utf-8")
    cases = EX10.hidden_cases(np.random.default_rng(3))
    result = grade_exercise(EX10, tmp_path, cases, EX10.expected_values(cases))
    assert result.passed, [text(t) for t in result.tests if not t.passed]


@pytest.mark.parametrize("function, k", [(f, k) for f, ways in WRONG_WAYS.items() for k in range(len(ways))])
def test_wrong_ways_outside_the_catalogue_fail_their_function_only(
        graded_once: Callable[[str, str], ExerciseResult], function: str, k: int) -> None:
    for name, results in by_function(graded_once("ex10", SOLUTION + WRONG_WAYS[function][k])).items():
        if name != function:
            assert all(t.passed for t in results), name
        else:
            assert any(not t.passed for t in results), f"{function}: a wrong way passed every test"
            assert all(t.mistake is None for t in results), [t.mistake for t in results]
