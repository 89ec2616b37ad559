"""Backpropagation through time for the simple RNN in numpy, and the wrong versions the ex8 grader names.

With every switch at its default, :func:`backward` equals what ``tf.GradientTape`` gives through
``keras.layers.SimpleRNN(return_sequences=True)`` (``tests/test_ex8.py`` checks it against live Keras).
Each switch turns on one common mistake, so that the grader can tell what a wrong answer would be.
Arrays are batch-major and computed in float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Array = np.ndarray
KEYS = ("dU", "dW", "db", "dx", "ds0")


def backward(x: Array, U: Array, W: Array, b: Array, s0: Array, d_states: Array, *,
             derivative_of: str = "state", through_w: bool = True, dw_state: str = "previous",
             db: str = "sum", order: str = "backward",
             carry_w: str = "transposed") -> dict[str, Array | None]:
    """The gradients of sum(states * d_states), keyed as ex8's rnn_backward returns them.

    ``derivative_of="pre_activation"``: tanh' written 1 - z**2 of z = x_t @ U + s_prev @ W + b;
    ``derivative_of="none"``: tanh' left out (dz = ds).
    ``carry_w="as_is"``: the gradient carried to s_{t-1} as dz @ W instead of dz @ W.T.
    ``through_w=False``: each step sees only its own d_states, nothing from step t + 1.
    ``dw_state="current"``: dW accumulates s_t.T @ dz instead of s_{t-1}.T @ dz.
    ``db="per_example"`` (summed over time only, shape (batch, units)) or ``"mean"`` (over the batch).
    ``order="forward"``: the loop runs t = 0 ... T-1, carrying the gradient the wrong way; its ds0 is
    then not defined (None).
    """
    batch, timesteps, _ = x.shape
    states = [s0]
    pre = []
    for t in range(timesteps):
        pre.append(x[:, t] @ U + states[-1] @ W + b)
        states.append(np.tanh(pre[-1]))
    dU, dW = np.zeros_like(U), np.zeros_like(W)
    db_steps = np.zeros((batch, b.shape[0]))
    dx = np.zeros_like(x)
    carry = np.zeros_like(s0)
    steps = range(timesteps) if order == "forward" else reversed(range(timesteps))
    for t in steps:
        ds = d_states[:, t] + (carry if through_w else 0.0)
        activation = pre[t] if derivative_of == "pre_activation" else states[t + 1]
        dz = ds if derivative_of == "none" else ds * (1.0 - activation**2)
        dU += x[:, t].T @ dz
        dW += (states[t + 1] if dw_state == "current" else states[t]).T @ dz
        db_steps += dz
        dx[:, t] = dz @ U.T
        carry = dz @ (W if carry_w == "as_is" else W.T)
    db_out = {"sum": db_steps.sum(axis=0), "mean": db_steps.mean(axis=0), "per_example": db_steps}[db]
    return {"dU": dU, "dW": dW, "db": db_out, "dx": dx, "ds0": None if order == "forward" else carry}


def last_state_input_grads(x: Array, U: Array, W: Array, b: Array, **mistake: str | bool) -> Array:
    """d sum(s_T) / d x, (batch, timesteps, input_dim), from s0 = 0."""
    d_states = np.zeros((x.shape[0], x.shape[1], W.shape[0]))
    d_states[:, -1] = 1.0
    options: dict[str, Any] = dict(mistake)  # backward's keyword options, each typed there
    return np.asarray(backward(x, U, W, b, np.zeros((x.shape[0], W.shape[0])), d_states, **options)["dx"])


def input_gradient_norms(x: Array, U: Array, W: Array, b: Array, **mistake: str | bool) -> Array:
    """Per timestep, the norm of d sum(s_T) / d x_t averaged over the batch."""
    norms: Array = np.linalg.norm(last_state_input_grads(x, U, W, b, **mistake), axis=-1).mean(axis=0)
    return norms


def global_norm(grads: Sequence[Array]) -> float:
    return float(np.sqrt(sum(float(np.sum(g**2)) for g in grads)))


def clip_by_global_norm(grads: Sequence[Array], clip_norm: float) -> tuple[list[Array], float]:
    norm = global_norm(grads)
    scale = clip_norm / max(norm, clip_norm)
    return [g * scale for g in grads], norm


def clip_each(grads: Sequence[Array], clip_norm: float) -> list[Array]:
    """The mistake: every array clipped by its own norm (tf.clip_by_norm on each)."""
    return [g * (clip_norm / max(global_norm([g]), clip_norm)) for g in grads]
