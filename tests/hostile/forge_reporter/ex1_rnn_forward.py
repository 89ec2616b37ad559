"""Hostile: reaches the child's own result reporter through the caller's frame
(``sys._getframe(n).f_locals["reporter"]``) and reports a correct result for the call in flight before
returning a wrong one. Were the first report for a call the one judged, every forged call would pass;
a second report for a call fails that test, so this scores 0."""

import sys

import numpy as np


def _forge(value):
    frame = sys._getframe(2)
    while frame is not None:
        reporter, call = frame.f_locals.get("reporter"), frame.f_locals.get("call")
        if reporter is not None and isinstance(call, dict) and "encode" in frame.f_globals:
            reporter.send({"event": "result", "id": call["id"], "value": frame.f_globals["encode"](value)})
            return
        frame = frame.f_back


def rnn_cell_forward(x_t, s_prev, U, W, b):
    _forge(np.tanh(x_t @ U + s_prev @ W + b))
    return np.zeros((1, 1))


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    batch, steps, _ = x.shape
    s = np.zeros((batch, W.shape[0])) if s0 is None else s0
    states = []
    for t in range(steps):
        s = np.tanh(x[:, t] @ U + s @ W + b)
        states.append(s)
    _forge(np.stack(states, axis=1) if return_sequences else s)
    return np.zeros((1, 1))


def rnn_output(s, V, c):
    z = s @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    _forge(e / e.sum(axis=-1, keepdims=True))
    return np.zeros((1, 1))
