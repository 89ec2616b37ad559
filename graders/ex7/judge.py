"""The judge of exercise 7: no reference code, so the student handout ships it as it is.

``graders/ex7/grader.py`` computes the expected values (Keras's load_data and pad_sequences on the case's
small
data file; the run asked for; the history drawn; the answers' digests) and judges with :func:`judge`; the
handout judges with the same function, the expected values read from its data (see
``coursekit/judges.py``). ex7 names its mistakes from the value it judges (a figure's styles, the
optimiser's step count, ...), so the named mistakes take no precomputed output. The mistakes' texts are
entries of the ex7 catalogue (``graders/ex7/locale/{en,zh}/LC_MESSAGES/ex7.po``).

The answers to ``ANSWERS`` are never in the clear: their expected values are salted PBKDF2 digests
(:func:`answer_digest`), and the judge compares the digest of the student's letter. That keeps the
letters out of sight, not secret: with four letters, four tries (of the digest, or of check) find them.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict, describe
from coursekit.exercise import Case
from coursekit.messages import Message, Mistake, Param, in_domain

from ..shared.judging import keras_model as km
from .probes.training import make_reviews, weights_digest

DOMAIN = "ex7"
MISTAKE_IDS = frozenset({
    "x_not_padded", "maxlen_to_load_data", "num_words_ignored", "padded_post", "not_fitted",
    "optimizer_not_rmsprop", "history_by_hand", "validation_split_ignored", "series_swapped",
    "loss_accuracy_swapped", "both_lines", "no_legend"})
# The arguments every train_imdb case passes, and the new reviews a public case is evaluated on.
TRAIN_KWARGS: Mapping[str, int] = {"epochs": 3, "batch_size": 32, "max_features": 100, "embed_dim": 16,
                                   "units": 16}
EVALUATE: Mapping[str, int] = {"seed": 7, "count": 400, "vocab": 100, "length": 12}
# The lesson's model trained as in the cases usually reaches 0.91-0.99 on new reviews; chance is 0.5. Of
# 40 unseeded runs (20 of the solution, 20 gradings of a file that trains the same model), one stalled at
# 0.59 and one reached 0.76. The training probe seeds every run (graders/ex7/probes/training.py), so a
# submission's accuracy is the same at each grading.
THRESHOLD = 0.75
HISTORY_KEYS = ("acc", "val_acc", "loss", "val_loss")
TITLES = ("Training and validation accuracy", "Training and validation loss")
BLUE = "#0000ff"


ANSWER_ROUNDS = 100_000
_MAX_ROUNDS = 1_000_000


def answer_digest(question: str, letter: str, salt: str) -> str:
    """What an ANSWERS case expects: ``pbkdf2-sha256$<rounds>$<salt>$<key>`` of its letter, never the
    letter itself. The salt (hex, chosen by the grader per question) and PBKDF2's rounds keep a table of
    digests made once from being read off every course's handout; they do not make the letter secret:
    there are four letters, and ``coursekit check`` says which one is right (see SECURITY.md)."""
    key = hashlib.pbkdf2_hmac("sha256", f"coursekit ex7 ANSWERS {question} {letter}".encode(),
                              bytes.fromhex(salt), ANSWER_ROUNDS)
    return f"pbkdf2-sha256${ANSWER_ROUNDS}${salt}${key.hex()}"


def _is_answer(question: str, letter: str, expected: Any) -> bool:
    """Whether ``letter`` is the answer whose digest is ``expected`` (read as data: a malformed or
    too costly digest matches nothing)."""
    parts = expected.split("$") if isinstance(expected, str) else []
    if len(parts) != 4 or parts[0] != "pbkdf2-sha256" or not parts[1].isdigit() \
            or not 0 < int(parts[1]) <= _MAX_ROUNDS or len(parts[2]) > 64:
        return False
    try:
        salt = bytes.fromhex(parts[2])
    except ValueError:
        return False
    key = hashlib.pbkdf2_hmac("sha256", f"coursekit ex7 ANSWERS {question} {letter}".encode(), salt,
                              int(parts[1]))
    return hmac.compare_digest(key.hex(), parts[3])


def evaluation(case: Case) -> dict[str, int]:
    """The new reviews a train_imdb case is evaluated on: a hidden case's seed and rule (which token ids
    mean what, the rule its training data follows) never leave the grader."""
    seed, rule = getattr(case, "evaluation_seed", None), getattr(case, "rule", None)
    found = dict(EVALUATE) if seed is None else {**EVALUATE, "seed": int(seed)}
    return found if rule is None else {**found, "rule": int(rule)}


def _message(key: str, /, **params: Param) -> Message:
    """An entry of ex7's catalogue (``graders/ex7/locale/*/LC_MESSAGES/ex7.po``)."""
    return in_domain(DOMAIN, key, **params)


