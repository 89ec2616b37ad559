"""Exercise 11 (forecasting a weather series): solution, stub, each named mistake and forged training.

Every graded file imports Keras and most train a model (5-7 s of CPU each): the files are graded through
the session's fork servers with Keras preloaded, as ``coursekit check`` judges them (public cases, the probe
measuring in the student's process), each once for the session (``graded_once``, which
tests/test_mistakes.py and test_release.py share). Batch grading of the solution and the stub (hidden
cases, the model rebuilt and run in a sandboxed job) is in tests/test_contract.py.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest
from conftest import EXERCISES, ROOT, SOLUTIONS, GradedOnce, assert_no_english_only, text

from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult

FILE = "ex11_forecast.py"
EX11 = get_exercise("ex11")
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
STUB = (EXERCISES / FILE).read_text(encoding="utf-8")
MISTAKE_FILES = ROOT / "graders" / "ex11" / "mistakes"
# mistake id -> the file that makes check name it (tests/test_mistakes.py runs check on each, zh and en)
MISTAKES: dict[str, str] = {path.stem: path.read_text(encoding="utf-8")
                            for path in sorted(MISTAKE_FILES.glob("*.py"))}
TRAIN_HEADER = SOLUTION.split("def train_forecaster")[0]

# Forged training, each scoring nothing on the training tests:
# - hand-set weights, the optimiser's step count set by hand and a made-up history; fit never called;
FORGED_NO_FIT = TRAIN_HEADER + '''
def train_forecaster(x_train, y_train, x_val, y_val, epochs=5, batch_size=64, units=16):
    model = keras.Sequential([keras.Input(shape=x_train.shape[1:]), layers.GRU(units), layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])
    model.optimizer.iterations.assign(epochs * -(-len(x_train) // batch_size))
    p = model.predict(x_val, verbose=0)[:, 0]
    loss, mae = float(np.mean((p - y_val) ** 2)), float(np.mean(np.abs(p - y_val)))
    return model, {"loss": [loss] * epochs, "mae": [mae] * epochs, "val_loss": [loss] * epochs,
                   "val_mae": [mae] * epochs}
'''
# - a real fit, then other weights put in and the history's last epoch rewritten to match them;
FORGED_AFTER_FIT = TRAIN_HEADER + '''
def train_forecaster(x_train, y_train, x_val, y_val, epochs=5, batch_size=64, units=16):
    model = keras.Sequential([keras.Input(shape=x_train.shape[1:]), layers.GRU(units), layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_data=(x_val, y_val), verbose=0).history
    model.set_weights([w * 1.01 for w in model.get_weights()])
    p = model.predict(x_val, verbose=0)[:, 0]
    history["val_loss"][-1] = float(np.mean((p - y_val) ** 2))
    history["val_mae"][-1] = float(np.mean(np.abs(p - y_val)))
    return model, history
'''
# - weights trained beforehand (a first, hidden fit through Keras's own unwrapped fit), then one short
#   observed fit on top: the observed fit starts from a model that already beats the baseline.
FORGED_PRETRAINED = TRAIN_HEADER + '''
def train_forecaster(x_train, y_train, x_val, y_val, epochs=5, batch_size=64, units=16):
    model = keras.Sequential([keras.Input(shape=x_train.shape[1:]), layers.GRU(units), layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    unwrapped = [c for c in type(model).__mro__ if "fit" in vars(c) and c is not keras.Model][0]
    unwrapped.fit(model, x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_data=(x_val, y_val), verbose=0)
    return model, history.history
'''
FORGED = {"no fit": FORGED_NO_FIT, "weights after fit": FORGED_AFTER_FIT, "pretrained": FORGED_PRETRAINED}
SOURCES = [SOLUTION, STUB, *MISTAKES.values(), *FORGED.values()]

TRAIN = [c.name for c in EX11.public_cases() if c.function == "train_forecaster"]
MODEL, COMPILE, HISTORY, STEPS, AUTHENTIC, BEATS = TRAIN


@pytest.fixture(scope="module")
def graded(graded_once: GradedOnce) -> Callable[[str], ExerciseResult]:
    """graded(source) -> the public cases' result, as check judges it; once per source for the session,
    this module's files two at a time from the start (one per fork server)."""
    graded_once.prefetch("ex11", SOURCES)
    return lambda source: graded_once("ex11", source)


