"""Hostile: a memory bomb spread over processes, each under the per-process limit: 8 children touch
400 MB each (3.2 GB in all, over the job's 1 GB) and hold it. Returns how many held their 400 MB at the
same time. Bounded: 3.2 GB for a few seconds, should nothing stop it."""

import os
import select

CHILDREN, MB = 8, 400


done = []


def rnn_cell_forward(x_t, s_prev, U, W, b):
    if done:  # once per process is enough
        return done[0]
    ready_r, ready_w = os.pipe()
    release_r, release_w = os.pipe()
    children = []
    for _ in range(CHILDREN):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid:
            children.append(pid)
        else:
            try:
                os.close(release_w)
                hoard = bytearray(MB << 20)
                hoard[::4096] = b"x" * len(range(0, MB << 20, 4096))  # touch every page
                os.write(ready_w, b"1")
                os.read(release_r, 1)  # hold it until the parent has counted
            finally:
                os._exit(0)
    os.close(ready_w)
    holding = 0
    while holding < CHILDREN and select.select([ready_r], [], [], 3.0)[0]:
        chunk = os.read(ready_r, 64)
        if not chunk:
            break
        holding += len(chunk)
    # A child the out-of-memory killer took after it said "ready" no longer holds its memory: count
    # only the ones still alive, so the answer is how many held 400 MB at the same time.
    alive = sum(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in children)
    holding = min(holding, alive)
    os.close(release_w)
    done.append(holding)
    return holding


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
