"""Hostile: imports keras in a numpy exercise past every check inside its own process: it removes the
import hook from ``sys.meta_path``, names the package as ``"ker" + "as"`` (the static scan sees no
import), picks a backend that needs no TensorFlow (fits the memory limit), and pops keras from
``sys.modules`` before returning. The rule is that such a submission scores 0: in the namespace modes the
package folders are masked in the job (the import fails); elsewhere the SECURITY.md limits say what is
caught. It uses keras for real, so it cannot score without importing it; ``spy`` (called by the test, not graded)
reports whether the packages' code can be found at all."""

import importlib
import importlib.util
import os
import sys

import numpy as np


def _keras():
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ForbiddenImports"]
    os.environ["KERAS_BACKEND"] = "numpy"
    return importlib.import_module("ker" + "as")


def _hide():
    for name in [n for n in sys.modules if n == "ker" + "as" or n.startswith("ker" + "as.")]:
        sys.modules.pop(name, None)


def rnn_cell_forward(x_t, s_prev, U, W, b):
    keras = _keras()
    out = np.asarray(keras.ops.tanh(x_t @ U + s_prev @ W + b))
    _hide()
    return out


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    keras = _keras()
    s = np.zeros((x.shape[0], W.shape[0])) if s0 is None else s0
    states = []
    for t in range(x.shape[1]):
        s = np.asarray(keras.ops.tanh(x[:, t] @ U + s @ W + b))
        states.append(s)
    _hide()
    return np.stack(states, axis=1) if return_sequences else s


def rnn_output(s, V, c):
    keras = _keras()
    out = np.asarray(keras.ops.softmax(s @ V + c, axis=-1))
    _hide()
    return out


def spy():
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ForbiddenImports"]
    found = {}
    for name in ("ker" + "as", "tensor" + "flow"):
        spec = importlib.util.find_spec(name)
        found[name] = None if spec is None else spec.origin  # None too for an empty (masked) folder
    return found
