"""A wrong ex10_dnc.py for the tests: the allocation taken in location order, not sorted by usage.

The reference solution with that one change; the grader must name the mistake.


Fails: allocation
"""

import numpy as np


def usage(prev_usage, prev_write_weights, free_gates, prev_read_weights):
    """u_t = (u_{t-1} + w^w_{t-1} - u_{t-1} * w^w_{t-1}) * psi_t, psi_t = prod_i (1 - f^i * w^{r,i}_{t-1})."""
    u = np.asarray(prev_usage, dtype=np.float64)
    w = np.asarray(prev_write_weights, dtype=np.float64)
    f = np.asarray(free_gates, dtype=np.float64)[:, :, None]  # (batch, R, 1)
    w_r = np.asarray(prev_read_weights, dtype=np.float64)  # (batch, R, N)
    retention = np.prod(1.0 - f * w_r, axis=1)  # psi_t, a product over the read heads
    return (u + w - u * w) * retention


def allocation(usage):
    """a_t[phi_j] = (1 - u_t[phi_j]) * prod_{i<j} u_t[phi_i], phi = the locations by ascending usage."""
    u = np.asarray(usage, dtype=np.float64)
    phi = np.broadcast_to(np.arange(u.shape[-1]), u.shape)
    sorted_usage = np.take_along_axis(u, phi, axis=-1)
    before = np.concatenate([np.ones_like(u[:, :1]), np.cumprod(sorted_usage[:, :-1], axis=-1)], axis=-1)
    out = np.empty_like(u)
    np.put_along_axis(out, phi, (1.0 - sorted_usage) * before, axis=-1)
    return out


def write_weighting(allocation, content, allocation_gate, write_gate):
    """w^w_t = g^w * (g^a * a_t + (1 - g^a) * c^w_t)."""
    g_a = np.asarray(allocation_gate, dtype=np.float64)[:, None]
    g_w = np.asarray(write_gate, dtype=np.float64)[:, None]
    return g_w * (g_a * np.asarray(allocation, dtype=np.float64)
                  + (1.0 - g_a) * np.asarray(content, dtype=np.float64))


def precedence(prev_precedence, write_weights):
    """p_t = (1 - sum_i w^w_t[i]) * p_{t-1} + w^w_t."""
    w = np.asarray(write_weights, dtype=np.float64)
    return (1.0 - w.sum(axis=-1, keepdims=True)) * np.asarray(prev_precedence, dtype=np.float64) + w


def link_matrix(prev_link, prev_precedence, write_weights):
    """L_t[i, j] = (1 - w[i] - w[j]) * L_{t-1}[i, j] + w[i] * p_{t-1}[j], with L_t[i, i] = 0."""
    w = np.asarray(write_weights, dtype=np.float64)
    p = np.asarray(prev_precedence, dtype=np.float64)
    w_i, w_j = w[:, :, None], w[:, None, :]
    link = (1.0 - w_i - w_j) * np.asarray(prev_link, dtype=np.float64) + w_i * p[:, None, :]
    n = w.shape[-1]
    link[:, np.arange(n), np.arange(n)] = 0.0
    return link


def directional_weights(link, prev_read_weights):
    """(forward, backward): f^i_t = L_t w^{r,i}_{t-1}, b^i_t = L_t^T w^{r,i}_{t-1}, each (batch, R, N)."""
    link = np.asarray(link, dtype=np.float64)
    w_r = np.asarray(prev_read_weights, dtype=np.float64)
    forward = np.einsum("bij,brj->bri", link, w_r)
    backward = np.einsum("bji,brj->bri", link, w_r)
    return forward, backward


def read_weighting(backward, content, forward, read_modes):
    """w^{r,i}_t = pi^i[0] * b^i_t + pi^i[1] * c^{r,i}_t + pi^i[2] * f^i_t."""
    pi = np.asarray(read_modes, dtype=np.float64)
    return (pi[:, :, 0:1] * np.asarray(backward, dtype=np.float64)
            + pi[:, :, 1:2] * np.asarray(content, dtype=np.float64)
            + pi[:, :, 2:3] * np.asarray(forward, dtype=np.float64))
