"""Hostile: writes forged and malformed events on every open file descriptor, the grader's result pipe
among them: results for every public case, a "done", then a line nested 100000 deep."""

import contextlib
import json
import os

CASES = ["cell: batch 1, input_dim 3, units 4", "forward: one timestep, batch 1",
         "output: batch 1, 2 classes"]


def _forge():
    lines = [json.dumps({"event": "result", "id": name, "value": [[0.5, 0.5]]}) for name in CASES]
    lines.append(json.dumps({"event": "done"}))
    data = ("\n".join(lines) + "\n").encode() + b"[" * 100_000 + b"\n"
    for fd in range(3, 64):
        with contextlib.suppress(OSError):
            os.write(fd, data)


def rnn_cell_forward(x_t, s_prev, U, W, b):
    _forge()
    return [[0.5, 0.5]]


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    _forge()
    return [[0.5, 0.5]]


def rnn_output(s, V, c):
    _forge()
    return [[0.5, 0.5]]
