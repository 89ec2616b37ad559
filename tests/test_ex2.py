"""Exercise 2 (counting parameters): its cases, the named mistakes' messages, the lesson's totals, hand-made
tables. The solution, the stub and each named mistake's wrong file are graded by tests/test_contract.py.

The cache agrees with live Keras through tests/test_refcache.py, which covers every registered exercise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from conftest import text
from rich.console import Console
from test_contract import wrong_files

from coursekit.registry import get_exercise
from coursekit.render.terminal import show_check
from coursekit.results import ExerciseResult
from graders.ex2.grader import bind, count, counted_layer
from graders.shared.reference import keras_model_tables as tables

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
GradeFiles = Callable[..., ExerciseResult]  # the grade_files fixture of conftest.py
FILE = "ex2_param_count.py"
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
PUBLIC = len(get_exercise("ex2").public_cases())
MERGE_WIDTH = 'width = 2 * units if kwargs.get("merge_mode", "concat") == "concat" else units'


def wrong(*edits: tuple[str, str]) -> str:
    """The solution with each (old, new) edit made once: a wrong implementation as a source string."""
    source = SOLUTION
    for old, new in edits:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


def named(result: ExerciseResult) -> dict[str, set[str]]:
    """Test name -> the mistakes its message names."""
    return {t.name: set(re.findall(r"Looks like: (.+?)\. Try:", text(t))) for t in result.tests}


def all_named(result: ExerciseResult) -> set[str]:
    return set().union(*named(result).values())


# ---- the cases ----------------------------------------------------------------------------------

def test_hidden_cases_keep_their_names_and_points_for_any_rng() -> None:
    exercise = get_exercise("ex2")
    a, b = (exercise.hidden_cases(np.random.default_rng(s)) for s in (3, 4))
    assert [(c.name, c.points, c.function) for c in a] == [(c.name, c.points, c.function) for c in b]
    assert {c.function for c in a} == set(exercise.functions)


@pytest.mark.slow
def test_the_hand_made_tables_agree_with_keras_on_random_models(keras: ModuleType) -> None:
    """Rules() is Keras's count: the base every named mistake is a switch of."""
    exercise = get_exercise("ex2")
    for seed in range(12):
        for case in exercise.hidden_cases(np.random.default_rng(100 + seed)):
            a = bind(case)
            if case.function == "summary_table":
                mine = tables.summary_rows(a["layers"], tuple(a["input_shape"]))
                assert mine == exercise.reference(case), case
            else:
                assert count(case) == exercise.reference(case), case


@pytest.mark.slow
def test_references_built_with_zeros_equal_default_initialised_keras(keras: ModuleType) -> None:
    """The reference builds its layers with zeros initialisers; counts and tables are those of Keras's
    default-initialised layers, on the public cases and on random hidden ones."""
    from graders.shared.judging.keras_model import keras_layer, model_table

    exercise = get_exercise("ex2")
    cases = exercise.public_cases() + [c for seed in range(3)
                                       for c in exercise.hidden_cases(np.random.default_rng(200 + seed))]
    for case in cases:
        a = bind(case)
        if case.function == "summary_table":
            model = keras.Sequential([keras.Input(tuple(a["input_shape"])),
                                      *(keras_layer(spec) for spec in a["layers"])])
            default: object = model_table(model)
        else:
            spec, shape = counted_layer(case)
            layer = keras_layer(spec)
            layer.build(shape)
            default = int(layer.count_params())
        assert exercise.reference(case) == default, case.name


