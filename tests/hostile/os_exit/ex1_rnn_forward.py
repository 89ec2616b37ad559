"""Hostile: every function ends the process at once with os._exit(0), skipping all clean-up."""

import os


def rnn_cell_forward(x_t, s_prev, U, W, b):
    os._exit(0)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    os._exit(0)


def rnn_output(s, V, c):
    os._exit(0)
