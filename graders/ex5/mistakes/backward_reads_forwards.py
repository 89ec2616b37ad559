"""Reference solution of exercise 5: a bidirectional RNN forward pass in numpy, as keras.layers.Bidirectional.

Self-contained on purpose, so that ex5 can be graded on its own; a student's ex5 may instead import their
ex1 and ex4 functions (``from ex4_lstm_gru import lstm_forward``).


Fails: bidirectional_forward
"""

import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _simple_rnn_step(x_t, state, kernel, recurrent_kernel, bias):
    (h_prev,) = state
    return (np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias),)


def _lstm_step(x_t, state, kernel, recurrent_kernel, bias):
    h_prev, c_prev = state
    z_i, z_f, z_c, z_o = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)
    c_t = _sigmoid(z_f) * c_prev + _sigmoid(z_i) * np.tanh(z_c)
    return _sigmoid(z_o) * np.tanh(c_t), c_t


def _gru_step(x_t, state, kernel, recurrent_kernel, bias):
    (h_prev,) = state
    x_z, x_r, x_h = np.split(x_t @ kernel + bias[0], 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_h = np.split(bias[1], 3)
    z = _sigmoid(x_z + h_prev @ u_z + b_z)
    r = _sigmoid(x_r + h_prev @ u_r + b_r)
    candidate = np.tanh(x_h + r * (h_prev @ u_h + b_h))
    return (z * h_prev + (1 - z) * candidate,)


_STEPS = {"simple_rnn": (_simple_rnn_step, 1), "lstm": (_lstm_step, 2), "gru": (_gru_step, 1)}


def _run(x, weights, cell, return_sequences):
    """One direction over x in the order given: every output (batch, timesteps, units) or the last."""
    step, n_states = _STEPS[cell]
    kernel, recurrent_kernel, bias = weights
    zeros = np.zeros((x.shape[0], recurrent_kernel.shape[0]), dtype=np.result_type(x, kernel))
    state = (zeros,) * n_states
    outputs = []
    for t in range(x.shape[1]):
        state = step(x[:, t, :], state, kernel, recurrent_kernel, bias)
        outputs.append(state[0])
    return np.stack(outputs, axis=1) if return_sequences else state[0]


def bidirectional_forward(x, forward_weights, backward_weights, cell="simple_rnn",
                          merge_mode="concat", return_sequences=False):
    """Forward pass over x, backward pass over x reversed in time, outputs merged."""
    if cell not in _STEPS:
        raise ValueError(f"cell: expected 'simple_rnn', 'lstm' or 'gru', got {cell!r}")
    x = np.asarray(x)
    y = _run(x, forward_weights, cell, return_sequences)
    y_rev = _run(x, backward_weights, cell, return_sequences)
    if return_sequences:
        y_rev = y_rev[:, ::-1, :]  # back to input time order: index t has read x[t], ..., x[T-1]
    if merge_mode == "concat":
        return np.concatenate([y, y_rev], axis=-1)
    if merge_mode == "sum":
        return y + y_rev
    if merge_mode == "ave":
        return (y + y_rev) / 2
    if merge_mode == "mul":
        return y * y_rev
    raise ValueError(f"merge_mode: expected 'concat', 'sum', 'ave' or 'mul', got {merge_mode!r}")
