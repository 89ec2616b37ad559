"""Keras models as plain data, for ex2 and ex3.

- :func:`keras_layer` builds one of the lesson's layers from ex2's ``(class_name, kwargs)`` form;
- :func:`measure` measures a live model: it is the ``keras_model`` probe's own function (its summary rows,
  weight shapes and outputs with :func:`probe_weights` on :func:`probe_tokens`), imported from
  ``graders/_probe_keras_model.py``, the module the student's process loads by path;
- :func:`check_config` reads a model's config as data and refuses anything but the lesson's built-in
  layers (no Lambda, no custom class), and :func:`rebuild` then re-creates the model with Keras's safe
  deserialization, so batch grading measures a student's model in the grader, from plain data only;
- :func:`measurement_key` and :class:`Measurements` let batch grading measure each distinct model once:
  what :func:`measure` finds depends on the config alone (minus the names of a Sequential's layers), so
  a config equal to one measured before, the reference's included, gets that measurement back.

Keras is imported inside the functions that need it: ``coursekit check`` imports this module without
paying for TensorFlow.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graders._keras_model_tables import LayerSpec
from graders._probe_keras_model import (
    compile_settings,
    measure,
    model_table,
    object_name,
    probe_tokens,
    probe_weights,
)

__all__ = ["ALLOWED_CLASSES", "Measurements", "RefusedModel", "check_config", "compile_settings",
           "keras_layer", "measure", "measurement_key", "model_table", "object_name", "probe_tokens",
           "probe_weights", "rebuild", "reported_shapes"]

# (module, class_name) pairs a student's model config may hold. Everything is a Keras built-in; the
# grader rebuilds nothing else. Layers beyond the lesson's (Dropout, Activation) are allowed so that a
# model with one extra layer gets its table compared rather than refused.
_LAYERS = {"InputLayer", "Embedding", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell",
           "Dense", "Bidirectional", "Dropout", "Activation"}
_INITIALIZERS = {"Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
                 "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform",
                 "TruncatedNormal", "VarianceScaling", "Zeros"}
ALLOWED_CLASSES: Mapping[str | None, frozenset[str]] = {
    "keras.layers": frozenset(_LAYERS),
    "keras": frozenset({"Sequential", "DTypePolicy"}),
    "keras.src.models.functional": frozenset({"Functional"}),
    "keras.initializers": frozenset(_INITIALIZERS),
    "keras.regularizers": frozenset({"L1", "L2", "L1L2"}),
    "keras.constraints": frozenset({"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"}),
    None: frozenset({"__keras_tensor__"}),
}
ACTIVATIONS = frozenset({"celu", "elu", "exponential", "gelu", "hard_sigmoid", "hard_silu", "hard_swish",
                         "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6",
                         "selu", "sigmoid", "silu", "softmax", "softplus", "softsign", "swish", "tanh"})
# Bounds on what a config may ask the grader to allocate.
MAX_LAYERS = 64
MAX_SIZES = {"units": 4096, "output_dim": 65536, "input_dim": 1_000_000}
MAX_WEIGHTS = 40_000_000


class RefusedModel(Exception):
    """A student's model that the grader will not rebuild, with the reason in words for the student."""


# ---- live Keras --------------------------------------------------------------------------------------

def keras_layer(spec: LayerSpec) -> Any:
    """A Keras layer from ex2's ``(class_name, kwargs)``; Bidirectional's ``layer`` is itself a spec."""
    import keras

    name, kwargs = spec
    kwargs = dict(kwargs)
    if name == "Bidirectional":
        kwargs["layer"] = keras_layer(kwargs["layer"])
    return getattr(keras.layers, name)(**kwargs)


# ---- a student's model from plain data ------------------------------------------------------------------

def check_config(config: Any) -> None:
    """Raise RefusedModel unless ``config`` describes a model made only of allowed Keras built-ins.

    Reads the config as data; imports nothing. ``compile_config`` is not read here: it is never
    deserialized, only named by :func:`compile_settings`.
    """
    if not isinstance(config, Mapping) or "class_name" not in config:
        raise RefusedModel("the model's configuration could not be read (keras.saving.serialize_keras_object "
                           "failed): return a keras.Sequential or a functional keras.Model")
    body = {k: v for k, v in config.items() if k != "compile_config"}
    layers = body.get("config", {}).get("layers") if isinstance(body.get("config"), Mapping) else None
    if isinstance(layers, list | tuple) and len(layers) > MAX_LAYERS:
        raise RefusedModel(f"the model has {len(layers)} layers; the grader rebuilds at most {MAX_LAYERS}")
    sizes: dict[str, list[int]] = {"units": [], "output_dim": [], "input_dim": []}
    _check_value(body, "model", sizes)
    widest = max(sizes["units"] + sizes["output_dim"], default=0)
    # A recurrent layer holds up to 4 gates x 2 directions of (input + units) x units weights.
    if 8 * max(sizes["units"], default=0) * widest > MAX_WEIGHTS:
        raise RefusedModel(f"the model's layers are too large for the grader to rebuild (units up to "
                           f"{max(sizes['units'])}, widths up to {widest})")


