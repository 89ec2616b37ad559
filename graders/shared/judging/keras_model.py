"""Keras models as plain data, for ex2 and ex3.

- :func:`keras_layer` builds one of the lesson's layers from ex2's ``(class_name, kwargs)`` form;
- :func:`measure` measures a live model: it is the ``keras_model`` probe's own function (its summary rows,
  weight shapes and outputs with :func:`probe_weights` on :func:`probe_tokens`), imported from
  ``graders/shared/probes/keras_model.py``, the module the student's process loads by path;
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
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..reference.keras_model_tables import LayerSpec
try:
    from ..probes.keras_model import (
        compile_settings,
        measure,
        model_table,
        object_name,
        probe_tokens,
        probe_weights,
    )
except ImportError:  # run as a sandboxed job of its own (_keras_build.py), with the probe module beside it
    from _probe_keras_model import (  # type: ignore[no-redef]
        compile_settings,
        measure,
        model_table,
        object_name,
        probe_tokens,
        probe_weights,
    )

__all__ = ["ALLOWED_CLASSES", "REASONS", "Measurements", "RefusedModel", "check_config", "compile_settings",
           "keras_layer", "measure", "measurement_key", "model_table", "object_name", "probe_tokens",
           "probe_weights", "rebuild", "rebuild_and_measure", "rebuild_and_predict", "refusal",
           "reported_shapes"]

# (module, class_name) pairs a student's model config may hold. Everything is a Keras built-in; the
# grader rebuilds nothing else. Layers beyond the lesson's (Dropout, Activation) are allowed so that a
# model with one extra layer gets its table compared rather than refused; Flatten (no weights) so that ex11's
# window flattened into a Dense is judged as such.
_LAYERS = {"InputLayer", "Embedding", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell",
           "Dense", "Bidirectional", "Dropout", "Activation", "Flatten"}
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
# Bounds on what a config may ask the grader to build: the exercise's largest sensible sizes (its cases
# go up to a vocabulary of 10,000, width 32, depth 6; a swapped Embedding is 10,000 wide) with a wide
# margin for a student's own choices. Every layer counts, those inside nested Sequential and Functional
# models too.
MAX_LAYERS = 64
MAX_SIZES = {"units": 1024, "output_dim": 16384, "input_dim": 100_000}
MAX_DIM = 16384  # any dimension of an input shape (InputLayer batch_shape, a tensor's shape)
MAX_WEIGHTS = 4_000_000  # an upper bound of the model's parameter count, estimated from its config
# A layer of a functional model is run once per call (each of its ``inbound_nodes``; a nested model's
# calls multiply its layers' calls): one Dense(1024) called 150 times cost 75 s and 3.7 GB to rebuild and
# run. Both the calls and the work they estimate (the weights each call touches, summed over the calls)
# are bounded; a model that calls each layer once has work equal to its weights.
MAX_CALLS = 128
MAX_WORK = MAX_WEIGHTS
_SHAPE_KEYS = ("batch_shape", "batch_input_shape", "input_shape", "shape")
_GATES = {"SimpleRNN": 1, "SimpleRNNCell": 1, "LSTM": 4, "LSTMCell": 4, "GRU": 3, "GRUCell": 3}
# Initializers, regularizers and constraints may also be named by a string: only these names.
_NAMED = {
    "initializer": frozenset(_INITIALIZERS) | {
        "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
        "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform",
        "truncated_normal", "variance_scaling", "zeros"},
    "regularizer": frozenset({"L1", "L2", "L1L2", "l1", "l2", "l1_l2"}),
    "constraint": frozenset({"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
                             "non_neg", "unit_norm"}),
}


class RefusedModel(Exception):
    """A student's model that the grader will not rebuild: the reason's id (an entry ``refused.<reason>`` of
    ex3's catalogue, one of :data:`REASONS`) and its parameters, plain str and int values.

    It carries data, not text: this module runs in a sandboxed job that imports nothing of coursekit, and
    the grader renders the reason in the student's language.
    """

    def __init__(self, reason: str, /, **params: str | int) -> None:
        super().__init__(reason, params)
        self.reason = reason
        self.params = params

    def __str__(self) -> str:
        return f"{self.reason} {self.params}" if self.params else self.reason

    def to_data(self) -> dict[str, Any]:
        return {"reason": self.reason, "params": dict(self.params)}


# Every reason a RefusedModel may give (here and in graders/shared/reference/keras_build.py).
REASONS = frozenset({
    "config_unreadable", "too_many_layers", "too_large", "nested_too_deep", "not_plain_data",
    "key_not_string", "activation_not_builtin", "not_builtin", "size_out_of_range", "bad_shape",
    "lambda_layer", "custom_class", "registered_name", "shapes_not_reported", "weights_not_reported",
    "too_many_weights", "rebuild_failed", "not_a_keras_model", "rebuild_weights_failed",
    "weights_do_not_fit", "config_not_json", "build_timed_out", "build_stopped", "build_error",
    "no_measurements", "bad_measurements", "too_many_calls", "too_much_work"})


def refusal(data: Any) -> RefusedModel:
    """A refusal sent back as data (``RefusedModel.to_data``), checked: a known reason, with plain str
    (at most 300 characters) and int parameters; anything else is ``bad_measurements``."""
    reason = data.get("reason") if isinstance(data, dict) else None
    params = data.get("params") if isinstance(data, dict) else None
    if reason not in REASONS or not isinstance(params, dict) or len(params) > 8 or not all(
            isinstance(k, str) and ((isinstance(v, str) and len(v) <= 300)
                                    or (isinstance(v, int) and not isinstance(v, bool)))
            for k, v in params.items()):
        return RefusedModel("bad_measurements")
    return RefusedModel(str(reason), **params)


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
    """Raise RefusedModel unless ``config`` describes a model made only of allowed Keras built-ins, of
    sizes the grader will build: at most ``MAX_LAYERS`` layers in all (nested models included), sizes
    and input shapes within ``MAX_SIZES`` and ``MAX_DIM``, and at most ``MAX_WEIGHTS`` parameters by an
    upper-bound estimate from the config (every recurrent layer counted as bidirectional, every input as
    wide as the widest size in the model).

    Reads the config as data; imports nothing. ``compile_config`` is not read here: it is never
    deserialized, only named by :func:`compile_settings`.
    """
    if not isinstance(config, Mapping) or "class_name" not in config:
        raise RefusedModel("config_unreadable")
    body = {k: v for k, v in config.items() if k != "compile_config"}
    found = _Found()
    _check_value(body, "model", found, 0)
    if len(found.layers) > MAX_LAYERS:
        raise RefusedModel("too_many_layers", layers=len(found.layers), limit=MAX_LAYERS)
    widest = max([1, *found.widths, *(_int(c, "units") for _, c, _ in found.layers),
                  *(_int(c, "output_dim") for _, c, _ in found.layers)])
    weights, work = 0, 0
    for class_name, layer, calls in found.layers:
        units = _int(layer, "units")
        if class_name in _GATES:
            size = 2 * _GATES[class_name] * (widest + units + 2) * units
        elif class_name == "Dense":
            size = (widest + 1) * units
        elif class_name == "Embedding":
            size = _int(layer, "input_dim") * _int(layer, "output_dim")
        else:
            size = 0
        weights += size
        work += calls * max(size, 1)
    if weights > MAX_WEIGHTS:
        raise RefusedModel("too_large", weights=weights, limit=MAX_WEIGHTS)
    calls = sum(c for _, _, c in found.layers)
    if calls > MAX_CALLS:
        raise RefusedModel("too_many_calls", calls=calls, limit=MAX_CALLS)
    if work > MAX_WORK:
        raise RefusedModel("too_much_work", work=work, limit=MAX_WORK)


class _Found:
    """What :func:`_check_value` collects: each layer's config, and the widths of the input shapes."""

    def __init__(self) -> None:
        self.layers: list[tuple[str, Mapping[str, Any], int]] = []  # (class name, its config, its calls)
        self.widths: list[int] = []


def _int(config: Mapping[str, Any], key: str) -> int:
    value = config.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


MAX_DEPTH = 64  # nesting of the config's lists and dicts


def _check_value(value: Any, where: str, found: _Found, depth: int, calls: int = 1) -> None:
    """``calls``: how many times the layer or model holding ``value`` is run (its callers' calls times
    its own ``inbound_nodes``)."""
    if depth > MAX_DEPTH:
        raise RefusedModel("nested_too_deep", limit=MAX_DEPTH, where=where[:60])
    if value is None or isinstance(value, bool | str | int | float):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(item, where, found, depth + 1, calls)
        return
    if not isinstance(value, Mapping):
        raise RefusedModel("not_plain_data", type=type(value).__name__[:60], where=where[:60])
    if "class_name" in value:
        _check_class(value)
        where = str(value.get("class_name"))
        nodes = value.get("inbound_nodes")
        if isinstance(nodes, list | tuple):
            calls *= max(1, len(nodes))
            if calls > MAX_CALLS:  # before the product grows: a nested model called in a loop
                raise RefusedModel("too_many_calls", calls=calls, limit=MAX_CALLS)
        inner = value.get("config")
        if value.get("module") == "keras.layers" and isinstance(inner, Mapping):
            found.layers.append((where, inner, calls))
    for key, item in value.items():
        if not isinstance(key, str):
            raise RefusedModel("key_not_string", where=where[:60])
        if key in ("activation", "recurrent_activation") and isinstance(item, str) \
                and item not in ACTIVATIONS:
            raise RefusedModel("activation_not_builtin", where=where[:60], activation=repr(item[:40]))
        kind = key.rpartition("_")[2]
        if kind in _NAMED and isinstance(item, str) and item not in _NAMED[kind]:
            raise RefusedModel("not_builtin", where=where[:60], key=key[:60], value=repr(item[:40]),
                               kind=kind)
        if key in MAX_SIZES and item is not None and (
                not isinstance(item, int) or isinstance(item, bool) or not 0 < item <= MAX_SIZES[key]):
            raise RefusedModel("size_out_of_range", where=where[:60], key=key, limit=MAX_SIZES[key],
                               got=str(item)[:40])
        if key in _SHAPE_KEYS and item is not None:
            found.widths.extend(_shape_dims(item, where, key))
        _check_value(item, where, found, depth + 1, calls)


def _shape_dims(shape: Any, where: str, key: str) -> list[int]:
    """The dimensions of an input shape, each None or an integer in [0, MAX_DIM]."""
    if not isinstance(shape, list | tuple) or len(shape) > 8 or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DIM)
            for d in shape):
        raise RefusedModel("bad_shape", where=where[:60], key=key, shape=str(shape)[:60], limit=MAX_DIM)
    return [d for d in shape if d is not None]