def failed(result: ExerciseResult) -> dict[str, str | None]:
    assert not any(t.internal_error for t in result.tests), [text(t) for t in result.tests]
    return {t.name: t.mistake for t in result.tests if not t.passed}


@pytest.mark.slow
def test_solution_gets_full_marks(graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(SOLUTION)
    assert [(t.name, text(t)) for t in result.tests if not t.passed] == []
    assert result.score == result.max_score == 12


@pytest.mark.slow
def test_stub_gets_zero_without_crashing(graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(STUB)
    assert result.score == 0 and not result.notes
    assert all("not implemented yet" in text(t) for t in result.tests), [text(t) for t in result.tests]


@pytest.mark.slow
@pytest.mark.parametrize("mistake_id", sorted(MISTAKES))
def test_each_mistake_file_is_named_and_costs_only_its_function(
        graded: Callable[[str], ExerciseResult], mistake_id: str) -> None:
    result = graded(MISTAKES[mistake_id])
    found = failed(result)
    assert found and mistake_id in found.values(), {k: v for k, v in found.items()}
    wrong_functions = {t.name.split(":")[0] for t in result.tests if not t.passed}
    assert len(wrong_functions) == 1, wrong_functions


def test_the_mistake_files_are_the_graders_mistakes() -> None:
    assert set(MISTAKES) == EX11.mistake_ids


@pytest.mark.slow
@pytest.mark.parametrize("forgery", sorted(FORGED))
def test_forged_training_scores_nothing_on_the_training_tests(
        graded: Callable[[str], ExerciseResult], forgery: str) -> None:
    result = graded(FORGED[forgery])
    training = [t for t in result.tests if t.name in TRAIN]
    assert len(training) == 6 and sum(t.score for t in training) == 0, [text(t) for t in training]
    others = [t for t in result.tests if t.name not in TRAIN]
    assert all(t.passed for t in others)
    if forgery != "weights after fit":
        assert {t.mistake for t in training} == {"untrained_model"}


@pytest.mark.slow
@pytest.mark.parametrize("source", ["STUB", "FORGED_NO_FIT", "FORGED_AFTER_FIT"])
def test_every_message_is_in_the_catalogue_in_both_languages(
        graded: Callable[[str], ExerciseResult], source: str) -> None:
    assert_no_english_only(graded(globals()[source]))


# ---- the references ---------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_windows_by_index_arithmetic_equal_keras(keras: ModuleType, seed: int) -> None:
    """The solution's windows and the grader's own (its training series) are Keras's, on random sizes."""
    from graders.ex11.grader import keras_windows, numpy_windows

    rng = np.random.default_rng(seed)
    length, rate = int(rng.integers(1, 6)), int(rng.integers(1, 5))
    delay = int(rng.integers(1, 20))
    data = rng.normal(size=(int(rng.integers(30, 80)), 3)).astype(np.float32)
    samples, targets = keras_windows(data, 2, length, rate, delay)
    mine = numpy_windows(data, 2, length, rate, delay)
    assert samples.shape == mine[0].shape and np.array_equal(samples, mine[0])
    assert np.array_equal(targets, mine[1])


def test_the_csv_is_in_the_jena_format_and_parses_back() -> None:
    from graders.ex11.grader import parse_csv
    from graders.ex11.probes.climate import climate_csv, climate_series

    text_ = climate_csv(3, 50, "2014-07-15")
    lines = text_.splitlines()
    assert lines[0] == '"Date Time","p (mbar)","T (degC)","rh (%)","wv (m/s)"'
    assert lines[1].startswith("15.07.2014 00:10:00,")
    names, values = parse_csv(text_)
    assert names == ["p (mbar)", "T (degC)", "rh (%)", "wv (m/s)"] and values.dtype == np.float32
    assert np.allclose(values, climate_series(3, 50, "2014-07-15")[1], atol=1e-4)
    # physically sensible: pressure near 1000 mbar, humidity a percentage
    assert values[:, 0].min() > 950 and values[:, 0].max() < 1050 and values[:, 2].min() >= 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_stub_notebook_has_a_cell_per_function_in_its_language(lang: str) -> None:
    from coursekit.release.notebooks import stub_cells

    cells = stub_cells(STUB, "ex11", FILE, lang)  # type: ignore[arg-type]
    defined = [source.split("(")[0][4:] for kind, source in cells
               if kind == "code" and source.startswith("def ")]
    assert defined == list(EX11.functions)
    intro = cells[0][1]
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in intro)
    assert chinese == (lang == "zh"), intro
