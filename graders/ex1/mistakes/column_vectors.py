"""Reference solution of exercise 1: the simple (Elman) RNN forward equations, in numpy.

Fails: rnn_cell_forward, rnn_forward
"""

import numpy as np


def rnn_cell_forward(x_t, s_prev, U, W, b):
    """s_t = tanh(x_t @ U + s_prev @ W + b)."""
    return np.tanh(U @ np.asarray(x_t) + W @ np.asarray(s_prev) + b)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    """Run the cell over every timestep of x (batch, timesteps, input_dim)."""
    x = np.asarray(x)
    batch, timesteps, _ = x.shape
    s_t = np.zeros((batch, W.shape[0]), dtype=np.result_type(x, U)) if s0 is None else np.asarray(s0)
    states = []
    for t in range(timesteps):
        s_t = rnn_cell_forward(x[:, t, :], s_t, U, W, b)
        states.append(s_t)
    return np.stack(states, axis=1) if return_sequences else s_t


def rnn_output(s, V, c):
    """o = softmax(s @ V + c) over the last axis."""
    logits = np.asarray(s) @ V + c
    logits = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=-1, keepdims=True)
