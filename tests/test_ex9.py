"""Exercise 9, NTM addressing: the keras.ops reference against answers worked out by hand, the cases and the
stub's text. The solution, the stub and each named mistake's wrong file (graders/ex9/mistakes/) are graded
by tests/test_contract.py."""

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
from coursekit.registry import get_exercise
from graders.ex9 import grader as ex9
from graders.ex9 import ntm

FILE = "ex9_ntm.py"
EX9 = get_exercise("ex9")
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
STUB = (EXERCISES / FILE).read_text(encoding="utf-8")


def ref(function: str, *args: Any) -> np.ndarray:
    """The grader's keras.ops reference on plain lists (one example: batch 1)."""
    return np.asarray(EX9.reference(Case("known answer", function, tuple(np.asarray(a, dtype=np.float64)
                                                                          for a in args))))


# ---- the reference against answers worked out by hand ----------------------------------------------

@pytest.mark.slow
def test_content_weights_known_answers(keras: ModuleType) -> None:
    memory = [[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]]
    # key [1, 0]: K = [1/(1*1), 0/(1*1), 1/(1*sqrt 2)] = [1, 0, 0.707107]
    # beta 1: exp(K) = [2.718282, 1, 2.028115], sum 5.746397 -> [0.473041, 0.174022, 0.352937]
    np.testing.assert_allclose(ref("content_weights", memory, [[1.0, 0.0]], [1.0]),
                               [[0.473041, 0.174022, 0.352937]], atol=1e-6)
    # beta 10: exp(10 K) = [22026.466, 1, 1177.405], sum 23204.870 -> [0.949217, 0.000043, 0.050740]
    np.testing.assert_allclose(ref("content_weights", memory, [[1.0, 0.0]], [10.0]),
                               [[0.949217, 0.000043, 0.050740]], atol=1e-6)
    # beta 0: exp(0) everywhere -> uniform, 1/3 each
    np.testing.assert_allclose(ref("content_weights", memory, [[1.0, 0.0]], [0.0]), [[1 / 3] * 3])
    # a zero row: K = [0 / (0 * 1 + 1e-8), 1, 0] = [0, 1, 0]; beta 2: exp = [1, 7.389056, 1], sum 9.389056
    # -> [0.106507, 0.786986, 0.106507]
    np.testing.assert_allclose(ref("content_weights", [[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]], [[1.0, 0.0]],
                                   [2.0]), [[0.106507, 0.786986, 0.106507]], atol=1e-6)


