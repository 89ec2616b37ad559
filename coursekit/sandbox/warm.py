"""A student process started before ``coursekit check`` knows its job: Linux's runner, started early.

``coursekit check`` of a numpy exercise waits for two interpreters that each import numpy: the grader's
(which also loads the exercise, its stored cases and the catalogues) and the student's. Run one after the
other they cost twice what one does. :func:`prestarted` starts the student's interpreter first, before the
grader imports anything beyond the standard library, in its own session, in an empty private folder and
with a scrubbed environment (as ``process.run_job`` starts one); it imports numpy and then waits on its
stdin. The next job :func:`coursekit.sandbox.process.run_job` runs takes it: the student's files are
copied into its folder, and the child is sent the job's file and its limits, which it applies to itself
(``_child.py``) before it loads any student code. A job the waiting child does not suit (one that forbids
a module it has already imported) starts a fresh child as before. A child no job took is killed with its
folder when the ``with`` block ends.

This module imports the standard library and ``host`` only: the child starts before numpy loads here.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from coursekit._exceptions import CoursekitError
from coursekit.sandbox import host
from coursekit.sandbox.limits import Limits

CHILD_SCRIPT = Path(__file__).with_name("_child.py")
# What the waiting child imports before its job arrives (``_child.py --wait``).
PRELOAD = ("numpy",)


@dataclass
class WarmChild:
    """A started child waiting for its job: its process, its job folder (``root``), the folder the
    student's files go to (``work``), and the read end of its result pipe."""

    proc: subprocess.Popen[bytes]
    root: Path
    work: Path
    result_fd: int
    # What it imports, or has been asked to, before its job: PRELOAD, and what ``expect`` added.
    preloaded: frozenset[str] = frozenset(PRELOAD)

    @property
    def output(self) -> IO[bytes]:
        if self.proc.stdout is None:  # started with stdout=PIPE
            raise OSError("the waiting child has no output pipe")
        return self.proc.stdout

    def preload(self, modules: tuple[str, ...]) -> bool:
        """Have the child import ``modules`` too while it waits; False when it is already gone."""
        if not self._write({"preload": list(modules)}, last=False):
            return False
        self.preloaded |= frozenset(modules)
        return True

    def _write(self, order: dict[str, object], *, last: bool) -> bool:
        stdin = self.proc.stdin
        if stdin is None or stdin.closed or self.proc.poll() is not None:
            return False
        try:
            stdin.write((json.dumps(order) + "\n").encode())
            if last:
                stdin.close()
            else:
                stdin.flush()
        except OSError:  # BrokenPipeError: it died while waiting
            return False
        return True

    def send(self, job_path: Path, limits: Limits) -> bool:
        """Give the child its job and the limits to apply to itself; False when it is already gone."""
        which = host.applied_limits("linux")
        order = {"job": str(job_path), "core": 0,
                 "memory": limits.memory_mb << 20 if "memory" in which else None,
                 "file_size": host.FILE_MB << 20 if "file_size" in which else None}
        return self._write(order, last=True)

    def close(self) -> None:
        """Kill the child and what it started, close its pipes and remove its folder."""
        if self.proc.returncode is None:  # not reaped yet (collect reaps a child that ran its job)
            host.kill_group(self.proc.pid)
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(OSError):
            os.close(self.result_fd)
        host.remove_tree(self.root)


_waiting: WarmChild | None = None


def expect(imports: tuple[str, ...], forbidden_imports: tuple[str, ...]) -> None:
    """The next job's exercise is known: it will import ``imports`` (an exercise's ``child_imports``: Keras,
    seconds) and forbid ``forbidden_imports``. The waiting child starts importing them now, while this
    process loads the rest of the grader, unless that job could not take it anyway."""
    more = tuple(m for m in imports if m not in (_waiting.preloaded if _waiting else ()))
    if _waiting is None or not more or set(forbidden_imports) & (_waiting.preloaded | set(more)):
        return
    _waiting.preload(more)


def take(forbidden_imports: tuple[str, ...]) -> WarmChild | None:
    """The waiting child, for a job that forbids ``forbidden_imports``, or None (then start a fresh one)."""
    global _waiting
    if _waiting is None or set(forbidden_imports) & _waiting.preloaded:
        return None
    child, _waiting = _waiting, None
    return child


def _start() -> WarmChild:
    root = Path(tempfile.mkdtemp(prefix="coursekit-"))
    work = root / "work"
    work.mkdir()
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-u", str(CHILD_SCRIPT), str(write_fd), "--wait", ",".join(PRELOAD)],
            cwd=work, env=host.scrubbed_environment(work), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, pass_fds=(write_fd,), start_new_session=True)
    except BaseException:
        os.close(read_fd)
        host.remove_tree(root)
        raise
    finally:
        os.close(write_fd)
    return WarmChild(proc, root, work, read_fd)


@contextlib.contextmanager
def prestarted() -> Iterator[None]:
    """Within the block, the next job Linux's runner runs goes to a child started now (see the module).

    Nothing is started where another runner would run the job (``$COURSEKIT_RUNNER``, Windows, macOS) or
    when starting fails: the job then starts its own child, as without this block.
    """
    global _waiting
    child = None
    try:
        if host.runner_kind() == "linux" and _waiting is None:
            child = _waiting = _start()
    except (CoursekitError, OSError):  # a $COURSEKIT_RUNNER check will name; no process to start
        child = None
    try:
        yield
    finally:
        if child is not None and _waiting is child:  # no job took it
            _waiting = None
            child.close()