def _check_value(value: Any, where: str, sizes: dict[str, list[int]]) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int | float):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(item, where, sizes)
        return
    if not isinstance(value, Mapping):
        raise RefusedModel(f"the model's configuration holds a {type(value).__name__} at {where}, which is "
                           f"not plain data")
    if "class_name" in value:
        _check_class(value)
        where = str(value.get("class_name"))
    for key, item in value.items():
        if not isinstance(key, str):
            raise RefusedModel(f"the model's configuration has a key that is not a string at {where}")
        if key in ("activation", "recurrent_activation") and isinstance(item, str) \
                and item not in ACTIVATIONS:
            raise RefusedModel(f"{where} uses the activation {item[:40]!r}, which is not a Keras built-in")
        if key in MAX_SIZES and item is not None and (
                not isinstance(item, int) or isinstance(item, bool) or not 0 < item <= MAX_SIZES[key]):
            raise RefusedModel(f"{where}: {key} must be a positive integer of at most {MAX_SIZES[key]}, "
                               f"got {str(item)[:40]}")
        if key in MAX_SIZES and item is not None:
            sizes[key].append(item)
        _check_value(item, where, sizes)
    rows, columns = value.get("input_dim"), value.get("output_dim")
    if isinstance(rows, int) and isinstance(columns, int) and rows * columns > MAX_WEIGHTS:
        raise RefusedModel(f"{where}: an Embedding of {rows} x {columns} is larger than the grader rebuilds")


def _check_class(value: Mapping[str, Any]) -> None:
    class_name, module = value.get("class_name"), value.get("module")
    if class_name == "Lambda":
        raise RefusedModel("the model holds a Lambda layer: the grader never runs code from a submission, so "
                           "build the model from the lesson's layers only (Embedding, SimpleRNN, LSTM, GRU, "
                           "Bidirectional, Dense)")
    allowed = ALLOWED_CLASSES.get(module if isinstance(module, str) else None, frozenset())
    if not isinstance(class_name, str) or class_name not in allowed:
        raise RefusedModel(f"the model holds {str(class_name)[:60]} (from {str(module)[:60]}), which the "
                           f"grader does not rebuild: use only Keras's own layers (Embedding, SimpleRNN, "
                           f"LSTM, GRU, Bidirectional, Dense), no custom classes")
    registered = value.get("registered_name")
    if registered is not None and registered != class_name:
        raise RefusedModel(f"{class_name[:60]} is registered as {str(registered)[:60]}: custom objects are "
                           f"not rebuilt")


def _as_json(value: Any) -> Any:
    """The config as json.loads would give it (tuples as lists), which is what Keras reads."""
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _as_json(v) for k, v in value.items()}
    return value


def reported_shapes(report: Mapping[str, Any]) -> list[tuple[int, ...]]:
    """The shapes of the model's weights as the child reported them: ``weight_shapes`` (batch grading's
    probe) or the shapes of ``weights`` (the full report). Raises RefusedModel for anything else."""
    if "weight_shapes" in report:
        shapes = report["weight_shapes"]
        if not isinstance(shapes, list) or not all(
                isinstance(s, list | tuple) and len(s) <= 8 and all(
                    isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in s) for s in shapes):
            raise RefusedModel("the model's weight shapes were not reported as a list of shapes")
        found = [tuple(s) for s in shapes]
    else:
        weights = report.get("weights")
        if not isinstance(weights, list) or not all(isinstance(w, np.ndarray) for w in weights):
            raise RefusedModel("the model's weights were not reported as a list of arrays")
        found = [tuple(int(n) for n in w.shape) for w in weights]
    if sum(math.prod(s) for s in found) > MAX_WEIGHTS:
        raise RefusedModel(f"the model has more than {MAX_WEIGHTS} weights")
    return found


