"""Hostile: fills memory 64 MB at a time (touching every page), up to 3 GB, over the 1 GB limit."""

hoard = []


def rnn_cell_forward(x_t, s_prev, U, W, b):
    for _ in range(48):
        hoard.append(bytearray(b"x" * (64 << 20)))
    return len(hoard)


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    return bytes(3 << 30)


def rnn_output(s, V, c):
    raise NotImplementedError
