"""Hostile: forks as many processes as it can. Bounded: at most 400 children, each of which sleeps 3 s
and exits without forking, so a broken sandbox costs the machine 400 sleeping processes."""

import os
import time


def rnn_cell_forward(x_t, s_prev, U, W, b):
    made = 0
    for _ in range(400):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(3)
            os._exit(0)
        made += 1
    return made


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
