"""Grader of exercise 7: loading IMDB, training the lesson's model and plotting its history (keras allowed).

- ``load_imdb`` runs on a small file in imdb.npz's own format that this grader makes; its probe
  (``graders/ex7/probes/imdb_data.py``) makes the same file in the student's process and points the real
  ``keras.datasets.imdb.load_data`` at it. Expected: Keras's own load_data + pad_sequences on that file.
- ``train_imdb`` is graded by what training produced and by what ``fit`` was seen doing: it is called
  once, on reviews a small SimpleRNN learns in a few epochs, and several tests judge that one run (the
  cases share the call); batch grading calls it a second time for the hidden case, on reviews of a rule
  drawn per student (which token ids mean what), and evaluates it on new reviews of that rule. Its probe
  (``graders/ex7/probes/training.py``) sends the model's config and weights, its optimiser's step count and
  the history. ``coursekit check`` lets the probe run the model on the validation rows and on new reviews;
  batch grading rebuilds the model from its config (an allowlist of Keras layers, safe deserialization,
  as ex3 does) in a sandboxed job under a time and a memory limit
  (``shared/reference/keras_build.py``), never in the grading worker, and runs it there on new reviews
  of the student's own (a hidden case).
- ``plot_history`` is graded by reading the figures in the student's process (``probes/figures.py``,
  matplotlib's Agg backend).
- ``ANSWERS``: three multiple-choice questions on the lesson's printed run, one letter each (expected:
  a salted digest of the right letter, so that the handout's data does not hold it in the clear; it is
  not a secret: four tries find it).

The judgement is ``graders/ex7/judge.py`` (no reference code): the student handout judges with it too.
"""

from __future__ import annotations

import functools
import math
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.sandbox.limits import Limits

from ..shared.judging import keras_model as km
from ..shared.reference.keras_build import predict_config
from . import judge as ex7_judge
from .probes.imdb_data import use_file, write_imdb_npz
from .probes.training import make_reviews, validation_rows

HERE = Path(__file__).parent
# The training run every train_imdb case judges: 600 reviews of 12 tokens from a vocabulary of 100.
TRAIN_DATA: Mapping[str, int] = {"seed": 20261201, "count": 600, "vocab": 100, "length": 12}
EVALUATE = ex7_judge.EVALUATE
TRAIN_KWARGS = ex7_judge.TRAIN_KWARGS
VALIDATION_SPLIT = 0.2
THRESHOLD = ex7_judge.THRESHOLD
HISTORY_KEYS = ex7_judge.HISTORY_KEYS
# The lesson's printed run (LESSON13: 10 epochs, batch 128, validation_split 0.2).
LESSON_HISTORY: Mapping[str, list[float]] = {
    "acc": [0.6210, 0.8362, 0.8920, 0.9290, 0.9528, 0.9675, 0.9768, 0.9862, 0.9918, 0.9925],
    "val_acc": [0.7758, 0.7742, 0.8064, 0.8460, 0.7376, 0.7634, 0.7932, 0.8292, 0.8312, 0.8054],
    "loss": [0.6455, 0.4005, 0.2739, 0.1916, 0.1308, 0.0924, 0.0726, 0.0426, 0.0300, 0.0256],
    "val_loss": [0.5293, 0.4752, 0.4947, 0.3783, 0.5755, 0.5829, 0.5541, 0.5551, 0.5962, 0.6707],
}
ANSWER_KEY: Mapping[str, str] = {"q1": "B", "q2": "C", "q3": "A"}
# Each question's salt for its answer's digest (ex7_judge.answer_digest): random, chosen once; a course
# may change them (then regenerate graders/ex7/cache.json: python -m coursekit.refcache ex7).
ANSWER_SALTS: Mapping[str, str] = {"q1": "8e5636710f0e951afc3bf2ce9ddef052",
                                   "q2": "8a837a3d1309be141a4ea5cb936b3556",
                                   "q3": "c34c5d6b382b49adbea55f8bad18fed1"}


