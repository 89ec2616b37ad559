"""Exercise 11 (forecasting a weather series): forged training, the messages, other ways of writing the data
functions, the windows against Keras's.

Every graded file imports Keras and most train a model (5-7 s of CPU each): the files are graded through
the session's fork servers with Keras preloaded, as ``coursekit check`` judges them (public cases, the probe
measuring in the student's process), each once for the module's worker (``graded_once``). The solution,
the stub (public and hidden cases) and each named mistake's wrong file (graders/ex11/mistakes/) are graded
by tests/test_contract.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from conftest import EXERCISES, SOLUTIONS, GradedOnce, assert_no_english_only, text
from test_contract import wrong_files

from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult

FILE = "ex11_forecast.py"
EX11 = get_exercise("ex11")
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")
STUB = (EXERCISES / FILE).read_text(encoding="utf-8")
# The folder's wrong files (graders/ex11/mistakes/, graded by tests/test_contract.py) by mistake id: the view
# tests/test_release.py reads
MISTAKES: dict[str, str] = {w.mistake: w.source for w in wrong_files("ex11") if w.variant is None}
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
SOURCES = [STUB, *FORGED.values()]

TRAIN = [c.name for c in EX11.public_cases() if c.function == "train_forecaster"]
MODEL, COMPILE, HISTORY, STEPS, AUTHENTIC, BEATS = TRAIN


@pytest.fixture(scope="module")
def graded(graded_once: GradedOnce) -> Callable[[str], ExerciseResult]:
    """graded(source) -> the public cases' result, as check judges it; once per source for the session,
    this module's files all from the start (GradedOnce.prefetch)."""
    graded_once.prefetch("ex11", SOURCES)
    return lambda source: graded_once("ex11", source)


def failed(result: ExerciseResult) -> dict[str, str | None]:
    assert not any(t.internal_error for t in result.tests), [text(t) for t in result.tests]
    return {t.name: t.mistake for t in result.tests if not t.passed}


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
    """The solution's windows and the grader's own (its training series, the mistakes' outputs) are
    Keras's, on random sizes."""
    from graders.ex11.grader import keras_windows, numpy_windows

    rng = np.random.default_rng(seed)
    length, rate = int(rng.integers(1, 6)), int(rng.integers(1, 5))
    delay = int(rng.integers(1, 20))
    data = rng.normal(size=(int(rng.integers(30, 80)), 3)).astype(np.float32)
    for offset in (0, -1):  # -1: the mistake target_one_step_early, whose output numpy_windows gives
        samples, targets = keras_windows(data, 2, length, rate, delay, target_offset=offset)
        mine = numpy_windows(data, 2, length, rate, delay, target_offset=offset)
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


# ---- the data functions written apart from the solution, judged as check judges them ----------------
# Written without looking at solutions/ or the mistake files. Each function runs here (numpy only; no
# sandbox, no Keras), its value goes through the child's encoding and the grader's decoding, and is judged
# on every public case of its function: other correct ways pass, other ways of making a named mistake are
# named, other wrong ways fail naming nothing.

def _load_csv_module(path):  # type: ignore[no-untyped-def]
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0][1:], np.array([[float(v) for v in row[1:]] for row in rows[1:] if row], dtype="float32")


def _lines(path):  # type: ignore[no-untyped-def]
    with open(path, encoding="utf-8") as f:
        return f.read().strip().splitlines()


def _load_date_names(path):  # type: ignore[no-untyped-def]
    lines = _lines(path)
    return [n.strip('"') for n in lines[0].split(",")], \
        np.array([[float(v) for v in line.split(",")[1:]] for line in lines[1:]], np.float32)


def _load_date_number(path):  # type: ignore[no-untyped-def]
    from datetime import datetime

    lines = _lines(path)
    rows = [[datetime.strptime(line.split(",")[0], "%d.%m.%Y %H:%M:%S").timestamp(),
             *map(float, line.split(",")[1:])] for line in lines[1:]]
    return [n.strip('"') for n in lines[0].split(",")][1:], np.array(rows, np.float32)


def _load_quotes_kept(path):  # type: ignore[no-untyped-def]
    lines = _lines(path)
    return lines[0].split(",")[1:], np.array([[float(v) for v in line.split(",")[1:]] for line in lines[1:]],
                                             np.float32)


