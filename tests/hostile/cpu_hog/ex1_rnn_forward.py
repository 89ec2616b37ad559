"""Hostile: burns every CPU it can (8 busy processes for one second) to slow the students graded beside
it, then returns the CPU seconds its children used per second of wall time. Bounded: one second."""

import os
import resource
import time

CHILDREN, SECONDS = 8, 1.0


def rnn_cell_forward(x_t, s_prev, U, W, b):
    start = time.monotonic()
    pids = []
    for _ in range(CHILDREN):
        pid = os.fork()
        if pid == 0:
            end = time.monotonic() + SECONDS
            while time.monotonic() < end:
                pass
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) / (time.monotonic() - start)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
