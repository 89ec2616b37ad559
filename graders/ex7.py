"""Grader of exercise 7: loading IMDB, training the lesson's model and plotting its history (keras allowed).

- ``load_imdb`` runs on a small file in imdb.npz's own format that this grader makes; its probe
  (``graders/_probe_imdb_data.py``) makes the same file in the student's process and points the real
  ``keras.datasets.imdb.load_data`` at it. Expected: Keras's own load_data + pad_sequences on that file.
- ``train_imdb`` is graded by what training produced: it is called once, on reviews a small SimpleRNN
  learns in a few epochs, and several tests judge that one run (the cases share the call). Its probe
  (``graders/_probe_training.py``) sends the model's config and weights, its optimiser's step count and
  the history. ``coursekit check`` lets the probe run the model on the validation rows and on new reviews;
  batch grading rebuilds the model here from its config (an allowlist of Keras layers, safe
  deserialization, as ex3 does) and runs it on new reviews of the student's own (a hidden case).
- ``plot_history`` is graded by reading the figures in the student's process (``_probe_figures.py``,
  matplotlib's Agg backend).
- ``ANSWERS``: three multiple-choice questions on the lesson's printed run, one letter each.
"""

from __future__ import annotations

import math
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.messages import verbatim
from coursekit.sandbox.limits import Limits
from graders import _keras_model as km
from graders._probe_imdb_data import use_file, write_imdb_npz
from graders._probe_training import make_reviews, model_probabilities, validation_rows

HERE = Path(__file__).parent
# The training run every train_imdb case judges: 600 reviews of 12 tokens from a vocabulary of 100.
TRAIN_DATA: Mapping[str, int] = {"seed": 20261201, "count": 600, "vocab": 100, "length": 12}
EVALUATE: Mapping[str, int] = {"seed": 7, "count": 400, "vocab": 100, "length": 12}
TRAIN_KWARGS: Mapping[str, int] = {"epochs": 3, "batch_size": 32, "max_features": 100, "embed_dim": 16,
                                   "units": 16}
VALIDATION_SPLIT = 0.2
# The lesson's model trained as above reaches 0.91-0.98 on new reviews (12 runs of the solution, each
# with its own initial weights); chance is 0.5.
THRESHOLD = 0.75
HISTORY_KEYS = ("acc", "val_acc", "loss", "val_loss")
# The lesson's printed run (LESSON13: 10 epochs, batch 128, validation_split 0.2).
LESSON_HISTORY: Mapping[str, list[float]] = {
    "acc": [0.6210, 0.8362, 0.8920, 0.9290, 0.9528, 0.9675, 0.9768, 0.9862, 0.9918, 0.9925],
    "val_acc": [0.7758, 0.7742, 0.8064, 0.8460, 0.7376, 0.7634, 0.7932, 0.8292, 0.8312, 0.8054],
    "loss": [0.6455, 0.4005, 0.2739, 0.1916, 0.1308, 0.0924, 0.0726, 0.0426, 0.0300, 0.0256],
    "val_loss": [0.5293, 0.4752, 0.4947, 0.3783, 0.5755, 0.5829, 0.5541, 0.5551, 0.5962, 0.6707],
}
TITLES = ("Training and validation accuracy", "Training and validation loss")
ANSWER_KEY: Mapping[str, str] = {"q1": "B", "q2": "C", "q3": "A"}
BLUE = "#0000ff"


@dataclass(frozen=True)
class SevenCase(Case):
    """``aspect``: what of the call's result this case judges; ``evaluation_seed``: the new reviews a
    hidden train_imdb case is evaluated on (in the grader only: never sent to the student's process)."""

    aspect: str = ""
    evaluation_seed: int | None = None


def _load_case(name: str, spec: Mapping[str, int], hidden: bool = False, **kwargs: int) -> SevenCase:
    return SevenCase(name, "load_imdb", (), kwargs, hidden=hidden, probe="imdb_data",
                     probe_data={"imdb": dict(spec)})


def _train_case(name: str, aspect: str, hidden: bool = False, evaluation_seed: int | None = None
                ) -> SevenCase:
    x, y = make_reviews(**TRAIN_DATA)
    return SevenCase(name, "train_imdb", (x, y), dict(TRAIN_KWARGS), hidden=hidden, probe="training",
                     probe_data={"evaluate": dict(EVALUATE)}, aspect=aspect, evaluation_seed=evaluation_seed)


