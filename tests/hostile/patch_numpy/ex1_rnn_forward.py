"""Hostile: patches numpy's comparisons, json and builtins in its own process so that any check made
there would say "equal", then returns wrong values."""

import builtins
import json

import numpy as np

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
builtins.abs = lambda x: 0
builtins.isinstance = lambda obj, cls: True
json.dumps = lambda *a, **k: '{"event": "done"}'


def rnn_cell_forward(x_t, s_prev, U, W, b):
    return np.full((x_t.shape[0], U.shape[1]), 0.25)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    return np.full((x.shape[0], U.shape[1]), 0.25)


def rnn_output(s, V, c):
    return np.full((*s.shape[:-1], V.shape[1]), 0.25)
