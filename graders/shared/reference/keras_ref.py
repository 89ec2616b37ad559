"""Built Keras layers, kept per process and reused by the references of ex1, ex2, ex4 and ex5.

In eager Keras, creating and building a layer costs 25-60 ms (its variables, an orthogonal recurrent
kernel, a random embedding), far more than the maths of a small case. A reference therefore asks
:func:`layer_with_weights` for the layer of its spec and input shape: the first time it is built with
zeros initialisers (the values are overwritten at once, so how they start does not matter), then it is
kept in a bounded LRU cache, and every later case of the same spec and shape only loads its weights with
``set_weights`` and calls it. The layers used here keep no state between calls (``stateful=False``, no
dropout), so a reused layer returns exactly what a fresh one would: ``tests/test_keras_ref.py`` checks it.

A spec is ex2's ``(class_name, kwargs)``: ``("LSTM", {"units": 4, "return_state": True, "dtype":
"float32"})``; Bidirectional's ``layer`` is itself a spec. Keras is imported inside the functions only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Spec = tuple[str, Mapping[str, Any]]
Shape = tuple[int | None, ...]

MAX_LAYERS = 128
MAX_COUNTS = 4096
# The constructor arguments that make each class's variables start at zero.
ZERO_INITIALISERS: Mapping[str, tuple[str, ...]] = {
    "Embedding": ("embeddings_initializer",),
    "Dense": ("kernel_initializer", "bias_initializer"),
    "SimpleRNN": ("kernel_initializer", "recurrent_initializer", "bias_initializer"),
    "LSTM": ("kernel_initializer", "recurrent_initializer", "bias_initializer"),
    "GRU": ("kernel_initializer", "recurrent_initializer", "bias_initializer"),
}

_layers: OrderedDict[Hashable, Any] = OrderedDict()
_counts: OrderedDict[Hashable, int] = OrderedDict()


def freeze(value: Any) -> Hashable:
    """A hashable, order-independent form of a spec's kwargs (nested specs, lists and tuples included)."""
    if isinstance(value, Mapping):
        return ("{}", tuple(sorted((str(k), freeze(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(freeze(v) for v in value))
    if isinstance(value, np.generic):
        return freeze(value.item())
    if isinstance(value, Hashable):
        return (type(value).__name__, value)
    raise TypeError(f"a layer spec holds plain values, got {type(value).__name__}: {value!r}")


def zeros_spec(spec: Spec) -> Spec:
    """``spec`` with every weight initialiser set to zeros (unless the spec chooses one itself)."""
    name, kwargs = spec
    zeros: dict[str, Any] = dict.fromkeys(ZERO_INITIALISERS.get(name, ()), "zeros")
    if name == "Bidirectional":
        zeros["layer"] = zeros_spec(kwargs["layer"])
        return name, {**kwargs, **zeros}
    return name, {**zeros, **kwargs}


def make_layer(spec: Spec) -> Any:
    """A new, unbuilt Keras layer of ``spec``."""
    import keras

    name, kwargs = spec
    kwargs = dict(kwargs)
    if name == "Bidirectional":
        kwargs["layer"] = make_layer(kwargs["layer"])
    return getattr(keras.layers, name)(**kwargs)


def _key(spec: Spec, input_shape: Sequence[int | None]) -> Hashable:
    import keras

    # The global dtype policy decides the dtype of a layer whose spec leaves it out.
    return freeze(spec), tuple(input_shape), keras.config.dtype_policy().name


def built_layer(spec: Spec, input_shape: Sequence[int | None]) -> Any:
    """The cached layer of ``spec`` built for ``input_shape`` (built now, with zeros, if not cached)."""
    key = _key(spec, input_shape)
    layer = _layers.get(key)
    if layer is None:
        layer = make_layer(zeros_spec(spec))
        layer.build(tuple(input_shape))
        _layers[key] = layer
        if len(_layers) > MAX_LAYERS:
            _layers.popitem(last=False)
    else:
        _layers.move_to_end(key)
    return layer


def layer_with_weights(spec: Spec, input_shape: Sequence[int | None], weights: Sequence[np.ndarray]) -> Any:
    """The cached layer of ``spec`` and ``input_shape`` holding ``weights`` (Keras's get_weights order)."""
    layer = built_layer(spec, input_shape)
    layer.set_weights(list(weights))
    return layer


def count_params(spec: Spec, input_shape: Sequence[int | None]) -> int:
    """Keras's ``count_params()`` of ``spec`` built for ``input_shape``; a pure function of both, so cached.

    The layer is built with zeros and not kept: counting needs no reuse, and a 50000 x 300 embedding
    should not stay in memory.
    """
    key = _key(spec, input_shape)
    found = _counts.get(key)
    if found is None:
        layer = make_layer(zeros_spec(spec))
        layer.build(tuple(input_shape))
        found = _counts[key] = int(layer.count_params())
        if len(_counts) > MAX_COUNTS:
            _counts.popitem(last=False)
    else:
        _counts.move_to_end(key)
    return found


# A cached layer's call runs eagerly, one operation at a time: 10-130 ms for these small cases, against
# ~2 ms as a traced tf.function, whose tracing costs 0.1-0.4 s. A layer is traced when it is called the
# second time: a one-student run, whose hidden shapes are its own, never traces; a class's hidden shapes
# are the same for every student (``shapes_per_class``), so a worker traces each once, at its second
# student, and calls the traced function for all the others.
TRACE_AT_CALL = 2
# ex8's gradient tapes are traced once their eager time passes this instead (graders/ex8/grader.py).
COMPILE_AFTER_S = 0.25


@dataclass
class _Calls:
    layer: Any
    calls: int = 0
    traced: dict[bool, Any] = field(default_factory=dict)


_calls: dict[Hashable, _Calls] = {}


def call_with_weights(spec: Spec, input_shape: Sequence[int | None], weights: Sequence[np.ndarray],
                      x: np.ndarray, initial_state: Sequence[np.ndarray] | None = None) -> Any:
    """``layer(x, initial_state=...)`` on the cached layer of ``spec`` holding ``weights``.

    Eager the first time (``set_weights``, then the call); from the ``TRACE_AT_CALL``-th call of this layer
    on, one traced tf.function assigns the weights to the layer's variables and calls it: an eager
    ``set_weights`` costs about 1 ms a variable, more than the traced call itself. Either way the layer
    holds ``weights`` afterwards.
    """
    layer = built_layer(spec, input_shape)
    key = _key(spec, input_shape)
    calls = _calls.get(key)
    if calls is None or calls.layer is not layer:  # new, or the LRU rebuilt the layer
        calls = _calls[key] = _Calls(layer)
        if len(_calls) > MAX_LAYERS:
            del _calls[next(iter(_calls))]
    has_state = initial_state is not None
    calls.calls += 1
    traced = calls.traced.get(has_state)
    if traced is None and calls.calls >= TRACE_AT_CALL and _traceable(layer):
        traced = calls.traced[has_state] = _traced_call(layer, has_state)
    if traced is None:
        layer.set_weights(list(weights))
        return layer(x, initial_state=list(initial_state)) if initial_state is not None else layer(x)
    variables = layer.weights
    if len(weights) != len(variables):
        raise ValueError(f"{spec[0]} holds {len(variables)} weights, got {len(weights)}")
    for variable, value in zip(variables, weights, strict=True):
        if np.shape(value) != tuple(variable.shape):
            raise ValueError(f"{variable.path} has shape {tuple(variable.shape)}, got {np.shape(value)}")
    # One flat array: a tf.function's call costs about 0.3 ms for each argument it converts.
    flat = np.concatenate([np.ravel(w) for w in weights]).astype(variables[0].dtype)
    return traced(flat, x, list(initial_state)) if initial_state is not None else traced(flat, x)


def _traceable(layer: Any) -> bool:
    """Whether :func:`_traced_call` can load the layer's weights: it has some, all of one dtype."""
    return len({v.dtype for v in layer.weights}) == 1


def _traced_call(layer: Any, has_state: bool) -> Any:
    """A tf.function that loads its first argument, every weight of ``layer`` flattened and concatenated
    in ``layer.weights`` order, into the layer's variables, then calls the layer."""
    import tensorflow as tf

    variables = list(layer.weights)
    sizes = [int(np.prod(v.shape)) for v in variables]

    def assign(flat: Any) -> None:
        for variable, part in zip(variables, tf.split(flat, sizes), strict=True):
            variable.assign(tf.reshape(part, variable.shape))

    if has_state:
        def with_state(flat: Any, a: Any, s: Any) -> Any:
            assign(flat)
            return layer(a, initial_state=s)

        return tf.function(with_state)

    def without_state(flat: Any, a: Any) -> Any:
        assign(flat)
        return layer(a)

    return tf.function(without_state)


def clear() -> None:
    """Forget every cached layer, traced call and count."""
    _layers.clear()
    _calls.clear()
    _counts.clear()


def cached_layers() -> int:
    return len(_layers)
