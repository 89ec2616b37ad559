"""Exercise 3 (stacked recurrent models): solution, stub, named mistakes, the totals shown, remeasure.

Every graded submission costs a student process that imports TensorFlow (~4 s): the wrong models are
gathered into three files, each failing several functions in its own way, and graded once per module.
Keras is imported once in this process, for the hidden cases' references and for remeasure().
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np
import pytest
from conftest import GradedOnce, assert_no_english_only, text
from rich.console import Console
from test_contract import wrong_files

from coursekit import wire
from coursekit.render.terminal import show_check
from coursekit.render.text import words
from coursekit.results import ExerciseResult
from graders.ex3 import grader as ex3_grader
from graders.ex3.grader import EXERCISE
from graders.shared.judging import keras_model as km

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
FILE = "ex3_stacked_rnn.py"
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
HEADER = "import keras\nfrom keras import layers\n\n"

# Each file gets several functions wrong in a different way; the comments say what each test expects.
WRONG_A = HEADER + '''
def build_single_rnn(max_features=10000, embed_dim=32, units=32):
    # no keras.Input (accepted, with a note) and units ignored (caught by the second public case)
    return keras.Sequential([layers.Embedding(max_features, embed_dim), layers.SimpleRNN(32)])

def build_sequence_rnn(max_features=10000, embed_dim=32, units=32):
    # the functional API and any layer names: accepted
    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = layers.Embedding(max_features, embed_dim, name="vectors")(inputs)
    return keras.Model(inputs, layers.SimpleRNN(units, return_sequences=True, name="memory")(x))

def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    # intermediate layers that do not return sequences: Keras raises about ndim
    model = keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim)])
    for _ in range(depth):
        model.add(layers.SimpleRNN(units))
    return model

def build_imdb_classifier(max_features=10000, embed_dim=32, units=32):
    # no sigmoid, adam, 'accuracy'
    model = keras.Sequential([layers.Embedding(max_features, embed_dim), layers.SimpleRNN(units),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
'''
WRONG_B = HEADER + '''
def build_single_rnn(max_features=10000, embed_dim=32, units=32):
    # the right table, another activation: caught by the outputs
    return keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim),
                             layers.SimpleRNN(units, activation="relu")])

def build_sequence_rnn(max_features=10000, embed_dim=32, units=32):
    # a Lambda layer: refused, the grader runs no code from a submission
    return keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim),
                             layers.SimpleRNN(units, return_sequences=True),
                             layers.Lambda(lambda z: z * 1.0)])

def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    # the last layer returns sequences; no keras.Input
    model = keras.Sequential([layers.Embedding(max_features, embed_dim)])
    for _ in range(depth):
        model.add(layers.SimpleRNN(units, return_sequences=True))
    return model

def build_imdb_classifier(max_features=10000, embed_dim=32, units=32):
    # the right model, metrics ['accuracy']
    model = keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim),
                              layers.SimpleRNN(units), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model
'''
WRONG_C = HEADER + '''
def build_single_rnn(max_features=10000, embed_dim=32, units=32):
    layers.SimpleRNN(units)  # and no return

def build_sequence_rnn(max_features=10000, embed_dim=32, units=32):
    return keras.Sequential([keras.Input((None,)), layers.Embedding(embed_dim, max_features),
                             layers.SimpleRNN(units, return_sequences=True)])

def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    model = keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim)])
    for i in range(depth - 1):
        model.add(layers.SimpleRNN(units, return_sequences=i < depth - 2))
    return model

def build_imdb_classifier(max_features=10000, embed_dim=32, units=32):
    model = keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim),
                              layers.SimpleRNN(units), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["acc"])
    return model
'''
WRONG_D = HEADER + '''
def build_single_rnn(max_features=10000, embed_dim=32, units=32):
    return keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim),
                             layers.SimpleRNN(units, return_sequences=True)])

def build_sequence_rnn(max_features=10000, embed_dim=32, units=32):
    return keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim),
                             layers.SimpleRNN(units)])

def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    # the lesson's sizes written in: right for the defaults only
    model = keras.Sequential([keras.Input((None,)), layers.Embedding(10000, 32)])
    for i in range(4):
        model.add(layers.SimpleRNN(32, return_sequences=i < 3))
    return model

def build_imdb_classifier(max_features=10000, embed_dim=32, units=32):
    # no Dense output layer, and not compiled
    return keras.Sequential([keras.Input((None,)), layers.Embedding(max_features, embed_dim),
                             layers.SimpleRNN(units)])
'''


@pytest.fixture(scope="module")
def child() -> SimpleNamespace:
    """ex3's probe, loaded by path as the student process loads it, with the child's encoder: what the
    probe sends for a model, run in this process."""
    def load(path: Path, name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    runner = load(ROOT / "coursekit" / "sandbox" / "_child.py", "coursekit_child_for_tests")
    _, probe = runner.load_probes({"keras_model": str(EXERCISE.probes["keras_model"])})["keras_model"]
    return SimpleNamespace(probe_keras_model=lambda model, context: runner.encode(probe(model, context)))


@pytest.fixture(scope="module")
def graded(graded_once: GradedOnce) -> Callable[[str], ExerciseResult]:
    """graded(source) -> the public cases' result; each source is graded once for the session
    (tests/test_release.py compares the handout's check with these results), this module's files all from the
    start (GradedOnce.prefetch)."""
    graded_once.prefetch("ex3", SOURCES)
    return lambda source: graded_once("ex3", source)


def outputs(result: ExerciseResult) -> dict[str, str]:
    return {t.name: text(t) for t in result.tests}


def named(result: ExerciseResult) -> dict[str, set[str]]:
    return {t.name: set(re.findall(r"Looks like: (.+?)\. Try:", text(t))) for t in result.tests}


def _public_names() -> list[str]:
    return [c.name for c in EXERCISE.public_cases()]


SINGLE, SINGLE_SIZES, SEQUENCE, STACKED, STACKED_2, STACKED_3, IMDB, COMPILE = _public_names()

# The folder's wrong files, graders/ex3/mistakes/<id>.py (the solution with that one mistake, graded by
# tests/test_contract.py): mistake id -> the public tests that name it, and only they fail (each file's
# "Fails test:" lines); and the view tests/test_release.py reads, mistake id -> (source, those tests).
NAMED_ON: dict[str, set[str]] = {w.mistake: set(w.tests) for w in wrong_files("ex3")}
MISTAKES: dict[str, tuple[str, set[str]]] = {w.mistake: (w.source, set(w.tests)) for w in wrong_files("ex3")}
# The four files above, each making several of the mistakes at once, name every one of them too (the
# tests below): tests/test_release.py checks these with the handout, four student processes, not fifteen.
COMBINED = {"WRONG_A": WRONG_A, "WRONG_B": WRONG_B, "WRONG_C": WRONG_C, "WRONG_D": WRONG_D}
COMBINED_MISTAKES: dict[str, set[str]] = {
    "WRONG_A": {"argument_ignored", "intermediate_not_sequences", "output_not_sigmoid", "wrong_optimizer"},
    "WRONG_B": {"activation_changed", "last_layer_returns_sequences", "metrics_not_acc"},
    "WRONG_C": {"embedding_swapped", "depth_off_by_one", "wrong_loss"},
    "WRONG_D": {"single_returns_sequences", "sequence_returns_last_only", "arguments_ignored",
                "dense_output_missing", "not_compiled"},
}
# Every file this module grades, graded when the module starts (see the graded fixture);
# tests/test_release.py checks the solution, the stub and COMBINED with the handout.
# Issue 24: Embedding(10000, 32) written in, units and depth followed: every public case used to pass.
EMBEDDING_WRITTEN_IN = SOLUTION.replace("layers.Embedding(max_features, embed_dim)])",
                                        "layers.Embedding(10000, 32)])")
SOURCES = [SOLUTION, (EXERCISES / FILE).read_text(encoding="utf-8"), *COMBINED.values(), EMBEDDING_WRITTEN_IN]


def test_the_files_with_several_mistakes_make_every_named_mistake() -> None:
    assert set().union(*COMBINED_MISTAKES.values()) == EXERCISE.mistake_ids == set(NAMED_ON)


@pytest.mark.slow
@pytest.mark.parametrize("combined", sorted(COMBINED))
def test_a_file_with_several_mistakes_names_each_on_its_tests(graded: Callable[[str], ExerciseResult],
                                                             combined: str) -> None:
    result = graded(COMBINED[combined])
    for mistake_id in COMBINED_MISTAKES[combined]:
        names = NAMED_ON[mistake_id]
        assert {t.name for t in result.tests if t.mistake == mistake_id} == names, mistake_id
        assert all(not t.passed for t in result.tests if t.name in names)
    assert not any(t.internal_error for t in result.tests)


@pytest.mark.slow
def test_an_embedding_with_the_lessons_sizes_written_in_fails_a_public_case(
        graded: Callable[[str], ExerciseResult]) -> None:
    source = EMBEDDING_WRITTEN_IN
    assert source.count("layers.Embedding(10000, 32)") == 1  # build_stacked_rnn's only
    failed = [t for t in graded(source).tests if not t.passed]
    assert [t.name for t in failed] == [STACKED_3]
    assert "Embedding" in text(failed[0]) and "Embedding" in text(failed[0], "zh")


# ---- hidden cases ---------------------------------------------------------------------------------

def test_hidden_cases_keep_their_names_and_change_every_argument() -> None:
    a, b = (EXERCISE.hidden_cases(np.random.default_rng(s)) for s in (3, 4))
    assert [(c.name, c.points, c.function) for c in a] == [(c.name, c.points, c.function) for c in b]
    for case in a:
        assert case.kwargs and all(v != {"max_features": 10000, "embed_dim": 32, "units": 32, "depth": 4}[k]
                                   for k, v in case.kwargs.items())


# ---- what is accepted and the mistakes that are named ----------------------------------------------

@pytest.mark.slow
def test_a_model_without_keras_input_is_accepted_with_a_note(graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(WRONG_A)
    test = next(t for t in result.tests if t.name == SINGLE)
    assert test.passed
    assert "keras.Input" not in text(test)  # said once above the table, not under each test
    notes = [n for n in result.notes if n.key == "no_input_note"]
    assert len(notes) == 1
    for lang in ("en", "zh"):
        console = Console(record=True, width=300)
        show_check(console, result, lang)
        screen = console.export_text()
        assert screen.count("keras.Input(shape=(None,))") == 1 and "(None, None)" in screen
        assert screen.index("keras.Input(shape=(None,))") < screen.index("ex3 · ")  # above the table


@pytest.mark.slow
def test_the_functional_api_and_any_layer_names_are_accepted(graded: Callable[[str], ExerciseResult]) -> None:
    assert next(t for t in graded(WRONG_A).tests if t.name == SEQUENCE).passed


@pytest.mark.slow
def test_arguments_ignored(graded: Callable[[str], ExerciseResult]) -> None:
    assert named(graded(WRONG_A))[SINGLE_SIZES] == {"the argument units ignored (the table is the one for "
                                                    "units=32)"}


@pytest.mark.slow
def test_intermediate_layers_that_do_not_return_sequences(graded: Callable[[str], ExerciseResult]) -> None:
    found = named(graded(WRONG_A))
    assert found[STACKED] == found[STACKED_2] == {"an intermediate SimpleRNN does not return sequences"}
    text = outputs(graded(WRONG_A))[STACKED]
    assert "must return_sequences=True so the next layer gets a sequence" in text
    assert "expected ndim=3, found ndim=2" in text


@pytest.mark.slow
def test_a_missing_sigmoid(graded: Callable[[str], ExerciseResult]) -> None:
    assert named(graded(WRONG_A))[IMDB] == {"the output Dense has no sigmoid (its activation is linear)"}


@pytest.mark.slow
def test_wrong_optimizer_and_accuracy_instead_of_acc(graded: Callable[[str], ExerciseResult]) -> None:
    text = outputs(graded(WRONG_A))[COMPILE]
    assert "the optimizer is Adam, expected rmsprop" in text
    assert "metrics has 'accuracy', expected 'acc'" in text
    assert named(graded(WRONG_A))[COMPILE] == {"the wrong optimizer"}


@pytest.mark.slow
def test_an_activation_changed_is_caught_by_the_outputs(graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(WRONG_B)
    relu = {"the SimpleRNN's activation changed to relu"}
    assert named(result)[SINGLE] == named(result)[SINGLE_SIZES] == relu
    test = next(t for t in result.tests if t.name == SINGLE)
    assert test.table is not None and test.table.differences == ()  # the table itself is right


@pytest.mark.slow
def test_a_sequence_layer_that_returns_its_last_output(graded: Callable[[str], ExerciseResult]) -> None:
    assert named(graded(WRONG_D))[SEQUENCE] == {"the SimpleRNN returns only its last output"}


@pytest.mark.slow
def test_the_last_layer_returns_sequences(graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(WRONG_B)
    assert named(result)[STACKED] == named(result)[STACKED_2] == {"the last layer returns sequences"}
    test = next(t for t in result.tests if t.name == STACKED)
    assert ("row 5 (SimpleRNN) differs in Output Shape: expected (None, 32), got (None, None, 32)"
            in text(test))
    assert "total 328,320" in text(test)
    assert test.table is not None and test.table.differences == ((4, 1),)


@pytest.mark.slow
def test_a_lambda_layer_is_refused_with_a_clear_message(graded: Callable[[str], ExerciseResult]) -> None:
    text = outputs(graded(WRONG_B))
    assert "Lambda layer" in text[SEQUENCE] and "never runs code from a submission" in text[SEQUENCE]


@pytest.mark.slow
def test_depth_off_by_one_swapped_embedding_wrong_loss_and_no_model(
        graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(WRONG_C)
    found = named(result)
    assert found[STACKED] == {"depth off by one (3 SimpleRNN layers instead of 4)"}
    assert found[STACKED_2] == {"depth off by one (1 SimpleRNN layers instead of 2)"}
    assert found[SEQUENCE] == {"Embedding's input_dim and output_dim swapped"}
    assert found[COMPILE] == {"the wrong loss"}
    assert "returned builtins.NoneType (a missing `return model`?)" in outputs(result)[SINGLE]
    assert not any(t.internal_error for t in result.tests)


# ---- remeasure: batch grading trusts only the config and the weights --------------------------------

def probe(child: SimpleNamespace, model: Any) -> Any:
    """What the child's keras_model probe would send for ``model``, decoded as the grader decodes it."""
    return wire.decode(json.loads(json.dumps(child.probe_keras_model(model, {}))))


def case_named(name: str) -> Any:
    return next(c for c in EXERCISE.public_cases() if c.name == name)


def lesson_stack(keras: ModuleType, last_sequences: bool, with_input: bool = True) -> Any:
    layers = [keras.layers.Embedding(10000, 32)]
    layers += [keras.layers.SimpleRNN(32, return_sequences=i < 3 or last_sequences) for i in range(4)]
    return keras.Sequential([keras.Input((None,)), *layers] if with_input else layers)


@pytest.mark.slow
def test_remeasure_ignores_a_forged_table_and_outputs(keras: ModuleType, child: SimpleNamespace) -> None:
    case = case_named(STACKED)
    expected = EXERCISE.expected_values([case])[case.name]
    got = probe(child, lesson_stack(keras, last_sequences=True))
    forged = {**got, "table": expected["table"], "outputs": expected["outputs"], "built_without_input": False}
    assert EXERCISE.judge(case, forged, expected).passed  # a child's claims alone would pass
    verdict = EXERCISE.judge(case, EXERCISE.remeasure(case, forged), expected)
    assert not verdict.passed and verdict.mistake.id == "last_layer_returns_sequences"


@pytest.mark.slow
def test_remeasure_passes_the_lessons_model_built_without_input(keras: ModuleType,
                                                                child: SimpleNamespace) -> None:
    case = case_named(STACKED)
    expected = EXERCISE.expected_values([case])[case.name]
    got = probe(child, lesson_stack(keras, last_sequences=False, with_input=False))
    again = EXERCISE.remeasure(case, {**got, "built_without_input": False, "table": []})
    assert again["built_without_input"] is True
    verdict = EXERCISE.judge(case, again, expected)
    assert verdict.passed and verdict.note is not None and "keras.Input(shape=(None,))" in words(verdict.note)


@pytest.mark.slow
def test_remeasure_measures_what_the_child_measures(keras: ModuleType, child: SimpleNamespace) -> None:
    """Rebuilt from the config alone, the model measures in the grader as it did in the student's process."""
    model = keras.Sequential([keras.Input((None,)), keras.layers.Embedding(50, 4), keras.layers.SimpleRNN(3),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    got = probe(child, model)
    again = EXERCISE.remeasure(case_named(IMDB), got)
    assert again["table"] == got["table"] and again["compile"] == got["compile"]
    np.testing.assert_allclose(again["outputs"], got["outputs"], rtol=1e-6)


@pytest.mark.slow
def test_remeasure_refuses_a_lambda_layer_and_a_custom_class(keras: ModuleType,
                                                             child: SimpleNamespace) -> None:
    case = case_named(SINGLE)
    expected = EXERCISE.expected_values([case])[case.name]
    with_lambda = keras.Sequential([keras.Input((None,)), keras.layers.Embedding(10000, 32),
                                    keras.layers.SimpleRNN(32), keras.layers.Lambda(lambda z: z)])
    verdict = EXERCISE.judge(case, EXERCISE.remeasure(case, probe(child, with_lambda)), expected)
    assert not verdict.passed and "Lambda layer" in words(verdict.message)

    class Twice(keras.layers.Layer):
        def call(self, z: Any) -> Any:
            return 2 * z

    custom = keras.Sequential([keras.Input((None,)), keras.layers.Embedding(10000, 32),
                               keras.layers.SimpleRNN(32), Twice()])
    verdict = EXERCISE.judge(case, EXERCISE.remeasure(case, probe(child, custom)), expected)
    said = words(verdict.message)
    assert not verdict.passed and "Twice" in said and "no custom classes" in said


@pytest.mark.slow
def test_remeasure_refuses_a_forged_module_path(keras: ModuleType, child: SimpleNamespace) -> None:
    case = case_named(SINGLE)
    got = probe(child, keras.Sequential([keras.Input((None,)), keras.layers.Embedding(10000, 32),
                                         keras.layers.SimpleRNN(32)]))
    got["config"]["config"]["layers"][2]["module"] = "os"
    again = EXERCISE.remeasure(case, got)
    assert again["refused"]["reason"] == "custom_class"
    assert "does not rebuild" in words(EXERCISE.judge(case, again, None).message)


@pytest.mark.slow
def test_remeasure_accepts_a_functional_model(keras: ModuleType, child: SimpleNamespace) -> None:
    case = case_named(SINGLE)
    expected = EXERCISE.expected_values([case])[case.name]
    inputs = keras.Input(shape=(None,), dtype="int32")
    model = keras.Model(inputs, keras.layers.SimpleRNN(32)(keras.layers.Embedding(10000, 32)(inputs)))
    again = EXERCISE.remeasure(case, probe(child, model))
    assert [row[0] for row in again["table"]] == ["Embedding", "SimpleRNN"]  # no InputLayer row
    assert EXERCISE.judge(case, again, expected).passed


# ---- batch grading: only the config and the weight shapes cross, each distinct model measured once ----

def batch_probe(child: SimpleNamespace, model: Any) -> Any:
    """What the child's keras_model probe sends in batch grading (a job with "measure": false)."""
    return wire.decode(json.loads(json.dumps(child.probe_keras_model(model, {"measure": False}))))


STACKED_HIDDEN, IMDB_HIDDEN = "stacked_rnn: other sizes and depth", "imdb_classifier: other sizes"


def hidden_case(name: str) -> Any:
    return next(c for c in EXERCISE.hidden_cases(np.random.default_rng(11)) if c.name == f"hidden {name}")


def built(keras: ModuleType, case: Any, *, extra: tuple[Any, ...] = (), **changes: Any) -> Any:
    """The reference model of ``case`` as a student would build it, with one layer argument changed
    (``changes``: return_sequences_last, activation, units, use_bias, layer=LSTM, optimizer) or layers
    added at the end (``extra``)."""
    a = {"max_features": 10000, "embed_dim": 32, "units": 32, "depth": 4, **case.kwargs}
    depth = a["depth"] if case.function == "build_stacked_rnn" else 1
    recurrent = changes.get("layer", keras.layers.SimpleRNN)
    options = {k: changes[k] for k in ("activation", "use_bias") if k in changes}
    layers = [keras.layers.Embedding(a["max_features"], a["embed_dim"])]
    for i in range(depth):
        sequences = i < depth - 1 or case.function == "build_sequence_rnn"
        if i == depth - 1 and "return_sequences_last" in changes:
            sequences = changes["return_sequences_last"]
        layers.append(recurrent(changes.get("units", a["units"]), return_sequences=sequences, **options))
    if case.function == "build_imdb_classifier":
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
    model = keras.Sequential([keras.Input((None,), dtype="int32"), *layers, *extra])
    if case.function == "build_imdb_classifier":
        model.compile(optimizer=changes.get("optimizer", "rmsprop"), loss="binary_crossentropy",
                      metrics=["acc"])
    return model


@pytest.mark.slow
def test_the_batch_probe_sends_only_the_config_and_the_weight_shapes(keras: ModuleType,
                                                                     child: SimpleNamespace) -> None:
    case = hidden_case(IMDB_HIDDEN)
    model = built(keras, case)
    got = batch_probe(child, model)
    assert set(got) == {"model", "type", "config", "built_without_input", "weight_shapes"}
    assert got["weight_shapes"] == [tuple(w.shape) for w in model.get_weights()]
    assert {"table", "outputs", "weights"} <= set(probe(child, model))  # check keeps its measurements


@pytest.fixture(scope="module")
def rebuilds() -> dict[str, int]:
    """How many times a model was rebuilt (in a sandboxed job), per test (reset by each test reading it)."""
    return {"count": 0}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, rebuilds: dict[str, int]) -> dict[str, int]:
    rebuilds["count"] = 0
    original = ex3_grader.measure_config

    def rebuild(*args: Any) -> Any:
        rebuilds["count"] += 1
        return original(*args)

    monkeypatch.setattr(ex3_grader, "measure_config", rebuild)
    return rebuilds


@pytest.mark.slow
def test_an_equivalent_config_takes_the_references_measurements_as_a_rebuild_would(
        keras: ModuleType, child: SimpleNamespace, counted: dict[str, int]) -> None:
    for case in (hidden_case(STACKED_HIDDEN), hidden_case(IMDB_HIDDEN)):
        seeded = type(EXERCISE)()
        expected = seeded.expected_values([case], use_cache=False)[case.name]  # seeds seeded.measured
        model = built(keras, case)
        renamed = keras.Sequential([keras.Input((None,), dtype="int32", name="tokens")] + [
            type(layer).from_config({**layer.get_config(), "name": f"layer_{i}"})
            for i, layer in enumerate(model.layers)], name="mine")
        for student in (model, renamed):
            got = batch_probe(child, student)
            counted["count"] = 0
            quick = seeded.remeasure(case, got)
            assert counted["count"] == 0  # not rebuilt: the reference's measurements
            full = type(EXERCISE)().remeasure(case, got)
            assert counted["count"] == 1
            assert {k: v for k, v in quick.items() if k != "outputs"} == \
                {k: v for k, v in full.items() if k != "outputs"}
            np.testing.assert_allclose(quick["outputs"], full["outputs"], rtol=1e-6)
            assert seeded.judge(case, quick, expected).passed


@pytest.mark.slow
def test_a_config_that_differs_in_one_argument_is_rebuilt_and_judged_as_before(
        keras: ModuleType, child: SimpleNamespace, counted: dict[str, int]) -> None:
    stacked, imdb = hidden_case(STACKED_HIDDEN), hidden_case(IMDB_HIDDEN)
    variants = [
        (stacked, {"activation": "relu"}, ()), (stacked, {"return_sequences_last": True}, ()),
        (stacked, {"units": stacked.kwargs["units"] + 1}, ()), (stacked, {"use_bias": False}, ()),
        (stacked, {"layer": keras.layers.LSTM}, ()), (stacked, {}, (keras.layers.Dropout(0.5),)),
        (imdb, {"activation": "relu"}, ()), (imdb, {}, (keras.layers.Dense(1),)),
    ]
    seeded = type(EXERCISE)()
    expected_of = seeded.expected_values([stacked, imdb], use_cache=False)
    for case, changes, extra in variants:
        expected = expected_of[case.name]
        got = batch_probe(child, built(keras, case, extra=extra, **changes))
        counted["count"] = 0
        again = seeded.remeasure(case, got)
        assert counted["count"] == 1, changes  # rebuilt, not given the reference's measurements
        before = type(EXERCISE)().judge(case, type(EXERCISE)().remeasure(case, got), expected)
        verdict = seeded.judge(case, again, expected)
        assert not verdict.passed, changes
        assert (verdict.message, verdict.mistake) == (before.message, before.mistake)


@pytest.mark.slow
def test_compile_settings_are_read_from_the_students_own_config(keras: ModuleType,
                                                                child: SimpleNamespace) -> None:
    """compile_config is not part of what is measured: a model compiled otherwise shares the reference's
    table and outputs, and its compile settings are judged from its own config, as before."""
    case = hidden_case("imdb_classifier: compile settings with other sizes")
    seeded = type(EXERCISE)()
    expected = seeded.expected_values([case], use_cache=False)[case.name]
    got = batch_probe(child, built(keras, case, optimizer="adam"))
    verdict = seeded.judge(case, seeded.remeasure(case, got), expected)
    assert not verdict.passed and verdict.mistake.id == "wrong_optimizer"
    assert seeded.remeasure(case, got)["compile"]["optimizer"] == "Adam"


@pytest.mark.slow
def test_forged_measurements_and_shapes_are_never_taken(keras: ModuleType, child: SimpleNamespace,
                                                        counted: dict[str, int]) -> None:
    case = hidden_case(STACKED_HIDDEN)
    seeded = type(EXERCISE)()
    expected = seeded.expected_values([case], use_cache=False)[case.name]
    right = batch_probe(child, built(keras, case))
    wrong = batch_probe(child, built(keras, case, return_sequences_last=True))
    claims = {"table": expected["table"], "outputs": expected["outputs"], "built_without_input": False,
              "measurements": expected, "compile": None, "refused": None}
    # The wrong model's config with the right model's shapes and measurements claimed.
    again = seeded.remeasure(case, {**wrong, **claims, "weight_shapes": right["weight_shapes"]})
    verdict = seeded.judge(case, again, expected)
    assert not verdict.passed and verdict.mistake.id == "last_layer_returns_sequences"
    # The right config with other shapes: rebuilt, and refused because its weights do not fit it.
    shapes = [*right["weight_shapes"][:-1], (right["weight_shapes"][-1][0] + 1,)]
    again = seeded.remeasure(case, {**right, "weight_shapes": shapes})
    assert again["refused"]["reason"] == "weights_do_not_fit"
    assert "could not be rebuilt with its weights" in words(seeded.judge(case, again, expected).message)
    # Duplicate layer names keep the names in the key: not the reference's measurements.
    duplicate = json.loads(json.dumps(right["config"]))
    for layer in duplicate["config"]["layers"]:
        layer["config"]["name"] = "same"
    counted["count"] = 0
    again = seeded.remeasure(case, {**right, "config": duplicate})
    assert counted["count"] == 1
    assert not seeded.judge(case, again, expected).passed
    duplicate["config"]["layers"][1]["config"]["name"] = ["not", "a", "name"]  # unhashable: no crash
    assert not seeded.judge(case, seeded.remeasure(case, {**right, "config": duplicate}), expected).passed
    # What remeasure returns holds only what it computed, whatever else the child sent.
    assert set(seeded.remeasure(case, {**right, **claims})) == {
        "model", "config", "built_without_input", "table", "weight_shapes", "compile", "outputs",
        "outputs_error"}


def test_the_store_of_measurements_is_bounded() -> None:
    store = km.Measurements(size=2)
    small = {"table": [], "weight_shapes": [], "outputs": np.zeros((4, 32)), "outputs_error": None}
    store.put("huge outputs", {**small, "outputs": np.zeros((4, 9, 4096))})
    store.put("k" * (km.Measurements.MAX_KEY_CHARS + 1), small)
    store.put("failed", {**small, "outputs": None, "outputs_error": "ValueError: ..."})
    for key in ("a", "b", "c"):
        store.put(key, small)
    assert [k for k in ("huge outputs", "failed", "a", "b", "c") if store.get(k) is not None] == ["b", "c"]
    got = store.get("c")
    assert got is not None
    got["outputs"][0, 0] = 1.0  # a caller's change does not reach the store
    again = store.get("c")
    assert again is not None and again["outputs"][0, 0] == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("source", ["WRONG_A", "WRONG_B", "WRONG_C", "WRONG_D"])
def test_every_message_is_in_the_catalogue_in_both_languages(
        graded: Callable[[str], ExerciseResult], source: str) -> None:
    """No text of ex3's is English-only: each message and hint renders from both catalogues (strict),
    and a failed test's Chinese is not its English."""
    from coursekit.i18n import render

    result = graded(globals()[source])
    assert_no_english_only(result)
    for t in result.tests:
        if t.hint is not None:
            assert render(t.hint, "en", strict=True) != render(t.hint, "zh", strict=True)


def test_a_refusal_sent_back_as_data_is_checked() -> None:
    """What a rebuilding job sends back is data: a known reason with plain parameters, else
    bad_measurements; every reason has its entry in both languages."""
    from coursekit.i18n import LANGUAGES, catalogue, placeholders, render
    from coursekit.messages import in_domain

    lam = km.RefusedModel("lambda_layer")
    assert km.refusal(lam.to_data()).reason == "lambda_layer"
    big = km.refusal(km.RefusedModel("too_many_layers", layers=70, limit=64).to_data())
    assert (big.reason, big.params) == ("too_many_layers", {"layers": 70, "limit": 64})
    for forged in ("lambda_layer", {"reason": "os.system"}, {"reason": "lambda_layer", "params": {"x": [1]}},
                   {"reason": "lambda_layer", "params": {"x": "y" * 301}}):
        assert km.refusal(forged).reason == "bad_measurements"
    for reason in km.REASONS:
        names = placeholders(catalogue("ex3", "en").gettext(f"refused.{reason}"))
        for lang in LANGUAGES:
            assert render(in_domain("ex3", f"refused.{reason}", **dict.fromkeys(names, 1)), lang, strict=True)
