"""A wrong exN: the bias b is left out (the named mistake bias_missing)."""

import numpy as np


def dense_tanh(x, w, b):
    return np.tanh(np.asarray(x) @ w)