@pytest.mark.slow
def test_counts_are_cached_by_layer_spec(keras: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    from graders.shared.reference import keras_ref as _keras_ref

    spec = ("LSTM", {"units": 7, "use_bias": False})
    first = _keras_ref.count_params(spec, (None, None, 5))
    assert first == 4 * (5 * 7 + 7 * 7)

    def no_building(spec: object) -> None:
        raise AssertionError(f"{spec} was built again")

    monkeypatch.setattr(_keras_ref, "make_layer", no_building)
    assert _keras_ref.count_params(("LSTM", {"use_bias": False, "units": 7}), (None, None, 5)) == first
    with pytest.raises(AssertionError, match="built again"):
        _keras_ref.count_params(spec, (None, None, 6))
    with pytest.raises(AssertionError, match="built again"):
        _keras_ref.count_params(("LSTM", {"units": 7}), (None, None, 5))


@pytest.mark.slow
def test_the_lessons_totals_are_shown(grade_files: GradeFiles) -> None:
    """--verbose shows the failed tests' tables (only those): the expected ones hold the lesson's totals."""
    result = grade_files("ex2", {FILE: SOLUTION + "\n\ndef summary_table(layers, input_shape=(None,)):\n"
                                                  "    return []\n"})
    console = Console(record=True, width=200)
    show_check(console, result, "en", verbose=True)
    text = console.export_text()
    for total in ("322,080", "328,320"):
        assert f"Total params: {total}" in text
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text


def test_a_wrong_table_is_shown_side_by_side_with_the_cell_marked(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("return (None, shape[1], units) if return_sequences",
                                              "return (None, units) if return_sequences"))})
    test = next(t for t in result.tests if "third table" in t.name)
    assert test.table is not None
    assert test.table.expected_total == test.table.got_total == "328,320"
    assert (1, 1) in test.table.differences and (1, 2) not in test.table.differences
    assert ("row 2 (SimpleRNN) differs in Output Shape: expected (None, None, 32), got (None, 32)"
            in text(test))
    console = Console(record=True, width=200)
    show_check(console, result, "en", verbose=True)
    assert "(None, 32) ✗" in console.export_text()


# ---- named mistakes ------------------------------------------------------------------------------

# The folder's wrong files (graders/ex2/mistakes/, graded by tests/test_contract.py) by mistake id: the view
# tests/test_release.py reads
MISTAKES: dict[str, str] = {w.mistake: w.source for w in wrong_files("ex2") if w.variant is None}
# the test each mistake is named on, as it reads in English
NAMED_ON = {
    "bias_and_recurrent_forgotten": ("simple_rnn: SimpleRNN(4) on 10 inputs",
                                     "the bias and the recurrent weights forgotten"),
    "lstm_one_gate": ("lstm: LSTM(32) on 32 inputs", "LSTM counted as one gate, like a SimpleRNN"),
    "gru_four_gates": ("gru: GRU(6) on 4 inputs, reset_after=False", "four gates for GRU"),
    "return_sequences_ignored_sequence": (
        "summary_table: the lesson's first table, Embedding + SimpleRNN(32)",
        "output shapes that ignore return_sequences (every recurrent layer shown returning sequences)"),
    "input_after_concat_not_doubled": (
        "summary_table: Bidirectional LSTM (concat) then GRU, input_shape (500,)",
        "the layer after a concatenated Bidirectional given units inputs instead of 2 * units"),
    "fixed_length_lost": ("summary_table: Bidirectional LSTM (concat) then GRU, input_shape (500,)",
                          "the fixed length of input_shape lost"),
}


@pytest.mark.slow
@pytest.mark.parametrize("mistake_id", sorted(NAMED_ON))
def test_the_other_named_mistakes(grade_files: GradeFiles, mistake_id: str) -> None:
    result = grade_files("ex2", {FILE: MISTAKES[mistake_id]})
    name, what = NAMED_ON[mistake_id]
    assert named(result)[name] == {what}
    test = next(t for t in result.tests if t.name == name)
    assert test.mistake == mistake_id


def test_bias_forgotten(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("bias_rows = 2 if layer == \"GRU\" and reset_after else 1",
                                              "bias_rows = 0"),
                                             ("(int(units) if use_bias else 0)", "0"))})
    found = named(result)
    assert found["simple_rnn: SimpleRNN(32) on 32 inputs (the lesson)"] == {"the bias forgotten"}
    assert found["dense: Dense(1) on 32 inputs (the IMDB output layer)"] == {"the bias forgotten"}
    assert found["lstm: LSTM(32) on 32 inputs"] == {"the bias forgotten"}
    first_table = "summary_table: the lesson's first table, Embedding + SimpleRNN(32)"
    assert found[first_table] == {"the bias forgotten"}
    row = next(t for t in result.tests if t.name.startswith("simple_rnn: SimpleRNN(32)"))
    assert "expected 2,080 parameters, got 2,048" in text(row)


