"""A wrong exN: the bias b is left out (the named mistake bias_missing).

The line below says which functions' public tests it fails (tests/test_contract.py reads it); every other
function keeps its points.

Fails: dense_tanh
"""

import numpy as np


def dense_tanh(x, w, b):
    return np.tanh(np.asarray(x) @ w)
