"""ex7 with one named mistake, num_words_ignored: load_imdb calls imdb.load_data() without num_words (the whole vocabulary).

Everything else is the solution's; it trains as the solution does (the contract test grades it
through the session's fork server).

Fails test: load_imdb: the lesson's call (num_words=10000, maxlen=500) on a small imdb.npz
Fails test: load_imdb: num_words=500, maxlen=80
"""

import keras
import matplotlib.pyplot as plt
from keras import layers
from keras.datasets import imdb


def load_imdb(num_words=10000, maxlen=500):
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
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
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_split=validation_split, verbose=0)
    return model, history.history


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
