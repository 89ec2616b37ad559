"""Reference solution of exercise 8: backpropagation through time and gradient clipping, in numpy.

Fails: rnn_backward, input_gradient_norms
"""

import numpy as np


def _states(x, U, W, b, s0):
    """The forward pass of ex1 (return_sequences=True), with s0 in front: states[t + 1] = s_t."""
    states = [s0]
    for t in range(x.shape[1]):
        states.append(np.tanh(x[:, t] @ U + states[-1] @ W + b))
    return states


def rnn_backward(x, U, W, b, s0, d_states):
    """Gradients of sum(states * d_states) with respect to U, W, b, x and s0."""
    x = np.asarray(x, dtype=np.float64)
    U, W, b = (np.asarray(a, dtype=np.float64) for a in (U, W, b))
    d_states = np.asarray(d_states, dtype=np.float64)
    batch, timesteps, _ = x.shape
    s0 = np.zeros((batch, W.shape[0])) if s0 is None else np.asarray(s0, dtype=np.float64)
    states = _states(x, U, W, b, s0)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b)
    dx = np.zeros_like(x)
    ds_next = np.zeros_like(s0)  # what s_t receives from step t + 1
    for t in reversed(range(timesteps)):
        s_t, s_prev = states[t + 1], states[t]
        dz = (d_states[:, t] + ds_next) * (1.0 - s_t**2)  # tanh'(z) = 1 - tanh(z)**2 = 1 - s_t**2
        dU += x[:, t].T @ dz
        dW += s_prev.T @ dz
        db += dz.sum(axis=0)
        dx[:, t] = dz @ U.T
        ds_next = (W.T @ dz.T).T
    return {"dU": dU, "dW": dW, "db": db, "dx": dx, "ds0": ds_next}


def input_gradient_norms(x, U, W, b):
    """For each timestep t, the norm of d sum(s_T) / d x_t, averaged over the batch."""
    x = np.asarray(x, dtype=np.float64)
    batch, timesteps, _ = x.shape
    d_states = np.zeros((batch, timesteps, np.shape(W)[0]))
    d_states[:, -1] = 1.0
    dx = rnn_backward(x, U, W, b, None, d_states)["dx"]
    return np.linalg.norm(dx, axis=-1).mean(axis=0)


def clip_by_global_norm(grads, clip_norm):
    """Scale every array by clip_norm / max(global_norm, clip_norm)."""
    grads = [np.asarray(g, dtype=np.float64) for g in grads]
    global_norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    scale = clip_norm / max(global_norm, clip_norm)
    return [g * scale for g in grads], global_norm
