"""ex3's probe: a Keras model as plain data, run inside the student's process.

Loaded by path by the sandbox's child (``Exercise.probes``), so it imports nothing from coursekit or
graders: numpy at module level, Keras inside the functions, from the student's own process. Its
``probe(value, context)`` returns plain Python data (dicts, lists, tuples, str, int, float, numpy arrays)
that the child encodes in the wire format.

It reports the model's config and weights, and what it measures about itself: its summary rows, compile
settings, and outputs with :func:`probe_weights` on :func:`probe_tokens`. ``coursekit check`` uses these
measurements. Batch grading redoes them in the grader from the config and the weights' shapes
(``graders/shared/judging/keras_model.py`` imports :func:`measure` and the rest from this module: one
copy), so with
``context["measure"]`` False the probe sends only the config and the weight shapes.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def probe_tokens(vocab: int) -> np.ndarray:
    """The token ids every model is run on: (4, 9) int32 in [0, vocab)."""
    index = np.arange(36, dtype=np.int64).reshape(4, 9)
    return ((index * 7919 + 13) % max(int(vocab), 1)).astype(np.int32)


def probe_weights(shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Weights for these shapes, uniform in [-0.5, 0.5) from a splitmix64 hash: the same everywhere."""
    out = []
    for k, shape in enumerate(shapes):
        seed = ((k + 1) * 0xD1B54A32D192ED03) % 2**64
        z = np.arange(1, math.prod(shape) + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z += np.uint64(seed)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
        uniform = (z >> np.uint64(11)).astype(np.float64) / float(2**53)
        out.append((uniform - 0.5).reshape(shape).astype(np.float32))
    return out


def object_name(obj: Any) -> Any:
    """The name of a serialized optimizer, loss or metric: "rmsprop", "RMSprop", "acc"..."""
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Mapping):
        inner = obj.get("config")
        return inner if isinstance(inner, str) else str(obj.get("class_name"))
    return type(obj).__name__


def compile_settings(config: Any) -> dict[str, Any] | None:
    """{"optimizer", "loss", "metrics"} from a model's compile config, None when it was not compiled."""
    if not isinstance(config, Mapping):
        return None
    metrics = config.get("metrics") or []
    return {"optimizer": object_name(config.get("optimizer")), "loss": object_name(config.get("loss")),
            "metrics": [object_name(m) for m in metrics] if isinstance(metrics, list | tuple)
            else [object_name(metrics)]}


def _shape(tensor: Any) -> tuple[int | None, ...]:
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _output_shape(layer: Any) -> Any:
    try:
        out = layer.output
    except Exception:  # a layer used twice has no single output
        return None
    return [_shape(o) for o in out] if isinstance(out, list | tuple) else _shape(out)


def model_table(model: Any) -> list[tuple[str, Any, int]]:
    """model.summary()'s rows (layer class, output shape, parameters); an InputLayer is not a row."""
    return [(type(layer).__name__, _output_shape(layer), int(layer.count_params()))
            for layer in model.layers if type(layer).__name__ != "InputLayer"]


def measure(model: Any) -> dict[str, Any]:
    """Table, weight shapes, outputs with :func:`probe_weights` on :func:`probe_tokens` (or why they could
    not be had). Sets the model's weights to :func:`probe_weights`."""
    import keras

    shapes = [tuple(int(n) for n in np.shape(w)) for w in model.get_weights()]
    found: dict[str, Any] = {"table": model_table(model), "weight_shapes": shapes,
                             "outputs": None, "outputs_error": None}
    try:
        model.set_weights(probe_weights(shapes))
        vocab = next((layer.input_dim for layer in model.layers if type(layer).__name__ == "Embedding"), 1)
        out = model(probe_tokens(vocab), training=False)
        found["outputs"] = np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)
    except Exception as exc:  # the student's model; the message goes into their feedback
        found["outputs_error"] = f"{type(exc).__name__}: {_text(exc)[:300]}"
    return found


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return "<the exception could not be shown>"


def probe(value: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    """The report on what a builder returned: {"model": False, "type"} for anything but a keras.Model."""
    keras = sys.modules.get("keras")
    kind = type(value)
    report: dict[str, Any] = {"model": False, "type": f"{kind.__module__}.{kind.__qualname__}"}
    if keras is None or not isinstance(value, keras.Model):
        return report
    report["model"] = True
    try:
        report["config"] = keras.saving.serialize_keras_object(value)
    except Exception as exc:
        report["config"] = None
        report["config_error"] = f"{type(exc).__name__}: {_text(exc)[:300]}"
    report["built_without_input"] = not value.built
    if not value.built:
        value.build((None, None))  # a ValueError about ndim here is explained by the grader
    report["weight_shapes"] = [tuple(int(n) for n in np.shape(w)) for w in value.weights]
    if not context.get("measure", True):
        return report
    report["weights"] = [np.asarray(w) for w in value.get_weights()]
    report["compile"] = compile_settings(value.get_compile_config() if getattr(value, "compiled", False)
                                         else None)
    found = measure(value)
    report.update(table=found["table"], outputs=found["outputs"], outputs_error=found["outputs_error"])
    return report
