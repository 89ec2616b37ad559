"""Local grade workers forked from one process that has already imported Keras: the zygote.

A spawned worker is a fresh interpreter that imports numpy, Keras and TensorFlow (seconds of CPU) before
it grades anything; a run with two workers pays that twice, and a process that grades class after class
(a test session) pays it twice per run. Instead, on Linux, the coordinator starts one zygote: a fresh
interpreter with the coordinator's environment, ``sys.path`` and working folder, which imports
:data:`PRELOAD` (numpy, Keras, and coursekit's trusted worker code) and then forks one worker per
request, each in milliseconds. It is :mod:`multiprocessing`'s fork server loop (``forkserver.main``) run
by :func:`serve`, so that a worker is an ordinary ``multiprocessing`` process under a
``ProcessPoolExecutor``, with its queues, sentinels and exit codes.

What the zygote must never hold:

- The content package. Its modules are imported by each worker from disk (an instructor edits an
  exercise between two runs); nothing in :data:`PRELOAD` imports it (a test checks).
- Student code. Students run in the workers' fork servers (``coursekit/sandbox/forkserver.py``): fresh
  interpreters with a scrubbed environment, started with ``exec``, never forked from here (the zygote holds
  the coordinator's environment, the course secret included).

It is kept between runs of one coordinator process and started again whenever what it was started with
differs from now (:func:`fingerprint`: the environment, ``sys.path``, the working folder, the interpreter,
the content package's folder and coursekit's own files), so a worker sees what a spawned one would. One
variable is not compared: pytest's ``PYTEST_CURRENT_TEST``, which changes with every test; each worker sets
its environment to the coordinator's at its start (``init_worker``), so it is current there too.

Its death follows the coordinator's: the zygote is started from a thread that lives as long as the
coordinator's process, and arms ``PR_SET_PDEATHSIG`` against it (:func:`serve`); each worker arms it against
the zygote and watches the coordinator's end of its pipe (``worker.die_with``). Where fork is not to be
used (``host.forks_workers``: Windows, macOS) workers are spawned as before.

A run starts it first (``grade_class``, before it computes the grader keys and stages the class), so that
its import of Keras overlaps that work; a run left with nothing to grade ends it unused, at once.

Known cost: the zygote's import of Keras comes before the first worker exists, so in a process's first
run it no longer overlaps the start of a Keras exercise's fork server (a fresh interpreter importing
TensorFlow, started by the worker): one new student graded on a numpy and a Keras exercise by a fresh
``coursekit grade`` took less CPU (16 s against 25 s) but more wall time (28 s against 19 s) than with
spawned workers.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import io
import json
import multiprocessing
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from multiprocessing import forkserver, popen_forkserver, reduction, resource_tracker, spawn, util
from multiprocessing.context import BaseContext, ForkServerContext, ForkServerProcess, set_spawning_popen
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from coursekit import content
from coursekit.sandbox import host

# What the zygote imports before it forks: the libraries every worker needs and coursekit's trusted
# engine (the worker's code and what it imports). Never the content package.
PRELOAD = ("numpy", "keras", "coursekit.batch.worker")
# The environment a worker gets over the coordinator's: the same defaults init_worker sets, before Keras
# is imported (TensorFlow reads them at its import).
WORKER_DEFAULTS = {"TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
# Variables that change all the time and that nothing imported reads: not a reason to start again.
VOLATILE = frozenset({"PYTEST_CURRENT_TEST"})
# What importing TensorFlow and Keras writes into os.environ (TensorFlow 2.21, h5py): a coordinator that
# has imported them since its zygote started has them, and so has the zygote, which imported them too.
# Not a reason to start again either (a worker still gets the coordinator's values: worker_environment).
SET_BY_PRELOAD = frozenset({"TF2_BEHAVIOR", "TPU_ML_PLATFORM", "TPU_ML_PLATFORM_VERSION", "HDF5_PLUGIN_PATH",
                            "ENABLE_RUNTIME_UPTIME_TELEMETRY"})
STOP_S = 10.0
PR_SET_PDEATHSIG = 1

_T = TypeVar("_T")


def worker_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a worker starts with: the coordinator's, with :data:`WORKER_DEFAULTS` where unset."""
    env = dict(os.environ if environ is None else environ)
    for name, value in WORKER_DEFAULTS.items():
        env.setdefault(name, value)
    return env


