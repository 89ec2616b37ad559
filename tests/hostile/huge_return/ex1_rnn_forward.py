"""Hostile: returns values too large to send (a 40 MB array, a 100 MB string, a list nested 100000 deep)."""

import numpy as np


def rnn_cell_forward(x_t, s_prev, U, W, b):
    return np.zeros(5_000_000)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    return "x" * 100_000_000


def rnn_output(s, V, c):
    deep = []
    for _ in range(100_000):
        deep = [deep]
    return deep
