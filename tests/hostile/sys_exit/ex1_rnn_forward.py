"""Hostile: every function calls sys.exit(0), as if the run had succeeded."""

import sys


def rnn_cell_forward(x_t, s_prev, U, W, b):
    sys.exit(0)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise SystemExit("done")


def rnn_output(s, V, c):
    sys.exit(0)