@pytest.mark.slow
def test_interpolate_known_answers(keras: ModuleType) -> None:
    # g 0.25: 0.25 * [1, 0, 0] + 0.75 * [0, 0.5, 0.5] = [0.25, 0.375, 0.375]
    np.testing.assert_allclose(ref("interpolate", [[1.0, 0.0, 0.0]], [[0.0, 0.5, 0.5]], [0.25]),
                               [[0.25, 0.375, 0.375]])
    # g 1 keeps the content weighting, g 0 the previous one
    np.testing.assert_allclose(ref("interpolate", [[1.0, 0.0, 0.0]], [[0.0, 0.5, 0.5]], [1.0]),
                               [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(ref("interpolate", [[1.0, 0.0, 0.0]], [[0.0, 0.5, 0.5]], [0.0]),
                               [[0.0, 0.5, 0.5]])


@pytest.mark.slow
def test_shift_known_answers(keras: ModuleType) -> None:
    w = [[0.1, 0.2, 0.3, 0.4]]
    # s = [0, 0, 1], the shift +1: w~[i] = w[i - 1], and w~[0] = w[3] wraps: [0.4, 0.1, 0.2, 0.3]
    np.testing.assert_allclose(ref("shift", w, [[0.0, 0.0, 1.0]]), [[0.4, 0.1, 0.2, 0.3]])
    # s = [1, 0, 0], the shift -1: w~[i] = w[i + 1], and w~[3] = w[0] wraps: [0.2, 0.3, 0.4, 0.1]
    np.testing.assert_allclose(ref("shift", w, [[1.0, 0.0, 0.0]]), [[0.2, 0.3, 0.4, 0.1]])
    # s = [0.7, 0.3, 0]: w~[i] = 0.7 w[i + 1] + 0.3 w[i]
    # = [0.14 + 0.03, 0.21 + 0.06, 0.28 + 0.09, 0.07 + 0.12] = [0.17, 0.27, 0.37, 0.19]
    np.testing.assert_allclose(ref("shift", w, [[0.7, 0.3, 0.0]]), [[0.17, 0.27, 0.37, 0.19]])
    # N = 3, s = [0.25, 0.5, 0.25] on [1, 0, 0]: w~ = [0.5, 0.25, 0.25] (both neighbours of 0, wrapping)
    np.testing.assert_allclose(ref("shift", [[1.0, 0.0, 0.0]], [[0.25, 0.5, 0.25]]), [[0.5, 0.25, 0.25]])


@pytest.mark.slow
def test_sharpen_known_answers(keras: ModuleType) -> None:
    # gamma 2: [0.04, 0.09, 0.25] / 0.38 = [0.105263, 0.236842, 0.657895]
    np.testing.assert_allclose(ref("sharpen", [[0.2, 0.3, 0.5]], [2.0]), [[0.105263, 0.236842, 0.657895]],
                               atol=1e-6)
    # gamma 1: unchanged
    np.testing.assert_allclose(ref("sharpen", [[0.2, 0.3, 0.5]], [1.0]), [[0.2, 0.3, 0.5]])


@pytest.mark.slow
def test_read_and_write_known_answers(keras: ModuleType) -> None:
    memory = [[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]]
    # r = 0.5 [1, 2] + 0.5 [3, 4] + 0 [5, 6] = [2, 3]
    np.testing.assert_allclose(ref("read", memory, [[0.5, 0.5, 0.0]]), [[2.0, 3.0]])
    # erase [1, 0], add [10, 20], w [0.5, 0.5, 0]:
    # row 0: [1 (1 - 0.5), 2 (1 - 0)] + 0.5 [10, 20] = [5.5, 12]; row 1: [1.5, 4] + [5, 10] = [6.5, 14]
    # row 2: w 0, unchanged [5, 6]
    np.testing.assert_allclose(ref("write", memory, [[0.5, 0.5, 0.0]], [[1.0, 0.0]], [[10.0, 20.0]]),
                               [[[5.5, 12.0], [6.5, 14.0], [5.0, 6.0]]])
    # erase everything where w = 1, add nothing: row 1 becomes [0, 0]
    np.testing.assert_allclose(ref("write", memory, [[0.0, 1.0, 0.0]], [[1.0, 1.0]], [[0.0, 0.0]]),
                               [[[1.0, 2.0], [0.0, 0.0], [5.0, 6.0]]])


# ---- the cases ------------------------------------------------------------------------------------

def cases_of(function: str) -> list[Case]:
    return [c for c in EX9.public_cases() if c.function == function]


def test_public_cases_cover_ties_zero_rows_both_gates_wraparound_and_sharpening() -> None:
    cases = EX9.public_cases()
    assert {c.function for c in cases} == set(EX9.functions)
    expected = refcache.load(EX9, cases)
    content = cases_of("content_weights")
    key_row = next(c for c in content if "key equal" in c.name)
    memory, key, beta = key_row.args
    row = next(i for i in range(memory.shape[1]) if np.array_equal(memory[0, i], key[0]))
    weights = expected[key_row.name][:, row]
    assert list(beta) == sorted(beta) and list(weights) == sorted(weights) and weights[-1] > 0.99
    assert any(np.all(c.args[2] == 0) for c in content), "beta 0"
    assert any(not np.linalg.norm(c.args[0], axis=-1).all() for c in content), "a zero row"
    assert any({0.0, 1.0} <= set(c.args[2]) for c in cases_of("interpolate")), "g 0 and 1"
    shifts = cases_of("shift")
    last = [c for c in shifts if np.argmax(c.args[0][0]) == c.args[0].shape[1] - 1]
    plus = [c for c in last if np.all(c.args[1] == [0, 0, 1])]
    minus = [c for c in shifts if np.all(c.args[1] == [1, 0, 0]) and np.argmax(c.args[0][0]) == 0]
    assert plus and minus, "shifts that wrap around both ends"
    gammas = [c.args[1] for c in cases_of("sharpen")]
    assert any(np.all(g == 1) for g in gammas) and any(np.all(g >= 10) for g in gammas)
    assert all(c.args[0].shape[0] > 1 for c in cases_of("read") + cases_of("write"))
    erases = [c.args[2] for c in cases_of("write")]
    assert any(np.all(e == 1) for e in erases) and any(np.all(e == 0) for e in erases)
    assert all(c.args[0].shape[-1] >= 3 for c in shifts), "N >= 3: the shifts -1 and +1 differ"


def test_the_numpy_equations_the_mistakes_start_from_equal_the_cached_keras_answers() -> None:
    cases = EX9.public_cases()
    expected = refcache.load(EX9, cases)
    for case in cases:
        mine = getattr(ntm, case.function)(*(np.asarray(a, dtype=np.float64) for a in case.args))
        np.testing.assert_allclose(mine, expected[case.name], rtol=1e-10, atol=1e-12, err_msg=case.name)


def test_hidden_cases_keep_names_and_points_but_change_values_and_sizes() -> None:
    a = EX9.hidden_cases(np.random.default_rng(1))
    b = EX9.hidden_cases(np.random.default_rng(2))
    assert [(c.name, c.points, c.function) for c in a] == [(c.name, c.points, c.function) for c in b]
    assert {c.function for c in a} == set(EX9.functions) and all(c.hidden for c in a)
    assert not {c.name for c in EX9.public_cases()} & {c.name for c in a}
    assert [c.args[0].shape for c in a] != [c.args[0].shape for c in b]
    same_class = EX9.hidden_cases(np.random.default_rng(3), np.random.default_rng(10))
    other = EX9.hidden_cases(np.random.default_rng(4), np.random.default_rng(10))
    assert [c.args[0].shape for c in same_class] == [c.args[0].shape for c in other]
    assert not np.array_equal(same_class[-1].args[0], other[-1].args[0])


# ---- refusals ------------------------------------------------------------------------------------

def test_importing_keras_scores_zero_with_the_reason(grade_files: GradeFiles) -> None:
    result = grade_files("ex9", {FILE: "from keras import ops\n" + SOLUTION})
    assert result.score == 0 and all("keras, tensorflow, torch or jax" in text(t) for t in result.tests)


# ---- the mistakes ----------------------------------------------------------------------------------

# The folder's wrong files (graders/ex9/mistakes/, graded by tests/test_contract.py) in the shape
# tests/test_release.py reads: mistake id -> (its source, the one function whose tests it fails)
MISTAKES: dict[str, tuple[str, str]] = {
    w.mistake: (w.source, ", ".join(w.functions)) for w in wrong_files("ex9") if w.variant is None}


def test_the_papers_common_mistakes_are_all_named() -> None:
    asked = {ex9.DOT_PRODUCT, ex9.SOFTMAX_AXIS, ex9.G_SWAPPED, ex9.NO_WRAP, ex9.SHIFT_REVERSED,
             ex9.NOT_RENORMALISED, ex9.ADD_BEFORE_ERASE}
    assert asked <= set(MISTAKES) and set(MISTAKES) == EX9.mistake_ids


# ---- the stub's text ----------------------------------------------------------------------------------

def stub_docstrings() -> dict[str, str]:
    return {node.name: ast.get_docstring(node) or "" for node in ast.parse(STUB).body
            if isinstance(node, ast.FunctionDef)}


def test_the_stub_defines_the_contract_signatures_and_raises() -> None:
    functions = {n.name: n for n in ast.parse(STUB).body if isinstance(n, ast.FunctionDef)}
    assert set(functions) == set(EX9.functions)
    signatures = {"content_weights": ["memory", "key", "beta"], "interpolate": ["w_content", "w_prev", "g"],
                  "shift": ["w", "s"], "sharpen": ["w", "gamma"], "read": ["memory", "w"],
                  "write": ["memory", "w", "erase", "add"]}
    for name, node in functions.items():
        assert [a.arg for a in node.args.args] == signatures[name]
        assert isinstance(node.body[-1], ast.Raise)


EQUATIONS = {"content_weights": ("(5)", "(6)"), "interpolate": ("(7)",), "shift": ("(8)",),
             "sharpen": ("(9)",), "read": ("(2)",), "write": ("(3)", "(4)")}


@pytest.mark.parametrize("function", list(EQUATIONS))
def test_each_docstring_is_bilingual_with_the_papers_equation_and_an_example(function: str) -> None:
    doc = stub_docstrings()[function]
    assert re.search(r"[\u4e00-\u9fff]", doc) and "paper" in doc and "Keras" in doc
    assert all(number in doc.partition("\n")[0] for number in EQUATIONS[function]), "in the first line"
    assert "Returns" in doc and "Example" in doc and "例" in doc


def test_the_one_epsilon_is_stated_in_the_stub_and_used_by_the_grader() -> None:
    module_doc = ast.get_docstring(ast.parse(STUB)) or ""
    assert ex9.EPS == ntm.EPS == 1e-8
    assert "1e-8" in module_doc and "1e-8" in stub_docstrings()["content_weights"]
    assert "EPS = 1e-8" in STUB and "EPS = 1e-8" in SOLUTION


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+", text)]


def test_the_worked_examples_are_correct() -> None:
    namespace: dict[str, Callable[..., Any]] = {}
    exec(compile(SOLUTION, FILE, "exec"), namespace)  # the reference solution, trusted code
    docs = stub_docstrings()
    memory = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    content = docs["content_weights"]
    for beta, marker in ((1.0, "-> "), (10.0, "beta = [10.0] -> ")):
        got = namespace["content_weights"](memory, np.array([[1.0, 0.0]]), np.array([beta]))
        np.testing.assert_allclose(numbers(content.partition(marker)[2])[:3], got[0], atol=6e-6)
    calls = {
        "interpolate": ([[1.0, 0, 0]], [[0, 0.5, 0.5]], [0.25]),
        "sharpen": ([[0.2, 0.3, 0.5]], [2.0]),
        "read": ([[[1.0, 2], [3, 4], [5, 6]]], [[0.5, 0.5, 0]]),
        "write": ([[[1.0, 2], [3, 4], [5, 6]]], [[0.5, 0.5, 0]], [[1.0, 0]], [[10.0, 20]]),
    }
    for function, args in calls.items():
        got = namespace[function](*(np.asarray(a, dtype=np.float64) for a in args))
        shown = numbers(docs[function].rpartition("-> ")[2])
        np.testing.assert_allclose(shown, got.ravel(), atol=6e-6, err_msg=function)
    w = np.array([[0.1, 0.2, 0.3, 0.4]])
    shift = docs["shift"]
    np.testing.assert_allclose(numbers(shift.partition("(shift +1):   -> ")[2])[:4],
                               namespace["shift"](w, np.array([[0.0, 0.0, 1.0]]))[0])
    np.testing.assert_allclose(numbers(shift.rpartition("-> ")[2])[:4],
                               namespace["shift"](w, np.array([[0.7, 0.3, 0.0]]))[0], atol=1e-12)
