"""Hostile but correct: writes 1 MB to stdout and stderr on every call, then returns the right answer.
It deserves full marks: flooding the output must neither crash the grader nor cost the student."""

import os
import sys

import numpy as np

CHUNK = b"flood " * 43691  # about 256 KB


def _flood():
    for _ in range(2):
        os.write(1, CHUNK)
        os.write(2, CHUNK)
    print("x" * 10_000, file=sys.stderr)


def rnn_cell_forward(x_t, s_prev, U, W, b):
    _flood()
    return np.tanh(x_t @ U + s_prev @ W + b)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    _flood()
    s = np.zeros((x.shape[0], W.shape[0])) if s0 is None else s0
    states = []
    for t in range(x.shape[1]):
        s = np.tanh(x[:, t] @ U + s @ W + b)
        states.append(s)
    return np.stack(states, axis=1) if return_sequences else s


def rnn_output(s, V, c):
    _flood()
    z = s @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
