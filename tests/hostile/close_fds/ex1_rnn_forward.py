"""Hostile: closes every file descriptor it has, the grader's pipes among them, then returns."""

import os

import numpy as np


def rnn_cell_forward(x_t, s_prev, U, W, b):
    os.closerange(0, 4096)
    return np.tanh(x_t @ U + s_prev @ W + b)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    os.closerange(0, 4096)
    return x


def rnn_output(s, V, c):
    os.closerange(0, 4096)
    return s
