"""ex3 with one named mistake, metrics_not_acc: build_imdb_classifier compiles with metrics=['accuracy'] instead of ['acc'].

Everything else is the solution's; the contract test (tests/test_contract.py) and tests/test_ex3.py
check that the grader names it on the tests that show it.

Fails test: imdb_classifier: compiled with rmsprop, binary_crossentropy, metrics ['acc']
"""

import keras
from keras import layers


def build_single_rnn(max_features=10000, embed_dim=32, units=32):
    """Embedding then a SimpleRNN that returns only its last output."""
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        layers.Embedding(max_features, embed_dim),
        layers.SimpleRNN(units),
    ])


def build_sequence_rnn(max_features=10000, embed_dim=32, units=32):
    """Embedding then a SimpleRNN that returns its output at every timestep."""
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        layers.Embedding(max_features, embed_dim),
        layers.SimpleRNN(units, return_sequences=True),
    ])


def build_stacked_rnn(max_features=10000, embed_dim=32, units=32, depth=4):
    """Embedding then `depth` SimpleRNN layers; all but the last return full sequences."""
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(max_features, embed_dim)])
    for i in range(depth):
        model.add(layers.SimpleRNN(units, return_sequences=i < depth - 1))
    return model


def build_imdb_classifier(max_features=10000, embed_dim=32, units=32):
    """The lesson's IMDB model: Embedding, SimpleRNN, Dense(1, sigmoid), compiled for binary labels."""
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        layers.Embedding(max_features, embed_dim),
        layers.SimpleRNN(units),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model
