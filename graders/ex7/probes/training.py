"""ex7's train_imdb probe: what training produced, as plain data, read in the student's process.

Loaded by path by the sandbox's child (``Exercise.probes``): it imports nothing from coursekit or graders
(the grader imports :func:`make_reviews` and :func:`model_probabilities` from here: one copy).
``probe`` reports the returned (model, history): the history as a dict of lists (or the type it had),
the model's config (``compile_config`` included) and weights, its optimiser's class and how many steps it
took (``optimizer.iterations``: the epochs times the steps per epoch, which the batch size and the
validation split decide), and what ``fit`` was seen doing while it trained (``fits``: ``prepare`` wraps
``keras.Model.fit`` before train_imdb runs, and a callback records each step's loss, each epoch's logs and
the digest of the weights fit left), so that an end state made without fit (weights set by hand, a step
count set, a history computed) is told from training. With ``context["measure"]`` (``coursekit check``)
it also runs the model on the validation 20% of the training data it was given and on new reviews
(``context["data"]["evaluate"]``); batch grading rebuilds the model from its config and weights in a
sandboxed job of the grader's and runs it there instead.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np


def make_reviews(seed: int, count: int, vocab: int = 100, length: int = 12, group: int = 20,
                 majority: float = 0.9, neutral: float = 0.2, rule: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Reviews a small SimpleRNN learns in a few epochs: ``count`` rows of int32 token ids, pre-padded
    to ``length``; label 1 when the tokens of group A ([3, 3 + group)) outnumber those of group B (the
    next ``group`` ids), as each review draws ``majority`` of its non-neutral tokens from its own group.

    ``rule``: the token ids [3, vocab) renamed by the permutation this seed draws, so that which ids mean
    what is known only to who holds the seed (batch grading's hidden case: the grader, per student)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, count).astype(np.int32)
    x = np.zeros((count, length), dtype=np.int32)
    for i in range(count):
        n = rng.integers(length // 2, length + 1)
        in_a = rng.random(n) < (majority if y[i] else 1 - majority)
        tokens = np.where(in_a, rng.integers(3, 3 + group, n), rng.integers(3 + group, 3 + 2 * group, n))
        tokens = np.where(rng.random(n) < neutral, rng.integers(3 + 2 * group, vocab, n), tokens)
        x[i, length - n:] = tokens
    if rule is not None:
        names = np.arange(vocab, dtype=np.int32)
        names[3:] = 3 + np.random.default_rng(rule).permutation(vocab - 3).astype(np.int32)
        x = names[x]
    return x, y


def validation_rows(count: int, validation_split: float) -> int:
    """How many of ``count`` rows Keras's fit(validation_split=...) keeps for validation: the last ones,
    after the first floor(count * (1 - validation_split)) (keras/src/trainers/data_adapters/array_slicing.py,
    train_validation_split). A split outside [0, 1) is refused, as Keras refuses it."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split: expected a fraction in [0, 1), got {validation_split}")
    return count - math.floor(count * (1.0 - validation_split))


def model_probabilities(model: Any, x: np.ndarray) -> np.ndarray:
    import keras

    out = model(np.asarray(x, dtype=np.int32), training=False)
    return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64).reshape(len(x), -1)[:, 0]


def _type(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _history(history: Any) -> Any:
    if isinstance(history, Mapping):
        return {str(k)[:40]: v for k, v in list(history.items())[:12]}
    return None


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:300]
    except Exception:
        return "?"


# Every train_imdb call starts from the same random state, so a submission trains the same way in
# ``coursekit check``, in batch grading and in every rerun: unseeded, the lesson's model stalled below the
# accuracy threshold in about one run in forty (an accuracy of 0.59 where 0.91-0.99 is usual), failing a
# correct student at random. A student who seeds their own run keeps their seed.
SEED = 1


# What the student's model.fit was given as validation_data (None: not given), set by the watch that
# ``prepare`` puts on keras.Model.fit: training on validation_data instead of validation_split is one
# mistake, named by the steps test; the history's validation numbers are then checked on that data.
_FIT: dict[str, Any] = {}


# What fit was seen doing during the current train_imdb call (see prepare): one record per fit call.
MAX_FITS = 8
MAX_LOSSES = 4096
_FITS: list[dict[str, Any]] = []


def prepare(context: Mapping[str, Any]) -> None:
    """Called in the student's process before their train_imdb: seed Python, numpy and Keras, and watch
    every ``fit`` (see :func:`_watch_fit`)."""
    import keras

    keras.utils.set_random_seed(SEED)
    _FITS.clear()
    _FIT.clear()
    _watch_fit(keras)


