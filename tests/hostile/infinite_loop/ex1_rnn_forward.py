"""Hostile: loops forever (bounded at 10 minutes, should the sandbox not stop it)."""

import time


def rnn_cell_forward(x_t, s_prev, U, W, b):
    end = time.monotonic() + 600
    while time.monotonic() < end:
        pass


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
