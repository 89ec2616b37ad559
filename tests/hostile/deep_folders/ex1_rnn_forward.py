"""Hostile: leaves a folder tree 5000 levels deep (and as many files as it can) in its working folder, so
that removing the job's folder afterwards overflows a recursive clean-up in the grader.
Bounded: 5000 folders, 2 seconds."""

import os
import time

made = 0


def rnn_cell_forward(x_t, s_prev, U, W, b):
    global made
    if made:  # once per process is enough
        return made
    end = time.monotonic() + 2
    try:
        for _ in range(5000):
            if time.monotonic() > end:
                break
            os.mkdir("d")
            os.chdir("d")
            made += 1
    except OSError:
        pass
    return made


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
