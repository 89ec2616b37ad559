"""Hostile: starts processes meant to outlive the grading: a `sleep 19.7531` (the marker the test looks
for) in a new session after a double fork, and a Python child in another session that ignores SIGTERM and
burns CPU. Bounded: both end by themselves after 20 s."""

import os
import signal
import time

MARKER = "19.7531"


def _escape():
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", MARKER])
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    if os.fork() == 0:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        end = time.monotonic() + 20
        while time.monotonic() < end:
            pass
        os._exit(0)


def rnn_cell_forward(x_t, s_prev, U, W, b):
    _escape()
    return 0


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
