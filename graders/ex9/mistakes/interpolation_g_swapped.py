"""Reference solution of exercise 9: the neural Turing machine's addressing, reading and writing, in numpy.

Fails: interpolate
"""

import numpy as np

EPS = 1e-8


def content_weights(memory, key, beta):
    """Equations (5) and (6): softmax over the locations of beta * cosine(key, memory[i])."""
    memory, key = np.asarray(memory, dtype=np.float64), np.asarray(key, dtype=np.float64)
    dot = np.einsum("bnm,bm->bn", memory, key)
    norms = np.linalg.norm(memory, axis=-1) * np.linalg.norm(key, axis=-1)[:, None]
    scores = np.asarray(beta, dtype=np.float64)[:, None] * dot / (norms + EPS)
    scores = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=-1, keepdims=True)


def interpolate(w_content, w_prev, g):
    """Equation (7): w_g = g * w_content + (1 - g) * w_prev."""
    g = np.asarray(g, dtype=np.float64)[:, None]
    return (1.0 - g) * np.asarray(w_content) + g * np.asarray(w_prev)


def shift(w, s):
    """Equation (8): w~[i] = sum_j w[j] s[i - j], indices modulo N, s over the shifts -1, 0, +1."""
    w, s = np.asarray(w, dtype=np.float64), np.asarray(s, dtype=np.float64)
    return sum(s[:, k + 1, None] * np.roll(w, k, axis=-1) for k in (-1, 0, 1))


def sharpen(w, gamma):
    """Equation (9): w[i] ** gamma / sum_j w[j] ** gamma."""
    powered = np.asarray(w, dtype=np.float64) ** np.asarray(gamma, dtype=np.float64)[:, None]
    return powered / powered.sum(axis=-1, keepdims=True)


def read(memory, w):
    """Equation (2): r = sum_i w[i] * memory[i]."""
    return np.einsum("bn,bnm->bm", np.asarray(w, dtype=np.float64), np.asarray(memory, dtype=np.float64))


def write(memory, w, erase, add):
    """Equations (3) and (4): erase, then add."""
    memory, w = np.asarray(memory, dtype=np.float64), np.asarray(w, dtype=np.float64)[:, :, None]
    erased = memory * (1.0 - w * np.asarray(erase, dtype=np.float64)[:, None, :])
    return erased + w * np.asarray(add, dtype=np.float64)[:, None, :]
