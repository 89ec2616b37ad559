"""Hostile: ignores SIGTERM, SIGINT and SIGHUP, then sleeps in a loop (bounded at 60 s)."""

import signal
import time


def rnn_cell_forward(x_t, s_prev, U, W, b):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        time.sleep(0.05)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
