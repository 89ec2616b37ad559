"""The judge of exercise 7: no reference code, so the student handout ships it as it is.

``graders/ex7.py`` computes the expected values (Keras's load_data and pad_sequences on the case's small
data file; the run asked for; the history drawn; the answers' digests) and judges with :func:`judge`; the
handout judges with the same function, the expected values read from its data (see
``coursekit/judges.py``). ex7 names its mistakes from the value it judges (a figure's styles, the
optimiser's step count, ...), so the named mistakes take no precomputed output. The mistakes' texts are
entries of the ex7 catalogue (``graders/locale/{en,zh}/LC_MESSAGES/ex7.po``).

The answers to ``ANSWERS`` are never in the clear: their expected values are digests
(:func:`answer_digest`), and the judge compares the digest of the student's letter.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case
from coursekit.messages import Mistake, verbatim
from graders import _keras_model as km
from graders._probe_training import make_reviews

DOMAIN = "ex7"
MISTAKE_IDS = frozenset({
    "x_not_padded", "maxlen_to_load_data", "num_words_ignored", "padded_post", "not_fitted",
    "optimizer_not_rmsprop", "history_by_hand", "validation_split_ignored", "series_swapped",
    "loss_accuracy_swapped", "both_lines", "no_legend"})
# The arguments every train_imdb case passes, and the new reviews a public case is evaluated on.
TRAIN_KWARGS: Mapping[str, int] = {"epochs": 3, "batch_size": 32, "max_features": 100, "embed_dim": 16,
                                   "units": 16}
EVALUATE: Mapping[str, int] = {"seed": 7, "count": 400, "vocab": 100, "length": 12}
# The lesson's model trained as in the cases reaches 0.91-0.98 on new reviews (12 runs of the solution,
# each with its own initial weights); chance is 0.5.
THRESHOLD = 0.75
HISTORY_KEYS = ("acc", "val_acc", "loss", "val_loss")
TITLES = ("Training and validation accuracy", "Training and validation loss")
BLUE = "#0000ff"


def answer_digest(question: str, letter: str) -> str:
    """What an ANSWERS case expects: the digest of its letter, never the letter itself."""
    return hashlib.sha256(f"coursekit ex7 ANSWERS {question} {letter}".encode()).hexdigest()


def evaluation(case: Case) -> dict[str, int]:
    """The new reviews a train_imdb case is evaluated on (a hidden case's seed never leaves the grader)."""
    seed = getattr(case, "evaluation_seed", None)
    return dict(EVALUATE) if seed is None else {**EVALUATE, "seed": int(seed)}


def _describe(value: Any) -> str:
    """A short description of a received value's kind, for the "got X" part of ex7's English messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} items"
    return "None" if value is None else f"a {type(value).__name__} ({str(value)[:40]})"


def _named(text: str, mistake_id: str, **params: Any) -> Verdict:
    """A failed verdict naming ``mistake_id`` (its "Looks like" line comes from ex7's catalogue)."""
    if mistake_id not in MISTAKE_IDS:
        raise ValueError(f"ex7: mistake {mistake_id!r} is not in MISTAKE_IDS")
    return Verdict(False, verbatim(text), mistake=Mistake(mistake_id, None, DOMAIN, tuple(params.items())))


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


# ---- train_imdb ----------------------------------------------------------------------------------

def _judge_train(case: Case, got: Any, expected: Mapping[str, Any]) -> Verdict:
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
    labels = make_reviews(**evaluation(case))[1]
    p = np.asarray(got["evaluation_probabilities"], dtype=np.float64)
    if p.shape != labels.shape:
        return Verdict(False, f"{what}: the model gave {p.shape} outputs for {labels.shape} reviews")
    accuracy = float(np.mean((p > 0.5) == (labels == 1)))
    if accuracy >= THRESHOLD:
        return Verdict(True, f"accuracy {accuracy:.3f} on {len(labels)} new reviews")
    return Verdict(False, f"{what}: accuracy {accuracy:.3f} on {len(labels)} new reviews, expected at "
                          f"least {THRESHOLD} (chance is 0.5): is the model fitted on x_train, y_train "
                          f"with the arguments given?")


# ---- plot_history --------------------------------------------------------------------------------

def _judge_plot(case: Case, got: Any) -> Verdict:
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


# ---- ANSWERS -------------------------------------------------------------------------------------

def _judge_answer(case: Case, got: Any, expected: str) -> Verdict:
    question = getattr(case, "aspect", "")
    if not isinstance(got, Mapping):
        return Verdict(False, f"ANSWERS: expected a dict such as {{'q1': 'A', 'q2': 'B', 'q3': 'C'}}, "
                              f"got {_describe(got)}")
    answer = got.get(question)
    letter = answer.strip().upper() if isinstance(answer, str) else None
    if letter not in ("A", "B", "C", "D"):
        return Verdict(False, f"ANSWERS[{question!r}]: expected one letter, A, B, C or D, got {answer!r}")
    if answer_digest(question, letter) != expected:
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


