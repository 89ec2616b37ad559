"""Hostile: returns objects that claim to equal anything: an ndarray subclass whose comparisons, abs and
__array__ lie, an object array of such objects, and a float subclass."""

import numpy as np


class Liar:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return True

    def __le__(self, other):
        return True

    def __abs__(self):
        return 0.0

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __float__(self):
        return 0.0

    def __hash__(self):
        return 0


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __abs__(self):
        return np.zeros(self.shape)

    def __lt__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    __le__ = __lt__

    def __array__(self, dtype=None, copy=None):
        return np.full(self.shape, np.nan)

    def tobytes(self, order="C"):
        return np.zeros(self.shape).tobytes()


class LyingFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def rnn_cell_forward(x_t, s_prev, U, W, b):
    return np.full((x_t.shape[0], U.shape[1]), 7.0).view(LyingArray)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    out = np.empty((x.shape[0], U.shape[1]), dtype=object)
    out[...] = Liar()
    return out


def rnn_output(s, V, c):
    return [[LyingFloat(0.0)] * V.shape[1]] * s.shape[0] if s.ndim == 2 else Liar()
