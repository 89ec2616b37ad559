"""Run a job of calls on a student's module in a fresh, limited child process: Linux's runner.

The child is a new Python interpreter (``python -I``: no user site, no PYTHON* variables, no current
folder on the path) started in its own session, in a temporary folder holding a copy of the student's
files, with a scrubbed environment and resource limits. It reports on a pipe of its own; its stdout and
stderr are captured and cut. When the job ends, times out or misbehaves, the whole process group is
killed. The pieces every runner shares (the job, its folder, the report) are here too; what depends on
the operating system is in ``host.py``, and the runner Windows and macOS take in ``portable.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from coursekit import wire
from coursekit._exceptions import InternalError, WireError
from coursekit.sandbox import host, warm
from coursekit.sandbox.host import scrubbed_environment
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.report import CallOutcome, RunReport, parse_events
from coursekit.sandbox.workspace import copy_workspace

CHILD_SCRIPT = Path(__file__).with_name("_child.py")


@dataclass(frozen=True)
class Call:
    """One call of a student's function with plain-data arguments.

    ``data`` is plain data for the probe (its ``context["data"]``); ``attribute`` reads the module-level
    value named ``function`` instead of calling it.
    """

    id: str
    function: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    probe: str = "value"
    data: dict[str, Any] = field(default_factory=dict)
    attribute: bool = False


@dataclass(frozen=True)
class Job:
    """The calls to make on one student module.

    ``measure`` False tells probes that the grader redoes their measurements itself (batch grading's
    remeasure), so they send only the plain data that it reads (a Keras model's config and weight shapes).
    ``modules`` are (file name, code) pairs the grader wrote itself, a notebook's code as the module it
    stands for: they are written beside the copy of the student's files, in place of any of the same name.
    ``probes`` names the grader's probe modules by absolute path (``Exercise.probes``); the child loads
    them by path before any student code runs.
    """

    module: str
    calls: tuple[Call, ...]
    forbidden_imports: tuple[str, ...] = ()
    measure: bool = True
    modules: tuple[tuple[str, str], ...] = ()
    probes: Mapping[str, str] = field(default_factory=dict)
    # The student's top-level statements that call something (imdb.load_data(...), model.fit(...)) are
    # not run when the module is loaded: the first is reported (``Exercise.skip_top_level_calls``).
    skip_top_level_calls: bool = False

    def to_json(self, limits: Limits) -> str:
        return json.dumps({
            "module": self.module,
            "forbidden_imports": list(self.forbidden_imports),
            "max_result_bytes": limits.result_bytes,
            "measure": self.measure,
            "probes": dict(self.probes),
            "skip_top_level_calls": self.skip_top_level_calls,
            "calls": [{"id": c.id, "function": c.function, "args": wire.encode(list(c.args)),
                       "kwargs": wire.encode(dict(c.kwargs)), "probe": c.probe,
                       "data": wire.encode(dict(c.data)), "attribute": c.attribute}
                      for c in self.calls],
        })


@dataclass
class Capture:
    results: bytearray = field(default_factory=bytearray)
    output: bytearray = field(default_factory=bytearray)
    output_total: int = 0
    overflow: bool = False


@contextlib.contextmanager
def job_folder() -> Iterator[Path]:
    """A private (0700) temporary folder for one job, removed afterwards whatever the student left in it.

    shutil.rmtree recurses once per level: a tree a few thousand folders deep, which a submission can
    build in its working folder in a second, raises RecursionError in the grader. ``rm -rf`` finishes it.
    """
    root = Path(tempfile.mkdtemp(prefix="coursekit-"))
    try:
        yield root
    finally:
        host.remove_tree(root)


def prepare_job(root: Path, workspace: Path, job: Job, limits: Limits) -> tuple[Path, Path]:
    """Lay out a job in ``root``: ``work/`` holding the copy of the student's files, and the job file."""
    work = root / "work"
    work.mkdir(exist_ok=True)  # a waiting child's folder exists already (warm.py)
    copy_workspace(workspace, work)
    for name, code in job.modules:
        if Path(name).name != name or not name.endswith(".py"):
            raise InternalError(f"a generated module must be a plain .py file name, got {name!r}")
        (work / name).write_text(code, encoding="utf-8")
    job_path = root / "job.json"
    job_path.write_text(job.to_json(limits), encoding="utf-8")
    return work, job_path


def run_job(workspace: Path, job: Job, limits: Limits,
            command_prefix: Sequence[str] = ()) -> RunReport:
    """Run ``job`` on a copy of ``workspace`` and return what the child reported.

    ``command_prefix`` wraps the interpreter's command line (for namespaces or another user).
    Raises SubmissionNotFoundError or SubmissionRefusedError when the workspace cannot be copied.
    A child started before the job was known (``warm.prestarted``) runs it when it can.
    """
    waiting = None if command_prefix else warm.take(job.forbidden_imports)
    if waiting is not None:
        report = _run_waiting(waiting, workspace, job, limits)
        if report is not None:
            return report
    with job_folder() as root:
        work, job_path = prepare_job(root, workspace, job, limits)
        read_fd, write_fd = os.pipe()
        try:
            try:
                proc = subprocess.Popen(
                    [*command_prefix, sys.executable, "-I", "-B", "-u", str(CHILD_SCRIPT), str(write_fd),
                     str(job_path)],
                    cwd=work, env=scrubbed_environment(work), stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_fd,),
                    **host.spawn_options("linux", limits),
                )
            finally:
                os.close(write_fd)
            with proc:  # closes the output pipe once the child is gone
                if proc.stdout is None:
                    raise InternalError("Popen(stdout=PIPE) gave no pipe")
                capture, timed_out = collect(proc, proc.stdout.fileno(), read_fd, limits)
        finally:
            os.close(read_fd)
    return build_report(job, capture, proc.returncode, timed_out, limits)


