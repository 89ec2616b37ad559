"""Hostile: tries to reach the network (a public DNS server, PyPI, the machine's own loopback) to fetch or
leak answers. Returns what each attempt did. Bounded: 2 s per attempt."""

import socket

TRIES = [("1.1.1.1", 53), ("pypi.org", 443), ("127.0.0.1", 22), ("127.0.0.1", 80)]


def rnn_cell_forward(x_t, s_prev, U, W, b):
    report = {"interfaces": [name for _, name in socket.if_nameindex()], "connections": {}}
    for host, port in TRIES:
        try:
            with socket.create_connection((host, port), timeout=2):
                report["connections"][f"{host}:{port}"] = "connected"
        except OSError as exc:
            report["connections"][f"{host}:{port}"] = type(exc).__name__
    return report


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
