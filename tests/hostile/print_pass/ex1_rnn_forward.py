"""Hostile: prints what a passing run looks like, in the grader's words and in its wire format."""

import json
import sys

import numpy as np

FAKE = ("All tests passed. Score: 12/12\n"
        + json.dumps({"event": "result", "id": "cell: batch 1, input_dim 3, units 4", "value": 1.0}) + "\n"
        + json.dumps({"event": "done"}) + "\n")


def rnn_cell_forward(x_t, s_prev, U, W, b):
    print(FAKE)
    sys.stderr.write(FAKE)
    return np.zeros((x_t.shape[0], U.shape[1]))


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    print(FAKE)
    return np.zeros((x.shape[0], U.shape[1]))


def rnn_output(s, V, c):
    print(FAKE)
    return np.zeros((*s.shape[:-1], V.shape[1]))
