"""Keras's LSTM, GRU, SimpleRNN and Bidirectional maths in numpy, and the wrong versions the graders name.

The ex4 and ex5 graders use these to work out what each common mistake would return, so that a student's
wrong answer can be named ("the gates taken in the order i, f, o, g"). With no mistake switched on, every
function equals the Keras layer; ``tests/test_ex4.py`` and ``tests/test_ex5.py`` check that against live
Keras. Arrays are batch-major and computed in float64; ``bias=None`` means ``use_bias=False``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray
State = tuple[Array, ...]
Step = Callable[[Array, State], State]


def sigmoid(z: Array) -> Array:
    result: Array = 1.0 / (1.0 + np.exp(-z))
    return result


def _activations(swap: bool) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    """(the gates' activation, the candidate's and output's activation); exchanged when ``swap``."""
    return (np.tanh, sigmoid) if swap else (sigmoid, np.tanh)


# ---- cells ----------------------------------------------------------------------------------------

def simple_cell(x_t: Array, h_prev: Array, kernel: Array, recurrent_kernel: Array,
                bias: Array | None) -> Array:
    z = x_t @ kernel + h_prev @ recurrent_kernel
    result: Array = np.tanh(z if bias is None else z + bias)
    return result


def lstm_cell(x_t: Array, h_prev: Array, c_prev: Array, kernel: Array, recurrent_kernel: Array,
              bias: Array | None, *, gate_order: str = "ifco", keep_c: bool = True,
              swap_activations: bool = False) -> tuple[Array, Array]:
    """One LSTM step -> (h_t, c_t).

    ``gate_order`` is how the 4*units columns are read (Keras: i, f, c, o; the mistake reads i, f, o, c);
    ``keep_c=False`` drops f * c_prev; ``swap_activations`` exchanges sigmoid and tanh.
    """
    z = x_t @ kernel + h_prev @ recurrent_kernel
    if bias is not None:
        z = z + bias
    slots = dict(zip(gate_order, np.split(z, 4, axis=-1), strict=True))
    gate, act = _activations(swap_activations)
    i, f, o = gate(slots["i"]), gate(slots["f"]), gate(slots["o"])
    g = act(slots["c"])
    c_t = f * c_prev + i * g if keep_c else i * g
    return o * act(c_t), c_t


def gru_biases(bias: Array | None, reset_after: bool, units: int) -> tuple[Array, Array]:
    """(input bias, recurrent bias), each (3*units,): Keras's (2, 3*units) rows, or (3*units,) and zeros."""
    if bias is None:
        return np.zeros(3 * units), np.zeros(3 * units)
    if reset_after:
        return bias[0], bias[1]
    return bias, np.zeros(3 * units)


def gru_cell(x_t: Array, h_prev: Array, kernel: Array, recurrent_kernel: Array, bias: Array | None,
             reset_after: bool = True, *, formula_after: bool | None = None, gate_order: str = "zrh",
             swap_z: bool = False, swap_activations: bool = False, candidate_bias: bool = True,
             bias_outside_reset: bool = False) -> Array:
    """One GRU step -> h_t.

    ``formula_after`` picks the candidate's formula (reset after the matrix product or before it)
    regardless of the bias layout given by ``reset_after``, and ``candidate_bias=False`` then leaves out the
    candidate's recurrent bias; ``gate_order="rzh"`` reads the first two blocks the other way round;
    ``swap_z`` mixes (1 - z) * h_prev + z * candidate.
    """
    units = recurrent_kernel.shape[0]
    b_in, b_rec = gru_biases(bias, reset_after, units)
    x_parts = dict(zip(gate_order, np.split(x_t @ kernel + b_in, 3, axis=-1), strict=True))
    u_parts = dict(zip(gate_order, np.split(recurrent_kernel, 3, axis=-1), strict=True))
    b_parts = dict(zip(gate_order, np.split(b_rec, 3), strict=True))
    if not candidate_bias:
        b_parts["h"] = np.zeros_like(b_parts["h"])
    gate, act = _activations(swap_activations)
    z = gate(x_parts["z"] + h_prev @ u_parts["z"] + b_parts["z"])
    r = gate(x_parts["r"] + h_prev @ u_parts["r"] + b_parts["r"])
    after = reset_after if formula_after is None else formula_after
    if bias_outside_reset:
        candidate = act(x_parts["h"] + r * (h_prev @ u_parts["h"]) + b_parts["h"])
    elif after:
        candidate = act(x_parts["h"] + r * (h_prev @ u_parts["h"] + b_parts["h"]))
    else:
        candidate = act(x_parts["h"] + (r * h_prev) @ u_parts["h"] + b_parts["h"])
    if swap_z:
        result: Array = (1 - z) * h_prev + z * candidate
    else:
        result = z * h_prev + (1 - z) * candidate
    return result


# ---- layers ---------------------------------------------------------------------------------------

def scan(step: Step, x: Array, state: State, return_sequences: bool) -> tuple[Array, State]:
    """Run ``step`` over the time axis of x (batch, timesteps, input_dim) -> (output, final state)."""
    outputs = []
    for t in range(x.shape[1]):
        state = step(x[:, t], state)
        outputs.append(state[0])
    return (np.stack(outputs, axis=1) if return_sequences else state[0]), state


def lstm(x: Array, kernel: Array, recurrent_kernel: Array, bias: Array | None,
         initial_state: tuple[Array, Array] | None = None, return_sequences: bool = False,
         **mistake: Any) -> tuple[Array, Array, Array]:
    """keras.layers.LSTM(return_state=True) -> (output, h_last, c_last)."""
    units = recurrent_kernel.shape[0]
    zeros = np.zeros((x.shape[0], units))
    h0, c0 = (zeros, zeros) if initial_state is None else initial_state

    def step(x_t: Array, state: State) -> State:
        return lstm_cell(x_t, state[0], state[1], kernel, recurrent_kernel, bias, **mistake)

    output, (h, c) = scan(step, x, (h0, c0), return_sequences)
    return output, h, c


def gru(x: Array, kernel: Array, recurrent_kernel: Array, bias: Array | None, h0: Array | None = None,
        return_sequences: bool = False, reset_after: bool = True, **mistake: Any) -> Array:
    """keras.layers.GRU(reset_after=...) -> output."""
    h = np.zeros((x.shape[0], recurrent_kernel.shape[0])) if h0 is None else h0

    def step(x_t: Array, state: State) -> State:
        return (gru_cell(x_t, state[0], kernel, recurrent_kernel, bias, reset_after, **mistake),)

    return scan(step, x, (h,), return_sequences)[0]


def simple_rnn(x: Array, kernel: Array, recurrent_kernel: Array, bias: Array | None,
               return_sequences: bool = False) -> Array:
    """keras.layers.SimpleRNN -> output."""
    h = np.zeros((x.shape[0], recurrent_kernel.shape[0]))

    def step(x_t: Array, state: State) -> State:
        return (simple_cell(x_t, state[0], kernel, recurrent_kernel, bias),)

    return scan(step, x, (h,), return_sequences)[0]


def direction(x: Array, weights: tuple[Array, Array, Array | None], cell: str,
              return_sequences: bool) -> Array:
    """One direction of a bidirectional layer, reading x in the order given."""
    if cell == "simple_rnn":
        return simple_rnn(x, *weights, return_sequences=return_sequences)
    if cell == "lstm":
        return lstm(x, *weights, return_sequences=return_sequences)[0]
    if cell == "gru":
        return gru(x, *weights, return_sequences=return_sequences, reset_after=True)
    raise ValueError(f"cell: expected 'simple_rnn', 'lstm' or 'gru', got {cell!r}")


def merge(y: Array, y_rev: Array, merge_mode: str, *, ave_as_sum: bool = False,
          ave_precedence: bool = False, backward_first: bool = False) -> Array:
    """Bidirectional's merge of the forward and (time-ordered) backward outputs."""
    if merge_mode == "concat":
        return np.concatenate([y_rev, y] if backward_first else [y, y_rev], axis=-1)
    if merge_mode == "sum" or (merge_mode == "ave" and ave_as_sum):
        result: Array = y + y_rev
        return result
    if merge_mode == "ave":
        result = y + y_rev / 2 if ave_precedence else (y + y_rev) / 2
        return result
    if merge_mode == "mul":
        result = y * y_rev
        return result
    raise ValueError(f"merge_mode: expected 'concat', 'sum', 'ave' or 'mul', got {merge_mode!r}")


def bidirectional(x: Array, forward_weights: tuple[Array, Array, Array | None],
                  backward_weights: tuple[Array, Array, Array | None], cell: str = "simple_rnn",
                  merge_mode: str = "concat", return_sequences: bool = False, *,
                  reverse_input: bool = True, restore_order: bool = True, flip_forwards_read: bool = False,
                  first_backward_step: bool = False, ave_as_sum: bool = False, ave_precedence: bool = False,
                  backward_first: bool = False) -> Array:
    """keras.layers.Bidirectional(<cell layer>, merge_mode=...) -> output.

    Mistakes: ``reverse_input=False`` runs the backward weights over x forwards (and
    ``flip_forwards_read`` then reverses those outputs in time); ``restore_order=False`` leaves the
    backward sequence in reading order; ``first_backward_step`` takes the backward state that has read
    only the last input (its first step) instead of its final state; ``ave_as_sum``,
    ``ave_precedence`` (forward + backward / 2) and ``backward_first`` get the merge wrong.
    """
    y = direction(x, forward_weights, cell, return_sequences)
    x_back = x[:, ::-1] if reverse_input else x
    if first_backward_step and not return_sequences:
        y_rev = direction(x_back, backward_weights, cell, True)[:, 0]
    else:
        y_rev = direction(x_back, backward_weights, cell, return_sequences)
    if return_sequences and ((reverse_input and restore_order) or flip_forwards_read):
        y_rev = y_rev[:, ::-1]
    return merge(y, y_rev, merge_mode, ave_as_sum=ave_as_sum, ave_precedence=ave_precedence,
                 backward_first=backward_first)