@pytest.mark.slow
def test_recurrent_weights_forgotten(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("input_dim * units + units * units + bias_rows * units",
                                              "input_dim * units + bias_rows * units"))})
    assert named(result)["simple_rnn: SimpleRNN(4) on 10 inputs"] == {"the recurrent weights forgotten"}
    assert named(result)["gru: GRU(6) on 4 inputs, reset_after=False"] == {"the recurrent weights forgotten"}


def test_three_gates_for_lstm(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(('"LSTM": 4', '"LSTM": 3'))})
    assert named(result)["lstm: LSTM(32) on 32 inputs"] == {"three gates for LSTM"}
    assert named(result)["bidirectional: Bidirectional(LSTM(16)) on 32 inputs"] == {"three gates for LSTM"}
    assert result.score == PUBLIC - 4  # two lstm cases, the Bidirectional(LSTM) one and one table


@pytest.mark.slow
def test_gru_without_its_second_bias_row(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("bias_rows = 2 if layer == \"GRU\" and reset_after else 1",
                                              "bias_rows = 1"))})
    assert named(result)["gru: GRU(32) on 32 inputs, reset_after=True (the default)"] == {
        "GRU counted without its second bias row"}
    assert {t.name for t in result.tests if not t.passed} == {
        "gru: GRU(32) on 32 inputs, reset_after=True (the default)",
        "summary_table: merge modes sum and ave, Dense on a sequence, input_shape (None, 6)"}


@pytest.mark.slow
def test_gru_always_with_a_second_bias_row(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("bias_rows = 2 if layer == \"GRU\" and reset_after else 1",
                                              "bias_rows = 2 if layer == \"GRU\" else 1"))})
    expected = {"GRU counted with a second bias row although reset_after=False"}
    assert named(result)["gru: GRU(6) on 4 inputs, reset_after=False"] == expected
    assert named(result)["bidirectional: Bidirectional(GRU(8, reset_after=False)) on 5 inputs"] == expected


def test_bidirectional_not_doubled(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("return 2 * _recurrent_params(layer,",
                                              "return _recurrent_params(layer,"),
                                             ("params = 2 * _recurrent_params(inner,",
                                              "params = _recurrent_params(inner,"))})
    bidirectional = [t.name for t in result.tests if "Bidirectional" in t.name]
    assert all(named(result)[name] == {"Bidirectional not doubled"} for name in bidirectional)
    assert result.score == PUBLIC - 5


@pytest.mark.slow
def test_output_shapes_that_ignore_return_sequences(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("return (None, shape[1], units) if return_sequences",
                                              "return (None, units) if False"))})
    assert "output shapes that ignore return_sequences (every recurrent layer shown as (None, units))" in \
        named(result)["summary_table: the lesson's second table, return_sequences=True"]


def test_merge_modes_that_change_the_width(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong((MERGE_WIDTH, "width = 2 * units"))})
    name = "summary_table: merge modes sum and ave, Dense on a sequence, input_shape (None, 6)"
    assert named(result)[name] == {"a merge mode that changes the width: sum, ave or mul counted as doubling"}
    assert [t.name for t in result.tests if not t.passed] == [name]


@pytest.mark.slow
def test_concat_not_doubled(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong((MERGE_WIDTH, "width = units"))})
    assert named(result)["summary_table: Bidirectional LSTM (concat) then GRU, input_shape (500,)"] == {
        "concat not doubled"}


@pytest.mark.slow
def test_use_bias_false_ignored(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("    if use_bias:\n        bias_rows",
                                              "    if True:\n        bias_rows"),
                                             ("(int(units) if use_bias else 0)", "int(units)"))})
    assert named(result)["simple_rnn: SimpleRNN(5) on 3 inputs, use_bias=False"] == {"use_bias=False ignored"}
    assert named(result)["dense: Dense(16, use_bias=False) on 8 inputs"] == {"use_bias=False ignored"}


