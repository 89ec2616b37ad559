"""Hostile: raises KeyboardInterrupt, and sends itself SIGINT, as if someone pressed Ctrl-C."""

import os
import signal


def rnn_cell_forward(x_t, s_prev, U, W, b):
    raise KeyboardInterrupt


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    os.kill(os.getpid(), signal.SIGINT)
    return x


def rnn_output(s, V, c):
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.kill(os.getpid(), signal.SIGINT)
    return s