def _failed(key: str, /, **params: Param) -> Verdict:
    return Verdict(False, _message(key, **params))


def _named(message: Message, mistake_id: str, **params: Any) -> Verdict:
    """A failed verdict naming ``mistake_id`` (its "Looks like" line comes from ex7's catalogue)."""
    if mistake_id not in MISTAKE_IDS:
        raise ValueError(f"ex7: mistake {mistake_id!r} is not in MISTAKE_IDS")
    return Verdict(False, message, mistake=Mistake(mistake_id, None, DOMAIN, tuple(params.items())))


def _shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(n) for n in shape)


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake] = ()) -> Verdict:
    """ex7's verdict on one case; ex7 names its mistakes from the value itself (``mistakes`` is unused)."""
    if case.function == "load_imdb":
        return _judge_load(case, got, expected)
    if case.function == "train_imdb":
        return _judge_train(case, got, expected)
    if case.function == "plot_history":
        return _judge_plot(case, got)
    return _judge_answer(case, got, expected)

# ---- load_imdb -----------------------------------------------------------------------------------

def _judge_load(case: Case, got: Any, expected: Mapping[str, Any]) -> Verdict:
    what = "load_imdb"
    if not (isinstance(got, tuple) and len(got) == 2):
        return _failed("unreadable", function=what, got=describe(got))
    value, dtypes = got
    parts = _pairs(value)
    if parts is None:
        return _failed("load.not_pairs", got=describe(value))
    maxlen = case.kwargs.get("maxlen", 500)
    kinds = _pairs(dtypes) or [[None, None], [None, None]]
    kept_rows = expected["rows_kept_by_load_data_maxlen"]
    for (x, y), (x_kind, y_kind), part, rows in zip(parts, kinds, ("train", "test"), kept_rows,
                                                    strict=True):
        want_x, want_y = expected[f"x_{part}"], expected[f"y_{part}"]
        if not isinstance(x, np.ndarray):
            if x_kind == "object" or isinstance(x, list):
                return _named(_message("load.x_not_padded", part=part, got=describe(x),
                                       dtype=str(x_kind)[:40]), "x_not_padded")
            return _failed("load.x_not_array", part=part, expected=_shape(want_x.shape), got=describe(x))
        if x.shape != want_x.shape:
            text = _message("load.x_shape", part=part, expected=_shape(want_x.shape), got=_shape(x.shape))
            if x.shape == (rows, maxlen) and rows != want_x.shape[0]:
                return _named(text, "maxlen_to_load_data")
            return Verdict(False, text)
        if not np.array_equal(x, want_x):
            if x.max(initial=0) >= case.kwargs.get("num_words", 10000):
                return _named(_message("load.ids_too_large", part=part, largest=int(x.max())),
                              "num_words_ignored")
            if np.array_equal(x, _padded_post(want_x)):
                return _named(_message("load.ids_differ", part=part), "padded_post")
            first = tuple(int(i) for i in np.argwhere(x != want_x)[0])
            return _failed("load.ids_differ_at", part=part, index=first, expected=int(want_x[first]),
                           got=int(x[first]))
        if x_kind is None or not str(x_kind).startswith(("int", "uint")):
            return _failed("load.x_dtype", part=part, dtype=str(x_kind)[:40])
        if not isinstance(y, np.ndarray) or not np.array_equal(y, want_y) \
                or not str(y_kind).startswith(("int", "uint")):
            return _failed("load.y_wrong", part=part, count=len(want_y), got=describe(y),
                           dtype=str(y_kind)[:40])
    return Verdict(True, _message("load.ok", train=_shape(expected["x_train"].shape),
                                  test=_shape(expected["x_test"].shape)))


# ---- train_imdb ----------------------------------------------------------------------------------

