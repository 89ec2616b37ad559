"""Hostile (ex3): models that carry the student's own code: a Lambda layer and a custom Layer whose calls
write a marker file. Run in the sandbox they write only inside it; a grader that rebuilt them from their
config (deserialising the Lambda's bytecode or importing the custom class) would run that code itself.
Each builder makes its model once (the hidden cases call it again), so that the corpus costs its batch
little."""

import os

import keras

MARK = "PWNED-by-ex3-code-in-model"


def _mark(x):
    for folder in ("/tmp", os.path.expanduser("~"), os.getcwd()):
        try:
            with open(os.path.join(folder, MARK), "w") as f:
                f.write("pwned")
        except OSError:
            pass
    return x


_made = {}


def _once(build):
    def builder(*args, **kwargs):
        if build.__name__ not in _made:
            _made[build.__name__] = build(*args, **kwargs)
        return _made[build.__name__]

    return builder


class Sneaky(keras.layers.Layer):
    def call(self, x):
        return _mark(x)


@_once
def build_single_rnn(max_features=10000, embed_dim=32, units=32):
    return keras.Sequential([keras.layers.Embedding(max_features, embed_dim),
                             keras.layers.Lambda(_mark), keras.layers.SimpleRNN(units)])


@_once
def build_sequence_rnn(max_features=10000, embed_dim=32, units=32):
    return keras.Sequential([keras.layers.Embedding(max_features, embed_dim),
                             keras.layers.SimpleRNN(units, return_sequences=True),
                             keras.layers.Lambda(_mark)])


@_once
def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    layers = [keras.layers.Embedding(max_features, embed_dim), Sneaky()]
    layers += [keras.layers.SimpleRNN(units, return_sequences=i < depth - 1) for i in range(depth)]
    return keras.Sequential(layers)


@_once
def build_imdb_classifier(max_features=10000, embed_dim=32, units=32):
    model = keras.Sequential([keras.layers.Embedding(max_features, embed_dim), keras.layers.SimpleRNN(units),
                              keras.layers.Lambda(_mark), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    return model
