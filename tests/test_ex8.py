"""Exercise 8, BPTT and gradient clipping: the cases, the reference, the feedback and the stub's text. The
solution, the stub and each named mistake's wrong file (graders/ex8/mistakes/) are graded by
tests/test_contract.py."""

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
from coursekit.i18n import LANGUAGES, render
from coursekit.messages import in_domain
from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult
from graders.ex8 import bptt
from graders.ex8 import grader as ex8

FILE = "ex8_bptt.py"
EX8 = get_exercise("ex8")
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
STUB = (EXERCISES / FILE).read_text(encoding="utf-8")

DZ = "dz = (d_states[:, t] + ds_next) * (1.0 - s_t**2)"
DW = "dW += s_prev.T @ dz"
DB = "db += dz.sum(axis=0)"
LOOP = "for t in reversed(range(timesteps)):"
SCALE = "return [g * scale for g in grads], global_norm"

BACKWARD, NORMS, CLIP = EX8.functions


def wrong(*edits: tuple[str, str]) -> str:
    """The solution with each (old, new) edit applied; every old text must be there."""
    source = SOLUTION
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    return source


# The folder's wrong files (graders/ex8/mistakes/, graded by tests/test_contract.py) in the shape
# tests/test_release.py reads: mistake id -> (its source, function -> the id its failed tests carry). On
# input_gradient_norms (d_states 1 at the last step only) a gradient not carried through W and a loop run
# forwards give the same numbers: only_last_step_gets_gradient.
MISTAKES: dict[str, tuple[str, dict[str, str]]] = {
    w.mistake: (w.source, {f: ids[0] for f, ids in w.functions.items()})
    for w in wrong_files("ex8") if w.variant is None}


def by_function(result: ExerciseResult) -> dict[str, list[Any]]:
    cases = {c.name: c.function for c in EX8.public_cases()}
    out: dict[str, list[Any]] = {}
    for t in result.tests:
        out.setdefault(cases[t.name], []).append(t)
    return out


# ---- the cases ------------------------------------------------------------------------------------

def test_public_cases_cover_saturation_vanishing_exploding_and_clipping_on_both_sides() -> None:
    cases = EX8.public_cases()
    assert {c.function for c in cases} == set(EX8.functions)
    backward = [c for c in cases if c.function == BACKWARD]
    assert {c.args[0].shape[1] for c in backward} >= {1} and max(c.args[0].shape[1] for c in backward) > 1
    assert {c.args[0].shape[0] for c in backward} >= {1} and max(c.args[0].shape[0] for c in backward) > 1
    assert any(c.args[1].shape[0] != c.args[1].shape[1] for c in backward), "units != input_dim"
    assert any(np.mean(np.abs(c.args[0] @ c.args[1]) > 5) >= 1 / 3 for c in backward), "saturating"
    assert {c.args[0].dtype.name for c in backward} == {"float32", "float64"}
    norms = {c.name: c for c in cases if c.function == NORMS}
    expected = refcache.load(EX8, list(norms.values()))
    long = [name for name, c in norms.items() if c.args[0].shape[1] >= 50]
    ratios = sorted(expected[n][0] / expected[n][-1] for n in long)
    assert ratios[0] < 1e-20 and ratios[-1] > 1e4, "one long case vanishes, one explodes"
    clips = [c for c in cases if c.function == CLIP]
    norms_before = [bptt.global_norm(c.args[0]) for c in clips]
    assert 0.0 in norms_before
    assert any(0 < n < c.args[1] for n, c in zip(norms_before, clips, strict=True)), "already under"
    assert any(n > c.args[1] for n, c in zip(norms_before, clips, strict=True)), "clipped"
    assert all(c.points > 0 and not c.hidden for c in cases)


def test_the_numpy_bptt_the_mistakes_start_from_equals_the_cached_tensorflow_gradients() -> None:
    cases = EX8.public_cases()
    expected = refcache.load(EX8, cases)
    for case in cases:
        args = [np.asarray(a, dtype=np.float64) for a in case.args] if case.function != CLIP else None
        if case.function == BACKWARD:
            assert args is not None
            mine = bptt.backward(*args)
            for key in bptt.KEYS:
                np.testing.assert_allclose(mine[key], expected[case.name][key], rtol=1e-9, atol=1e-12)
        elif case.function == NORMS:
            assert args is not None
            np.testing.assert_allclose(bptt.input_gradient_norms(*args), expected[case.name],
                                       rtol=1e-9, atol=1e-300)
        else:
            clipped, norm = bptt.clip_by_global_norm(*case.args)
            assert norm == pytest.approx(expected[case.name][1])
            for a, e in zip(clipped, expected[case.name][0], strict=True):
                np.testing.assert_allclose(a, e, rtol=1e-12)