def _judge_train(case: Case, got: Any, expected: Mapping[str, Any]) -> Verdict:
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
        return _failed("train.run_failed", error=str(got.get("run_error"))[:300])
    labels = make_reviews(**evaluation(case))[1]
    p = np.asarray(got["evaluation_probabilities"], dtype=np.float64)
    if p.shape != labels.shape:
        return _failed("train.outputs_shape", got=_shape(p.shape), expected=_shape(labels.shape))
    accuracy = float(np.mean((p > 0.5) == (labels == 1)))
    if accuracy >= THRESHOLD:
        return Verdict(True, _message("train.accuracy_ok", accuracy=accuracy, count=len(labels)))
    return _failed("train.accuracy_low", accuracy=accuracy, count=len(labels), threshold=THRESHOLD)


# ---- plot_history --------------------------------------------------------------------------------

def _judge_plot(case: Case, got: Any) -> Verdict:
    history: Mapping[str, list[float]] = case.args[0]
    aspect = getattr(case, "aspect", "")
    if not isinstance(got, Mapping) or not isinstance(got.get("figures"), list):
        return _failed("plot.not_pair", got=describe(got) if not isinstance(got, Mapping) else
                       _message("a_type", type=str(got.get("type"))[:80]))
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
        return Verdict(True, _message("plot.ok"))
    return checks[aspect](figures, history, aspect)


# ---- ANSWERS -------------------------------------------------------------------------------------

def _judge_answer(case: Case, got: Any, expected: str) -> Verdict:
    question = getattr(case, "aspect", "")
    if not isinstance(got, Mapping):
        return _failed("answers.not_dict", got=describe(got))
    answer = got.get(question)
    letter = answer.strip().upper() if isinstance(answer, str) else None
    if letter not in ("A", "B", "C", "D"):
        return _failed("answers.not_a_letter", question=repr(question), got=repr(answer)[:40])
    if not _is_answer(question, letter, expected):
        return _failed("answers.wrong", question=repr(question), letter=letter)
    return Verdict(True, _message("answers.right", letter=letter))


# ---- train_imdb's aspects -------------------------------------------------------------------------------

def _training_problem(got: Any) -> Verdict | None:
    """Why nothing of this run can be judged (not a (model, history) pair, no model, not fitted), or None."""
    if not isinstance(got, Mapping):
        return _failed("unreadable", function="train_imdb", got=describe(got))
    if got.get("pair") is not True:
        return _failed("train.not_pair", type=str(got.get("type"))[:80])
    if got.get("model") is not True:
        return _failed("train.not_a_model", type=str(got.get("model_type"))[:80])
    if "refused" in got:
        return Verdict(False, _refused(got["refused"]))
    iterations = got.get("iterations")
    if not isinstance(iterations, int) or iterations <= 0:
        return _named(_message("train.not_fitted", iterations=str(iterations)[:40]), "not_fitted")
    return _unobserved(got, iterations)


def _unobserved(got: Mapping[str, Any], iterations: int) -> Verdict | None:
    """Why the model returned is not what fit was seen training (graders/ex7/probes/training.py watches every
    fit call of the train_imdb call), or None: its steps are the optimiser's, each epoch's loss is its last
    step's running loss, and the weights returned are those the last fit left."""
    fits = [f for f in got.get("fits") or [] if isinstance(f, Mapping) and f.get("same_model") is True]
    if not fits:
        return _failed("train.not_observed", iterations=iterations)
    steps = sum(f["steps"] if isinstance(f.get("steps"), int) else 0 for f in fits)
    if steps != iterations:
        return _failed("train.steps_not_observed", iterations=iterations, steps=steps)
    for f in fits:
        losses, epochs, ends = f.get("losses"), f.get("epochs"), f.get("epoch_steps")
        if not (isinstance(losses, list) and isinstance(epochs, list) and isinstance(ends, list)
                and len(epochs) == len(ends)):
            return _failed("train.not_observed", iterations=iterations)
        for number, (logs, end) in enumerate(zip(epochs, ends, strict=True), start=1):
            said = logs.get("loss") if isinstance(logs, Mapping) else None
            last = losses[end - 1] if isinstance(end, int) and 0 < end <= len(losses) else said
            if not (isinstance(said, float) and isinstance(last, float)
                    and abs(said - last) <= 1e-6 + 1e-6 * abs(said)):
                return _failed("train.losses_differ", epoch=number, last=str(last)[:40], said=str(said)[:40])
    if fits[-1].get("weights") != weights_digest(got.get("weights") or []):
        return _failed("train.weights_changed")
    return None


