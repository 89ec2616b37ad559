"""Hostile: recurses past any limit, the interpreter's own raised to 10**8: through a builtin (sorted's
key) each level takes C stack too, so the process dies of a stack overflow (SIGSEGV); in pure Python it
piles up frames until the time or memory limit stops it."""

import sys


def _through_c(n):
    return sorted([n + 1], key=_through_c)


def _pure(n):
    return _pure(n + 1) + 1


def rnn_cell_forward(x_t, s_prev, U, W, b):
    sys.setrecursionlimit(10**8)
    return _through_c(0)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    sys.setrecursionlimit(10**8)
    return _pure(0)


def rnn_output(s, V, c):
    raise NotImplementedError