def test_hidden_cases_keep_names_and_points_but_change_values_and_sizes() -> None:
    a = EX8.hidden_cases(np.random.default_rng(1))
    b = EX8.hidden_cases(np.random.default_rng(2))
    assert [(c.name, c.points, c.function) for c in a] == [(c.name, c.points, c.function) for c in b]
    assert {c.function for c in a} == set(EX8.functions) and all(c.hidden for c in a)
    assert not {c.name for c in EX8.public_cases()} & {c.name for c in a}
    shapes = [np.shape(c.args[0][0] if c.function == CLIP else c.args[0]) for c in a]
    assert shapes != [np.shape(c.args[0][0] if c.function == CLIP else c.args[0]) for c in b]
    same_class = EX8.hidden_cases(np.random.default_rng(3), np.random.default_rng(10))
    other = EX8.hidden_cases(np.random.default_rng(4), np.random.default_rng(10))
    assert [np.shape(c.args[1]) for c in same_class] == [np.shape(c.args[1]) for c in other]
    assert not np.array_equal(same_class[0].args[0], other[0].args[0])


# ---- the reference ------------------------------------------------------------------------------

@pytest.mark.slow
def test_traced_gradients_equal_eager_ones(keras: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """After COMPILE_AFTER_S of eager tapes a layer's gradients are traced; both give the same numbers."""
    from graders.shared.reference import keras_ref as _keras_ref

    cases = [c for c in EX8.hidden_cases(np.random.default_rng(5), np.random.default_rng(6))
             if c.function != CLIP]
    eager = EX8.expected_values(cases, use_cache=False)
    monkeypatch.setattr(_keras_ref, "COMPILE_AFTER_S", 0.0)
    ex8._tapes.clear()
    EX8.expected_values(cases, use_cache=False)  # eager, then traced for the next call
    assert all(t.traced is not None for t in ex8._tapes.values())
    traced = EX8.expected_values(cases, use_cache=False)
    for case in cases:
        want, got = eager[case.name], traced[case.name]
        for key in want if isinstance(want, dict) else [None]:
            np.testing.assert_allclose(got if key is None else got[key], want if key is None else want[key],
                                       rtol=1e-10, atol=1e-300, err_msg=case.name)


def test_importing_tensorflow_scores_zero_with_the_reason(grade_files: GradeFiles) -> None:
    result = grade_files("ex8", {FILE: "import tensorflow as tf\n" + SOLUTION})
    assert result.score == 0 and all("keras, tensorflow, torch or jax" in text(t) for t in result.tests)


# ---- the mistakes ----------------------------------------------------------------------------------

def test_the_lessons_common_mistakes_are_all_named() -> None:
    asked = {ex8.TANH_OF_Z, ex8.NOT_THROUGH_W, ex8.DW_WITH_S_T, ex8.DB_NOT_SUMMED, ex8.LOOP_FORWARDS,
             ex8.CLIP_EACH}
    assert asked <= set(MISTAKES) and set(MISTAKES) == EX8.mistake_ids


@pytest.mark.slow
def test_the_feedback_says_what_the_students_norms_show(grade_files: GradeFiles) -> None:
    tests = grade_files("ex8", {FILE: None}).tests
    vanishing = next(t for t in tests if "vanishing" in t.name)
    exploding = next(t for t in tests if "exploding" in t.name)
    assert "What your numbers show" in text(vanishing) and "The gradient vanishes" in text(vanishing)
    assert "The gradient explodes" in text(exploding)
    assert "你的数字说明" in text(vanishing, "zh") and "梯度消失了" in text(vanishing, "zh")
    assert "梯度爆炸了" in text(exploding, "zh")
    # Wrong numbers tell no story (issue 24: it said "vanishes" where the right numbers did not).
    tests = grade_files("ex8", {FILE: MISTAKES[ex8.NOT_THROUGH_W][0]}).tests
    failed = [t for t in tests if t.name.startswith("norms") and not t.passed]
    assert failed
    for t in failed:
        assert "What your numbers show" not in text(t) and "你的数字说明" not in text(t, "zh"), text(t)


# Issue 24: right except ds0 (zeros) is not "the gradient does not flow back through W".
DS0_ZEROS = wrong(('"ds0": ds_next}', '"ds0": np.zeros_like(ds_next)}'))
DS0_WRONG = {"zeros": DS0_ZEROS, "0 * ds": wrong(('"ds0": ds_next}', '"ds0": 0 * ds_next}')),
             "dz of step 0": wrong(('"ds0": ds_next}', '"ds0": dz}'))}


@pytest.mark.parametrize("variant", list(DS0_WRONG))
@pytest.mark.slow
def test_only_ds0_wrong_is_not_named_as_a_gradient_not_through_w(grade_files: GradeFiles,
                                                                  variant: str) -> None:
    tests = by_function(grade_files("ex8", {FILE: DS0_WRONG[variant]}))
    failed = [t for t in tests[BACKWARD] if not t.passed]
    assert failed and all(t.mistake is None for t in failed), [t.mistake for t in failed]
    for lang in LANGUAGES:
        named = render(in_domain("ex8", ex8.NOT_THROUGH_W), lang, strict=True)
        assert not any(named in text(t, lang) for t in failed)
        assert all("ds0" in text(t, lang) for t in failed)


@pytest.mark.slow
def test_a_wrong_structure_is_reported(grade_files: GradeFiles) -> None:
    source = wrong(('return {"dU": dU, "dW": dW, "db": db, "dx": dx, "ds0": ds_next}',
                    'return {"dU": dU, "dW": dW, "db": db, "dx": dx}'),
                   ("return [g * scale for g in grads], global_norm", "return [g * scale for g in grads]"))
    tests = by_function(grade_files("ex8", {FILE: source}))
    assert all("the dict has no ds0" in text(t) for t in tests[BACKWARD])
    assert all("expected a tuple (a list of" in text(t) for t in tests[CLIP])
    assert all("字典里没有 ds0" in text(t, "zh") for t in tests[BACKWARD])


# ---- the stub's text ----------------------------------------------------------------------------------

def stub_docstrings() -> dict[str, str]:
    return {node.name: ast.get_docstring(node) or "" for node in ast.parse(STUB).body
            if isinstance(node, ast.FunctionDef)}


def test_the_stub_defines_the_contract_signatures_and_raises() -> None:
    functions = {n.name: n for n in ast.parse(STUB).body if isinstance(n, ast.FunctionDef)}
    assert set(functions) == set(EX8.functions)
    assert [a.arg for a in functions[BACKWARD].args.args] == ["x", "U", "W", "b", "s0", "d_states"]
    assert [a.arg for a in functions[NORMS].args.args] == ["x", "U", "W", "b"]
    assert [a.arg for a in functions[CLIP].args.args] == ["grads", "clip_norm"]
    for node in functions.values():
        assert isinstance(node.body[-1], ast.Raise)


@pytest.mark.parametrize("function", [BACKWARD, NORMS, CLIP])
def test_each_docstring_is_bilingual_with_shapes_and_an_example(function: str) -> None:
    doc = stub_docstrings()[function]
    assert re.search(r"[\u4e00-\u9fff]", doc) and "Keras" in doc
    assert "Returns" in doc and "Example" in doc and "例" in doc


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+", text)]


def test_the_worked_examples_are_correct() -> None:
    namespace: dict[str, Callable[..., Any]] = {}
    exec(compile(SOLUTION, FILE, "exec"), namespace)  # the reference solution, trusted code
    docs = stub_docstrings()
    grads = namespace[BACKWARD](np.array([[[1.0], [0.5]]]), np.array([[0.5]]), np.array([[0.8]]),
                                np.array([0.0]), np.array([[0.5]]), np.ones((1, 2, 1)))
    shown = docs[BACKWARD].partition("-> ")[2]
    for key in bptt.KEYS:
        line = next(t for t in shown.splitlines() if t.strip().startswith(f"{key} ="))
        np.testing.assert_allclose(numbers(line.rpartition("=")[2]), grads[key].ravel(), atol=6e-6)
    norms = namespace[NORMS](np.zeros((1, 3, 1)), np.array([[1.0]]), np.array([[0.5]]), np.zeros(1))
    np.testing.assert_allclose(numbers(docs[NORMS].partition("-> norms =")[2])[:3], norms)
    clipped, norm = namespace[CLIP]([np.array([3.0, 4.0]), np.array([12.0])], 6.5)
    example = numbers(docs[CLIP].partition("-> (")[2])[:4]
    np.testing.assert_allclose(example, [*clipped[0], *clipped[1], norm])
