"""Hostile (ex3): forged model configs that would cost the grader minutes or gigabytes to rebuild.

Each builder returns a tiny real model (cheap to make in this process), and the submission replaces
``keras.saving.serialize_keras_object`` in its own process, so the child's probe reports a forged config
instead. Built by the grader as they are, they would cost it: an input 20,000 wide into SimpleRNN(200)
with an orthogonal initializer (10,000 into 2000 took ~145 s, the job limit is 60 s), 1000 units on a
1000-wide input, 122 SimpleRNNs inside two nested Sequentials (past a top-level count of 64 layers), an
initializer named by a string Keras would look up. The grader must refuse each from the config alone,
before building anything; anything it builds, it builds in a sandboxed job with a time and a memory limit.
The forged configs are edited as data from small models, and each builder makes its model once (the
hidden cases call it again), so that the corpus costs its batch little.
"""

import sys

import keras
from keras import layers

_real = keras.saving.serialize_keras_object
_forged: dict[int, dict] = {}


def _serialize(obj, *args, **kwargs):
    forged = _forged.get(id(obj))
    return forged if forged is not None else _real(obj, *args, **kwargs)


keras.saving.serialize_keras_object = _serialize


def _tiny():
    return keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(10, 2),
                             layers.SimpleRNN(2)])


_made: dict[str, object] = {}


def _returning(config):
    name = sys._getframe(1).f_code.co_name
    if name not in _made:
        _made[name] = _tiny()
        _forged[id(_made[name])] = config()
    return _made[name]


def _rnn_config(width, units, **kwargs):
    """The config of Input((None, width)) -> SimpleRNN(units), from a small model, then resized."""
    config = _real(keras.Sequential([keras.Input((None, 3)), layers.SimpleRNN(2, **kwargs)]))
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, None, width]
    config["config"]["layers"][1]["config"]["units"] = units
    return config


def build_single_rnn(max_features=10000, embed_dim=32, units=32):
    return _returning(lambda: _rnn_config(20000, 200, kernel_initializer="orthogonal"))


def build_sequence_rnn(max_features=10000, embed_dim=32, units=32):
    return _returning(lambda: _rnn_config(1000, 1000))


def _stacked():
    """Input -> two nested Sequentials of 61 SimpleRNNs each: one of one layer, its layer copied."""
    inner = keras.Sequential([layers.SimpleRNN(2, return_sequences=True)])
    config = _real(keras.Sequential([keras.Input((None, 2)), inner]))
    nested = config["config"]["layers"][1]
    *start, rnn = nested["config"]["layers"]
    nested["config"]["layers"] = [*start, *(dict(rnn, name=f"rnn_{n}") for n in range(61))]
    config["config"]["layers"].append(dict(nested, name="nested_2"))
    return config


def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    return _returning(_stacked)


def _initializer_by_path():
    config = _rnn_config(3, 2)
    config["config"]["layers"][1]["config"]["kernel_initializer"] = "keras.src.saving.object_registration"
    return config


def build_imdb_classifier(max_features=10000, embed_dim=32, units=32):
    return _returning(_initializer_by_path)
