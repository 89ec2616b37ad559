"""Grader of exercise 11: forecasting a weather series, as Chollet forecasts Jena's temperature.

- ``load_climate`` reads a CSV in the Jena climate format that the case's probe (``probes/climate.py``)
  writes in the student's process; expected: numpy on the same text.
- ``normalize`` against numpy on the first ``num_train`` rows; ``windows`` against
  ``keras.utils.timeseries_dataset_from_array``, collected; ``naive_mae`` against the baseline computed
  here. The named mistakes' outputs are computed the same ways, from the same inputs.
- ``train_forecaster`` is called once, on windows of a series of :data:`TRAIN_SERIES`, and several
  tests judge that run (the cases share the call). Its probe (``probes/training.py``) watches ``fit``
  while it runs and sends the model's config and weights, the history and the record of the fit.
  ``coursekit check`` lets the probe run the recorded weights; batch grading rebuilds the model in a
  sandboxed job (``evaluation.py``) and runs it there, on the windows of a series drawn for each student
  (a hidden case: its seed never leaves the grader).

The judgement is ``judge.py`` (no reference code): the student handout judges with it too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.messages import Mistake
from coursekit.sandbox.limits import Limits

from ..shared.judging import keras_model as km
from . import judge as ex11_judge
from .probes.climate import COLUMNS, climate_csv

HERE = Path(__file__).parent
# The series every train_forecaster case trains on (60 days of 10-minute records, in July), split as
# Chollet splits the Jena record: the first half for training, the next quarter for validation.
TRAIN_SERIES: Mapping[str, Any] = {"seed": 20261211, "rows": 8640, "start": "2014-07-15"}
NUM_TRAIN, NUM_VAL = 4320, 2160
TARGET = COLUMNS.index("T (degC)")
# Hourly steps over one day, the temperature two hours after the window's last step (Chollet: 5 days,
# 24 hours after): delay = sampling_rate * (sequence_length + 2 - 1).
SEQUENCE_LENGTH, SAMPLING_RATE = 24, 6
DELAY = SAMPLING_RATE * (SEQUENCE_LENGTH + 2 - 1)
TRAIN_KWARGS: Mapping[str, int] = {"epochs": 5, "batch_size": 64, "units": 16}
# The public series the trained model is evaluated on, and the length of a student's hidden one.
EVALUATE_SERIES: Mapping[str, Any] = {"seed": 11, "rows": 2000, "start": "2014-07-15"}
CSV_PATH = "data/jena_climate_2009_2016.csv"


@dataclass(frozen=True)
class ForecastCase(Case):
    """``aspect``: what of a train_forecaster run this case judges; ``evaluation_seed``: the series a hidden
    case evaluates the model on (in the grader only: never sent to the student's process)."""

    aspect: str = ""
    evaluation_seed: int | None = None


def parse_csv(text: str) -> tuple[list[str], np.ndarray]:
    """The names (without "Date Time") and the float32 values of a Jena CSV, read by numpy."""
    lines = text.strip().split("\n")
    names = [n.strip().strip('"') for n in lines[0].split(",")][1:]
    values = np.loadtxt(lines[1:], delimiter=",", usecols=range(1, len(names) + 1), dtype=np.float64,
                        ndmin=2)
    return names, values.astype(np.float32)


def numpy_windows(data: np.ndarray, target_col: int, sequence_length: int, sampling_rate: int,
                  delay: int, target_offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The training windows, by index arithmetic (the grader's own series, and the named mistakes'
    outputs; the ``windows`` cases are judged against Keras, and tests/test_ex11.py holds this against
    Keras too). ``target_offset`` -1: each target one step earlier, the mistake."""
    count = max(len(data) - delay - (sequence_length - 1) * sampling_rate, 0)
    starts = np.arange(count)
    rows = starts[:, None] + sampling_rate * np.arange(sequence_length)[None, :]
    return data[rows], data[starts + delay + target_offset, target_col]


def training_data() -> dict[str, Any]:
    """The normalised training series, its statistics, and its training and validation windows."""
    _, values = parse_csv(climate_csv(**TRAIN_SERIES))
    mean, std = values[:NUM_TRAIN].mean(axis=0), values[:NUM_TRAIN].std(axis=0)
    data = (values - mean) / std
    x_train, y_train = numpy_windows(data[:NUM_TRAIN], TARGET, SEQUENCE_LENGTH, SAMPLING_RATE, DELAY)
    x_val, y_val = numpy_windows(data[NUM_TRAIN:NUM_TRAIN + NUM_VAL], TARGET, SEQUENCE_LENGTH, SAMPLING_RATE,
                                 DELAY)
    return {"mean": mean, "std": std, "x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val}


@lru_cache(maxsize=4)  # the public series and the student being graded: a few, never a class's worth
def evaluation_windows(seed: int) -> dict[str, Any]:
    """Windows of a new series in the same season, normalised with the training statistics (read only)."""
    _, values = parse_csv(climate_csv(**{**EVALUATE_SERIES, "seed": seed}))
    train = _training()
    data = (values - train["mean"]) / train["std"]
    x, y = numpy_windows(data, TARGET, SEQUENCE_LENGTH, SAMPLING_RATE, DELAY)
    return {"x": x, "targets": y, "naive": float(np.mean(np.abs(x[:, -1, TARGET] - y))),
            "std": float(train["std"][TARGET])}


_cache: dict[str, Any] = {}


def _training() -> dict[str, Any]:
    if not _cache:
        _cache.update(training_data())
    return _cache


def _load_case(name: str, seed: int, rows: int, hidden: bool = False) -> Case:
    return ForecastCase(name, "load_climate", (CSV_PATH,), hidden=hidden, probe="climate",
                        probe_data={"climate": {"seed": seed, "rows": rows}})


def _train_case(name: str, aspect: str, hidden: bool = False, evaluation_seed: int | None = None) -> Case:
    train = _training()
    # The same data for every case, hidden ones included: they all share one call (one training) in the
    # student's process. A hidden case's own series never leaves the grader (``evaluation_seed``).
    data = {"evaluate": {"x": evaluation_windows(EVALUATE_SERIES["seed"])["x"]},
            "train_every": ex11_judge.TRAIN_EVERY}
    return ForecastCase(name, "train_forecaster", (train["x_train"], train["y_train"], train["x_val"],
                                                   train["y_val"]), dict(TRAIN_KWARGS), hidden=hidden,
                        probe="training", probe_data=data, aspect=aspect, evaluation_seed=evaluation_seed)


def _grid(rng: np.random.Generator, rows: int, features: int) -> np.ndarray:
    """Values with one decimal, the same bits on every machine."""
    return (rng.integers(-300, 300, (rows, features)) / 10.0).astype(np.float32)


class Forecast(Exercise):
    id = "ex11"
    title = "Forecasting a weather series"
    filename = "ex11_forecast.py"
    functions = ("load_climate", "normalize", "windows", "naive_mae", "train_forecaster")
    forbidden_imports = ()
    child_imports = ("numpy", "keras")
    requires = ("keras",)
    # Measured on a loaded 2-core machine (see README): importing TensorFlow 4-25 s, the solution's
    # training 5-10 s of CPU, its whole check 15-40 s, in at most ~2.3 GB of address space.
    limits: ClassVar[Limits] = Limits(timeout_s=180, memory_mb=6144)
    # The sandboxed job that rebuilds and runs a model in batch grading.
    evaluation_limits: ClassVar[Limits] = Limits(timeout_s=60, memory_mb=4096)
    probes: ClassVar[Mapping[str, Path]] = {name: HERE / "probes" / f"{name}.py"
                                            for name in ("climate", "training")}
    mistake_ids: ClassVar[frozenset[str]] = ex11_judge.MISTAKE_IDS
    judge_module = f"{__package__}.judge"

    def __init__(self) -> None:
        # The run being remeasured (batch grading): the student's report, the grader's outputs of its
        # snapshots, and of its final weights on each evaluation series, by seed.
        self._runs: tuple[Any, dict[str, Any], dict[int, Any]] | None = None

    # --- cases ------------------------------------------------------------------------------------

    def generate_public_cases(self) -> list[Case]:
        rng = np.random.default_rng(1101)
        small, wide = _grid(rng, 40, 3), _grid(rng, 60, 4)
        samples, targets = numpy_windows(small, 1, 4, 2, 9)
        mean, std = np.array([1.5, -2.0, 0.5], np.float32), np.array([2.0, 4.0, 0.5], np.float32)
        return [
            _load_case("load_climate: a CSV in the Jena format, 300 records", 5, 300),
            ForecastCase("normalize: 40 rows, statistics of the first 30", "normalize", (small, 30)),
            ForecastCase("normalize: 60 rows, statistics of the first 20", "normalize", (wide, 20)),
            ForecastCase("windows: sequence_length=4, sampling_rate=2, delay=9", "windows",
                         (small, 1, 4, 2, 9)),
            ForecastCase("windows: sequence_length=5, sampling_rate=3, delay=15, target column 0", "windows",
                         (wide, 0, 5, 3, 15)),
            ForecastCase("naive_mae: the last step of each window, in degrees", "naive_mae",
                         (samples, targets * std[1] + mean[1], 1, mean, std)),
            _train_case("train_forecaster: a recurrent layer, then Dense(1)", "model"),
            _train_case("train_forecaster: compiled with loss 'mse' and metrics ['mae']", "compile"),
            _train_case("train_forecaster: history has loss, mae, val_loss, val_mae, one value per epoch",
                        "history"),
            _train_case("train_forecaster: one fit of epochs=5, batch_size=64 (steps per epoch)", "steps"),
            _train_case("train_forecaster: the history is the fit's own (each epoch's val_loss and val_mae "
                        "are its weights')", "authentic"),
            _train_case("train_forecaster: beats the common-sense baseline on a new series", "beats"),
        ]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        sizes = shape_rng if shape_rng is not None else rng
        rows, features = int(sizes.integers(50, 90)), int(sizes.integers(2, 6))
        length, rate = int(sizes.integers(3, 7)), int(sizes.integers(1, 4))
        delay = rate * (length - 1) + int(sizes.integers(1, 6))
        col = int(sizes.integers(0, features))
        data = _grid(rng, rows, features)
        samples, targets = numpy_windows(data, col, length, rate, delay)
        mean = (rng.integers(-50, 50, features) / 10.0).astype(np.float32)
        std = (rng.integers(5, 50, features) / 10.0).astype(np.float32)
        return [
            _load_case("hidden load_climate: another series", int(rng.integers(1 << 30)), 200, hidden=True),
            ForecastCase("hidden normalize: other data", "normalize", (data, int(sizes.integers(10, 40))),
                         hidden=True),
            ForecastCase("hidden windows: other sizes", "windows", (data, col, length, rate, delay),
                         hidden=True),
            ForecastCase("hidden naive_mae: other windows", "naive_mae",
                         (samples, targets * std[col] + mean[col], col, mean, std), hidden=True),
            _train_case("hidden train_forecaster: beats the baseline on a series of your own", "beats",
                        hidden=True, evaluation_seed=int(rng.integers(1 << 30))),
        ]

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        if case.function == "load_climate":
            names, values = parse_csv(climate_csv(**case.probe_data["climate"]))
            return {"names": names, "data": values}
        if case.function == "normalize":
            data, num_train = case.args
            mean, std = data[:num_train].mean(axis=0), data[:num_train].std(axis=0)
            return {"data": (data - mean) / std, "mean": mean, "std": std}
        if case.function == "windows":
            samples, targets = keras_windows(*case.args)
            return {"samples": samples, "targets": targets}
        if case.function == "naive_mae":
            samples, targets, col, mean, std = case.args
            return float(np.mean(np.abs(samples[:, -1, col] * std[col] + mean[col] - targets)))
        return self._train_reference(case)

    def _train_reference(self, case: Case) -> dict[str, Any]:
        rows = len(case.args[0])
        batch = case.kwargs["batch_size"]
        train = _training()
        seed = getattr(case, "evaluation_seed", None)
        evaluation = evaluation_windows(EVALUATE_SERIES["seed"] if seed is None else int(seed))
        y_val, x_val = train["y_val"], train["x_val"]
        return {"epochs": case.kwargs["epochs"], "batch_size": batch, "rows": rows,
                "steps_per_epoch": math.ceil(rows / batch),
                "naive_val_mae": float(np.mean(np.abs(x_val[:, -1, TARGET] - y_val))),
                "evaluate": {k: evaluation[k] for k in ("targets", "naive", "std")}}

    def mistakes(self, case: Case) -> list[Mistake]:
        """The outputs of the named mistakes on this case's inputs (the handout stores them)."""
        def named(mistake_id: str, output: Any) -> Mistake:
            return self.mistake(mistake_id, output)

        if case.function == "normalize":
            data, _ = case.args
            mean, std = data.mean(axis=0), data.std(axis=0)
            return [named("stats_over_all_rows", ((data - mean) / std, mean, std))]
        if case.function == "windows":
            data, col, length, rate, delay = case.args
            # by index arithmetic, as Keras cuts them (tests/test_ex11.py): a tf.data pipeline each cost
            # 0.1 s of CPU per student
            early = numpy_windows(data, col, length, rate, delay, target_offset=-1)
            every_row = numpy_windows(data, col, length, 1, delay)
            # consecutive rows, but as many windows as sampling_rate allows (the count's formula kept)
            count = max(len(data) - delay - (length - 1) * rate, 0)
            return [named("target_one_step_early", early), named("sampling_rate_ignored", every_row),
                    named("sampling_rate_ignored", (every_row[0][:count], every_row[1][:count]))]
        if case.function == "naive_mae":
            samples, targets, col, mean, std = case.args
            last = samples[:, -1, col]

            def mae(predictions: np.ndarray, truth: np.ndarray) -> np.ndarray:
                return np.asarray(float(np.mean(np.abs(predictions - truth))))

            # in normalised units: the last value against the targets as given, or (Chollet's MAE before
            # it is multiplied by std) against the targets normalised too
            return [named("baseline_normalized_units", mae(last, targets)),
                    named("baseline_normalized_units", mae(last, (targets - mean[col]) / std[col])),
                    named("baseline_first_step", mae(samples[:, 0, col] * std[col] + mean[col], targets))]
        return []

    # --- batch grading: the model is rebuilt and run in a sandboxed job ---------------------------

    def remeasure(self, case: Case, got: Any) -> Any:
        """train_forecaster: rebuild the model from its config and run it in a sandboxed job: every
        recorded snapshot on the training and validation windows (once for the cases sharing the call),
        the final weights on the case's evaluation windows (once per series); nothing the student's
        process measured is used."""
        if case.function != "train_forecaster" or not isinstance(got, Mapping) \
                or got.get("model") is not True:
            return got
        from . import evaluation
        from .probes.training import snapshots

        kept = {k: v for k, v in got.items() if k not in ("predictions", "run_error", "refused")}
        if self._runs is None or self._runs[0] is not got:  # holding got: its id is not reused meanwhile
            self._runs = (got, {}, {})
        _, measured, evaluated = self._runs
        seed = getattr(case, "evaluation_seed", None)
        seed = EVALUATE_SERIES["seed"] if seed is None else int(seed)
        if "refused" not in measured and ("train" not in measured or seed not in evaluated):
            train = _training()
            fits, weights, config = got.get("fits"), got.get("weights"), got.get("config")
            if not isinstance(fits, list) or len(fits) != 1:
                return kept  # no single fit observed: the judge fails every training test without outputs
            try:
                found = evaluation.evaluate_in_job(
                    config if isinstance(config, Mapping) else {},
                    weights if isinstance(weights, list) else [],
                    [] if "train" in measured else snapshots(fits),
                    train["x_train"][::ex11_judge.TRAIN_EVERY], train["x_val"], evaluation_windows(seed)["x"],
                    self.evaluation_limits)
                if "train" not in measured:
                    measured.update(train=found["train"], val=found["val"])
                evaluated[seed] = found["evaluate"]
            except km.RefusedModel as exc:
                measured["refused"] = exc.to_data()
            except Exception as exc:  # a record of the student's that does not fit: their feedback says so
                measured["refused"] = {"reason": "model_not_run",
                                       "params": {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}}
        if "refused" in measured:
            return {**kept, "refused": measured["refused"]}
        return {**kept, "predictions": {"train": measured["train"], "val": measured["val"],
                                        "evaluate": evaluated[seed]}}

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex11_judge.judge(case, got, expected, self.mistakes(case))


def keras_windows(data: np.ndarray, target_col: int, sequence_length: int, sampling_rate: int, delay: int,
                  target_offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """What ``keras.utils.timeseries_dataset_from_array`` gives, collected into two arrays
    (``target_offset`` -1: each target one step earlier, the mistake)."""
    import keras

    shift = delay + target_offset
    dataset = keras.utils.timeseries_dataset_from_array(
        data[:-delay], targets=data[shift:, target_col], sequence_length=sequence_length,
        sampling_rate=sampling_rate, shuffle=False, batch_size=1024)
    samples, targets = [], []
    for x, y in dataset:
        samples.append(np.asarray(x))
        targets.append(np.asarray(y))
    features = data.shape[1]
    if not samples:
        return np.zeros((0, sequence_length, features), data.dtype), np.zeros((0,), data.dtype)
    return np.concatenate(samples), np.concatenate(targets)


EXERCISE = Forecast()
