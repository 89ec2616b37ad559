"""The neural Turing machine's addressing in numpy, and the wrong versions the ex9 grader names.

Graves, Wayne & Danihelka (2014), "Neural Turing Machines", section 3; equation numbers as in the paper.
With no mistake switched on, every function equals the grader's keras.ops reference
(``tests/test_ex9.py`` checks it against the cached TensorFlow answers). Arrays are batch-major: memory
(batch, N, M), weightings (batch, N); computed in float64.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray
EPS = 1e-8  # cosine(u, v) = u . v / (|u| |v| + EPS): a zero row has similarity 0, not NaN
SHIFTS = (-1, 0, 1)  # s[:, 0] weighs the shift -1, s[:, 1] no shift, s[:, 2] the shift +1


def softmax(z: Array, axis: int = -1) -> Array:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    result: Array = e / e.sum(axis=axis, keepdims=True)
    return result


def content_weights(memory: Array, key: Array, beta: Array, *, similarity: str = "cosine",
                    axis: int = -1) -> Array:
    """(5), (6). ``similarity="dot"``: the plain dot product; ``axis=0``: the softmax over the batch."""
    dot = np.einsum("bnm,bm->bn", memory, key)
    if similarity == "cosine":
        dot = dot / (np.linalg.norm(memory, axis=-1) * np.linalg.norm(key, axis=-1)[:, None] + EPS)
    return softmax(beta[:, None] * dot, axis=axis)


def interpolate(w_content: Array, w_prev: Array, g: Array, *, swapped: bool = False) -> Array:
    """(7). ``swapped``: g and 1 - g exchanged."""
    g = g[:, None]
    result: Array = (1 - g) * w_content + g * w_prev if swapped else g * w_content + (1 - g) * w_prev
    return result


def shift(w: Array, s: Array, *, wrap: bool = True, direction: int = 1) -> Array:
    """(8) w~[i] = sum_j w[j] s[i - j] (mod N). ``wrap=False``: zero padding; ``direction=-1``: reversed."""
    out = np.zeros_like(w)
    n = w.shape[-1]
    for index, k in enumerate(SHIFTS):
        k *= direction
        moved = np.roll(w, k, axis=-1)  # moved[i] = w[i - k]
        if not wrap and k > 0:
            moved[:, :k] = 0.0
        elif not wrap and k < 0:
            moved[:, n + k:] = 0.0
        out += s[:, index, None] * moved
    return out


def sharpen(w: Array, gamma: Array, *, renormalise: bool = True) -> Array:
    """(9). ``renormalise=False``: w ** gamma only."""
    powered: Array = w ** gamma[:, None]
    return powered / powered.sum(axis=-1, keepdims=True) if renormalise else powered


def read(memory: Array, w: Array) -> Array:
    """(2) r = sum_i w[i] memory[i]."""
    result: Array = np.einsum("bn,bnm->bm", w, memory)
    return result


def write(memory: Array, w: Array, erase: Array, add: Array, *, add_first: bool = False) -> Array:
    """(3) erase, then (4) add. ``add_first``: the add vector written before erasing."""
    keep = 1.0 - w[:, :, None] * erase[:, None, :]
    added = w[:, :, None] * add[:, None, :]
    result: Array = (memory + added) * keep if add_first else memory * keep + added
    return result
