"""ex11 with one named mistake, date_column_kept: the names keep "Date Time".

Everything else is the solution's; tests/test_ex11.py checks that the grader names it.

Fails: load_climate
"""

import keras
import numpy as np
from keras import layers


def load_climate(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().strip().split("\n")
    header = [name.strip().strip('"') for name in lines[0].split(",")]
    rows = [[float(v) for v in line.split(",")[1:]] for line in lines[1:]]
    return header, np.array(rows, dtype=np.float32).reshape(len(rows), len(header) - 1)


def normalize(data, num_train):
    mean = data[:num_train].mean(axis=0)
    std = data[:num_train].std(axis=0)
    return (data - mean) / std, mean, std


def windows(data, target_col, sequence_length, sampling_rate, delay):
    count = len(data) - delay - (sequence_length - 1) * sampling_rate
    starts = np.arange(max(count, 0))
    rows = starts[:, None] + sampling_rate * np.arange(sequence_length)[None, :]
    return data[rows], data[starts + delay, target_col]


def naive_mae(samples, targets, target_col, mean, std):
    predictions = samples[:, -1, target_col] * std[target_col] + mean[target_col]
    return float(np.mean(np.abs(predictions - targets)))


def train_forecaster(x_train, y_train, x_val, y_val, epochs=5, batch_size=64, units=16):
    model = keras.Sequential([keras.Input(shape=x_train.shape[1:]), layers.GRU(units), layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                        validation_data=(x_val, y_val), verbose=0)
    return model, history.history
