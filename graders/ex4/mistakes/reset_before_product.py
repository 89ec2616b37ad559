"""Reference solution of exercise 4: LSTM and GRU forward passes in numpy, in Keras's weight layout.

Fails: gru_cell_forward, gru_forward
"""

import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_cell_forward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step; the 4*units columns are the gates i, f, c (candidate), o. -> (h_t, c_t)."""
    z = np.asarray(x_t) @ kernel + np.asarray(h_prev) @ recurrent_kernel
    if bias is not None:
        z = z + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    i, f, o = _sigmoid(z_i), _sigmoid(z_f), _sigmoid(z_o)
    c_t = f * c_prev + i * np.tanh(z_c)
    h_t = o * np.tanh(c_t)
    return h_t, c_t


def lstm_forward(x, kernel, recurrent_kernel, bias, initial_state=None, return_sequences=False):
    """Run the LSTM cell over x (batch, timesteps, input_dim). -> (output, h_last, c_last)."""
    x = np.asarray(x)
    batch, timesteps, _ = x.shape
    if initial_state is None:
        h_t = np.zeros((batch, recurrent_kernel.shape[0]), dtype=np.result_type(x, kernel))
        c_t = h_t
    else:
        h_t, c_t = (np.asarray(s) for s in initial_state)
    outputs = []
    for t in range(timesteps):
        h_t, c_t = lstm_cell_forward(x[:, t, :], h_t, c_t, kernel, recurrent_kernel, bias)
        outputs.append(h_t)
    output = np.stack(outputs, axis=1) if return_sequences else h_t
    return output, h_t, c_t


def gru_cell_forward(x_t, h_prev, kernel, recurrent_kernel, bias, reset_after=True):
    """One GRU step; the 3*units columns are z (update), r (reset), h (candidate). -> h_t."""
    x_t, h_prev = np.asarray(x_t), np.asarray(h_prev)
    units = recurrent_kernel.shape[0]
    if bias is None:
        input_bias = recurrent_bias = np.zeros(3 * units, dtype=kernel.dtype)
    elif reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, np.zeros(3 * units, dtype=bias.dtype)
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_h = np.split(recurrent_bias, 3)
    z = _sigmoid(x_z + h_prev @ u_z + b_z)
    r = _sigmoid(x_r + h_prev @ u_r + b_r)
    # reset_after=True: r multiplies after the product, which has its own bias b_h;
    # reset_after=False: r multiplies h_prev before it, and the single bias is already in x_h.
    recurrent_h = r * (h_prev @ u_h + b_h) if False else (r * h_prev) @ u_h
    candidate = np.tanh(x_h + recurrent_h)
    return z * h_prev + (1 - z) * candidate


def gru_forward(x, kernel, recurrent_kernel, bias, h0=None, return_sequences=False, reset_after=True):
    """Run the GRU cell over x (batch, timesteps, input_dim). -> output."""
    x = np.asarray(x)
    batch, timesteps, _ = x.shape
    if h0 is None:
        h_t = np.zeros((batch, recurrent_kernel.shape[0]), dtype=np.result_type(x, kernel))
    else:
        h_t = np.asarray(h0)
    outputs = []
    for t in range(timesteps):
        h_t = gru_cell_forward(x[:, t, :], h_t, kernel, recurrent_kernel, bias, reset_after)
        outputs.append(h_t)
    return np.stack(outputs, axis=1) if return_sequences else h_t
