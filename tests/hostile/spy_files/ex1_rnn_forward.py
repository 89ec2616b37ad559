"""Hostile: looks for what is not its own and tries to change it: other students' files, the output
folder, the course repository's solutions/, the course secret and the instructor's environment (its own,
the parent's, PID 1's, every process's), then writes and deletes where it should not. Returns all it
found; the test asserts it found nothing.

TARGETS are absolute paths the test writes in: files and folders it must not read or change."""

import os

TARGETS = []  # the test writes the paths to try here
WELL_KNOWN = ["../../solutions/ex1_rnn_forward.py", "../solutions/ex1_rnn_forward.py",
              "../../../solutions", "/work", "/root", "/home", "/etc/shadow"]
MARK = "PWNED-by-spy-files"


def _read(path):
    try:
        if os.path.isdir(path):
            return sorted(os.listdir(path))[:100]
        with open(path, "rb") as f:
            return f.read(4000).decode("utf-8", "replace")
    except OSError as exc:
        return f"error: {type(exc).__name__}"


def _walk_for_solutions():
    found, budget = [], 20_000
    for top in os.listdir("/"):
        if top in ("proc", "sys", "usr", "dev", "lib", "lib64", "lib32", "bin", "sbin"):
            continue
        for folder, dirs, files in os.walk("/" + top):
            budget -= 1 + len(files)
            if budget < 0 or folder.count("/") > 5:
                dirs.clear()
                continue
            found += [os.path.join(folder, n) for n in dirs + files
                      if "solution" in n or n == ".coursekit-secret"]
    return found[:50]


def _try_write(folder):
    path = os.path.join(folder, MARK)
    try:
        with open(path, "w") as f:
            f.write("pwned")
        return "written"
    except OSError as exc:
        return f"error: {type(exc).__name__}"


def rnn_cell_forward(x_t, s_prev, U, W, b):
    found = {"read": {}, "wrote": {}, "changed": {}}
    proc = [n for n in os.listdir("/proc") if n.isdigit()]
    paths = [*TARGETS, *WELL_KNOWN, f"/proc/{os.getppid()}/environ", f"/proc/{os.getppid()}/cmdline",
             *(f"/proc/{n}/environ" for n in proc), *(f"/proc/{n}/cmdline" for n in proc)]
    for path in paths:
        found["read"][path] = _read(path)
    found["environ"] = dict(os.environ)
    found["solutions"] = _walk_for_solutions()
    folders = {p if os.path.isdir(p) else os.path.dirname(p) for p in TARGETS}
    for folder in sorted(folders | {"/tmp", os.path.expanduser("~"), "..", "../.."}):
        found["wrote"][folder] = _try_write(folder)
    for path in TARGETS:
        try:
            if os.path.isdir(path):
                os.rename(path, path + ".moved")
            else:
                with open(path, "a") as f:
                    f.write("\n# changed by a spy\n")
            found["changed"][path] = "changed"
        except OSError as exc:
            found["changed"][path] = f"error: {type(exc).__name__}"
    return found


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    raise NotImplementedError


def rnn_output(s, V, c):
    raise NotImplementedError
