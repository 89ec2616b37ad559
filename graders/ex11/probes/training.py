"""ex11's train_forecaster probe: training observed while it happens, and what it produced, as plain data.

Loaded by path by the sandbox's child (``Exercise.probes``): it imports nothing from coursekit or graders
(the grader's evaluation job imports :func:`predictions` from here: one copy).

``prepare`` seeds the student's process and wraps ``keras.Model.fit`` before ``train_forecaster`` runs:
every fit then carries one more callback, which records what it saw: the rows and batch size it was
given, the weights when training began and at the end of each epoch, each batch's logged loss and each
epoch's logs. ``probe`` reports the returned (model, history): the model's config (``compile_config``
included), its weights, its optimiser's step count, the history, and those records. With
``context["measure"]`` (``coursekit check``) it also runs each recorded snapshot of the weights on the
training and validation windows, and the final model on the public evaluation windows
(``context["data"]["evaluate"]``); batch grading rebuilds the model in a sandboxed job of the grader's
(``graders/ex11/evaluation.py``) and runs the same :func:`predictions` there instead.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

# Every train_forecaster call starts from the same random state, so a submission trains the same way in
# ``coursekit check``, in batch grading and in every rerun. A student who seeds their own run keeps it.
SEED = 1
MAX_FITS = 4
MAX_EPOCHS = 50
MAX_BATCHES = 5000
# What prepare recorded: one dict per fit call, in order.
FITS: list[dict[str, Any]] = []


def _type(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:300]
    except Exception:
        return "?"


def _weights(model: Any) -> list[np.ndarray]:
    return [np.array(w, dtype=np.float32) for w in model.get_weights()]


def _floats(logs: Any) -> dict[str, float]:
    if not isinstance(logs, Mapping):
        return {}
    out: dict[str, float] = {}
    for key, value in list(logs.items())[:12]:
        try:
            out[str(key)[:40]] = float(np.asarray(value))
        except Exception:
            continue
    return out


def _recorder(keras: Any, record: dict[str, Any]) -> Any:
    class Recorder(keras.callbacks.Callback):  # type: ignore[misc]
        """Records one fit: the weights at its start and after each epoch, each batch's loss."""

        def on_train_begin(self, logs: Any = None) -> None:
            record["start"] = _weights(self.model)

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            if len(record["epochs"]) < MAX_EPOCHS:
                record["batch_losses"].append([])

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            losses = record["batch_losses"]
            if losses and len(losses[-1]) < MAX_BATCHES:
                losses[-1].append(_floats(logs).get("loss", float("nan")))

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if len(record["epochs"]) < MAX_EPOCHS:
                record["epochs"].append({"logs": _floats(logs), "weights": _weights(self.model)})

        def on_train_end(self, logs: Any = None) -> None:
            record["end"] = _weights(self.model)

    return Recorder()


def _rows(x: Any) -> int | None:
    try:
        return len(x)
    except Exception:
        return None


def prepare(context: Mapping[str, Any]) -> None:
    """Called in the student's process before their train_forecaster: seed it and wrap Model.fit."""
    import keras

    keras.utils.set_random_seed(SEED)
    FITS.clear()
    original = keras.Model.fit
    if getattr(original, "_coursekit_recorded", False):
        return

    def fit(self: Any, x: Any = None, y: Any = None, batch_size: Any = None, epochs: Any = 1,
            *args: Any, callbacks: Any = None, **kwargs: Any) -> Any:
        record: dict[str, Any] = {"rows": _rows(x), "batch_size": batch_size, "epochs_asked": epochs,
                                  "validation": kwargs.get("validation_data") is not None,
                                  "batch_losses": [], "epochs": []}
        if len(FITS) < MAX_FITS:
            FITS.append(record)
        listed = [*list(callbacks or []), _recorder(keras, record)]
        return original(self, x, y, batch_size, epochs, *args, callbacks=listed, **kwargs)

    fit._coursekit_recorded = True  # type: ignore[attr-defined]
    keras.Model.fit = fit


def predictions(model: Any, snapshots: Sequence[Sequence[np.ndarray]], train: np.ndarray, val: np.ndarray,
                final: Sequence[np.ndarray], evaluate: np.ndarray | None) -> dict[str, Any]:
    """The model's outputs with each of ``snapshots`` on the training and validation windows given (the
    caller's subset of the training windows, all the validation ones), and with ``final`` on the evaluation
    windows: {"train": [(n,) ...], "val": [(m,) ...], "evaluate": (k,)}.

    Each snapshot runs once, on the training and validation windows together, through
    ``predict_on_batch`` (one traced function, no dataset built per call): ``predict`` on each array
    apart cost four times as much for the same numbers."""
    import keras

    def run(weights: Sequence[np.ndarray], x: np.ndarray) -> np.ndarray:
        model.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
        out = model.predict_on_batch(np.asarray(x, dtype=np.float32))
        return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64).reshape(len(x), -1)[:, 0]

    found: dict[str, Any] = {"train": [], "val": []}
    both = np.concatenate([np.asarray(train, dtype=np.float32), np.asarray(val, dtype=np.float32)])
    for weights in snapshots:
        out = run(weights, both)
        found["train"].append(out[:len(train)])
        found["val"].append(out[len(train):])
    if evaluate is not None:
        found["evaluate"] = run(final, evaluate)
    model.set_weights([np.asarray(w, dtype=np.float32) for w in final])
    return found


def snapshots(fits: Sequence[Mapping[str, Any]]) -> list[list[np.ndarray]]:
    """The weights recorded by the only fit: at its start, then after each epoch."""
    if len(fits) != 1 or "start" not in fits[0]:
        return []
    return [fits[0]["start"], *(epoch["weights"] for epoch in fits[0]["epochs"])]


def probe(value: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = {"pair": False, "type": _type(value)}
    fits = [{k: v for k, v in fit.items()} for fit in FITS]
    report["fits"] = fits
    if not isinstance(value, tuple | list) or len(value) != 2:
        return report
    model, history = value
    report.update(pair=True, model_type=_type(model), history_type=_type(history))
    if isinstance(history, Mapping):
        report["history"] = {str(k)[:40]: v for k, v in list(history.items())[:12]}
    elif isinstance(getattr(history, "history", None), Mapping):
        report["history"] = {str(k)[:40]: v for k, v in list(history.history.items())[:12]}
        report["history_object"] = True
    keras = sys.modules.get("keras")
    if keras is None or not isinstance(model, keras.Model):
        report["model"] = False
        return report
    report["model"] = True
    try:
        report["config"] = keras.saving.serialize_keras_object(model)
    except Exception as exc:
        report["config"], report["config_error"] = None, f"{type(exc).__name__}: {_text(exc)}"
    report["weights"] = _weights(model)
    optimizer = getattr(model, "optimizer", None)
    report["optimizer"] = None if optimizer is None else _type(optimizer)
    try:
        report["iterations"] = None if optimizer is None else int(np.asarray(optimizer.iterations))
    except Exception:
        report["iterations"] = None
    if not context.get("measure", True):
        return report
    x_train, _, x_val, _ = context["args"][:4]
    evaluate = context["data"].get("evaluate")
    every = context["data"].get("train_every", 1)  # the training windows the judge reads: every k-th
    try:
        report["predictions"] = predictions(model, snapshots(fits), np.asarray(x_train)[::every],
                                            np.asarray(x_val), report["weights"],
                                            None if evaluate is None else np.asarray(evaluate["x"]))
    except Exception as exc:  # the student's model: the message goes into their feedback
        report["run_error"] = f"{type(exc).__name__}: {_text(exc)}"
    return report
