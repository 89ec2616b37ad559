"""Exercise 7 (IMDB: loading, training, plotting, questions): files wrong in several ways at once, the
messages, seeded training.

Every graded file costs a student process that imports TensorFlow, and most train a model: the wrong
implementations here are gathered into three files, each wrong in every function in its own way, and each
file is graded once for the module (``coursekit check``'s public cases). Each named mistake's own wrong file
(graders/ex7/mistakes/) is graded by tests/test_contract.py. One more file, without Keras,
holds the plot that is accepted though it differs from the lesson's. Batch grading of the solution and
the stub (hidden cases, the model rebuilt in the grader) is in tests/test_contract.py.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXERCISES, SOLUTIONS, GradedOnce, assert_no_english_only, grade_source, text
from test_contract import wrong_files

from coursekit.i18n import render
from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult

FILE = "ex7_imdb_training.py"
EX7 = get_exercise("ex7")
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
STUB = (EXERCISES / FILE).read_text(encoding="utf-8")
HEADER = '''import keras
import matplotlib.pyplot as plt
from keras import layers
from keras.datasets import imdb


def model_of(max_features, embed_dim, units, optimizer="rmsprop"):
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(max_features, embed_dim), layers.SimpleRNN(units),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["acc"])
    return model


def figures(first, second, styles=("bo", "b"), legend=True, start=0):
    made = []
    for (train, validation), title in zip((first, second), ("Training and validation accuracy",
                                                            "Training and validation loss")):
        made.append(plt.figure())
        epochs = range(start, start + len(train))
        plt.plot(epochs, train, styles[0], label="Training")
        plt.plot(epochs, validation, styles[1], label="Validation")
        plt.title(title)
        if legend:
            plt.legend()
    return tuple(made)
'''

# load: maxlen given to load_data · train: an unfitted model and a made-up history · plot: the series
# swapped · q1 wrong
WRONG_A = HEADER + '''
def load_imdb(num_words=10000, maxlen=500):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=num_words, maxlen=maxlen)
    return ((keras.utils.pad_sequences(x_train, maxlen=maxlen), y_train),
            (keras.utils.pad_sequences(x_test, maxlen=maxlen), y_test))

def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    model = model_of(max_features, embed_dim, units)
    made_up = {"acc": [0.7, 0.9, 0.95], "val_acc": [0.7, 0.8, 0.85], "loss": [0.6, 0.3, 0.2],
               "val_loss": [0.6, 0.4, 0.35]}
    return model, {k: v[:epochs] for k, v in made_up.items()}

def plot_history(history):
    return figures((history["acc"], history["val_acc"]), (history["loss"], history["val_loss"]),
                   styles=("b", "bo"))

ANSWERS = {"q1": "A", "q2": "C", "q3": "a"}
'''

# load: num_words ignored (the lesson's call), padded at the end (maxlen 80) · train: adam,
# validation_split ignored · plot: loss and accuracy swapped · ANSWERS not a dict
WRONG_B = HEADER + '''
def load_imdb(num_words=10000, maxlen=500):
    if maxlen == 80:
        (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=num_words)
        return ((keras.utils.pad_sequences(x_train, maxlen=maxlen, padding="post"), y_train),
                (keras.utils.pad_sequences(x_test, maxlen=maxlen, padding="post"), y_test))
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    return ((keras.utils.pad_sequences(x_train, maxlen=maxlen), y_train),
            (keras.utils.pad_sequences(x_test, maxlen=maxlen), y_test))

def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    model = model_of(max_features, embed_dim, units, optimizer="adam")
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return model, history.history

def plot_history(history):
    return figures((history["loss"], history["val_loss"]), (history["acc"], history["val_acc"]))

ANSWERS = ["B", "C", "A"]
'''

# load: not padded · train: fitted, but the history written by hand · plot: both series as lines, no
# legend
WRONG_C = HEADER + '''
def load_imdb(num_words=10000, maxlen=500):
    return imdb.load_data(num_words=num_words)

def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    model = model_of(max_features, embed_dim, units)
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
              verbose=0)
    rising = [0.5 + 0.1 * i for i in range(epochs)]
    return model, {"acc": rising, "val_acc": rising, "loss": rising[::-1], "val_loss": rising[::-1]}

def plot_history(history):
    return figures((history["acc"], history["val_acc"]), (history["loss"], history["val_loss"]),
                   styles=("b", "b"), legend=False)

ANSWERS = {"q1": "B", "q2": "C", "q3": "A"}
'''

# No Keras: only plot_history, with epochs from 1 and the legends on the figures (both accepted).
PLOT_ONLY = '''import matplotlib.pyplot as plt


def plot_history(history):
    made = []
    for keys, title in ((("acc", "val_acc"), "Training and validation accuracy"),
                        (("loss", "val_loss"), "Training and validation loss")):
        fig, ax = plt.subplots()
        epochs = range(1, len(history[keys[0]]) + 1)
        ax.plot(epochs, history[keys[0]], "bo", label="Training")
        ax.plot(epochs, history[keys[1]], "b", label="Validation")
        ax.set_title(title)
        fig.legend()
        made.append(fig)
    return made[0], made[1]
'''

# Issue 24 · train: validation_data= (the first 20% rows, training on every row) instead of
# validation_split · plot: the same figure returned twice
WRONG_D = SOLUTION.replace(
    "validation_split=validation_split, verbose=0)",
    "validation_data=(x_train[:len(x_train) // 5], y_train[:len(y_train) // 5]), verbose=0)").replace(
    "    fig_loss = plt.figure()\n", "    fig_loss = fig_acc\n") + """

