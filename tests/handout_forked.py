"""A test harness for the handout's check: its student processes forked from a process that has paid for
its imports once, rather than started as fresh interpreters.

Loaded by path (never imported as part of the test suite's modules) in a process that runs the HANDOUT's
``coursekit`` (``PYTHONPATH=handout``; tests/test_release.py's CHECK_KERAS), :func:`install` replaces the
one line of the handout's Linux runner that starts the child: ``process.run_job`` is the handout's own
function with ``subprocess.Popen([python, -I, -B, -u, _child.py, fd, job])`` swapped for ``os.fork()``
followed, in the fork, by what that command line does (a new session, the same resource limits, the
job's folder as the working folder, the scrubbed environment, the standard streams on the output pipe,
then the handout's own ``_child.py``, loaded by path, run with the same arguments). Everything else is the
handout's: the job file, the child code, reading the pipes, the limits' clock, the report and all judging.

Why: each Keras exercise's check costs a fresh student process importing TensorFlow (~8 CPU-seconds
here); forked from a process that imported Keras once, it costs milliseconds. How a student process is
started is not what the handout comparison tests (the runners are tested in tests/test_sandbox.py,
test_portable.py and test_isolation.py), and the repository's fork server (coursekit/sandbox/
forkserver.py, which the handout does not ship) starts ``grade``'s children the same way.

Fidelity: the forking process imports its modules with the variables a fresh child has at import
(``IMPORT_VARIABLES``: the caller sets them in its environment, PYTHONHASHSEED=0 among them), and imports
nothing else of the student's; a fork's student module is imported fresh in the job's folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

# The variables of process.scrubbed_environment that libraries read when they are imported (TensorFlow's
# logging and oneDNN, thread counts, the Keras backend, string hashing): the forking process must be
# started with them, as the fresh child is, so that its imports are the child's.
IMPORT_VARIABLES = ("PYTHONHASHSEED", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND", "CUDA_VISIBLE_DEVICES")


class _Forked:
    """The forked child, as ``process.collect`` sees a Popen: pid, poll, kill, wait."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def _reap(self, flags: int) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, flags)
            except ChildProcessError:
                return self.returncode
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        code = self._reap(0)
        return -signal.SIGKILL if code is None else code


def _become_child(process: Any, host: Any, work: Path, limits: Any, result_fd: int, out_fd: int,
                  job_path: Path) -> None:
    """In the fork: what ``python -I -B -u _child.py FD JOB``, started by process.run_job, would be."""
    os.setsid()  # start_new_session=True
    apply = host.limit_resources(limits, host.applied_limits("linux"))  # preexec_fn
    if apply is not None:
        apply()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # stdin=DEVNULL
    os.dup2(out_fd, 1)  # stdout=PIPE, stderr=STDOUT
    os.dup2(out_fd, 2)
    os.close(null)
    os.close(out_fd)
    os.chdir(work)  # cwd=work
    os.environ.clear()  # env=scrubbed_environment(work)
    os.environ.update(process.scrubbed_environment(work))
    tempfile.tempdir = None  # found again from TMPDIR, the job's folder, as a fresh process finds it
    # -u: unbuffered standard streams, on the new descriptors; -B: no bytecode written
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", write_through=True)
    sys.dont_write_bytecode = True
    # -I: neither the current folder (-c's "") nor PYTHONPATH's entries (the handout) on the path
    sys.path[:] = [p for p in sys.path if p and p not in _PYTHONPATH]
    spec = importlib.util.spec_from_file_location("__main__", process.CHILD_SCRIPT)
    if spec is None or spec.loader is None:
        raise ImportError(process.CHILD_SCRIPT)
    child = importlib.util.module_from_spec(spec)
    sys.argv = [str(process.CHILD_SCRIPT), str(result_fd), str(job_path)]
    spec.loader.exec_module(child)  # its module level, then main() as `if __name__ == "__main__"` does


_PYTHONPATH = frozenset(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)


def install(root: Path) -> None:
    """Make the Linux runner of the ``coursekit`` under ``root`` (the handout, its venv) fork this process
    for each student process."""
    from coursekit.sandbox import host, process

    if not Path(process.__file__).resolve().is_relative_to(root.resolve()):
        raise AssertionError(f"not the runner under {root}: {process.__file__}")
    collect, build_report = process.collect, process.build_report

    def run_job(workspace: Path, job: Any, limits: Any, command_prefix: Any = ()) -> Any:
        assert not command_prefix, "the handout's check runs no command prefix"
        with process.job_folder() as root:
            work, job_path = process.prepare_job(root, workspace, job, limits)
            read_fd, write_fd = os.pipe()
            out_r, out_w = os.pipe()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    os.close(read_fd)
                    os.close(out_r)
                    _become_child(process, host, work, limits, write_fd, out_w, job_path)
                except SystemExit as exc:  # as the interpreter exits on it
                    if exc.code is None or isinstance(exc.code, int):
                        code = exc.code or 0
                    else:
                        print(exc.code, file=sys.stderr)
                        code = 1
                except BaseException:
                    traceback.print_exc()
                    code = 1
                finally:
                    for stream in (sys.stdout, sys.stderr):
                        with contextlib.suppress(BaseException):
                            stream.flush()
                    os._exit(code)
            os.close(write_fd)
            os.close(out_w)
            proc = _Forked(pid)
            try:
                capture, timed_out = collect(proc, out_r, read_fd, limits)
            finally:
                os.close(out_r)
                os.close(read_fd)
        return build_report(job, capture, proc.returncode, timed_out, limits)

    process.run_job = run_job
