"""Batch grading's runner: a fork server per worker that has paid for its imports once.

A fresh interpreter costs ~0.15 s with numpy and ~4 s with TensorFlow; a fork of a process that has
already imported them costs milliseconds. The server is started with a scrubbed environment and holds no
grader state (see ``_forkserver.py``); each job still runs in a process of its own, under its own limits,
in a temporary copy of the student's files, confined as :func:`coursekit.sandbox.isolation.detect` found
this machine allows (see ``_isolate.py``), and is killed with everything it started.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from coursekit._exceptions import InternalError
from coursekit.sandbox.host import scrubbed_environment
from coursekit.sandbox.isolation import Isolation, detect, package_paths
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import (
    Job,
    build_report,
    collect,
    job_folder,
    prepare_job,
)
from coursekit.sandbox.report import RunReport

SERVER_SCRIPT = Path(__file__).with_name("_forkserver.py")
SETUP_FAILED = 71  # _isolate.SETUP_FAILED: the child could not enter the sandbox, no student code ran
KILL_GRACE_S = 10.0


class _ForkedChild:
    """A child of the fork server, seen from the worker: its exit status arrives as a message."""

    def __init__(self, server: ForkServer, pid: int) -> None:
        self.server = server
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.exit_code(self.pid, block=False)
        return self.returncode

    def kill(self) -> None:
        self.server.stop(self.pid)

    def wait(self) -> int:
        if self.returncode is None:
            try:
                self.returncode = self.server.exit_code(self.pid, block=True, timeout=KILL_GRACE_S)
            except TimeoutError:
                self.server.stop(self.pid, hard=True)
                self.returncode = self.server.exit_code(self.pid, block=True)
        return self.returncode if self.returncode is not None else -signal.SIGKILL


class ForkServer:
    """One server process; ``run`` is a :data:`coursekit.grading.Runner`."""

    def __init__(self, preload: Sequence[str] = ("numpy",), isolation: Isolation | None = None) -> None:
        self.preload = tuple(preload)
        self.isolation = isolation if isolation is not None else detect()
        self._home = tempfile.TemporaryDirectory(prefix="coursekit-fs-")
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._exits: dict[int, int] = {}
        self._cpu: dict[int, float] = {}

    def start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-u", str(SERVER_SCRIPT), str(child.fileno()), ",".join(self.preload)],
                cwd=self._home.name, env=scrubbed_environment(Path(self._home.name)),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(child.fileno(),), start_new_session=True,
            )
        finally:
            child.close()
        self._sock = parent
        ready = self._receive(timeout=300)
        if ready.get("ready") is not True:
            raise InternalError(f"the fork server did not start: {ready}")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        self._home.cleanup()

    def __enter__(self) -> ForkServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def kill(self) -> None:
        """End the server at once (SIGKILL), and with it every job it runs (see ``_forkserver.py``): for
        a grading abandoned by its coordinator. :meth:`run` starts a new one when next needed."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _receive(self, timeout: float | None) -> dict[str, Any]:
        if self._sock is None:
            raise InternalError("the fork server is not running")
        self._sock.settimeout(timeout)
        try:
            data = self._sock.recv(1 << 16)
        finally:
            self._sock.settimeout(None)
        if not data:
            raise InternalError("the fork server stopped")
        message: dict[str, Any] = json.loads(data)
        return message

    def stop(self, pid: int, *, hard: bool = False) -> None:
        """Have the server end child ``pid``'s job, unless it has already reaped it.

        In a namespace the child is the namespace's parent: on SIGTERM it kills PID 1, which takes the
        whole namespace with it, and exits once they are all gone; otherwise its group is killed.
        ``hard``: SIGKILL the child itself. The server does it because only it knows whether ``pid`` is
        still its child rather than a pid the kernel has given to another process.
        """
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.send(json.dumps({"kill": pid, "hard": hard}).encode())

    def exit_code(self, pid: int, *, block: bool, timeout: float | None = None) -> int | None:
        """The child's exit code once the server has reaped it; None if not yet and not ``block``.

        With ``block`` and a ``timeout``, raises TimeoutError when the child has not ended in time.
        """
        while pid not in self._exits:
            try:
                message = self._receive(timeout=timeout if block else 0)
            except (BlockingIOError, TimeoutError):
                if block:
                    raise TimeoutError(f"the fork server's child {pid} did not end") from None
                return None
            if "exit" in message:
                self._exited(message)
        return self._exits.pop(pid)

    def _exited(self, message: dict[str, Any]) -> None:
        pid = int(message["exit"])
        self._exits[pid] = int(message["code"])
        self._cpu[pid] = float(message.get("cpu", 0.0))

    def run(self, workspace: Path, job: Job, limits: Limits) -> RunReport:
        """Run ``job`` on a copy of ``workspace`` in a forked, sandboxed child."""
        if not self.alive():
            self.close()
            self._home = tempfile.TemporaryDirectory(prefix="coursekit-fs-")
            self._exits.clear()
            self._cpu.clear()
            self.start()
        if self._sock is None:
            raise InternalError("the fork server is not running")
        with job_folder() as root:
            work, job_path = prepare_job(root, workspace, job, limits)
            out_r, out_w = os.pipe()
            res_r, res_w = os.pipe()
            settings = self.isolation.settings(root)
            if job.forbidden_imports:  # not even importable (namespace modes: masked like the repository)
                settings["hide"] = [*settings["hide"], *package_paths(tuple(job.forbidden_imports))]
            request = {"workdir": str(work), "job": str(job_path), "probes": dict(job.probes),
                       "env": scrubbed_environment(work),
                       "limits": {"memory_mb": limits.memory_mb}, "isolation": settings}
            try:
                socket.send_fds(self._sock, [json.dumps(request).encode()], [out_w, res_w])
            finally:
                os.close(out_w)
                os.close(res_w)
            reply = self._receive(timeout=30)
            while "pid" not in reply:
                if "exit" in reply:
                    self._exited(reply)
                reply = self._receive(timeout=30)
            child = _ForkedChild(self, int(reply["pid"]))
            try:
                capture, timed_out = collect(child, out_r, res_r, limits)
            finally:
                os.close(out_r)
                os.close(res_r)
            code = child.returncode if child.returncode is not None else -signal.SIGKILL
            cpu = self._cpu.pop(child.pid, None)
        if code == SETUP_FAILED and not capture.results:
            raise InternalError(f"the sandbox could not be entered ({self.isolation.mode} mode): "
                                f"{capture.output.decode(errors='replace')[-300:]}")
        return replace(build_report(job, capture, code, timed_out, limits), cpu_s=cpu)