def _plot_case(name: str, history: Mapping[str, list[float]], aspect: str, hidden: bool = False) -> SevenCase:
    return SevenCase(name, "plot_history", ({k: list(v) for k, v in history.items()},), hidden=hidden,
                     probe="figures", aspect=aspect)


def _describe(value: Any) -> str:
    """A short description of a received value's kind, for the "got X" part of ex7's English messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} items"
    return "None" if value is None else f"a {type(value).__name__} ({str(value)[:40]})"


def _named(text: str, mistake_id: str, **params: Any) -> Verdict:
    """A failed verdict naming ``mistake_id`` (its "Looks like" line comes from ex7's catalogue)."""
    return Verdict(False, verbatim(text), mistake=EXERCISE.mistake(mistake_id, **params))


class ImdbTraining(Exercise):
    id = "ex7"
    title = "Training on IMDB and plotting its history"
    filename = "ex7_imdb_training.py"
    functions = ("load_imdb", "train_imdb", "plot_history")
    forbidden_imports = ()
    child_imports = ("numpy", "keras", "matplotlib.pyplot")
    # Measured on a loaded 2-core machine (see README): importing TensorFlow 4-25 s, the solution's
    # training 2-14 s, its whole check 10-40 s, in at most ~2.3 GB of address space.
    limits: ClassVar[Limits] = Limits(timeout_s=180, memory_mb=6144)
    probes: ClassVar[Mapping[str, Path]] = {name: HERE / f"_probe_{name}.py"
                                            for name in ("imdb_data", "training", "figures")}
    mistake_ids: ClassVar[frozenset[str]] = frozenset({
        "x_not_padded", "maxlen_to_load_data", "num_words_ignored", "padded_post", "not_fitted",
        "optimizer_not_rmsprop", "history_by_hand", "validation_split_ignored", "series_swapped",
        "loss_accuracy_swapped", "both_lines", "no_legend"})

    def __init__(self) -> None:
        # The last rebuilt model (batch grading), for the train_imdb cases that share one call.
        self._rebuilt: tuple[Any, Any] | None = None

    # --- cases ------------------------------------------------------------------------------------

    def public_cases(self) -> list[Case]:
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
                        hidden=True, evaluation_seed=int(rng.integers(1 << 30))),
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
        return ANSWER_KEY[getattr(case, "aspect", "")]

    @staticmethod
    def _load_reference(case: Case) -> dict[str, Any]:
        import keras

        num_words = case.kwargs.get("num_words", 10000)
        maxlen = case.kwargs.get("maxlen", 500)
        module = sys.modules[keras.datasets.imdb.load_data.__module__]
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

    # --- batch grading: the model is rebuilt here ---------------------------------------------------

    def remeasure(self, case: Case, got: Any) -> Any:
        """train_imdb: rebuild the model from its config and weights (once for the cases sharing the
        call), run it on the validation rows and on the case's new reviews; nothing the student's process
        measured is used."""
        if case.function != "train_imdb" or not isinstance(got, Mapping) or got.get("model") is not True:
            return got
        kept = {k: v for k, v in got.items()
                if k not in ("validation_probabilities", "evaluation_probabilities", "run_error")}
        if self._rebuilt is None or self._rebuilt[0] is not got:
            self._rebuilt = (got, self._rebuild(got, case))
        model, validation = self._rebuilt[1]
        if model is None:
            return {**kept, "refused": validation}
        if getattr(case, "aspect", "") != "accuracy":
            return {**kept, "validation_probabilities": validation}
        try:
            evaluation = model_probabilities(model, make_reviews(**self._evaluation(case))[0])
        except Exception as exc:
            return {**kept, "run_error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        return {**kept, "validation_probabilities": validation, "evaluation_probabilities": evaluation}

    @staticmethod
    def _rebuild(got: Mapping[str, Any], case: Case) -> tuple[Any, Any]:
        """(model, validation probabilities), or (None, why the model was refused)."""
        weights = got.get("weights")
        try:
            model, _ = km.rebuild(got.get("config"), km.reported_shapes(got))
            model.set_weights([np.asarray(w, dtype=np.float32) for w in weights or []])
            x = np.asarray(case.args[0])
            validation = validation_rows(len(x), VALIDATION_SPLIT)
            return model, model_probabilities(model, x[len(x) - validation:])
        except km.RefusedModel as exc:
            return None, str(exc)
        except Exception as exc:  # the student's model: the message goes into their feedback
            return None, f"the model could not be run ({type(exc).__name__}: {str(exc)[:200]})"

    @staticmethod
    def _evaluation(case: Case) -> dict[str, int]:
        seed = getattr(case, "evaluation_seed", None)
        return dict(EVALUATE) if seed is None else {**EVALUATE, "seed": seed}

    # --- judgement ----------------------------------------------------------------------------------

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        if case.function == "load_imdb":
            return self._judge_load(case, got, expected)
        if case.function == "train_imdb":
            return self._judge_train(case, got, expected)
        if case.function == "plot_history":
            return self._judge_plot(case, got)
        return self._judge_answer(case, got, expected)

    # load_imdb

    def _judge_load(self, case: Case, got: Any, expected: Mapping[str, Any]) -> Verdict:
        what = "load_imdb"
        shape = "((x_train, y_train), (x_test, y_test))"
        if not (isinstance(got, tuple) and len(got) == 2):
            return Verdict(False, f"{what}: the result could not be read ({_describe(got)})")
        value, dtypes = got
        parts = _pairs(value)
        if parts is None:
            return Verdict(False, f"{what}: expected {shape}, got {_describe(value)}")
        maxlen = case.kwargs.get("maxlen", 500)
        kinds = _pairs(dtypes) or [[None, None], [None, None]]
        kept_rows = expected["rows_kept_by_load_data_maxlen"]
        for (x, y), (x_kind, y_kind), part, rows in zip(parts, kinds, ("train", "test"), kept_rows,
                                                        strict=True):
            want_x, want_y = expected[f"x_{part}"], expected[f"y_{part}"]
            if not isinstance(x, np.ndarray):
                if x_kind == "object" or isinstance(x, list):
                    return _named(f"{what}: x_{part} is not padded ({_describe(x)} of dtype {x_kind})",
                                  "x_not_padded")
                return Verdict(False, f"{what}: x_{part}: expected an int array of shape {want_x.shape}, "
                                      f"got {_describe(x)}")
            if x.shape != want_x.shape:
                text = f"{what}: x_{part}: expected shape {want_x.shape}, got {x.shape}"
                if x.shape == (rows, maxlen) and rows != want_x.shape[0]:
                    return _named(text, "maxlen_to_load_data")
                return Verdict(False, text)
            if not np.array_equal(x, want_x):
                text = f"{what}: x_{part}: the token ids differ from Keras's"
                if x.max(initial=0) >= case.kwargs.get("num_words", 10000):
                    return _named(f"{text} (ids up to {int(x.max())})", "num_words_ignored")
                if np.array_equal(x, _padded_post(want_x)):
                    return _named(text, "padded_post")
                first = tuple(int(i) for i in np.argwhere(x != want_x)[0])
                return Verdict(False, f"{text}: first at {first}, expected {int(want_x[first])}, got "
                                      f"{int(x[first])}; pad with keras.utils.pad_sequences(x, "
                                      f"maxlen=maxlen)")
            if x_kind is None or not str(x_kind).startswith(("int", "uint")):
                return Verdict(False, f"{what}: x_{part} has dtype {x_kind}, expected integer token ids "
                                      f"(pad_sequences gives int32)")
            if not isinstance(y, np.ndarray) or not np.array_equal(y, want_y) \
                    or not str(y_kind).startswith(("int", "uint")):
                return Verdict(False, f"{what}: y_{part}: expected the int array of 0/1 labels load_data "
                                      f"returns ({len(want_y)} of them), got {_describe(y)} of dtype "
                                      f"{y_kind}")
        return Verdict(True, f"as Keras loads and pads it: x_train {expected['x_train'].shape}, "
                             f"x_test {expected['x_test'].shape}")

    # train_imdb

    def _judge_train(self, case: Case, got: Any, expected: Mapping[str, Any]) -> Verdict:
        what = "train_imdb"
        problem = _training_problem(got)
        if problem is not None:
            return problem
        aspect = getattr(case, "aspect", "")
        if aspect == "model":
            return _judge_architecture(got)
        if aspect == "compile":
            return _judge_compile(got)
        if aspect == "history":
            return _judge_history(got, expected)
        if aspect == "steps":
            return _judge_steps(got, expected, len(case.args[0]))
        if aspect == "authentic":
            return _judge_authentic(got, expected, np.asarray(case.args[1]))
        if "run_error" in got or "evaluation_probabilities" not in got:
            return Verdict(False, f"{what}: running the model on new reviews failed: {got.get('run_error')}")
        labels = make_reviews(**self._evaluation(case))[1]
        p = np.asarray(got["evaluation_probabilities"], dtype=np.float64)
        if p.shape != labels.shape:
            return Verdict(False, f"{what}: the model gave {p.shape} outputs for {labels.shape} reviews")
        accuracy = float(np.mean((p > 0.5) == (labels == 1)))
        if accuracy >= THRESHOLD:
            return Verdict(True, f"accuracy {accuracy:.3f} on {len(labels)} new reviews")
        return Verdict(False, f"{what}: accuracy {accuracy:.3f} on {len(labels)} new reviews, expected at "
                              f"least {THRESHOLD} (chance is 0.5): is the model fitted on x_train, y_train "
                              f"with the arguments given?")

    # plot_history

    def _judge_plot(self, case: Case, got: Any) -> Verdict:
        history: Mapping[str, list[float]] = case.args[0]
        aspect = getattr(case, "aspect", "")
        if not isinstance(got, Mapping) or not isinstance(got.get("figures"), list):
            return Verdict(False, f"plot_history: expected (fig_acc, fig_loss), got {_describe(got)}"
                                  if not isinstance(got, Mapping) else
                                  f"plot_history: expected (fig_acc, fig_loss), got a {got.get('type')}")
        figures: list[Any] = got["figures"]
        checks = {"figures": _check_figures, "accuracy": _check_series, "loss": _check_series,
                  "labels": _check_labels}
        if aspect != "figures":
            shape = _check_figures(figures, history, "figures")
            if not shape.passed:
                return shape
        if aspect == "all":
            for name in ("accuracy", "loss", "labels"):
                verdict = checks[name](figures, history, name)
                if not verdict.passed:
                    return verdict
            return Verdict(True, "both figures as in the lesson")
        return checks[aspect](figures, history, aspect)

    # ANSWERS

    @staticmethod
    def _judge_answer(case: Case, got: Any, expected: str) -> Verdict:
        question = getattr(case, "aspect", "")
        if not isinstance(got, Mapping):
            return Verdict(False, f"ANSWERS: expected a dict such as {{'q1': 'A', 'q2': 'B', 'q3': 'C'}}, "
                                  f"got {_describe(got)}")
        answer = got.get(question)
        letter = answer.strip().upper() if isinstance(answer, str) else None
        if letter not in ("A", "B", "C", "D"):
            return Verdict(False, f"ANSWERS[{question!r}]: expected one letter, A, B, C or D, got {answer!r}")
        if letter != expected:
            return Verdict(False, f"ANSWERS[{question!r}]: {letter} is not the right answer; read the "
                                  f"lesson's printed run again")
        return Verdict(True, f"{letter} is right")


# ---- train_imdb's aspects -------------------------------------------------------------------------------

def _training_problem(got: Any) -> Verdict | None:
    """Why nothing of this run can be judged (not a (model, history) pair, no model, not fitted), or None."""
    what = "train_imdb"
    if not isinstance(got, Mapping):
        return Verdict(False, f"{what}: the result could not be read ({_describe(got)})")
    if got.get("pair") is not True:
        return Verdict(False, f"{what}: expected (model, history), got a {got.get('type')}")
    if got.get("model") is not True:
        return Verdict(False, f"{what}: the first item is a {got.get('model_type')}, expected the "
                              f"keras.Model that was fitted")
    if "refused" in got:
        return Verdict(False, f"{what}: {got['refused']}")
    iterations = got.get("iterations")
    if not isinstance(iterations, int) or iterations <= 0:
        return _named(f"{what}: the model's optimiser has taken no step (optimizer.iterations is "
                      f"{iterations}): nothing of this run was trained", "not_fitted")
    return None


def _layers(config: Any) -> list[Mapping[str, Any]]:
    inner = config.get("config") if isinstance(config, Mapping) else None
    layers = inner.get("layers") if isinstance(inner, Mapping) else None
    if not isinstance(layers, list):
        return []
    return [layer for layer in layers if isinstance(layer, Mapping)
            and layer.get("class_name") != "InputLayer" and isinstance(layer.get("config"), Mapping)]


def _judge_architecture(got: Mapping[str, Any]) -> Verdict:
    what = "train_imdb"
    try:
        km.check_config(got.get("config"))
    except km.RefusedModel as exc:
        return Verdict(False, f"{what}: {exc}")
    layers = _layers(got.get("config"))
    kinds = [str(layer.get("class_name")) for layer in layers]
    if kinds != ["Embedding", "SimpleRNN", "Dense"]:
        return Verdict(False, f"{what}: the model's layers are {kinds}, expected the lesson's Embedding, "
                              f"SimpleRNN, Dense")
    embedding, rnn, dense = (layer["config"] for layer in layers)
    a = TRAIN_KWARGS
    wanted = [("Embedding input_dim", embedding.get("input_dim"), a["max_features"]),
              ("Embedding output_dim", embedding.get("output_dim"), a["embed_dim"]),
              ("SimpleRNN units", rnn.get("units"), a["units"]),
              ("SimpleRNN return_sequences", rnn.get("return_sequences"), False),
              ("SimpleRNN activation", rnn.get("activation"), "tanh"),
              ("Dense units", dense.get("units"), 1),
              ("Dense activation", dense.get("activation"), "sigmoid")]
    wrong = [f"{name} is {value!r}, expected {want!r}" for name, value, want in wanted if value != want]
    if wrong:
        hint = "" if not any("max_features" in w or "Embedding" in w or "units" in w for w in wrong) else \
            ": build the layers from the arguments max_features, embed_dim and units"
        return Verdict(False, f"{what}: " + "; ".join(wrong) + hint)
    return Verdict(True, f"Embedding({a['max_features']}, {a['embed_dim']}), SimpleRNN({a['units']}), "
                         f"Dense(1, sigmoid)")


def _judge_compile(got: Mapping[str, Any]) -> Verdict:
    what = "train_imdb"
    config = got.get("config")
    settings = km.compile_settings(config.get("compile_config") if isinstance(config, Mapping) else None)
    optimizer = str((settings or {}).get("optimizer") or got.get("optimizer"))
    if _normal(optimizer).rpartition(".")[2] != "rmsprop":
        return _named(f"{what}: the optimiser is {optimizer}, expected rmsprop", "optimizer_not_rmsprop")
    if settings is None:
        return Verdict(False, f"{what}: the model's compile settings could not be read")
    loss, metrics = settings.get("loss"), [str(m) for m in settings.get("metrics") or []]
    if _normal(loss) != "binarycrossentropy":
        return Verdict(False, f"{what}: the loss is {loss}, expected binary_crossentropy (one sigmoid "
                              f"output, labels 0/1)")
    if metrics != ["acc"]:
        return Verdict(False, f"{what}: metrics are {metrics}, expected ['acc']: the lesson reads the "
                              f"history's 'acc' and 'val_acc'")
    return Verdict(True, "compiled as in the lesson: rmsprop, binary_crossentropy, metrics ['acc']")


def _normal(name: Any) -> str:
    return str(name).lower().replace("_", "")


def _judge_history(got: Mapping[str, Any], expected: Mapping[str, Any]) -> Verdict:
    what = "train_imdb"
    history = got.get("history")
    if not isinstance(history, Mapping):
        return Verdict(False, f"{what}: the second item is a {got.get('history_type')}, expected "
                              f"history.history, a dict of lists")
    if got.get("history_object"):
        return Verdict(False, f"{what}: the second item is the History object; return its .history, the dict "
                              f"of lists (history = model.fit(...); return model, history.history)")
    missing = [k for k in HISTORY_KEYS if k not in history]
    if missing:
        text = f"{what}: the history has the keys {sorted(map(str, history))}, expected {list(HISTORY_KEYS)}"
        if "accuracy" in history:
            return Verdict(False, f"{text}: compile with metrics=['acc'] so that they are named 'acc' and "
                                  f"'val_acc'")
        return Verdict(False, text)
    epochs = expected["epochs"]
    for key in HISTORY_KEYS:
        values = history[key]
        if not isinstance(values, list) or len(values) != epochs or not all(
                isinstance(v, int | float) and math.isfinite(v) for v in values):
            return Verdict(False, f"{what}: history[{key!r}] should hold one number per epoch ({epochs}), "
                                  f"got {_describe(values)}")
    return Verdict(True, f"the four keys, {epochs} values each")


def _judge_steps(got: Mapping[str, Any], expected: Mapping[str, Any], count: int) -> Verdict:
    what = "train_imdb"
    iterations = int(got["iterations"])
    epochs, batch, steps = expected["epochs"], expected["batch_size"], expected["steps_per_epoch"]
    if iterations == epochs * steps:
        return Verdict(True, f"{iterations} steps: {epochs} epochs of {steps} batches of {batch} from "
                             f"{count - expected['validation_rows']} training rows")
    text = (f"{what}: the optimiser took {iterations} steps, expected {epochs * steps} ({epochs} epochs x "
            f"{steps} batches of {batch}, the last {expected['validation_rows']} of {count} rows kept for "
            f"validation)")
    if iterations == epochs * math.ceil(count / batch):
        return _named(f"{text}: fit trained on every row", "validation_split_ignored")
    known = {
        epochs * math.ceil((count - expected["validation_rows"]) / 128): "batch_size ignored (128 used)",
        10 * steps: "epochs ignored (10 used)",
    }
    if iterations in known:
        return Verdict(False, f"{text}: {known[iterations]}; pass the arguments on: model.fit(x_train, "
                              f"y_train, epochs=epochs, batch_size=batch_size, "
                              f"validation_split=validation_split)")
    if iterations % steps == 0:
        return Verdict(False, f"{text}: {iterations // steps} epochs of {steps} steps; fit once, with "
                              f"epochs=epochs")
    return Verdict(False, text)


def _judge_authentic(got: Mapping[str, Any], expected: Mapping[str, Any], labels: np.ndarray) -> Verdict:
    what = "train_imdb"
    history = got.get("history")
    if "run_error" in got or "validation_probabilities" not in got:
        return Verdict(False, f"{what}: running the model on the validation rows failed: "
                              f"{got.get('run_error')}")
    if not isinstance(history, Mapping) or not all(
            isinstance(history.get(k), list) and history[k] and isinstance(history[k][-1], int | float)
            for k in ("val_loss", "val_acc")):
        return Verdict(False, f"{what}: the history has no val_loss and val_acc to compare with the model")
    p = np.asarray(got["validation_probabilities"], dtype=np.float64)
    y = labels[len(labels) - expected["validation_rows"]:].astype(np.float64)
    if p.shape != y.shape:
        return Verdict(False, f"{what}: the model gave {p.shape} outputs for {y.shape} validation rows")
    q = np.clip(p, 1e-7, 1 - 1e-7)
    loss = float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
    accuracy = float(np.mean((p > 0.5) == (y == 1)))
    said_loss, said_accuracy = float(history["val_loss"][-1]), float(history["val_acc"][-1])
    if abs(loss - said_loss) <= 1e-3 + 1e-3 * abs(loss) and abs(accuracy - said_accuracy) <= 1.5 / len(y):
        return Verdict(True, f"the model's val_loss {loss:.4f} and val_acc {accuracy:.4f} on the last "
                             f"{len(y)} rows are the history's last")
    return _named(f"{what}: on the validation rows (the last {len(y)}) the model has val_loss {loss:.4f} and "
                  f"val_acc {accuracy:.4f}, but the history's last epoch says {said_loss:.4f} and "
                  f"{said_accuracy:.4f}", "history_by_hand")


# ---- plot_history's checks ------------------------------------------------------------------------------

def _check_figures(figures: list[Any], history: Mapping[str, list[float]], aspect: str) -> Verdict:
    what = "plot_history"
    if len(figures) != 2 or not all(isinstance(f, Mapping) and f.get("figure") for f in figures):
        kinds = [f.get("type", "Figure") if isinstance(f, Mapping) else "?" for f in figures]
        return Verdict(False, f"{what}: expected two matplotlib Figures (fig_acc, fig_loss), got {kinds}")
    counts = [len(f["axes"]) for f in figures]
    if counts != [1, 1]:
        return Verdict(False, f"{what}: expected one axes in each figure, got {counts}: draw each figure "
                              f"with plt.figure() then plt.plot(...)")
    return Verdict(True, "two figures, one axes each")


def _same(a: Any, b: Sequence[float]) -> bool:
    return isinstance(a, np.ndarray) and a.shape == (len(b),) \
        and bool(np.allclose(a, b, rtol=1e-6, atol=1e-6))


def _is_dots(line: Mapping[str, Any]) -> bool:
    return line.get("marker") == "o" and line.get("linestyle") in ("None", "none", "", " ")


def _is_line(line: Mapping[str, Any]) -> bool:
    return line.get("linestyle") == "-" and line.get("marker") in ("None", "none", "", " ")


def _check_series(figures: list[Any], history: Mapping[str, list[float]], aspect: str) -> Verdict:
    what = "plot_history"
    accuracy = aspect == "accuracy"
    index, (train, validation) = (0, ("acc", "val_acc")) if accuracy else (1, ("loss", "val_loss"))
    other = ("loss", "val_loss") if accuracy else ("acc", "val_acc")
    lines: list[Mapping[str, Any]] = figures[index]["axes"][0]["lines"]
    where = f"{what}: the {aspect} figure"
    mine = [next((line for line in lines if _same(line.get("y"), history[k])), None)
            for k in (train, validation)]
    if mine[0] is None or mine[1] is None:
        if any(_same(line.get("y"), history[other[0]]) for line in lines):
            return _named(f"{where} plots history[{other[0]!r}]", "loss_accuracy_swapped")
        return Verdict(False, f"{where} has no line with the values of history[{train!r}] and one with "
                              f"history[{validation!r}] ({len(lines)} lines in all)")
    n = len(history[train])
    for line, key in zip(mine, (train, validation), strict=True):
        x = line.get("x")
        if not (_same(x, list(range(n))) or _same(x, list(range(1, n + 1)))):
            return Verdict(False, f"{where}: history[{key!r}] is drawn against x = {_describe(x)}, expected "
                                  f"the epochs, range(len(acc)) (or 1 to {n})")
    dots, line = mine
    if _is_line(dots) and _is_dots(line):
        return _named(f"{where}: training is a line and validation dots", "series_swapped")
    if _is_line(dots) and _is_line(line):
        return _named(f"{where}: both series are lines", "both_lines")
    for series, shape, wanted in ((dots, "blue dots ('bo')", _is_dots),
                                  (line, "a blue line ('b')", _is_line)):
        if not wanted(series) or series.get("color") != BLUE:
            return Verdict(False, f"{where}: history[{train if series is dots else validation!r}] should be "
                                  f"{shape}, got colour {series.get('color')}, line style "
                                  f"{series.get('linestyle')!r}, marker {series.get('marker')!r}")
    return Verdict(True, "training as blue dots, validation as a blue line, against the epochs")


def _check_labels(figures: list[Any], history: Mapping[str, list[float]], aspect: str) -> Verdict:
    what = "plot_history"
    for figure, title in zip(figures, TITLES, strict=True):
        axes = figure["axes"][0]
        if axes.get("title") != title:
            return Verdict(False, f"{what}: a figure's title is {axes.get('title')!r}, expected {title!r}")
        legends = [axes.get("legend"), *figure.get("figure_legends", [])]
        entries = next((lg for lg in legends if lg is not None), None)
        if entries is None:
            return _named(f"{what}: the figure {title!r} has no legend", "no_legend")
        if len(entries) != 2:
            return Verdict(False, f"{what}: the legend of {title!r} has {len(entries)} entries, expected two "
                                  f"(label='Training ...' and label='Validation ...' in plt.plot)")
    return Verdict(True, "both titles, and a legend with two entries in each figure")


def _pairs(value: Any) -> list[list[Any]] | None:
    """((a, b), (c, d)) as [[a, b], [c, d]], or None."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        return None
    if not all(isinstance(v, tuple | list) and len(v) == 2 for v in value):
        return None
    return [list(v) for v in value]


def _padded_post(x: np.ndarray) -> np.ndarray:
    """Keras's pre-padded rows with their padding moved to the end (ids are never 0)."""
    out = np.zeros_like(x)
    for i, row in enumerate(x):
        kept = row[row != 0]
        out[i, :len(kept)] = kept
    return out



EXERCISE = ImdbTraining()
