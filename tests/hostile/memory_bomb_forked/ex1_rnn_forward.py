"""Hostile: a memory bomb spread over processes, each under the per-process limit: 8 children touch
400 MB each (3.2 GB in all, over the job's 1 GB). Returns how many children got their 400 MB.
Bounded: 3.2 GB for a fifth of a second, should nothing stop it."""

import os
import time

CHILDREN, MB = 8, 400


def rnn_cell_forward(x_t, s_prev, U, W, b):
    r, w = os.pipe()
    for _ in range(CHILDREN):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                hoard = bytearray(MB << 20)
                hoard[::4096] = b"x" * len(range(0, MB << 20, 4096))  # touch every page
                os.write(w, b"1")
                time.sleep(0.2)
            finally:
                os._exit(0)
    os.close(w)
    got = b""
    while chunk := os.read(r, 64):
        got += chunk
    return len(got)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