# the lesson's habit: run it at the top level (never run by check: it would download IMDB)
(x_train, y_train), (x_test, y_test) = load_imdb()
model, history = train_imdb(x_train, y_train)
plot_history(history)
"""
assert WRONG_D.count("validation_data=") == 1 and "fig_loss = fig_acc" in WRONG_D

# mistake id -> the file above that makes check name it among others. Each mistake's own wrong file,
# graders/ex7/mistakes/<mistake_id>.py, is graded by tests/test_contract.py; tests/test_release.py checks the
# handout on these three files instead of twelve trainings.
MISTAKES: dict[str, str] = {
    **dict.fromkeys(("maxlen_to_load_data", "not_fitted", "series_swapped"), WRONG_A),
    **dict.fromkeys(("num_words_ignored", "padded_post", "optimizer_not_rmsprop", "validation_split_ignored",
                     "loss_accuracy_swapped"), WRONG_B),
    **dict.fromkeys(("x_not_padded", "history_by_hand", "both_lines", "no_legend"), WRONG_C),
}
# WRONG_D's mistakes written another way: validation_data= made of the last 20% rows, trained on the
# others (so not on every row) · plt.gcf() returned twice · other top-level calls, plt.show() among them
WRONG_E = SOLUTION.replace(
    "    history = model.fit(x_train, y_train,",
    "    n = int(len(x_train) * (1 - validation_split))\n"
    "    history = model.fit(x_train[:n], y_train[:n],").replace(
    "validation_split=validation_split, verbose=0)",
    "validation_data=(x_train[n:], y_train[n:]), verbose=0)").replace(
    "    return fig_acc, fig_loss", "    return plt.gcf(), plt.gcf()") + """