def _run_waiting(child: warm.WarmChild, workspace: Path, job: Job, limits: Limits) -> RunReport | None:
    """Run ``job`` in the waiting ``child``; None when the child was gone before it got the job (no
    student code ran: the caller starts a fresh one)."""
    try:
        _, job_path = prepare_job(child.root, workspace, job, limits)
        if not child.send(job_path, limits):
            return None
        capture, timed_out = collect(child.proc, child.output.fileno(), child.result_fd, limits)
    finally:
        child.close()
    return build_report(job, capture, child.proc.returncode, timed_out, limits)


class ChildHandle(Protocol):
    """A started student process: a Popen, or a fork server's child."""

    pid: int

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...

    def wait(self) -> int: ...


def collect(proc: ChildHandle, out_fd: int, result_fd: int, limits: Limits) -> tuple[Capture, bool]:
    """Read the child's output and results until it finishes or its time is up; then kill its group."""
    capture = Capture()
    deadline = time.monotonic() + limits.timeout_s
    keep_output = limits.output_chars * 4
    timed_out = False
    with selectors.DefaultSelector() as sel:
        sel.register(out_fd, selectors.EVENT_READ, "output")
        sel.register(result_fd, selectors.EVENT_READ, "results")
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = proc.poll() is None
                break
            for key, _ in sel.select(timeout=min(remaining, 0.5)):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fd)
                elif key.data == "output":
                    capture.output_total += len(chunk)
                    capture.output += chunk[: max(0, keep_output - len(capture.output))]
                else:
                    capture.results += chunk
                    if len(capture.results) > limits.result_bytes + (1 << 20):
                        capture.overflow = True
                        sel.unregister(key.fd)
            if capture.overflow:
                break
            if proc.poll() is not None and not _readable(sel):
                # The child is gone; whatever it started may still hold the pipes open.
                host.kill_group(proc.pid)
                break
    host.kill_group(proc.pid)
    proc.kill()
    proc.wait()
    return capture, timed_out


def _readable(sel: selectors.BaseSelector) -> bool:
    return bool(sel.get_map()) and bool(sel.select(timeout=0.05))


def build_report(job: Job, capture: Capture, returncode: int, timed_out: bool, limits: Limits) -> RunReport:
    output = _readable_output(capture, limits)
    lines = bytes(capture.results).split(b"\n")
    complete = lines[:-1]  # the last piece is empty, or a line cut off mid-way
    protocol_error = "more result data than the limit allows" if capture.overflow else None
    try:
        state = parse_events(complete, {c.id for c in job.calls})
    except WireError as exc:
        state = {"outcomes": {}, "in_flight": None, "import_error": None, "forbidden": [], "done": False}
        protocol_error = str(exc)
    outcomes: dict[str, CallOutcome] = state["outcomes"]
    return RunReport(
        outcomes=outcomes, in_flight=state["in_flight"], import_error=state["import_error"],
        forbidden_imports=tuple(state["forbidden"]), top_level_skipped=state.get("top_level_skipped"),
        top_level_count=state.get("top_level_count", 0), output=output, exit_code=returncode,
        timed_out=timed_out, protocol_error=protocol_error, finished=state["done"] and not timed_out,
    )


def _readable_output(capture: Capture, limits: Limits) -> str:
    """What the student's code printed, cut to ``limits.output_lines`` lines and ``output_chars``."""
    text = capture.output.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    if len(lines) <= limits.output_lines and len(text) <= limits.output_chars \
            and capture.output_total == len(capture.output):
        return text
    kept = "".join(lines[: limits.output_lines])[: limits.output_chars].rstrip("\n")
    return f"{kept}\n… (output cut: {capture.output_total} bytes in all)"
