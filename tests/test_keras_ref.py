"""graders/shared/reference/keras_ref.py: a reused Keras layer answers exactly as a fresh one, whatever
came before it."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from graders.shared.reference import keras_ref as _keras_ref
from graders.shared.reference.keras_ref import Spec, built_layer, layer_with_weights

GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    _keras_ref.clear()
    yield
    _keras_ref.clear()


def rnn_weights(rng: np.random.Generator, cls: str, options: dict[str, Any], input_dim: int,
                dtype: str) -> list[np.ndarray]:
    units, width = options["units"], GATES[cls] * options["units"]
    weights = [rng.normal(0, 0.6, (input_dim, width)), rng.normal(0, 0.6, (units, width))]
    if options.get("use_bias", True):
        two_rows = cls == "GRU" and options.get("reset_after", True)
        weights.append(rng.normal(0, 0.5, (2, width) if two_rows else (width,)))
    return [w.astype(dtype) for w in weights]


def fresh(keras: ModuleType, spec: Spec) -> Any:
    """The layer built the plain way, with Keras's default initialisers, without
    graders/shared/reference/keras_ref."""
    name, kwargs = spec
    kwargs = dict(kwargs)
    if name == "Bidirectional":
        kwargs["layer"] = fresh(keras, kwargs["layer"])
    return getattr(keras.layers, name)(**kwargs)


def outputs(keras: ModuleType, out: Any) -> list[np.ndarray]:
    return [keras.ops.convert_to_numpy(o) for o in (out if isinstance(out, list | tuple) else [out])]


def call(layer: Any, x: np.ndarray, states: list[np.ndarray] | None) -> Any:
    return layer(x) if states is None else layer(x, initial_state=states)


RECURRENT = [
    ("SimpleRNN", {"units": 4}, False),
    ("SimpleRNN", {"units": 4}, True),
    ("SimpleRNN", {"units": 3, "return_sequences": True}, True),
    ("LSTM", {"units": 3, "return_state": True}, False),
    ("LSTM", {"units": 3, "return_state": True, "return_sequences": True}, True),
    ("LSTM", {"units": 2, "return_state": True, "use_bias": False}, True),
    ("GRU", {"units": 3, "reset_after": True}, True),
    ("GRU", {"units": 3, "reset_after": False, "return_sequences": True}, False),
    ("GRU", {"units": 3, "reset_after": False}, True),
    ("GRU", {"units": 2, "reset_after": True, "use_bias": False}, False),
]


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls, options, with_state", RECURRENT)
def test_a_reused_recurrent_layer_equals_a_fresh_one(keras: ModuleType, cls: str, options: dict[str, Any],
                                                     with_state: bool, dtype: str) -> None:
    """Three different cases through one cached layer, alternating with and without an initial state,
    each equal to a fresh layer's answer; the first case again at the end gives the same answer."""
    rng = np.random.default_rng(1)
    spec: Spec = (cls, {**options, "dtype": dtype})
    shape = (3, 5, 2)
    n_states = 2 if cls == "LSTM" else 1
    cases = []
    for n in range(3):
        x = rng.normal(size=shape).astype(dtype)
        states = ([rng.uniform(-1, 1, (3, options["units"])).astype(dtype) for _ in range(n_states)]
                  if with_state != (n == 1) else None)
        cases.append((x, rnn_weights(rng, cls, options, shape[-1], dtype), states))
    answers = []
    for x, weights, states in [*cases, cases[0]]:
        reused = outputs(keras, call(layer_with_weights(spec, shape, weights), x, states))
        layer = fresh(keras, spec)
        layer.build(shape)
        layer.set_weights(weights)
        want = outputs(keras, call(layer, x, states))
        assert [o.dtype for o in reused] == [np.dtype(dtype)] * len(want)
        for got, expected in zip(reused, want, strict=True):
            np.testing.assert_array_equal(got, expected)
        answers.append(reused)
    for got, expected in zip(answers[-1], answers[0], strict=True):
        np.testing.assert_array_equal(got, expected)
    assert _keras_ref.cached_layers() == 1


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
@pytest.mark.parametrize("cls, options", [("SimpleRNN", {"units": 3}),
                                          ("LSTM", {"units": 2, "return_sequences": True}),
                                          ("GRU", {"units": 3, "reset_after": True})])
