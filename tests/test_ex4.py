"""Exercise 4 (LSTM and GRU): the cases, a closer look at some named mistakes, Keras's own known answers, the
cache. The solution, the stub and each named mistake's wrong file are graded by tests/test_contract.py."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from conftest import text
from test_contract import wrong_files

from coursekit import refcache
from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult
from graders.shared.reference import recurrent as rec

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
GradeFiles = Callable[..., ExerciseResult]  # the grade_files fixture of conftest.py
FILE = "ex4_lstm_gru.py"
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def solution() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ex4_solution", SOLUTIONS / FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wrong(*edits: tuple[str, str]) -> str:
    """The solution with each (old, new) edit made once: a wrong implementation as a source string."""
    source = SOLUTION
    for old, new in edits:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


BIAS = {"lstm_cell_forward": 5, "lstm_forward": 3, "gru_cell_forward": 4, "gru_forward": 3}


# ---- the cases ----------------------------------------------------------------------------------

def test_hidden_cases_keep_their_names_and_points_for_any_rng() -> None:
    exercise = get_exercise("ex4")
    a, b = (exercise.hidden_cases(np.random.default_rng(s)) for s in (3, 4))
    c = exercise.hidden_cases(np.random.default_rng(5), np.random.default_rng(6))
    assert ([(x.name, x.points, x.function, sorted(x.kwargs)) for x in a]
            == [(x.name, x.points, x.function, sorted(x.kwargs)) for x in b]
            == [(x.name, x.points, x.function, sorted(x.kwargs)) for x in c])
    public = [x.name for x in exercise.public_cases()]
    assert {x.name.removeprefix("hidden ") for x in a} < set(public)


def test_the_eight_hidden_cases_cover_every_function_and_option_family() -> None:
    exercise = get_exercise("ex4")
    public, hidden = exercise.public_cases(), exercise.hidden_cases(np.random.default_rng(0))
    assert len(hidden) == 8 < len(public)

    def families(case: Any) -> set[tuple[str, object]]:
        bias = case.args[BIAS[case.function]]
        found = {("function", case.function), ("bias None", bias is None),
                 ("dtype", case.args[0].dtype.name)}
        if case.function.endswith("_forward") and "cell" not in case.function:
            found |= {("state", any(k in case.kwargs for k in ("initial_state", "h0"))),
                      ("return_sequences", bool(case.kwargs.get("return_sequences", False)))}
        if case.function.startswith("gru"):
            found.add(("reset_after", bool(case.kwargs.get("reset_after", True))))
        return found

    wanted = set().union(*(families(c) for c in public))
    assert {("bias None", True), ("reset_after", False), ("return_sequences", True), ("state", False),
            ("dtype", "float32")} <= wanted
    assert set().union(*(families(c) for c in hidden)) == wanted


@pytest.mark.slow
def test_cache_agrees_with_live_keras(keras: ModuleType) -> None:
    exercise = get_exercise("ex4")
    cases = exercise.public_cases()
    cached = refcache.load(exercise, cases)
    assert set(cached) == {c.name for c in cases}
    for case in cases:
        live = exercise.reference(case)
        for got, want in zip(_parts(cached[case.name]), _parts(live), strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=case.name)


def test_numpy_maths_of_the_mistakes_agrees_with_keras_when_no_mistake_is_made() -> None:
    exercise = get_exercise("ex4")
    cases = exercise.public_cases()
    expected = exercise.expected_values(cases)
    for case in cases:
        args = [None if a is None else np.asarray(a, np.float64) for a in case.args]
        kwargs = dict(case.kwargs)
        if case.function == "lstm_cell_forward":
            mine: Any = rec.lstm_cell(*args)
        elif case.function == "lstm_forward":
            mine = rec.lstm(*args, **kwargs)
        elif case.function == "gru_cell_forward":
            mine = rec.gru_cell(*args, bool(kwargs.get("reset_after", True)))
        else:
            mine = rec.gru(*args, **kwargs)
        for got, want in zip(_parts(mine), _parts(expected[case.name]), strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=case.name)


def _parts(value: Any) -> list[np.ndarray]:
    return [np.asarray(v) for v in value] if isinstance(value, tuple) else [np.asarray(value)]


# ---- named mistakes ------------------------------------------------------------------------------


# The folder's wrong files (graders/ex4/mistakes/, graded by tests/test_contract.py) by mistake id: some tests
# below look closer at one of them, and tests/test_release.py reads this view
MISTAKES: dict[str, str] = {w.mistake: w.source for w in wrong_files("ex4") if w.variant is None}


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.slow
def test_the_other_reset_after_formula_fails_only_the_cases_of_that_setting(grade_files: GradeFiles,
                                                                            reset_after: bool) -> None:
    source = MISTAKES["reset_before_product" if reset_after else "reset_after_product"]
    failed = {t.name for t in grade_files("ex4", {FILE: source}).tests if not t.passed}
    assert failed and all(("reset_after=False" in n) != reset_after for n in failed)


@pytest.mark.slow
def test_the_recurrent_bias_outside_the_reset_product_is_not_called_the_other_formula(
        grade_files: GradeFiles) -> None:
    result = grade_files("ex4", {FILE: MISTAKES["recurrent_bias_outside_reset"]})
    failed = [t for t in result.tests if not t.passed]
    assert failed and all("reset_after=False" not in t.name for t in failed)
    assert "outside r * (...)" in text(failed[0]) and "外面" in text(failed[0], "zh")
    assert "reset_after=False formula" not in text(failed[0])


@pytest.mark.slow
def test_the_cell_state_returned_as_the_output_is_named_in_both_languages(grade_files: GradeFiles) -> None:
    result = grade_files("ex4", {FILE: MISTAKES["lstm_output_is_c"]})
    failed = [t for t in result.tests if not t.passed]
    assert failed
    assert all(t.name.startswith("lstm forward") and t.mistake == "lstm_output_is_c" for t in failed)
    assert "cell state c returned as the output" in text(failed[0])
    assert "把细胞状态 c 当成了输出" in text(failed[0], "zh")


def test_bias_none_not_handled_is_named_from_the_exception(grade_files: GradeFiles) -> None:
    result = grade_files("ex4", {FILE: MISTAKES["bias_none_not_handled"]})
    failed = [t for t in result.tests if not t.passed]
    assert {t.name for t in failed} == {t.name for t in result.tests if "bias=None" in t.name}
    for t in failed:
        assert re.search(r"raised (TypeError|AttributeError): .*'NoneType'", text(t))
        assert "Looks like: bias=None not handled" in text(t)
        assert "use_bias=False" in text(t)


@pytest.mark.slow
def test_a_wrong_part_of_the_lstm_tuple_is_named(grade_files: GradeFiles) -> None:
    result = grade_files("ex4", {FILE: wrong(("c_t = f * c_prev + i * np.tanh(z_c)",
                                              "c_t = i * np.tanh(z_c)"))})
    forward = next(t for t in result.tests if t.name.startswith("lstm forward: 6 timesteps"))
    assert "lstm_forward: output: values differ" in text(forward)
    assert "lstm_forward: c_last: values differ" in text(forward)


def test_only_the_output_returned_is_explained(grade_files: GradeFiles) -> None:
    result = grade_files("ex4", {FILE: wrong(("return output, h_t, c_t", "return output"))})
    forward = [t for t in result.tests if t.name.startswith("lstm forward")]
    assert all(not t.passed for t in forward)
    assert "expected a tuple (output, h_last, c_last)" in text(forward[0])


# ---- Keras's own known answers (keras-team/keras, keras/src/layers/rnn/{lstm,gru}_test.py) --------
# Constant initialisers: kernel 0.01, recurrent_kernel 0.02, bias 0.03; the LSTM's unit_forget_bias
# (on by default) sets the forget gate's bias to 1.

def lstm_weights(input_dim: int, units: int, *, unit_forget_bias: bool = True,
                 use_bias: bool = True) -> tuple[Any, ...]:
    bias = np.full(4 * units, 0.03, "float32")
    if unit_forget_bias:
        bias[units:2 * units] = 1.0
    return (np.full((input_dim, 4 * units), 0.01, "float32"), np.full((units, 4 * units), 0.02, "float32"),
            bias if use_bias else None)


def gru_weights(input_dim: int, units: int, *, reset_after: bool = True,
                use_bias: bool = True) -> tuple[Any, ...]:
    bias = np.full((2, 3 * units) if reset_after else (3 * units,), 0.03, "float32")
    return (np.full((input_dim, 3 * units), 0.01, "float32"), np.full((units, 3 * units), 0.02, "float32"),
            bias if use_bias else None)


SEQUENCE_72 = np.arange(72).reshape((3, 6, 4)).astype("float32")
SEQUENCE_24 = np.arange(24).reshape((2, 4, 3)).astype("float32")
STATE = np.arange(4).reshape((2, 2)).astype("float32")


def rows(*values: float) -> np.ndarray:
    return np.repeat(np.array(values)[:, None], 3, axis=1)


def assert_keras_close(got: Any, want: Any) -> None:
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)  # Keras's own tolerance


@pytest.mark.parametrize(("options", "reverse", "want"), [
    ({}, False, rows(0.6288687, 0.86899155, 0.9460773)),
    ({}, True, rows(0.35622165, 0.74789524, 0.8872726)),  # go_backwards=True
    ({"unit_forget_bias": False}, False, rows(0.57019705, 0.8661914, 0.9459622)),
    ({"use_bias": False}, False, rows(0.54986924, 0.86226785, 0.9443936)),
])
def test_keras_lstm_correctness(solution: ModuleType, options: dict[str, bool], reverse: bool,
                                want: np.ndarray) -> None:
    x = SEQUENCE_72[:, ::-1] if reverse else SEQUENCE_72
    output, h_last, _ = solution.lstm_forward(x, *lstm_weights(4, 3, **options))
    assert_keras_close(output, want)
    assert_keras_close(h_last, want)


@pytest.mark.parametrize(("reverse", "want"), [
    (False, [[0.20574439, 0.3558822], [0.64930826, 0.66276]]),
    (True, [[0.13281618, 0.2790356], [0.5839337, 0.5992567]]),
])
def test_keras_lstm_pass_initial_state(solution: ModuleType, reverse: bool, want: list[list[float]]) -> None:
    x = SEQUENCE_24[:, ::-1] if reverse else SEQUENCE_24
    output, _, _ = solution.lstm_forward(x, *lstm_weights(3, 2), initial_state=(STATE, STATE))
    assert_keras_close(output, want)


@pytest.mark.parametrize(("options", "want"), [
    ({}, rows(0.5217289, 0.6371659, 0.39384964)),
    ({"reset_after": False}, rows(0.51447755, 0.6426879, 0.40208298)),
    ({"use_bias": False}, rows(0.49988455, 0.64701194, 0.4103359)),
])
def test_keras_gru_correctness(solution: ModuleType, options: dict[str, bool], want: np.ndarray) -> None:
    reset_after = options.get("reset_after", True)
    output = solution.gru_forward(SEQUENCE_72, *gru_weights(4, 3, **options), reset_after=reset_after)
    assert_keras_close(output, want)


def test_keras_gru_go_backwards(solution: ModuleType) -> None:
    output = solution.gru_forward(SEQUENCE_72[:, ::-1], *gru_weights(4, 3))
    assert_keras_close(output, rows(0.24406259, 0.611516, 0.3928808))


@pytest.mark.parametrize(("reverse", "want"), [
    (False, [[0.23774096, 0.33508456], [0.83659905, 1.0227708]]),
    (True, [[0.13486053, 0.23261218], [0.78257304, 0.9691353]]),
])
def test_keras_gru_pass_initial_state(solution: ModuleType, reverse: bool, want: list[list[float]]) -> None:
    x = SEQUENCE_24[:, ::-1] if reverse else SEQUENCE_24
    assert_keras_close(solution.gru_forward(x, *gru_weights(3, 2), h0=STATE), want)


@pytest.mark.parametrize("exercise_id", ["ex1", "ex4", "ex5"])
def test_a_right_value_is_judged_without_working_out_the_mistakes(
        exercise_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch grading judges mostly right values: the named mistakes' outputs (a reference run each) are
    worked out only for a wrong one (coursekit.judges.LazyMistakes)."""
    exercise = get_exercise(exercise_id)
    asked: list[str] = []
    real = exercise.mistakes
    monkeypatch.setattr(exercise, "mistakes", lambda case: asked.append(case.name) or real(case))
    cases = exercise.public_cases()
    expected = exercise.expected_values(cases)
    for case in cases:
        assert exercise.judge(case, expected[case.name], expected[case.name]).passed, case.name
    assert asked == []
    wrong = next(c for c in cases if isinstance(expected[c.name], np.ndarray))
    verdict = exercise.judge(wrong, expected[wrong.name] + 1.0, expected[wrong.name])
    assert not verdict.passed and asked == [wrong.name]