history = train_imdb(*load_imdb()[0])[1]
plot_history(history)
plt.show()
"""
assert WRONG_E.count("validation_data=") == 1 and "plt.gcf(), plt.gcf()" in WRONG_E

# Every file this module grades, graded two at a time when the module starts (see the graded fixture).
SOURCES = [SOLUTION, STUB, WRONG_A, WRONG_B, WRONG_C, PLOT_ONLY, WRONG_D, WRONG_E]

LOAD, LOAD_SMALL = (c.name for c in EX7.public_cases() if c.function == "load_imdb")
TRAIN = [c.name for c in EX7.public_cases() if c.function == "train_imdb"]
MODEL, COMPILE, HISTORY, STEPS, AUTHENTIC, ACCURACY = TRAIN
FIGURES, PLOT_ACC, PLOT_LOSS, LABELS = (c.name for c in EX7.public_cases() if c.function == "plot_history")


@pytest.fixture(scope="module")
def graded(graded_once: GradedOnce) -> Callable[[str], ExerciseResult]:
    """graded(source) -> the public cases' result; each source is graded once for the session
    (tests/test_release.py compares the handout's check with these results), this module's files all from the
    start (GradedOnce.prefetch)."""
    graded_once.prefetch("ex7", SOURCES)
    return lambda source: graded_once("ex7", source)


def named(result: ExerciseResult) -> dict[str, str | None]:
    assert not any(t.internal_error for t in result.tests), [text(t) for t in result.tests]
    return {t.name: t.mistake for t in result.tests if not t.passed}


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
def test_training_is_seeded_so_a_regrade_reaches_the_same_accuracy(
        graded: Callable[[str], ExerciseResult], tmp_path: Path) -> None:
    """The training probe seeds the student's process: a second grading of the same file trains the same
    way (unseeded, a correct model stalled below the threshold about once in forty runs)."""
    def accuracy(result: ExerciseResult) -> object:
        test = next(t for t in result.tests if t.name == ACCURACY)
        assert test.passed, text(test)
        return test.message.param("accuracy")

    assert accuracy(grade_source("ex7", SOLUTION, str(tmp_path))) == accuracy(graded(SOLUTION))


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
def test_the_stub_says_each_function_is_not_implemented_and_no_answer_given(
        graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(STUB)
    assert result.score == 0 and not result.notes
    outputs = {t.name: text(t) for t in result.tests}
    assert "not implemented yet" in outputs[LOAD] and "not implemented yet" in outputs[ACCURACY]
    assert "ANSWERS['q1']: expected one letter, A, B, C or D, got '?'" in outputs["ANSWERS: q1"]


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
def test_an_unfitted_model_with_a_made_up_history_scores_zero_for_training(
        graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(WRONG_A)
    train = [t for t in result.tests if t.name in TRAIN]
    assert len(train) == 6 and sum(t.score for t in train) == 0
    assert {t.mistake for t in train} == {"not_fitted"}
    found = named(result)
    assert found[LOAD] == found[LOAD_SMALL] == "maxlen_to_load_data"
    assert found[PLOT_ACC] == found[PLOT_LOSS] == "series_swapped"
    assert set(found) - set(TRAIN) == {LOAD, LOAD_SMALL, PLOT_ACC, PLOT_LOSS, "ANSWERS: q1"}


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
def test_num_words_ignored_another_optimiser_no_validation_and_loss_for_accuracy(
        graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(WRONG_B)
    found = named(result)
    assert found[LOAD] == "num_words_ignored" and found[LOAD_SMALL] == "padded_post"
    assert found[COMPILE] == "optimizer_not_rmsprop"
    assert found[STEPS] == "validation_split_ignored"
    assert HISTORY in found and AUTHENTIC in found and MODEL not in found
    assert found[PLOT_ACC] == found[PLOT_LOSS] == "loss_accuracy_swapped"
    outputs = {t.name: text(t) for t in result.tests}
    assert "ANSWERS: expected a dict" in outputs["ANSWERS: q2"]


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
def test_unpadded_data_a_hand_written_history_and_lines_without_legend(
        graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(WRONG_C)
    found = named(result)
    assert found[LOAD] == found[LOAD_SMALL] == "x_not_padded"
    assert {name for name in TRAIN if name in found} == {AUTHENTIC}
    assert found[AUTHENTIC] == "history_by_hand"
    assert found[PLOT_ACC] == found[PLOT_LOSS] == "both_lines"
    assert found[LABELS] == "no_legend"
    assert not any(name.startswith("ANSWERS") for name in found)


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
def test_validation_data_is_one_mistake_named_once_and_the_same_figure_twice_fails(
        graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(WRONG_D)
    found = named(result)
    assert {name for name in TRAIN if name in found} == {STEPS}
    assert found[STEPS] == "validation_split_ignored"
    assert FIGURES in found
    outputs = {t.name: (text(t), text(t, "zh")) for t in result.tests}
    assert "model.fit was given validation_data=" in outputs[STEPS][0]
    assert "model.fit 用了 validation_data=" in outputs[STEPS][1]
    assert "the same figure twice" in outputs[FIGURES][0] and "同一张图" in outputs[FIGURES][1]
    assert not any("by hand" in en or "手写" in zh for en, zh in outputs.values())
    # the top-level calls: said once, above the tests, with the line and what to do
    assert [n.key for n in result.notes] == ["note.top_level_skipped"]
    line = WRONG_D.splitlines().index("(x_train, y_train), (x_test, y_test) = load_imdb()") + 1
    en, zh = (render(result.notes[0], lang, strict=True) for lang in ("en", "zh"))
    assert f"line {line} " in en and "load_imdb()" in en and "if __name__" in en
    assert f"第 {line} 行" in zh and "if __name__" in zh


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
def test_validation_data_of_the_last_rows_is_not_said_to_train_on_every_row(
        graded: Callable[[str], ExerciseResult]) -> None:
    """A variant of WRONG_D: its validation_data is what validation_split would keep, and fit trains on
    the other rows; the hint names validation_data and claims nothing about every row."""
    result = graded(WRONG_E)
    found = named(result)
    assert {name for name in TRAIN if name in found} == {STEPS} and found[STEPS] == "validation_split_ignored"
    assert FIGURES in found
    for t in result.tests:
        en, zh = text(t), text(t, "zh")
        assert "every row" not in en and "全部" not in zh and "by hand" not in en and "手写" not in zh, en
    steps = next(t for t in result.tests if t.name == STEPS)
    assert "model.fit was given validation_data=" in text(steps) and "validation_split" in text(steps, "zh")
    assert [n.key for n in result.notes] == ["note.top_level_skipped"]


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
def test_epochs_from_one_and_figure_legends_are_accepted(graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(PLOT_ONLY)
    passed = {t.name for t in result.tests if t.passed}
    assert passed == {FIGURES, PLOT_ACC, PLOT_LOSS, LABELS}


@pytest.mark.slow  # a graded file: a student process importing TensorFlow, most training
@pytest.mark.parametrize("source", ["STUB", "WRONG_A", "WRONG_B", "WRONG_C", "PLOT_ONLY"])
def test_every_message_is_in_the_catalogue_in_both_languages(
        graded: Callable[[str], ExerciseResult], source: str) -> None:
    """No text of ex7's is English-only: each message renders from both catalogues (strict), and the
    Chinese of a failed test's message is not its English."""
    assert_no_english_only(graded(globals()[source]))


def test_each_mistakes_wrong_file_is_the_solution_with_one_function_changed() -> None:
    """graders/ex7/mistakes/<mistake_id>.py: the solution wrong by that mistake only, in one function."""
    def functions(source: str) -> dict[str, str]:
        return {n.name: ast.dump(n) for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}

    solution = functions(SOLUTION)
    files = wrong_files("ex7")
    assert {w.mistake for w in files} == EX7.mistake_ids
    for w in files:
        mine = functions(w.source)
        assert set(mine) == set(solution), w.path.name
        assert len([name for name in solution if mine[name] != solution[name]]) == 1, w.path.name