def _coursekit_files() -> Iterable[Path]:
    root = Path(__file__).resolve().parents[1]
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            yield Path(folder) / name


def fingerprint(environ: Mapping[str, str] | None = None) -> str:
    """What a zygote started now would be started with: two that differ are not interchangeable."""
    env = {k: v for k, v in worker_environment(environ).items() if k not in VOLATILE | SET_BY_PRELOAD}
    folder = content.folder()
    h = hashlib.sha256(json.dumps({
        "env": sorted(env.items()), "sys_path": sys.path, "cwd": os.getcwd(), "python": sys.executable,
        "flags": _interpreter_flags(), "content": str(folder) if folder is not None else None,
        "preload": PRELOAD,
    }).encode())
    for path in _coursekit_files():
        with contextlib.suppress(OSError):
            st = path.stat()
            h.update(f"\0{path}\0{st.st_mtime_ns}\0{st.st_size}".encode())
    return h.hexdigest()


def _interpreter_flags() -> list[str]:
    """The interpreter's options a spawned process gets (``-X``, ``-W``, ``-I``...), as multiprocessing
    passes them."""
    flags: Callable[[], list[str]] = getattr(subprocess, "_args_from_interpreter_flags")  # noqa: B009
    return list(flags())


class _Keeper:
    """One daemon thread that lives as long as this process: the zygote is started from it, since
    ``PR_SET_PDEATHSIG`` fires when the *thread* that started a process ends (a run in a short-lived
    thread must not leave the next run's zygote to die with it)."""

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def call(self, fn: Callable[[], _T]) -> _T:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="coursekit-zygote-keeper",
                                                daemon=True)
                self._thread.start()
        future: Future[_T] = Future()
        self._tasks.put((fn, future))
        return future.result()

    def _loop(self) -> None:
        while True:
            fn, future = self._tasks.get()
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)


_keeper = _Keeper()


class Zygote:
    """The coordinator's handle on one zygote process: start it, fork a worker from it, stop it."""

    def __init__(self, key: str, log_path: Path | None = None) -> None:
        self.key = key
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None
        self._address: str | None = None
        self._alive_w: int | None = None
        self._forked = False  # whether a worker was ever asked for

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the zygote (from the keeper thread); it imports :data:`PRELOAD` before its first fork."""
        _keeper.call(self._start)

    def _start(self) -> None:
        resource_tracker.ensure_running()  # started by the coordinator, shared by every worker
        with socket.socket(socket.AF_UNIX) as listener:
            address = os.path.join(util.get_temp_dir(), f"zygote-{secrets.token_hex(8)}")
            listener.bind(address)
            if not util.is_abstract_socket_namespace(address):
                os.chmod(address, 0o600)
            listener.listen()
            # Every client holds the write end of "alive" (this process and each worker): the zygote ends
            # when they all have.
            alive_r, alive_w = os.pipe()
            command = (f"import sys; sys.path[:] = {sys.path!r}; from coursekit.batch.zygote import serve; "
                       f"serve({os.getpid()}, {listener.fileno()}, {alive_r}, {list(PRELOAD)!r})")
            log = open(self.log_path, "ab") if self.log_path is not None else None  # noqa: SIM115
            try:
                self._proc = subprocess.Popen(
                    [spawn.get_executable(), *_interpreter_flags(), "-c", command],
                    env=worker_environment(), stdin=subprocess.DEVNULL,
                    stdout=log if log is not None else subprocess.DEVNULL, stderr=subprocess.STDOUT,
                    pass_fds=(listener.fileno(), alive_r))
            except BaseException:
                os.close(alive_w)
                raise
            finally:
                os.close(alive_r)
                if log is not None:
                    log.close()
        self._address = str(address)
        self._alive_w = alive_w

    def connect(self, fds: Sequence[int]) -> tuple[int, int]:
        """Ask the zygote for a new process (``forkserver.ForkServer.connect_to_new_process``): returns the
        pipe ends the new process's pid, exit code and start-up data go through."""
        if self._address is None or self._alive_w is None:
            raise OSError("the zygote is not running")
        if len(fds) + 4 >= forkserver.MAXFDS_TO_SEND:
            raise ValueError("too many fds")
        tracker = resource_tracker.getfd()
        self._forked = True
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(self._address)
            parent_r, child_w = os.pipe()
            child_r, parent_w = os.pipe()
            sent = [child_r, child_w, self._alive_w, *([tracker] if tracker is not None else []), *fds]
            try:
                reduction.sendfds(client, sent)
                return parent_r, parent_w
            except BaseException:
                os.close(parent_r)
                os.close(parent_w)
                raise
            finally:
                os.close(child_r)
                os.close(child_w)

    def stop(self) -> None:
        """Let the zygote end (it does once its workers have), or end it after :data:`STOP_S`; one that
        never forked a worker is ended at once: it holds nothing, and may still be importing Keras (a
        run starts its zygote before it knows whether anything is left to grade)."""
        if self._alive_w is not None:
            os.close(self._alive_w)
            self._alive_w = None
        if self._proc is not None:
            if not self._forked:
                self._proc.kill()
            try:
                self._proc.wait(timeout=STOP_S)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._address is not None and not util.is_abstract_socket_namespace(self._address):
            with contextlib.suppress(OSError):
                os.unlink(self._address)
        self._address = None