def _refused(data: Any) -> Message:
    """Why the grader would not rebuild or run the model: ex3's refusals
    (graders/shared/judging/keras_model.py), and
    ``model_not_run``."""
    if isinstance(data, Mapping) and data.get("reason") == "model_not_run":
        return _message("train.model_not_run", error=str(data.get("params", {}).get("error"))[:300])
    exc = km.refusal(data)
    return _message("train.refused", reason=in_domain("ex3", f"refused.{exc.reason}", **exc.params))


def _layers(config: Any) -> list[Mapping[str, Any]]:
    inner = config.get("config") if isinstance(config, Mapping) else None
    layers = inner.get("layers") if isinstance(inner, Mapping) else None
    if not isinstance(layers, list):
        return []
    return [layer for layer in layers if isinstance(layer, Mapping)
            and layer.get("class_name") != "InputLayer" and isinstance(layer.get("config"), Mapping)]


def _judge_architecture(got: Mapping[str, Any]) -> Verdict:
    try:
        km.check_config(got.get("config"))
    except km.RefusedModel as exc:
        return Verdict(False, _refused(exc.to_data()))
    layers = _layers(got.get("config"))
    kinds = [str(layer.get("class_name")) for layer in layers]
    if kinds != ["Embedding", "SimpleRNN", "Dense"]:
        return _failed("train.layers", layers=str(kinds)[:200])
    embedding, rnn, dense = (layer["config"] for layer in layers)
    a = TRAIN_KWARGS
    wanted = [("Embedding input_dim", embedding.get("input_dim"), a["max_features"]),
              ("Embedding output_dim", embedding.get("output_dim"), a["embed_dim"]),
              ("SimpleRNN units", rnn.get("units"), a["units"]),
              ("SimpleRNN return_sequences", rnn.get("return_sequences"), False),
              ("SimpleRNN activation", rnn.get("activation"), "tanh"),
              ("Dense units", dense.get("units"), 1),
              ("Dense activation", dense.get("activation"), "sigmoid")]
    wrong = [(name, value, want) for name, value, want in wanted if value != want]
    if wrong:
        found = _message("train.setting", name=wrong[0][0], value=repr(wrong[0][1])[:40],
                         expected=repr(wrong[0][2]))
        for name, value, want in wrong[1:]:
            found = _message("and", first=found, second=_message(
                "train.setting", name=name, value=repr(value)[:40], expected=repr(want)))
        sizes = any(name.startswith("Embedding") or name.endswith("units") for name, _, _ in wrong)
        return _failed("train.settings_sizes" if sizes else "train.settings", settings=found)
    return Verdict(True, _message("train.model_ok", max_features=a["max_features"], embed_dim=a["embed_dim"],
                                  units=a["units"]))


def _judge_compile(got: Mapping[str, Any]) -> Verdict:
    config = got.get("config")
    settings = km.compile_settings(config.get("compile_config") if isinstance(config, Mapping) else None)
    optimizer = str((settings or {}).get("optimizer") or got.get("optimizer"))
    if _normal(optimizer).rpartition(".")[2] != "rmsprop":
        return _named(_message("compile.optimizer", optimizer=optimizer[:60]), "optimizer_not_rmsprop")
    if settings is None:
        return _failed("compile.unreadable")
    loss, metrics = settings.get("loss"), [str(m) for m in settings.get("metrics") or []]
    if _normal(loss) != "binarycrossentropy":
        return _failed("compile.loss", loss=str(loss)[:60])
    if metrics != ["acc"]:
        return _failed("compile.metrics", metrics=str(metrics)[:100])
    return Verdict(True, _message("compile.ok"))


def _normal(name: Any) -> str:
    return str(name).lower().replace("_", "")


def _judge_history(got: Mapping[str, Any], expected: Mapping[str, Any]) -> Verdict:
    history = got.get("history")
    if not isinstance(history, Mapping):
        return _failed("history.not_dict", type=str(got.get("history_type"))[:80])
    if got.get("history_object"):
        return _failed("history.object")
    missing = [k for k in HISTORY_KEYS if k not in history]
    if missing:
        keys = str(sorted(map(str, history)))[:200]
        return _failed("history.accuracy_keys" if "accuracy" in history else "history.keys", keys=keys,
                       expected=str(list(HISTORY_KEYS)))
    epochs = expected["epochs"]
    for key in HISTORY_KEYS:
        values = history[key]
        if not isinstance(values, list) or len(values) != epochs or not all(
                isinstance(v, int | float) and math.isfinite(v) for v in values):
            return _failed("history.values", key=repr(key), epochs=epochs, got=describe(values))
    return Verdict(True, _message("history.ok", epochs=epochs))