@dataclass(frozen=True)
class SevenCase(Case):
    """``aspect``: what of the call's result this case judges; ``evaluation_seed``: the new reviews a
    hidden train_imdb case is evaluated on (in the grader only: never sent to the student's process);
    ``rule``: the seed of the permutation of token ids its training data and new reviews follow
    (``make_reviews``), drawn per student from the course secret: the handout holds the public rule only,
    so weights set by hand from it fail this case."""

    aspect: str = ""
    evaluation_seed: int | None = None
    rule: int | None = None


def _load_case(name: str, spec: Mapping[str, int], hidden: bool = False, **kwargs: int) -> SevenCase:
    return SevenCase(name, "load_imdb", (), kwargs, hidden=hidden, probe="imdb_data",
                     probe_data={"imdb": dict(spec)})


@functools.lru_cache(maxsize=4)
def _reviews(rule: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The training reviews of ``rule``, drawn once: the train_imdb cases of one student share them, and
    drawing them is a Python loop over every review (most of ex7's public cases' time)."""
    x, y = make_reviews(**TRAIN_DATA, rule=rule)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def _train_case(name: str, aspect: str, hidden: bool = False, evaluation_seed: int | None = None,
                rule: int | None = None) -> SevenCase:
    x, y = (a.copy() for a in _reviews(rule))  # each case its own arrays, as before
    data = {} if rule is not None else {"evaluate": dict(EVALUATE)}  # a hidden rule's reviews stay here
    return SevenCase(name, "train_imdb", (x, y), dict(TRAIN_KWARGS), hidden=hidden, probe="training",
                     probe_data=data, aspect=aspect, evaluation_seed=evaluation_seed, rule=rule)


def _plot_case(name: str, history: Mapping[str, list[float]], aspect: str, hidden: bool = False) -> SevenCase:
    return SevenCase(name, "plot_history", ({k: list(v) for k, v in history.items()},), hidden=hidden,
                     probe="figures", aspect=aspect)


class ImdbTraining(Exercise):
    id = "ex7"
    title = "Training on IMDB and plotting its history"
    filename = "ex7_imdb_training.py"
    functions = ("load_imdb", "train_imdb", "plot_history")
    forbidden_imports = ()
    child_imports = ("numpy", "keras", "matplotlib.pyplot")
    requires = ("keras", "matplotlib")
    skip_top_level_calls = True  # the lesson's imdb.load_data(...), model.fit(...) at the bottom
    # Measured on a loaded 2-core machine (see README): importing TensorFlow 4-25 s, the solution's
    # training 2-14 s, its whole check 10-40 s, in at most ~2.3 GB of address space.
    limits: ClassVar[Limits] = Limits(timeout_s=180, memory_mb=6144)
    probes: ClassVar[Mapping[str, Path]] = {name: HERE / "probes" / f"{name}.py"
                                            for name in ("imdb_data", "training", "figures")}
    mistake_ids: ClassVar[frozenset[str]] = ex7_judge.MISTAKE_IDS

    def __init__(self) -> None:
        # What the last call's model gave in batch grading (by its new reviews), for the train_imdb cases
        # that share one call.
        self._rebuilt: tuple[Any, dict[str, dict[str, Any]]] | None = None

    # --- cases ------------------------------------------------------------------------------------

    def generate_public_cases(self) -> list[Case]:
        lesson = {"seed": 13, "reviews": 40, "shortest": 5, "longest": 650, "top_rank": 20_000}
        small = {"seed": 14, "reviews": 100, "shortest": 3, "longest": 150, "top_rank": 20_000}
        sizes = "max_features=100, embed_dim=16, units=16"
        return [
            _load_case("load_imdb: the lesson's call (num_words=10000, maxlen=500) on a small imdb.npz",
                       lesson),
            _load_case("load_imdb: num_words=500, maxlen=80", small, num_words=500, maxlen=80),
            _train_case(f"train_imdb: the lesson's model (Embedding, SimpleRNN, Dense sigmoid), {sizes}",
                        "model"),
            _train_case("train_imdb: compiled with rmsprop, binary_crossentropy, metrics ['acc']", "compile"),
            _train_case("train_imdb: history has acc, val_acc, loss, val_loss, one value per epoch",
                        "history"),
            _train_case("train_imdb: fitted for epochs=3, batch_size=32, validating on 20% (steps per epoch)",
                        "steps"),
            _train_case("train_imdb: the history is the fit's own (its last val_loss and val_acc are the "
                        "model's)", "authentic"),
            _train_case(f"train_imdb: accuracy on 400 new reviews at least {THRESHOLD}", "accuracy"),
            _plot_case("plot_history: two figures, one axes each", LESSON_HISTORY, "figures"),
            _plot_case("plot_history: accuracy figure, training 'bo' and validation 'b' against the epochs",
                       LESSON_HISTORY, "accuracy"),
            _plot_case("plot_history: loss figure, training 'bo' and validation 'b' against the epochs",
                       LESSON_HISTORY, "loss"),
            _plot_case("plot_history: the titles and a legend with two entries", LESSON_HISTORY, "labels"),
            *(SevenCase(f"ANSWERS: {q}", "ANSWERS", attribute=True, aspect=q) for q in ANSWER_KEY),
        ]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        spec = {"seed": int(rng.integers(1 << 30)), "reviews": 80, "shortest": 3, "longest": 200,
                "top_rank": 20_000}
        epochs = int(rng.integers(3, 9))
        bounds = ((0.5, 1.0), (0.5, 1.0), (0.0, 0.7), (0.0, 0.7))
        history = {key: [round(float(v), 4) for v in rng.uniform(low, high, epochs)]
                   for key, (low, high) in zip(HISTORY_KEYS, bounds, strict=True)}
        return [
            _load_case("hidden load_imdb: another data file, num_words and maxlen", spec, hidden=True,
                       num_words=int(rng.integers(300, 5000)), maxlen=int(rng.integers(30, 120))),
            _train_case(f"hidden train_imdb: accuracy on new reviews at least {THRESHOLD}", "accuracy",
                        hidden=True, evaluation_seed=int(rng.integers(1 << 30)),
                        rule=int(rng.integers(1 << 30))),
            _plot_case("hidden plot_history: another history", history, "all", hidden=True),
        ]

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        """load_imdb: Keras's load_data + pad_sequences on the case's file. train_imdb: the run asked for
        (its steps per epoch, as Keras's fit counts them). plot_history: the history. ANSWERS: the key."""
        if case.function == "load_imdb":
            return self._load_reference(case)
        if case.function == "train_imdb":
            count = len(case.args[0])
            validation = validation_rows(count, VALIDATION_SPLIT)
            return {"epochs": TRAIN_KWARGS["epochs"], "batch_size": TRAIN_KWARGS["batch_size"],
                    "validation_rows": validation,
                    "steps_per_epoch": math.ceil((count - validation) / TRAIN_KWARGS["batch_size"])}
        if case.function == "plot_history":
            return case.args[0]
        question = getattr(case, "aspect", "")
        return ex7_judge.answer_digest(question, ANSWER_KEY[question], ANSWER_SALTS[question])

    @staticmethod
    def _load_reference(case: Case) -> dict[str, Any]:
        import keras

        num_words = case.kwargs.get("num_words", 10000)
        maxlen = case.kwargs.get("maxlen", 500)
        module: Any = sys.modules[keras.datasets.imdb.load_data.__module__]  # its get_file is swapped below
        with tempfile.TemporaryDirectory() as folder:
            original = use_file(module, write_imdb_npz(folder, case.probe_data["imdb"]))
            try:
                (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=num_words)
                (short_train, _), (short_test, _) = keras.datasets.imdb.load_data(num_words=num_words,
                                                                                   maxlen=maxlen)
            finally:
                module.get_file = original
        return {"x_train": keras.utils.pad_sequences(x_train, maxlen=maxlen), "y_train": y_train,
                "x_test": keras.utils.pad_sequences(x_test, maxlen=maxlen), "y_test": y_test,
                "rows_kept_by_load_data_maxlen": [len(short_train), len(short_test)]}

    # --- batch grading: the model is rebuilt in a sandboxed job ---------------------------------------

    def remeasure(self, case: Case, got: Any) -> Any:
        """train_imdb: rebuild the model from its config and weights and run it on the validation rows and
        on the case's new reviews, in a sandboxed job under ``BUILD_LIMITS``
        (``shared/reference/keras_build.py``), once for the cases sharing the call; nothing the student's
        process measured is used."""
        if case.function != "train_imdb" or not isinstance(got, Mapping) or got.get("model") is not True:
            return got
        kept = {k: v for k, v in got.items()
                if k not in ("validation_probabilities", "evaluation_probabilities", "run_error",
                             "validation_data_probabilities")}
        if self._rebuilt is None or self._rebuilt[0] is not got:
            self._rebuilt = (got, {})
        evaluate = ex7_judge.evaluation(case)
        key = repr(sorted(evaluate.items()))
        runs = self._rebuilt[1]
        if key not in runs:
            runs[key] = self._run(got, case, evaluate)
        found = runs[key]
        if "refused" in found:
            return {**kept, "refused": found["refused"]}
        if getattr(case, "aspect", "") == "authentic" and "validation_data" in found:
            # fit's own validation_data, which the student's history was measured on
            kept["validation_data_probabilities"] = found["validation_data"]
        if getattr(case, "aspect", "") != "accuracy":
            return {**kept, "validation_probabilities": found["validation"]}
        if "evaluation" not in found:
            return {**kept, "validation_probabilities": found["validation"], "run_error": found["error"]}
        return {**kept, "validation_probabilities": found["validation"], "evaluation_probabilities":
                found["evaluation"]}

    @staticmethod
    def _run(got: Mapping[str, Any], case: Case, evaluate: Mapping[str, int]) -> dict[str, Any]:
        """{validation, [validation_data,] evaluation} probabilities, the same with ``error`` in place of what
        could not be run, or {refused: why}. ``validation_data``: the rows fit was given as its
        validation_data (the probe's record), when it was given some."""
        x = np.asarray(case.args[0])
        validation = validation_rows(len(x), VALIDATION_SPLIT)
        given = got.get("validation_data")
        extra = [given["x"]] if isinstance(given, Mapping) and isinstance(given.get("x"), np.ndarray) else []
        try:
            km.reported_shapes(got)  # the weights as reported: arrays, within the bound
            config = got.get("config")
            if not isinstance(config, Mapping):
                raise km.RefusedModel("config_unreadable")
            outputs, error = predict_config(config, got.get("weights") or [],
                                            [x[len(x) - validation:], *extra, make_reviews(**evaluate)[0]])
        except km.RefusedModel as exc:
            return {"refused": exc.to_data()}
        if not outputs:  # the student's model: the message goes into their feedback
            return {"refused": {"reason": "model_not_run", "params": {"error": str(error)}}}
        found: dict[str, Any] = {"validation": outputs[0]}
        rest = list(outputs[1:])
        if extra:
            if not rest:
                return {**found, "error": str(error)}
            found["validation_data"] = rest.pop(0)
        if not rest:
            return {**found, "error": str(error)}
        return {**found, "evaluation": rest[0]}

    # --- judgement: graders/ex7/judge.py ------------------------------------------------------------

    judge_module = f"{__package__}.judge"

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex7_judge.judge(case, got, expected, ())


EXERCISE = ImdbTraining()
