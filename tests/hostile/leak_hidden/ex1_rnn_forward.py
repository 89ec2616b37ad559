"""Hostile: tries to carry its inputs (on a hidden case: the hidden inputs) out through the feedback.

Each call makes a tag of its first input, ``LEAK<digits>``, and ends in a failure that would show it:
rnn_cell_forward raises a MemoryError, then an AttributeError, with the tag as the message;
rnn_forward calls ``sys.exit(tag)``, then raises an exception class named after the tag, then a
ValueError from a line whose source it replaced in ``linecache`` with the tag; rnn_output ends the
process with an exit code made of its input. For a hidden case the grader must show only the kind of
failure (from a fixed list), the file and the line: never the tag, a class name of the submission's, or
the exit code.
"""

import linecache
import os
import sys

_calls = {"cell": 0, "forward": 0}


def _tag(x):
    return "LEAK" + str(abs(int(float(x.flat[0]) * 1_000_000)))


def _next(name):
    _calls[name] += 1
    return _calls[name] - 1


def rnn_cell_forward(x_t, s_prev, U, W, b):
    if _next("cell") % 2 == 0:
        raise MemoryError(_tag(x_t))
    raise AttributeError(_tag(x_t))


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    tag, channel = _tag(x), _next("forward") % 3
    if channel == 0:
        sys.exit(tag)
    if channel == 1:
        raise type(tag, (Exception,), {})()
    here = sys._getframe().f_lineno + 3
    lines = linecache.getlines(__file__) or [""] * (here + 1)
    linecache.cache[__file__] = (1, None, [*lines[:here - 1], tag + "\n", *lines[here:]], __file__)
    raise ValueError()


def rnn_output(s, V, c):
    os._exit(abs(int(float(s.flat[0]) * 1000)) % 200 + 3)