def test_a_numpy_integer_count_is_an_int_and_a_float_is_named(grade_files: GradeFiles) -> None:
    """numpy.int64 is accepted (an int value is an int); 320000.0 is named with "return an int"."""
    result = grade_files("ex2", {FILE: wrong(
        ("return int(input_dim) * int(output_dim)", "return float(input_dim * output_dim)"),
        ('"""kernel (input_dim, units) + bias (units,)."""',
         '"""kernel (input_dim, units) + bias (units,)."""\n    import numpy as np\n'
         '    return np.int64(input_dim * units + (units if use_bias else 0))'))})
    assert named(result)["embedding: Embedding(7, 3)"] == {"a float returned instead of an int"}
    dense = [t for t in result.tests if t.name.startswith("dense")]
    assert dense and all(t.passed for t in dense), [text(t) for t in dense]
    test = next(t for t in result.tests if t.name == "embedding: Embedding(7, 3)")
    assert test.mistake == "float_returned"
    for lang in ("en", "zh"):
        assert "contract" not in text(test, lang)
    assert "returned 21.0 of type float" in text(test)
    assert "Try: return an int" in text(test)
    assert "要返回 int" in text(test, "zh")
    table = next(t for t in result.tests if "first table" in t.name)
    assert "expected 320,000, got 320000.0 (a float; Param # is an int)" in text(table)
    assert table.mistake == "float_returned" and "contract" not in text(table)


@pytest.mark.slow
def test_a_numpy_integer_in_the_table_is_an_int(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: wrong(("rows.append((name, shape, params))",
                                              "import numpy as np\n        rows.append((name, shape, "
                                              "np.int64(params)))"))})
    tables_ = [t for t in result.tests if t.name.startswith("summary_table")]
    assert tables_ and all(t.passed for t in tables_), [text(t) for t in tables_]


def test_a_malformed_table_is_a_failed_test_with_a_message(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: SOLUTION + "\n\ndef summary_table(layers, input_shape=(None,)):\n"
                                                  "    return [('Embedding', 320000)]\n"})
    tests = [t for t in result.tests if t.name.startswith("summary_table")]
    assert all(not t.passed and not t.internal_error for t in tests)
    assert "row 1 should be a (class_name, output_shape, params) tuple" in text(tests[0])


def test_keras_import_scores_zero(grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: "import keras\n" + SOLUTION})
    assert result.score == 0
    assert "imports keras" in text(result.tests[0])
    assert [n for n in result.notes if n == result.tests[0].message]  # kept once as a note


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_forbidden_import_is_said_once_above_the_table(grade_files: GradeFiles, lang: str) -> None:
    result = grade_files("ex2", {FILE: "import keras\n" + SOLUTION})
    console = Console(record=True, width=300)
    show_check(console, result, lang)
    screen = console.export_text()
    said = text(result.tests[0], lang).splitlines()[0]
    assert screen.count(said) == 1 and screen.index(said) < screen.index("ex2 · "), screen


def test_the_stub_and_the_grader_say_the_same_about_numpy_integers() -> None:
    """Issue 24: the grader accepts np.int64 (test above); the stub must not say it is refused."""
    stub = (Path(__file__).resolve().parents[1] / "exercises" / FILE).read_text(encoding="utf-8")
    head = stub.split('"""')[1]
    assert "not a numpy integer" not in head and "也不是 numpy 整数" not in head
    assert "a numpy integer counts as one too" in head and "numpy 整数也算" in head


# Issue 24: a Dense that flattens the time axis is not blamed on the recurrent layers above it.
DENSE_FLATTENS = wrong(("shape = (*shape[:-1], kwargs[\"units\"])", "shape = (None, kwargs[\"units\"])"))


@pytest.mark.slow
def test_a_dense_that_drops_the_time_axis_is_not_blamed_on_the_recurrent_layers(
        grade_files: GradeFiles) -> None:
    result = grade_files("ex2", {FILE: DENSE_FLATTENS})
    failed = [t for t in result.tests if not t.passed]
    assert failed and all(t.name.startswith("summary_table") for t in failed)
    assert not any(t.mistake and t.mistake.startswith("return_sequences") for t in failed), \
        [t.mistake for t in failed]
    for t in failed:
        assert "every recurrent layer" not in text(t) and "每个循环层" not in text(t, "zh"), text(t)
        assert "Dense" in text(t) and "Dense" in text(t, "zh")
