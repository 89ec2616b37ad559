"""Exercise 1, the Elman RNN forward equations: its cases, wrong answers outside the catalogue, forbidden
imports and the stub's text. The solution, the stub and each named mistake's wrong file
(graders/ex1/mistakes/) are graded by tests/test_contract.py, as for every exercise."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import EXERCISES, SOLUTIONS, GradeFiles, text
from test_contract import wrong_files

from coursekit.registry import get_exercise

FILE = "ex1_rnn_forward.py"
EX1 = get_exercise("ex1")
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
STUB = (EXERCISES / FILE).read_text(encoding="utf-8")

CELL = "return np.tanh(np.asarray(x_t) @ U + np.asarray(s_prev) @ W + b)"
START = "s_t = np.zeros((batch, W.shape[0]), dtype=np.result_type(x, U)) if s0 is None else np.asarray(s0)"
RETURN = "return np.stack(states, axis=1) if return_sequences else s_t"
SOFTMAX = ("logits = logits - logits.max(axis=-1, keepdims=True)",
           "return e / e.sum(axis=-1, keepdims=True)")


def wrong(*edits: tuple[str, str]) -> str:
    """The solution with each (old, new) edit applied; every old text must be there."""
    source = SOLUTION
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    return source


# The folder's wrong files (graders/ex1/mistakes/, which tests/test_contract.py grades) in the shapes that
# tests/test_release.py and tests/test_portable.py read: mistake id -> (its source, the functions it fails),
# and variant -> (its mistake id, its source, the functions it fails).
MISTAKES: dict[str, tuple[str, set[str]]] = {
    w.mistake: (w.source, set(w.functions)) for w in wrong_files("ex1") if w.variant is None}
VARIANTS: dict[str, tuple[str, str, set[str]]] = {
    w.variant: (w.mistake, w.source, set(w.functions)) for w in wrong_files("ex1") if w.variant is not None}


# ---- the cases ------------------------------------------------------------------------------------

def test_public_cases_cover_batches_timesteps_dtypes_initial_states_and_saturated_tanh() -> None:
    cases = EX1.public_cases()
    assert {c.function for c in cases} == set(EX1.functions)
    forward = [c for c in cases if c.function == "rnn_forward"]
    cells = [c for c in cases if c.function == "rnn_cell_forward"]
    batches = {c.args[0].shape[0] for c in forward + cells}
    assert 1 in batches and max(batches) > 1
    timesteps = {c.args[0].shape[1] for c in forward}
    assert 1 in timesteps and max(timesteps) > 1
    assert any(c.args[1].shape[0] != c.args[1].shape[1] for c in forward), "units != input_dim"
    assert {bool(c.kwargs.get("return_sequences")) for c in forward} == {True, False}
    assert {"s0" in c.kwargs for c in forward} == {True, False}
    dtypes = {c.args[0].dtype.name for c in cases}
    assert dtypes == {"float32", "float64"}

    def saturates(x: np.ndarray, U: np.ndarray) -> bool:
        """A third of the pre-activations or more are past |z| = 5, where tanh is within 1e-4 of ±1."""
        return bool(np.mean(np.abs(x.astype(np.float64) @ U) > 5) >= 1 / 3)

    assert any(saturates(c.args[0], c.args[2]) for c in cells)
    assert any(saturates(c.args[0], c.args[1]) for c in forward)
    outputs = [c for c in cases if c.function == "rnn_output"]
    assert {c.args[0].ndim for c in outputs} == {2, 3}
    assert all(c.points > 0 for c in cases) and not any(c.hidden for c in cases)


def test_public_cases_are_the_same_every_time() -> None:
    from coursekit.exercise import call_key

    again = get_exercise("ex1").public_cases()
    assert [call_key(c) for c in EX1.public_cases()] == [call_key(c) for c in again]


def test_hidden_cases_keep_names_and_points_but_change_values_and_sizes() -> None:
    a = EX1.hidden_cases(np.random.default_rng(1))
    b = EX1.hidden_cases(np.random.default_rng(2))
    assert [(c.name, c.points, c.function) for c in a] == [(c.name, c.points, c.function) for c in b]
    assert all(c.hidden for c in a)
    assert any(x.args[0].shape != y.args[0].shape for x, y in zip(a, b, strict=True))
    public = {c.name for c in EX1.public_cases()}
    assert not public & {c.name for c in a}
    sizes = {(c.function, c.args[0].shape) for c in EX1.public_cases()}
    assert {(c.function, c.args[0].shape) for c in a} != sizes


# ---- the mistakes ----------------------------------------------------------------------------------

def test_the_lessons_common_mistakes_each_have_a_wrong_file() -> None:
    asked = {"bias_missing", "relu_instead_of_tanh", "sigmoid_instead_of_tanh", "s0_ignored", "w_transposed",
             "first_state_returned", "softmax_first_axis"}
    assert asked <= set(MISTAKES)


@pytest.mark.slow
def test_a_wrong_answer_that_is_no_known_mistake_says_where_it_differs(grade_files: GradeFiles) -> None:
    source = wrong((CELL, "return np.tanh(np.asarray(x_t) @ U + np.asarray(s_prev) @ W + b) * 0.5"))
    result = grade_files("ex1", {FILE: source})
    failed = [t for t in result.tests if not t.passed]
    assert failed and all(t.mistake is None for t in failed)
    assert "values differ; first at index" in text(failed[0]) and failed[0].detail is not None


@pytest.mark.slow
def test_the_wrong_shape_is_reported(grade_files: GradeFiles) -> None:
    source = wrong((RETURN, "return np.stack(states, axis=1) if return_sequences else s_t[None]"))
    outputs = [text(t) for t in grade_files("ex1", {FILE: source}).tests if not t.passed]
    assert outputs and all(re.search(r"expected shape \(\d+, \d+\), got shape \(1, \d+, \d+\)", o)
                           for o in outputs)


@pytest.mark.slow
def test_returning_a_list_is_fine_and_returning_nothing_is_not(grade_files: GradeFiles) -> None:
    listed = grade_files("ex1", {FILE: wrong((CELL, CELL.replace("return ", "return (") + ").tolist()"))})
    assert listed.passed
    nothing = grade_files("ex1", {FILE: wrong((SOFTMAX[1], "e / e.sum(axis=-1, keepdims=True)"))})
    failed = [t for t in nothing.tests if not t.passed]
    assert failed and all("got None" in text(t) for t in failed)


# ---- forbidden imports ------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "import keras",
    "import tensorflow as tf",
    "from torch import nn",
    "import jax.numpy as jnp",
    "import importlib\n_k = importlib.import_module('ker' + 'as')",
])
def test_importing_a_framework_scores_zero_with_the_reason(grade_files: GradeFiles, line: str) -> None:
    result = grade_files("ex1", {FILE: line + "\n" + SOLUTION})
    assert result.score == 0
    assert all("scores 0" in text(t) and "keras, tensorflow, torch or jax" in text(t) for t in result.tests)


def test_a_framework_import_inside_a_function_scores_zero(grade_files: GradeFiles) -> None:
    source = wrong((SOFTMAX[1], "__import__('tensor' + 'flow')\n    " + SOFTMAX[1]))
    result = grade_files("ex1", {FILE: source})
    assert result.score == 0 and all("tensorflow" in text(t) for t in result.tests)


def test_a_framework_imported_by_a_helper_module_scores_zero(grade_files: GradeFiles) -> None:
    result = grade_files("ex1", {FILE: "import helper\n" + SOLUTION, "helper.py": "import torch\n"})
    assert result.score == 0 and all("helper.py imports torch" in text(t) for t in result.tests)


# ---- the stub's text ----------------------------------------------------------------------------------

def stub_docstrings() -> dict[str, str]:
    tree = ast.parse(STUB)
    return {node.name: ast.get_docstring(node) or "" for node in tree.body
            if isinstance(node, ast.FunctionDef)}


def test_the_stub_defines_the_contract_signatures_and_raises() -> None:
    tree = ast.parse(STUB)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(functions) == set(EX1.functions)
    assert [a.arg for a in functions["rnn_cell_forward"].args.args] == ["x_t", "s_prev", "U", "W", "b"]
    assert [a.arg for a in functions["rnn_forward"].args.args] == ["x", "U", "W", "b", "s0",
                                                                    "return_sequences"]
    assert [a.arg for a in functions["rnn_output"].args.args] == ["s", "V", "c"]
    for node in functions.values():
        assert isinstance(node.body[-1], ast.Raise)


@pytest.mark.parametrize("function", ["rnn_cell_forward", "rnn_forward", "rnn_output"])
def test_each_docstring_is_bilingual_with_both_notations_shapes_and_an_example(function: str) -> None:
    doc = stub_docstrings()[function]
    assert re.search(r"[\u4e00-\u9fff]", doc), "Chinese"
    assert "lesson:" in doc and "Keras:" in doc and "kernel" in doc
    assert "Returns" in doc and "Example" in doc and "例" in doc
    assert re.search(r"\(batch, (units|timesteps|input_dim)", doc) or "(..., units)" in doc


def test_the_module_docstring_gives_both_notations() -> None:
    doc = ast.get_docstring(ast.parse(STUB)) or ""
    assert "s_t = f(U x_t + W s_{t-1})" in doc
    assert "kernel" in doc and "recurrent_kernel" in doc and "U =" in doc and "W =" in doc


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+", text)]


def test_the_worked_examples_are_correct() -> None:
    namespace: dict[str, Callable[..., Any]] = {}
    exec(compile(SOLUTION, FILE, "exec"), namespace)  # the reference solution, trusted code
    docs = stub_docstrings()
    s_t = namespace["rnn_cell_forward"](np.array([[1.0, 2.0]]), np.array([[0.5, -0.5]]),
                                        np.array([[0.1, 0.2], [0.3, 0.4]]), np.eye(2), np.array([0.0, 0.1]))
    cell_example = docs["rnn_cell_forward"].partition("->")[2]
    np.testing.assert_allclose(numbers(cell_example)[:2], s_t[0], atol=5e-5)
    x = np.array([[[1.0, 2.0], [0.0, 1.0]]])
    states = namespace["rnn_forward"](x, np.array([[0.1, 0.2], [0.3, 0.4]]), np.eye(2), np.array([0.0, 0.1]),
                                      return_sequences=True)
    sequence_example = docs["rnn_forward"].partition("return_sequences=True  ->")[2]
    np.testing.assert_allclose(numbers(sequence_example)[:4], states.ravel(), atol=5e-5)
    last_example = docs["rnn_forward"].partition("return_sequences=False ->")[2]
    np.testing.assert_allclose(numbers(last_example)[:2], states[0, -1], atol=5e-5)
    o = namespace["rnn_output"](np.array([[0.8337, 0.5370]]), np.array([[1.0, -1.0], [0.0, 2.0]]),
                                np.zeros(2))
    output_example = docs["rnn_output"].partition("->")[2]
    np.testing.assert_allclose(numbers(output_example)[:2], o[0], atol=5e-5)