def _normalize_f64(data, num_train):  # type: ignore[no-untyped-def]
    d = np.asarray(data, dtype=np.float64)
    mean = d[:num_train].mean(axis=0)
    std = np.sqrt(((d[:num_train] - mean) ** 2).mean(axis=0))
    return (d - mean) / std, mean, std


def _normalize_ddof1(data, num_train):  # type: ignore[no-untyped-def]
    mean, std = data[:num_train].mean(0), data[:num_train].std(0, ddof=1)
    return (data - mean) / std, mean, std


def _normalize_all_rows(data, num_train):  # type: ignore[no-untyped-def]
    return (data - data.mean(0)) / data.std(0), data.mean(0), data.std(0)


def _windows_loop(data, col, length, rate, delay):  # type: ignore[no-untyped-def]
    samples, targets, i = [], [], 0
    while i + (length - 1) * rate < len(data) - delay:
        samples.append([data[i + s * rate] for s in range(length)])
        targets.append(data[i + delay, col])
        i += 1
    return np.array(samples, data.dtype).reshape(len(samples), length, data.shape[1]), np.array(targets)


def _windows_consecutive(data, col, length, rate, delay):  # type: ignore[no-untyped-def]
    n = len(data) - delay - (length - 1) * rate  # the count's formula kept, the rows consecutive
    return np.stack([data[i:i + length] for i in range(n)]), data[delay:delay + n, col]


def _windows_early(data, col, length, rate, delay):  # type: ignore[no-untyped-def]
    n = len(data) - delay - (length - 1) * rate
    return np.stack([data[i:i + (length - 1) * rate + 1:rate] for i in range(n)]), \
        np.array([data[i + delay - 1, col] for i in range(n)])


def _windows_one_short(data, col, length, rate, delay):  # type: ignore[no-untyped-def]
    n = len(data) - delay - (length - 1) * rate - 1
    return np.stack([data[i:i + length * rate:rate] for i in range(n)]), data[np.arange(n) + delay, col]


def _windows_delay_after_last(data, col, length, rate, delay):  # type: ignore[no-untyped-def]
    span = (length - 1) * rate
    n = len(data) - delay - span
    return np.stack([data[i:i + span + 1:rate] for i in range(n)]), data[np.arange(n) + span + delay, col]


def _naive_loop(samples, targets, col, mean, std):  # type: ignore[no-untyped-def]
    return sum(abs(float(s[-1][col] * std[col] + mean[col]) - float(t))
               for s, t in zip(samples, targets, strict=True)) / len(samples)


def _naive_numpy_scalar(samples, targets, col, mean, std):  # type: ignore[no-untyped-def]
    return np.mean(np.abs(samples[:, -1, col] * std[col] + mean[col] - targets))  # np.float32


def _naive_both_normalised(samples, targets, col, mean, std):  # type: ignore[no-untyped-def]
    return float(np.mean(np.abs(samples[:, -1, col] - (targets - mean[col]) / std[col])))


def _naive_first(samples, targets, col, mean, std):  # type: ignore[no-untyped-def]
    return float(np.mean([abs(s[0, col] * std[col] + mean[col] - t)
                          for s, t in zip(samples, targets, strict=True)]))


def _naive_std_only(samples, targets, col, mean, std):  # type: ignore[no-untyped-def]
    return float(np.mean(np.abs(samples[:, -1, col] * std[col] - targets)))


def _naive_squared(samples, targets, col, mean, std):  # type: ignore[no-untyped-def]
    return float(np.mean((samples[:, -1, col] * std[col] + mean[col] - targets) ** 2))