_lock = threading.Lock()
_current: list[Zygote] = []  # this process's zygote, if one was started


def current_zygote(log_path: Path | None = None) -> Zygote:
    """This process's zygote for what a worker would be spawned with now: the running one when its
    :func:`fingerprint` still holds, else a new one (the old one stopped)."""
    key = fingerprint()
    with _lock:
        zygote = _current[0] if _current else None
        if zygote is not None and zygote.key == key and zygote.alive():
            return zygote
        if zygote is not None:
            zygote.stop()
            _current.clear()
        else:
            atexit.register(stop_zygote)
        zygote = Zygote(key, log_path)
        zygote.start()
        _current.append(zygote)
        return zygote


def stop_zygote() -> None:
    """Stop this process's zygote, if any (at exit, and for tests)."""
    with _lock:
        for zygote in _current:
            zygote.stop()
        _current.clear()


def _close_fds(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


class _ZygotePopen(popen_forkserver.Popen):
    """``popen_forkserver.Popen`` asking this process's zygote rather than multiprocessing's own server."""

    def __init__(self, process_obj: BaseProcess, zygote: Zygote) -> None:
        self._zygote = zygote
        super().__init__(process_obj)

    def _launch(self, process_obj: BaseProcess) -> None:  # as popen_forkserver.Popen._launch
        fds: list[int] = getattr(self, "_fds")  # noqa: B009
        prep_data = spawn.get_preparation_data(process_obj.name)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        sentinel, w = self._zygote.connect(fds)
        self.sentinel = sentinel
        # A duplicate of the data pipe's write end stays open here: the child's sentinel of this process.
        parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, _close_fds, (parent_w, sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(sentinel)


class ZygoteProcess(ForkServerProcess):
    """A worker process forked from this process's current zygote."""

    @staticmethod
    def _Popen(process_obj: BaseProcess) -> _ZygotePopen:
        return _ZygotePopen(process_obj, current_zygote())


class ZygoteContext(ForkServerContext):
    """A multiprocessing context whose processes are forked from the zygote (``ProcessPoolExecutor``'s
    ``mp_context``); its queues and locks are the fork server's kind."""

    Process = ZygoteProcess


def worker_context(log_path: Path | None = None) -> BaseContext:
    """The multiprocessing context a run's workers start in: forked from the zygote, which is started (or
    started again) now, its output going to ``log_path``; spawned where fork is not to be used."""
    if not host.forks_workers():
        return multiprocessing.get_context("spawn")
    current_zygote(log_path)
    return ZygoteContext()


def serve(coordinator: int, listener_fd: int, alive_r: int, preload: list[str]) -> None:
    """The zygote's main: die with ``coordinator``, then import ``preload`` and fork workers on request
    (``multiprocessing.forkserver.main``; it ends when every client has closed its end of ``alive_r``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0), ctypes.c_ulong(0),
               ctypes.c_ulong(0))
    if os.getppid() != coordinator:  # it died before the signal was armed
        os._exit(1)
    with contextlib.suppress(SystemExit):  # how forkserver.main ends once every worker has gone
        forkserver.main(listener_fd, alive_r, preload)
    # Leave without the interpreter's shutdown: once Keras is imported it takes a second or more, which
    # the coordinator's exit (stop_zygote) would wait for. No worker is left to wait for.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)