def rebuild(config: Any, shapes: Sequence[tuple[int, ...]]) -> tuple[Any, bool]:
    """The student's model re-created in this process from its config, and whether it had to be built
    for (None, None) because it had no keras.Input.

    ``shapes`` are the shapes of the student's weights (:func:`reported_shapes`); the rebuilt model's must
    be the same. Their values are not needed: :func:`measure` runs the model with :func:`probe_weights`.
    Raises RefusedModel for a config outside the allowlist or weights that do not fit it. Everything
    else Keras raises while rebuilding also becomes RefusedModel: the config came from the student.
    """
    check_config(config)
    import keras

    body = _as_json({k: v for k, v in config.items() if k != "compile_config"})
    try:
        model = keras.saving.deserialize_keras_object(body, safe_mode=True)
    except Exception as exc:
        raise RefusedModel(f"the model could not be rebuilt from its configuration "
                           f"({type(exc).__name__}: {str(exc)[:200]})") from None
    if not isinstance(model, keras.Model):
        raise RefusedModel(f"the configuration describes a {type(model).__name__}, not a keras.Model")
    unbuilt = not model.built
    try:
        if unbuilt:
            model.build((None, None))
        rebuilt = [tuple(int(n) for n in w.shape) for w in model.weights]
    except Exception as exc:
        raise RefusedModel(f"the model could not be rebuilt with its weights "
                           f"({type(exc).__name__}: {str(exc)[:200]})") from None
    if rebuilt != [tuple(s) for s in shapes]:
        raise RefusedModel(f"the model could not be rebuilt with its weights (its config gives weights of "
                           f"shapes {str(rebuilt)[:150]}, the model had {str(list(shapes))[:150]})")
    return model, unbuilt


# ---- measuring each distinct model once -------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


def measurement_key(config: Any) -> str | None:
    """What :func:`rebuild` and :func:`measure` depend on in ``config``, as a string; None if unreadable.

    That is the whole config except ``compile_config`` (never rebuilt) and, in a Sequential whose model
    and layer names are all distinct plain identifiers, those names: they only label the summary's rows,
    which hold class names. Any other difference, down to one argument or an initializer's seed, gives
    another key. A functional model keeps its names, which say how its layers are connected.
    Call it on a config that :func:`check_config` accepted.
    """
    if not isinstance(config, Mapping):
        return None
    body = _as_json({k: v for k, v in config.items() if k != "compile_config"})
    inner = body.get("config")
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if body.get("class_name") == "Sequential" and body.get("module") == "keras" and isinstance(inner, dict) \
            and isinstance(layers, list) \
            and all(isinstance(layer, dict) and isinstance(layer.get("config"), dict) for layer in layers):
        parts: list[dict[str, Any]] = [inner, *(layer["config"] for layer in layers)]
        names = [part.get("name") for part in parts]
        if all(isinstance(n, str) and _NAME.fullmatch(n) for n in names) and len(set(names)) == len(names):
            for part in parts:
                part.pop("name")
    try:
        return json.dumps(body, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None


class Measurements:
    """What :func:`measure` found for each recent key, in one grading process; at most ``size`` keys.

    Only complete measurements (the model ran) are kept, and only small ones: a key of at most
    ``MAX_KEY_CHARS`` and outputs of at most ``MAX_OUTPUT_BYTES`` (the lesson's are ~10 kB), so that a
    class of hostile models cannot fill the grader's memory (at most ~100 MB for 256 keys). Filled by the
    grader alone, from models it built itself; what a student process reports is never stored, only its
    config is used as a key.
    """

    MAX_KEY_CHARS = 1 << 16
    MAX_OUTPUT_BYTES = 1 << 16

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._found: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def get(self, key: str | None) -> dict[str, Any] | None:
        found = self._found.get(key) if key is not None else None
        if found is None or key is None:
            return None
        self._found.move_to_end(key)
        return {**found, "outputs": np.array(found["outputs"])}

    def put(self, key: str | None, found: Mapping[str, Any]) -> None:
        outputs = found.get("outputs")
        if key is None or not isinstance(outputs, np.ndarray) or outputs.nbytes > self.MAX_OUTPUT_BYTES \
                or len(key) > self.MAX_KEY_CHARS:
            return
        self._found[key] = dict(found)
        self._found.move_to_end(key)
        while len(self._found) > self.size:
            self._found.popitem(last=False)

    def clear(self) -> None:
        self._found.clear()
