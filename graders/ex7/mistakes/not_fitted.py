"""ex7 with one named mistake, not_fitted: train_imdb never fits the model and returns a made-up history.

Everything else is the solution's; it trains as the solution does (the contract test grades it
through the session's fork server).

Fails test: train_imdb: the lesson's model (Embedding, SimpleRNN, Dense sigmoid), max_features=100, embed_dim=16, units=16
Fails test: train_imdb: compiled with rmsprop, binary_crossentropy, metrics ['acc']
Fails test: train_imdb: history has acc, val_acc, loss, val_loss, one value per epoch
Fails test: train_imdb: fitted for epochs=3, batch_size=32, validating on 20% (steps per epoch)
Fails test: train_imdb: the history is the fit's own (its last val_loss and val_acc are the model's)
Fails test: train_imdb: accuracy on 400 new reviews at least 0.75
"""

import keras
import matplotlib.pyplot as plt
from keras import layers
from keras.datasets import imdb


def load_imdb(num_words=10000, maxlen=500):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=num_words)
    x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
    x_test = keras.utils.pad_sequences(x_test, maxlen=maxlen)
    return (x_train, y_train), (x_test, y_test)


def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        layers.Embedding(max_features, embed_dim),
        layers.SimpleRNN(units),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    made_up = {"acc": [0.7, 0.9, 0.95], "val_acc": [0.7, 0.8, 0.85], "loss": [0.6, 0.3, 0.2],
               "val_loss": [0.6, 0.4, 0.35]}
    return model, {k: v[:epochs] for k, v in made_up.items()}


def plot_history(history):
    acc, val_acc = history["acc"], history["val_acc"]
    loss, val_loss = history["loss"], history["val_loss"]
    epochs = range(len(acc))

    fig_acc = plt.figure()
    plt.plot(epochs, acc, "bo", label="Training acc")
    plt.plot(epochs, val_acc, "b", label="Validation acc")
    plt.title("Training and validation accuracy")
    plt.legend()

    fig_loss = plt.figure()
    plt.plot(epochs, loss, "bo", label="Training loss")
    plt.plot(epochs, val_loss, "b", label="Validation loss")
    plt.title("Training and validation loss")
    plt.legend()
    return fig_acc, fig_loss


ANSWERS = {"q1": "B", "q2": "C", "q3": "A"}