def weights_digest(weights: Any) -> str:
    """A digest of a model's weights (as float32), to tell whether the model returned is the one fit left."""
    digest = hashlib.sha256()
    for w in weights:
        a = np.ascontiguousarray(np.asarray(w, dtype=np.float32))
        digest.update(f"{a.shape}".encode() + a.tobytes())
    return digest.hexdigest()


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _watch_fit(keras: Any) -> None:
    """Wrap ``keras.Model.fit`` (once per process) so that each call adds a callback recording, while it
    trains, its steps, each step's running loss, each epoch's logs and the weights it left."""
    if getattr(keras.Model.fit, "_coursekit_watched", False):
        return
    original = keras.Model.fit

    class Watch(keras.callbacks.Callback):  # type: ignore[misc]
        def __init__(self, seen: dict[str, Any]) -> None:
            super().__init__()
            self.seen = seen

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.seen["steps"] += 1
            if len(self.seen["losses"]) < MAX_LOSSES:
                self.seen["losses"].append(_number((logs or {}).get("loss")))

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.seen["epochs"].append({str(k)[:40]: _number(v) for k, v in list((logs or {}).items())[:12]})
            self.seen["epoch_steps"].append(self.seen["steps"])

        def on_train_end(self, logs: Any = None) -> None:
            self.seen["weights"] = weights_digest(self.model.get_weights())

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        given = kwargs.get("validation_data", args[7] if len(args) > 7 else None)
        if given is not None:
            _FIT["validation_data"] = given
        seen: dict[str, Any] = {"model": id(self), "steps": 0, "losses": [], "epochs": [], "epoch_steps": [],
                                "weights": None}
        if len(_FITS) < MAX_FITS:
            _FITS.append(seen)
        watch = Watch(seen)
        if len(args) > 5:  # fit(x, y, batch_size, epochs, verbose, callbacks, ...)
            args = (*args[:5], _with(args[5], watch, self), *args[6:])
        else:
            kwargs["callbacks"] = _with(kwargs.get("callbacks"), watch, self)
        return original(self, *args, **kwargs)

    fit._coursekit_watched = True  # type: ignore[attr-defined]
    keras.Model.fit = fit


def _with(callbacks: Any, watch: Any, model: Any) -> Any:
    """The student's callbacks with ``watch`` added: to the list a keras CallbackList holds, else to a
    new list."""
    held = getattr(callbacks, "callbacks", None)
    if isinstance(held, list):
        watch.set_model(model)
        held.append(watch)
        return callbacks
    return [*(callbacks or []), watch]


def _fits(model: Any) -> list[dict[str, Any]]:
    """What fit was seen doing in this call, each record saying whether it trained ``model``."""
    return [{"same_model": seen["model"] == id(model), "steps": seen["steps"], "losses": seen["losses"],
             "epochs": seen["epochs"], "epoch_steps": seen["epoch_steps"], "weights": seen["weights"]}
            for seen in _FITS]


def _validation_data(limit: int) -> dict[str, Any] | None:
    """The (x, y) fit was given as validation_data, as arrays of at most ``limit`` rows, or None."""
    given = _FIT.get("validation_data")
    if given is None:
        return None
    try:
        x, y = np.asarray(given[0]), np.asarray(given[1], dtype=np.float64).reshape(-1)
        if x.ndim != 2 or len(x) != len(y) or not 0 < len(x) <= limit:
            return {"given": True}
        return {"given": True, "x": x.astype(np.int32), "y": y}
    except Exception:
        return {"given": True}


def probe(value: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = {"pair": False, "type": _type(value)}
    if not isinstance(value, tuple | list) or len(value) != 2:
        return report
    model, history = value
    report.update(pair=True, model_type=_type(model), history_type=_type(history),
                  history=_history(history))
    if report["history"] is None and isinstance(getattr(history, "history", None), Mapping):
        report["history"], report["history_object"] = _history(history.history), True
    keras = sys.modules.get("keras")
    if keras is None or not isinstance(model, keras.Model):
        report["model"] = False
        return report
    report["model"] = True
    try:
        report["config"] = keras.saving.serialize_keras_object(model)
    except Exception as exc:
        report["config"], report["config_error"] = None, f"{type(exc).__name__}: {_text(exc)}"
    report["weights"] = [np.asarray(w) for w in model.get_weights()]
    optimizer = getattr(model, "optimizer", None)
    report["optimizer"] = None if optimizer is None else _type(optimizer)
    report["iterations"] = None if optimizer is None else int(np.asarray(optimizer.iterations))
    report["fits"] = _fits(model)
    x = np.asarray(context["args"][0])
    validation_data = _validation_data(len(x))
    if validation_data is not None:
        report["validation_data"] = validation_data
    if not context.get("measure", True):
        return report
    split = context["kwargs"].get("validation_split", 0.2)
    try:
        if validation_data is not None and "x" in validation_data:
            report["validation_data_probabilities"] = model_probabilities(model, validation_data["x"])
        validation = validation_rows(len(x), float(split))
        report["validation_probabilities"] = model_probabilities(model, x[len(x) - validation:])
        evaluate = context["data"].get("evaluate")
        if evaluate is not None:
            report["evaluation_probabilities"] = model_probabilities(model, make_reviews(**evaluate)[0])
    except Exception as exc:  # the student's model: the message goes into their feedback
        report["run_error"] = f"{type(exc).__name__}: {_text(exc)}"
    return report