@pytest.mark.slow
def test_a_reused_bidirectional_layer_equals_a_fresh_one(keras: ModuleType, merge_mode: str, cls: str,
                                                         options: dict[str, Any]) -> None:
    rng = np.random.default_rng(2)
    dtype = "float64"
    spec: Spec = ("Bidirectional", {"layer": (cls, {**options, "dtype": dtype}), "merge_mode": merge_mode,
                                    "dtype": dtype})
    shape = (2, 4, 3)
    cases = [(rng.normal(size=shape),
              rnn_weights(rng, cls, options, 3, dtype) + rnn_weights(rng, cls, options, 3, dtype))
             for _ in range(2)]
    for x, weights in [*cases, cases[0]]:
        reused = keras.ops.convert_to_numpy(layer_with_weights(spec, shape, weights)(x))
        layer = fresh(keras, spec)
        layer.build(shape)
        layer.set_weights(weights)
        np.testing.assert_array_equal(reused, keras.ops.convert_to_numpy(layer(x)))
    assert _keras_ref.cached_layers() == 1


@pytest.mark.slow
def test_a_reused_dense_softmax_equals_a_fresh_one(keras: ModuleType) -> None:
    rng = np.random.default_rng(3)
    spec: Spec = ("Dense", {"units": 4, "activation": "softmax", "dtype": "float32"})
    shape = (2, 3, 5)
    for _ in range(2):
        s = rng.normal(size=shape).astype("float32")
        weights = [rng.normal(size=(5, 4)).astype("float32"), rng.normal(size=(4,)).astype("float32")]
        layer = fresh(keras, spec)
        layer.build(shape)
        layer.set_weights(weights)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer_with_weights(spec, shape, weights)(s)),
                                      keras.ops.convert_to_numpy(layer(s)))


@pytest.mark.slow
def test_one_layer_per_spec_shape_and_dtype_policy(keras: ModuleType) -> None:
    spec: Spec = ("SimpleRNN", {"units": 2})
    first = built_layer(spec, (1, 3, 2))
    assert built_layer(("SimpleRNN", {"units": 2}), (1, 3, 2)) is first
    assert built_layer(spec, (1, 4, 2)) is not first
    assert built_layer(("SimpleRNN", {"units": 2, "return_sequences": False}), (1, 3, 2)) is not first
    before = keras.config.dtype_policy()
    try:
        keras.config.set_dtype_policy("float64")
        doubled = built_layer(spec, (1, 3, 2))
    finally:
        keras.config.set_dtype_policy(before)
    assert doubled is not first and doubled.dtype == "float64" and first.dtype == before.variable_dtype


@pytest.mark.slow
def test_the_cache_is_bounded_and_forgets_the_least_recently_used(keras: ModuleType,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_keras_ref, "MAX_LAYERS", 2)
    a, b = (built_layer(("Dense", {"units": n}), (1, 2)) for n in (1, 2))
    assert built_layer(("Dense", {"units": 1}), (1, 2)) is a  # now the most recently used
    built_layer(("Dense", {"units": 3}), (1, 2))
    assert _keras_ref.cached_layers() == 2
    assert built_layer(("Dense", {"units": 1}), (1, 2)) is a
    assert built_layer(("Dense", {"units": 2}), (1, 2)) is not b


