"""Hostile: tries to kill the grader: its parent, every process it can find in /proc, kill(-1), and the
pids the test writes into PIDS. Returns what each attempt did.

Bounded: it only signals when it is confined (alone in a PID namespace, or running as neither root
nor the grader's user), so a broken sandbox makes the test fail instead of killing the machine."""

import os
import signal

PIDS = []  # the test writes the grader's own pids here


def _confined():
    if os.getpid() == 1:
        return True
    if os.geteuid() == 0:
        return False
    try:
        return os.stat(f"/proc/{os.getppid()}").st_uid != os.getuid()
    except OSError:
        return False


def _kill(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
        return "sent"
    except OSError as exc:
        return type(exc).__name__


def rnn_cell_forward(x_t, s_prev, U, W, b):
    report = {"confined": _confined(), "pid": os.getpid(), "ppid": os.getppid(), "attempts": {}}
    if not report["confined"]:
        return report
    seen = [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) != os.getpid()]
    report["visible"] = seen
    for pid in [*PIDS, *seen]:
        report["attempts"][str(pid)] = _kill(pid)
    if os.getppid() != 0:
        report["attempts"]["ppid"] = _kill(os.getppid())
    report["attempts"]["-1"] = _kill(-1)
    report["attempts"]["SIGTERM -1"] = _kill(-1, signal.SIGTERM)
    return report


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