def _check_class(value: Mapping[str, Any]) -> None:
    class_name, module = value.get("class_name"), value.get("module")
    if class_name == "Lambda":
        raise RefusedModel("lambda_layer")
    allowed = ALLOWED_CLASSES.get(module if isinstance(module, str) else None, frozenset())
    if not isinstance(class_name, str) or class_name not in allowed:
        raise RefusedModel("custom_class", class_name=str(class_name)[:60], module=str(module)[:60])
    registered = value.get("registered_name")
    if registered is not None and registered != class_name:
        raise RefusedModel("registered_name", class_name=class_name[:60], registered=str(registered)[:60])


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
            raise RefusedModel("shapes_not_reported")
        found = [tuple(s) for s in shapes]
    else:
        weights = report.get("weights")
        if not isinstance(weights, list) or not all(isinstance(w, np.ndarray) for w in weights):
            raise RefusedModel("weights_not_reported")
        found = [tuple(int(n) for n in w.shape) for w in weights]
    if sum(math.prod(s) for s in found) > MAX_WEIGHTS:
        raise RefusedModel("too_many_weights", limit=MAX_WEIGHTS)
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
        raise RefusedModel("rebuild_failed", error=f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(model, keras.Model):
        raise RefusedModel("not_a_keras_model", type=type(model).__name__[:60])
    unbuilt = not model.built
    try:
        if unbuilt:
            model.build((None, None))
        rebuilt = [tuple(int(n) for n in w.shape) for w in model.weights]
    except Exception as exc:
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
        raise RefusedModel("rebuild_weights_failed", error=error) from None
    if rebuilt != [tuple(s) for s in shapes]:
        raise RefusedModel("weights_do_not_fit", rebuilt=str(rebuilt)[:150],
                           reported=str(list(shapes))[:150])
    return model, unbuilt


def rebuild_and_measure(body: str, shapes: Sequence[Sequence[int]]) -> dict[str, Any]:
    """:func:`rebuild` and :func:`measure` from the config's JSON; a refusal is a value ``{"refused"}``.

    Batch grading runs this in a sandboxed job of its own (``shared/reference/keras_build.py``), where a time
    and a memory limit hold, never in the grading worker.
    """
    try:
        model, unbuilt = rebuild(json.loads(body), [tuple(int(n) for n in s) for s in shapes])
    except RefusedModel as exc:
        return {"refused": exc.to_data()}
    return {**measure(model), "built_without_input": unbuilt}


def rebuild_and_predict(body: str, weights: Sequence[Any], inputs: Sequence[Any]) -> dict[str, Any]:
    """ex7: the model of the config's JSON rebuilt, ``weights`` set, and its first output on each batch of
    token ids in ``inputs`` (float64, one value per row). A refusal is ``{"refused"}``; weights that do not
    fit or a run that raises stop there, with the outputs so far and ``error``.

    Batch grading runs this in a sandboxed job of its own (``shared/reference/keras_build.py``), never in the
    grading worker.
    """
    import keras

    arrays = [np.asarray(w, dtype=np.float32) for w in weights]
    try:
        model, _ = rebuild(json.loads(body), [tuple(int(n) for n in w.shape) for w in arrays])
    except RefusedModel as exc:
        return {"refused": exc.to_data()}
    outputs: list[np.ndarray] = []
    try:
        model.set_weights(arrays)
        for x in inputs:
            rows = np.asarray(x, dtype=np.int32)
            out = keras.ops.convert_to_numpy(model(rows, training=False))
            outputs.append(np.asarray(out, dtype=np.float64).reshape(len(rows), -1)[:, 0])
    except Exception as exc:  # the student's model: the message goes into their feedback
        return {"outputs": outputs, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    return {"outputs": outputs, "error": None}


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