_shared: dict[tuple[str, ...], ForkServer] = {}
_shared_isolation: list[Isolation] = []  # set once per process by share_isolation


def share_isolation(isolation: Isolation | None) -> None:
    """Make every shared fork server of this process use ``isolation`` (the mode ``coursekit grade``
    detected and announced) instead of detecting its own."""
    _shared_isolation[:] = [] if isolation is None else [isolation]


_starting = threading.Lock()  # a worker may start a server in a thread while it computes references


def shared_server(preload: Sequence[str], *, or_more: bool = False) -> ForkServer:
    """This process's fork server for ``preload``, started on first use (or again if it died) and
    closed at exit: a grading worker's, shared by its jobs and by what its grader code runs under limits.

    ``or_more``: a running server that preloaded more than ``preload`` will do (a grader's own job, such
    as rebuilding a student's Keras model, in the server a Keras exercise's students already run in,
    rather than a second server paying for Keras again). Never for a student's job: what its process
    finds imported, and the memory that counts against its limit, must be its exercise's
    ``child_imports`` alone."""
    key = tuple(preload)
    with _starting:
        if or_more:
            larger = [s for k, s in _shared.items() if set(key) <= set(k) and s.alive()]
            if larger and _shared.get(key) not in larger:
                return larger[0]
        server = _shared.get(key)
        if server is None or not server.alive():
            if not _shared:
                atexit.register(close_shared)
            if server is not None:
                server.close()
            server = _shared[key] = ForkServer(key, isolation=_shared_isolation[0] if _shared_isolation
                                               else None)
            server.start()
        return server


def server_running(preload: Sequence[str]) -> bool:
    """Whether this process's fork server for ``preload`` is up."""
    server = _shared.get(tuple(preload))
    return server is not None and server.alive()


def kill_shared() -> None:
    """Kill this process's fork servers and their jobs (:meth:`ForkServer.kill`)."""
    for server in list(_shared.values()):
        server.kill()


def close_shared() -> None:
    for server in _shared.values():
        server.close()
    _shared.clear()
