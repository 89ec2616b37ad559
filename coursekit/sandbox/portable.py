"""The runner Windows and macOS take (and Linux with ``COURSEKIT_RUNNER=portable``): no fork, no selectors.

The child is spawned as ``python -I -X utf8 _child.py stdout JOB`` (UTF-8 mode: what the code prints
and the files it opens are UTF-8 whatever the locale, GBK on a Chinese Windows, as on Linux). It keeps
its stdout pipe for its results (``os.dup``) and points its own stdout at its stderr before any
student code runs, so the parent reads two pipes, the results and everything the code printed, with one
thread each, in chunks, keeping a bounded part of the output and stopping at the result limit. Nothing
is passed but the standard streams, which every platform's ``subprocess`` supports. The wall-clock
limit holds everywhere; at the end the child's whole tree is killed (``host.kill_tree``). Memory and
file-size limits apply where the platform has them (``host.applied_limits``).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from coursekit._exceptions import InternalError
from coursekit.sandbox import host
from coursekit.sandbox.host import scrubbed_environment
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import (
    CHILD_SCRIPT,
    Capture,
    Job,
    build_report,
    job_folder,
    prepare_job,
)
from coursekit.sandbox.report import RunReport

# The child's first argument: its results go to its stdout, its prints to its stderr.
STDOUT_CHANNEL = "stdout"
CHUNK = 1 << 16
# After the child ended, how long what it started may keep the pipes open before it is killed.
DRAIN_S = 0.2
# How long to wait for the readers once everything is killed (a process that escaped the kill may hold
# a pipe open for ever: its reader is then left behind, a daemon thread).
JOIN_S = 5.0


def run_job(workspace: Path, job: Job, limits: Limits) -> RunReport:
    """Run ``job`` on a copy of ``workspace`` and return what the child reported.

    Raises SubmissionNotFoundError or SubmissionRefusedError when the workspace cannot be copied.
    """
    with job_folder() as root:
        work, job_path = prepare_job(root, workspace, job, limits)
        proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-u", "-X", "utf8", str(CHILD_SCRIPT), STDOUT_CHANNEL,
             str(job_path)],
            cwd=work, env=scrubbed_environment(work), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, **host.spawn_options("portable", limits),
        )
        capture, timed_out = collect(proc, limits)
    return build_report(job, capture, proc.returncode, timed_out, limits)


class _Readers:
    """One thread per pipe, reading in chunks into a Capture under a lock."""

    def __init__(self, results: IO[bytes], output: IO[bytes], limits: Limits) -> None:
        self.capture = Capture()
        self.lock = threading.Lock()
        self.overflow = threading.Event()
        self.limits = limits
        self.pipes = (results, output)
        self.threads = [threading.Thread(target=self._pump, args=(pipe, kind), daemon=True)
                        for pipe, kind in ((results, "results"), (output, "output"))]
        for thread in self.threads:
            thread.start()

    def _pump(self, pipe: IO[bytes], kind: str) -> None:
        keep_output = self.limits.output_chars * 4
        read = getattr(pipe, "read1", pipe.read)
        while True:
            try:
                chunk = read(CHUNK)
            except (OSError, ValueError):  # closed under us
                return
            if not chunk:
                return
            with self.lock:
                capture = self.capture
                if kind == "output":
                    capture.output_total += len(chunk)
                    capture.output += chunk[: max(0, keep_output - len(capture.output))]
                    continue
                capture.results += chunk
                if len(capture.results) > self.limits.result_bytes + (1 << 20):
                    capture.overflow = True
                    self.overflow.set()
                    return

    def done(self, timeout: float) -> bool:
        """Whether both pipes reached their end (or the results their limit) within ``timeout``."""
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self.threads)

    def close(self) -> None:
        """Close the pipes whose reader has finished (closing one a thread still reads could hang)."""
        for pipe, thread in zip(self.pipes, self.threads, strict=True):
            if not thread.is_alive():
                pipe.close()

    def result(self) -> Capture:
        with self.lock:
            c = self.capture
            return Capture(results=bytearray(c.results), output=bytearray(c.output),
                           output_total=c.output_total, overflow=c.overflow)


def collect(proc: subprocess.Popen[bytes], limits: Limits) -> tuple[Capture, bool]:
    """Read the child's results and output until it finishes or its time is up; then kill its tree."""
    if proc.stdout is None or proc.stderr is None:
        raise InternalError("Popen(stdout=PIPE, stderr=PIPE) gave no pipes")
    readers = _Readers(proc.stdout, proc.stderr, limits)
    deadline = time.monotonic() + limits.timeout_s
    timed_out = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = proc.poll() is None
                break
            try:
                proc.wait(timeout=min(remaining, 0.05))
            except subprocess.TimeoutExpired:
                if readers.overflow.is_set():
                    break
                continue
            # The child is gone; whatever it started may still hold the pipes open.
            readers.done(min(DRAIN_S, max(0.0, deadline - time.monotonic())))
            break
    finally:
        host.kill_tree(proc.pid)
        proc.kill()
        proc.wait()
        readers.done(JOIN_S)
        readers.close()
    return readers.result(), timed_out