def _judge_steps(got: Mapping[str, Any], expected: Mapping[str, Any], count: int) -> Verdict:
    iterations = int(got["iterations"])
    epochs, batch, steps = expected["epochs"], expected["batch_size"], expected["steps_per_epoch"]
    validation = expected["validation_rows"]
    if isinstance(got.get("validation_data"), Mapping):  # one mistake, named here only (issue 24)
        return _named(_message("steps.validation_data", validation=validation, count=count),
                      "validation_split_ignored")
    if iterations == epochs * steps:
        return Verdict(True, _message("steps.ok", iterations=iterations, epochs=epochs, steps=steps,
                                      batch=batch, rows=count - validation))
    text = _message("steps.wrong", iterations=iterations, expected=epochs * steps, epochs=epochs, steps=steps,
                    batch=batch, validation=validation, count=count)
    if iterations == epochs * math.ceil(count / batch):
        return _named(_message("steps.every_row", text=text), "validation_split_ignored")
    known = {
        epochs * math.ceil((count - validation) / 128): "steps.batch_size_ignored",
        10 * steps: "steps.epochs_ignored",
    }
    if iterations in known:
        return _failed(known[iterations], text=text)
    if iterations % steps == 0:
        return _failed("steps.several_fits", text=text, epochs=iterations // steps, steps=steps)
    return Verdict(False, text)


def _judge_authentic(got: Mapping[str, Any], expected: Mapping[str, Any], labels: np.ndarray) -> Verdict:
    history = got.get("history")
    if "run_error" in got or "validation_probabilities" not in got:
        return _failed("authentic.run_failed", error=str(got.get("run_error"))[:300])
    if not isinstance(history, Mapping) or not all(
            isinstance(history.get(k), list) and history[k] and isinstance(history[k][-1], int | float)
            for k in ("val_loss", "val_acc")):
        return _failed("authentic.no_validation")
    p = np.asarray(got["validation_probabilities"], dtype=np.float64)
    y = labels[len(labels) - expected["validation_rows"]:].astype(np.float64)
    given = got.get("validation_data")
    if isinstance(given, Mapping) and isinstance(given.get("y"), np.ndarray) \
            and isinstance(got.get("validation_data_probabilities"), np.ndarray):
        # validation_data instead of validation_split (the steps test names it): the history's numbers
        # are checked on the data fit validated on, not called "written by hand"
        p = np.asarray(got["validation_data_probabilities"], dtype=np.float64).reshape(-1)
        y = np.asarray(given["y"], dtype=np.float64).reshape(-1)
    if p.shape != y.shape:
        return _failed("authentic.outputs_shape", got=_shape(p.shape), expected=_shape(y.shape))
    q = np.clip(p, 1e-7, 1 - 1e-7)
    loss = float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
    accuracy = float(np.mean((p > 0.5) == (y == 1)))
    said_loss, said_accuracy = float(history["val_loss"][-1]), float(history["val_acc"][-1])
    close = abs(loss - said_loss) <= 1e-3 + 1e-3 * abs(loss) and abs(accuracy - said_accuracy) <= 1.5 / len(y)
    if not close:
        return _named(_message("authentic.differs", rows=len(y), loss=loss, accuracy=accuracy,
                               said_loss=said_loss, said_accuracy=said_accuracy), "history_by_hand")
    fitted = [f for f in got.get("fits") or [] if isinstance(f, Mapping) and f.get("same_model") is True]
    recorded = fitted[-1].get("epochs") if fitted else None
    for key in HISTORY_KEYS:  # the history is the last fit's, epoch by epoch
        values = history.get(key)
        seen = [e.get(key) if isinstance(e, Mapping) else None for e in recorded or []]
        if not (isinstance(values, list) and len(values) == len(seen) and all(
                isinstance(v, int | float) and isinstance(r, float) and abs(v - r) <= 1e-6 + 1e-6 * abs(r)
                for v, r in zip(values, seen, strict=True))):
            return _named(_message("authentic.not_fits", key=repr(key), recorded=str(seen)[:200],
                                   said=str(values)[:200]), "history_by_hand")
    return Verdict(True, _message("authentic.ok", loss=loss, accuracy=accuracy, rows=len(y)))


# ---- plot_history's checks ------------------------------------------------------------------------------

def _check_figures(figures: list[Any], history: Mapping[str, list[float]], aspect: str) -> Verdict:
    if len(figures) != 2 or not all(isinstance(f, Mapping) and f.get("figure") for f in figures):
        kinds = [f.get("type", "Figure") if isinstance(f, Mapping) else "?" for f in figures]
        return _failed("plot.not_figures", kinds=str(kinds)[:200])
    if any(f.get("same_as") is not None for f in figures):
        return _failed("plot.same_figure")
    counts = [len(f["axes"]) for f in figures]
    if counts != [1, 1]:
        return _failed("plot.axes", counts=str(counts)[:100])
    return Verdict(True, _message("plot.figures_ok"))


def _same(a: Any, b: Sequence[float]) -> bool:
    return isinstance(a, np.ndarray) and a.shape == (len(b),) \
        and bool(np.allclose(a, b, rtol=1e-6, atol=1e-6))


def _is_dots(line: Mapping[str, Any]) -> bool:
    return line.get("marker") == "o" and line.get("linestyle") in ("None", "none", "", " ")


def _is_line(line: Mapping[str, Any]) -> bool:
    return line.get("linestyle") == "-" and line.get("marker") in ("None", "none", "", " ")


def _check_series(figures: list[Any], history: Mapping[str, list[float]], aspect: str) -> Verdict:
    accuracy = aspect == "accuracy"
    index, (train, validation) = (0, ("acc", "val_acc")) if accuracy else (1, ("loss", "val_loss"))
    other = ("loss", "val_loss") if accuracy else ("acc", "val_acc")
    lines: list[Mapping[str, Any]] = figures[index]["axes"][0]["lines"]
    where = _message(f"plot.{aspect}_figure")
    mine_train, mine_validation = (next((line for line in lines if _same(line.get("y"), history[k])), None)
                                   for k in (train, validation))
    if mine_train is None or mine_validation is None:
        if any(_same(line.get("y"), history[other[0]]) for line in lines):
            return _named(_message("plot.other_series", where=where, key=repr(other[0])),
                          "loss_accuracy_swapped")
        # Translators: {where} is the figure (plot.*_figure); n the number of lines drawn in it.
        return _failed("plot.no_series", where=where, train=repr(train), validation=repr(validation),
                       n=len(lines))
    n = len(history[train])
    mine = (mine_train, mine_validation)
    for line, key in zip(mine, (train, validation), strict=True):
        x = line.get("x")
        if not (_same(x, list(range(n))) or _same(x, list(range(1, n + 1)))):
            return _failed("plot.x", where=where, key=repr(key), got=describe(x), epochs=n)
    dots, line = mine
    if _is_line(dots) and _is_dots(line):
        return _named(_message("plot.series_swapped", where=where), "series_swapped")
    if _is_line(dots) and _is_line(line):
        return _named(_message("plot.both_lines", where=where), "both_lines")
    for series, style, wanted in ((dots, "plot.blue_dots", _is_dots), (line, "plot.blue_line", _is_line)):
        if not wanted(series) or series.get("color") != BLUE:
            return _failed("plot.style", where=where, key=repr(train if series is dots else validation),
                           style=_message(style), color=str(series.get("color"))[:40],
                           linestyle=repr(series.get("linestyle"))[:40],
                           marker=repr(series.get("marker"))[:40])
    return Verdict(True, _message("plot.series_ok"))


def _check_labels(figures: list[Any], history: Mapping[str, list[float]], aspect: str) -> Verdict:
    for figure, title in zip(figures, TITLES, strict=True):
        axes = figure["axes"][0]
        if axes.get("title") != title:
            return _failed("plot.title", got=repr(axes.get("title"))[:80], expected=repr(title))
        legends = [axes.get("legend"), *figure.get("figure_legends", [])]
        entries = next((lg for lg in legends if lg is not None), None)
        if entries is None:
            return _named(_message("plot.no_legend", title=repr(title)), "no_legend")
        if len(entries) != 2:
            # Translators: n is the number of entries the legend has; {title} the figure's title.
            return _failed("plot.legend_entries", title=repr(title), n=len(entries))
    return Verdict(True, _message("plot.labels_ok"))


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