# function, its implementation, the verdict: "passes", a mistake id, or None (fails naming nothing)
WAYS: list[tuple[str, Callable[..., object], str | None]] = [
    ("load_climate", _load_csv_module, "passes"), ("load_climate", _load_date_names, "date_column_kept"),
    ("load_climate", _load_date_number, "date_column_kept"), ("load_climate", _load_quotes_kept, None),
    ("normalize", _normalize_f64, "passes"), ("normalize", _normalize_all_rows, "stats_over_all_rows"),
    ("normalize", _normalize_ddof1, None),
    ("windows", _windows_loop, "passes"), ("windows", _windows_consecutive, "sampling_rate_ignored"),
    ("windows", _windows_early, "target_one_step_early"), ("windows", _windows_one_short, None),
    ("windows", _windows_delay_after_last, None),
    ("naive_mae", _naive_loop, "passes"), ("naive_mae", _naive_numpy_scalar, "passes"),
    ("naive_mae", _naive_both_normalised, "baseline_normalized_units"),
    ("naive_mae", _naive_first, "baseline_first_step"), ("naive_mae", _naive_std_only, None),
    ("naive_mae", _naive_squared, None),
]


@pytest.mark.parametrize("function, way, verdict", WAYS, ids=[w[1].__name__[1:] for w in WAYS])
def test_other_ways_of_writing_the_data_functions(tmp_path: Path, function: str, way: Callable[..., object],
                                                  verdict: str | None) -> None:
    from coursekit import wire
    from coursekit.sandbox import _child
    from graders.ex11.probes import climate

    cases = [c for c in EX11.public_cases() if c.function == function]
    expected = EX11.expected_values(cases)
    verdicts = []
    for case in cases:
        if function == "load_climate":
            (tmp_path / "series.csv").write_text(climate.climate_csv(**case.probe_data["climate"]),
                                                 encoding="utf-8")
            value = climate.probe(way(str(tmp_path / "series.csv")), {})
        else:
            value = way(*case.args)
        verdicts.append(EX11.judge(case, wire.decode(_child.encode(value)), expected[case.name]))
    if verdict == "passes":
        assert all(v.passed for v in verdicts), [v.message for v in verdicts]
    else:
        assert not any(v.passed for v in verdicts)
        assert {v.mistake.id if v.mistake else None for v in verdicts} == {verdict}


@pytest.mark.parametrize("refused", [False, True])
def test_a_model_without_a_recurrent_layer_is_named_even_when_its_run_is_refused(refused: bool) -> None:
    """Chollet's Conv1D forecaster holds layers the grader does not rebuild: its model test still names the
    mistake (found by an implementation written apart from the project: the refusal hid it)."""
    from graders.shared.judging import keras_model as km

    layers = [{"class_name": name, "config": {"units": 1} if name == "Dense" else {}}
              for name in ("InputLayer", "Conv1D", "GlobalAveragePooling1D", "Dense")]
    config = {"class_name": "Sequential", "config": {"layers": layers}}
    got: dict[str, object] = {"pair": True, "model": True, "config": config, "fits": []}
    if refused:
        got["refused"] = km.RefusedModel("build_timed_out", seconds="60", memory=4096).to_data()
    cases = [c for c in EX11.public_cases() if c.function == "train_forecaster"]
    expected = EX11.expected_values(cases)
    verdicts = {c.name: EX11.judge(c, got, expected[c.name]) for c in cases}
    assert not any(v.passed for v in verdicts.values())
    model = verdicts[MODEL].mistake
    assert model is not None and model.id == "no_recurrent_layer"


@pytest.mark.parametrize("ratio, passes", [(0.5, True), (0.95, True), (0.999, True), (1.001, False),
                                           (1.37, False)])
def test_the_new_series_case_asks_only_that_the_model_beat_the_baseline(ratio: float, passes: bool) -> None:
    """The lesson's criterion: MAE under the common-sense baseline's, by any amount (a 10% margin failed
    honest models written apart from the project); as far off as an untrained model (1.37) fails."""
    from graders.ex11 import judge

    case = next(c for c in EX11.public_cases() if getattr(c, "aspect", "") == "beats")
    assert "10%" not in case.name
    expected = EX11.expected_values([case])[case.name]
    evaluation = expected["evaluate"]
    targets = np.asarray(evaluation["targets"], dtype=np.float64)
    signs = np.where(np.arange(len(targets)) % 2 == 0, 1.0, -1.0)
    predictions = (targets + signs * ratio * float(evaluation["naive"])).astype(np.float32)
    verdict = judge._judge_beats({"predictions": {"evaluate": predictions}}, expected)
    assert verdict.passed is passes
    assert verdict.mistake is None