def test_specs_hold_plain_values_only() -> None:
    with pytest.raises(TypeError, match="plain values"):
        _keras_ref.freeze({"units": object.__new__(type("Opaque", (), {"__hash__": None}))})


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec, with_state", [
    (("SimpleRNN", {"units": 4}), True),
    (("LSTM", {"units": 3, "return_state": True, "return_sequences": True}), True),
    (("GRU", {"units": 3, "reset_after": False}), False),
    (("Bidirectional", {"layer": ("LSTM", {"units": 3, "return_sequences": True}), "merge_mode": "ave"}),
     False),
])
@pytest.mark.slow
def test_a_traced_call_equals_a_fresh_layer_with_every_new_weights(
        keras: ModuleType, monkeypatch: pytest.MonkeyPatch, spec: Spec, with_state: bool, dtype: str) -> None:
    """Once traced (here from the first call on), each call still answers for the weights just loaded."""
    monkeypatch.setattr(_keras_ref, "TRACE_AT_CALL", 1)
    rng = np.random.default_rng(11)
    name, options = spec
    spec = (name, {**options, "dtype": dtype})
    shape = (2, 5, 3)
    inner = options["layer"] if name == "Bidirectional" else (name, options)
    for attempt in range(4):
        weights = rnn_weights(rng, inner[0], dict(inner[1]), shape[2], dtype)
        if name == "Bidirectional":
            weights = weights + rnn_weights(rng, inner[0], dict(inner[1]), shape[2], dtype)
        x = rng.normal(size=shape).astype(dtype)
        units = dict(inner[1])["units"]
        states = None
        if with_state:
            count = 2 if inner[0] == "LSTM" else 1
            states = [rng.uniform(-1, 1, (2, units)).astype(dtype) for _ in range(count)]
        got = outputs(keras, _keras_ref.call_with_weights(spec, shape, weights, x, states))
        layer = fresh(keras, spec)
        layer.build(shape)
        layer.set_weights(weights)
        want = outputs(keras, call(layer, x, states))
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-7)
        if attempt:
            assert _keras_ref._calls[_keras_ref._key(spec, shape)].traced, "the call was traced"


@pytest.mark.slow
def test_a_layer_is_traced_at_its_second_call_only(keras: ModuleType) -> None:
    """One student's hidden shapes are called once and stay eager; a class's are traced at the second."""
    rng = np.random.default_rng(12)
    spec: Spec = ("GRU", {"units": 3, "dtype": "float64"})
    shape = (2, 4, 3)
    _keras_ref.clear()
    key = _keras_ref._key(spec, shape)
    for n in (1, 2, 3):
        weights = rnn_weights(rng, "GRU", {"units": 3}, shape[2], "float64")
        _keras_ref.call_with_weights(spec, shape, weights, rng.normal(size=shape))
        assert bool(_keras_ref._calls[key].traced) == (n >= _keras_ref.TRACE_AT_CALL)


@pytest.mark.slow
def test_a_traced_call_leaves_the_weights_in_the_layer_and_checks_their_shapes(keras: ModuleType) -> None:
    """The traced function loads the weights itself (no eager set_weights): the layer holds them after,
    and weights of the wrong shape are refused, as set_weights refuses them."""
    rng = np.random.default_rng(13)
    spec: Spec = ("SimpleRNN", {"units": 3, "dtype": "float64"})
    shape = (2, 4, 5)
    _keras_ref.clear()
    for _ in range(_keras_ref.TRACE_AT_CALL + 1):
        weights = rnn_weights(rng, "SimpleRNN", {"units": 3}, shape[2], "float64")
        _keras_ref.call_with_weights(spec, shape, weights, rng.normal(size=shape))
    assert _keras_ref._calls[_keras_ref._key(spec, shape)].traced
    for held, loaded in zip(built_layer(spec, shape).get_weights(), weights, strict=True):
        np.testing.assert_array_equal(held, loaded)
    with pytest.raises(ValueError, match="shape"):
        _keras_ref.call_with_weights(spec, shape, [weights[0].T, *weights[1:]], rng.normal(size=shape))
    with pytest.raises(ValueError, match="holds 3 weights"):
        _keras_ref.call_with_weights(spec, shape, weights[:2], rng.normal(size=shape))
