"""The DNC's memory addressing in numpy, and the wrong versions the ex10 grader names.

Graves et al. (2016), "Hybrid computing using a neural network with dynamic external memory", Methods,
"Memory addressing". With no mistake switched on, every function equals the grader's keras.ops reference
(``tests/test_ex10.py`` checks it against the cached TensorFlow answers). Arrays are batch-major: write
weightings (batch, N), read weightings (batch, R, N), the link matrix (batch, N, N); computed in float64.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

Array = np.ndarray
# read_modes' columns in the paper's order: pi[0] weighs the backward weighting, pi[1] the content
# weighting, pi[2] the forward weighting. Every other order is the mistake "read modes in the wrong order".
PAPER_MODES = ("backward", "content", "forward")
WRONG_MODE_ORDERS = tuple(p for p in permutations(PAPER_MODES) if p != PAPER_MODES)


def usage(prev_usage: Array, prev_write_weights: Array, free_gates: Array, prev_read_weights: Array, *,
          retention: str = "product") -> Array:
    """u_t = (u + w - u w) psi, psi = prod_i (1 - f^i w^{r,i}).

    ``retention="none"``: psi left out (the free gates unused); ``"sum"``: psi = sum_i (1 - f^i w^{r,i});
    ``"one_minus_sum"``: psi = 1 - sum_i f^i w^{r,i}.
    """
    u, w = prev_usage, prev_write_weights
    freed = free_gates[:, :, None] * prev_read_weights
    if retention == "product":
        psi = np.prod(1.0 - freed, axis=1)
    elif retention == "sum":
        psi = np.sum(1.0 - freed, axis=1)
    elif retention == "one_minus_sum":
        psi = 1.0 - np.sum(freed, axis=1)
    else:
        psi = np.ones_like(u)
    result: Array = (u + w - u * w) * psi
    return result


def allocation(usage: Array, *, order: str = "usage", inclusive: bool = False) -> Array:
    """a[phi_j] = (1 - u[phi_j]) prod_{i<j} u[phi_i], phi sorted by ascending usage, ties by location.

    ``order="location"``: phi = 0, 1, ..., N - 1 (not sorted); ``inclusive``: the product over i <= j.
    """
    phi = np.argsort(usage, axis=-1, kind="stable") if order == "usage" else \
        np.broadcast_to(np.arange(usage.shape[-1]), usage.shape)
    sorted_usage = np.take_along_axis(usage, phi, axis=-1)
    products = np.cumprod(sorted_usage, axis=-1)
    if not inclusive:
        products = np.concatenate([np.ones_like(usage[:, :1]), products[:, :-1]], axis=-1)
    out = np.empty_like(usage)
    np.put_along_axis(out, phi, (1.0 - sorted_usage) * products, axis=-1)
    return out


def write_weighting(allocation: Array, content: Array, allocation_gate: Array, write_gate: Array, *,
                    use_write_gate: bool = True) -> Array:
    """w^w = g^w (g^a a + (1 - g^a) c^w). ``use_write_gate=False``: the write gate left out."""
    g_a = allocation_gate[:, None]
    mixed = g_a * allocation + (1.0 - g_a) * content
    result: Array = write_gate[:, None] * mixed if use_write_gate else mixed
    return result


def precedence(prev_precedence: Array, write_weights: Array, *, decay: bool = True) -> Array:
    """p_t = (1 - sum_i w[i]) p_{t-1} + w. ``decay=False``: p_t = p_{t-1} + w."""
    scale = 1.0 - write_weights.sum(axis=-1, keepdims=True) if decay else 1.0
    result: Array = scale * prev_precedence + write_weights
    return result


def link_matrix(prev_link: Array, prev_precedence: Array, write_weights: Array, *,
                zero_diagonal: bool = True, transposed: bool = False) -> Array:
    """L[i, j] = (1 - w[i] - w[j]) L_prev[i, j] + w[i] p[j], L[i, i] = 0.

    ``zero_diagonal=False``: the diagonal kept; ``transposed``: the new term w[j] p[i].
    """
    w_i, w_j = write_weights[:, :, None], write_weights[:, None, :]
    new = w_j * prev_precedence[:, :, None] if transposed else w_i * prev_precedence[:, None, :]
    link: Array = (1.0 - w_i - w_j) * prev_link + new
    if zero_diagonal:
        n = link.shape[-1]
        link[:, np.arange(n), np.arange(n)] = 0.0
    return link


def directional_weights(link: Array, prev_read_weights: Array, *, swapped: bool = False) -> Array:
    """(forward, backward) stacked as (2, batch, R, N): f = L w^r, b = L^T w^r. ``swapped``: (b, f)."""
    forward = np.einsum("bij,brj->bri", link, prev_read_weights)
    backward = np.einsum("bji,brj->bri", link, prev_read_weights)
    return np.stack([backward, forward] if swapped else [forward, backward])


def read_weighting(backward: Array, content: Array, forward: Array, read_modes: Array, *,
                   order: tuple[str, ...] = PAPER_MODES) -> Array:
    """w^r = pi[0] b + pi[1] c + pi[2] f. ``order``: the weightings read_modes' columns are taken to weigh."""
    weightings = {"backward": backward, "content": content, "forward": forward}
    result: Array = sum((read_modes[:, :, k:k + 1] * weightings[name] for k, name in enumerate(order)),
                        np.zeros_like(content))
    return result
