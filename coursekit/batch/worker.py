"""A grading worker: a trusted process that imports Keras once and owns its fork servers.

The coordinator sends tasks of plain data (student, staged folder, exercise, seed); the worker draws the
cases, gets the expected values from Keras, runs the student's code through a fork server and judges it,
then returns the result as plain data. Student code never runs in this process.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from multiprocessing import util
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

import numpy as np

from coursekit.batch.phases import JUDGING, REFERENCES, SANDBOX, STARTUP, STUDENT, PhaseTimes
from coursekit.bounds import bound_result
from coursekit.exercise import Case, Exercise, case_key
from coursekit.grading import grade_exercise
from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult, result_to_dict
from coursekit.sandbox.forkserver import close_shared, server_running, share_isolation, shared_server
from coursekit.sandbox.isolation import Isolation
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Job
from coursekit.sandbox.report import RunReport
from coursekit.uses import grade_uses


@dataclass(frozen=True)
class Task:
    student: str
    folder: str
    exercise: str
    seed: int
    timeout_s: float | None = None
    memory_mb: int | None = None
    class_seed: int | None = None


def cases_for(exercise: Exercise, seed: int, class_seed: int | None = None) -> list[Case]:
    """The public cases and the hidden cases drawn for one student.

    ``seed`` is the student's; ``class_seed`` the class's, from which an exercise that draws its shapes
    per class (``shapes_per_class``) draws them. Without it, shapes come from the student's seed.
    """
    hidden_rng = np.random.default_rng(seed)
    if class_seed is not None and exercise.shapes_per_class:
        return exercise.public_cases() + exercise.hidden_cases(hidden_rng, np.random.default_rng(class_seed))
    return exercise.public_cases() + exercise.hidden_cases(hidden_rng)


def limits_for(exercise: Exercise, timeout_s: float | None, memory_mb: int | None) -> Limits:
    limits = exercise.limits
    if timeout_s is not None:
        limits = replace(limits, timeout_s=timeout_s)
    if memory_mb is not None:
        limits = replace(limits, memory_mb=memory_mb)
    return limits


def close_servers() -> None:
    close_shared()


PR_SET_PDEATHSIG = 1
WATCH_PERIOD_S = 1.0


def die_with(coordinator: int) -> None:
    """End this worker as soon as the coordinator ``coordinator`` dies, however it dies.

    The worker's parent is the coordinator (a spawned worker) or the zygote it was forked from, which dies
    with the coordinator (``coursekit/batch/zygote.py``). On Linux the kernel sends SIGKILL on the parent's
    death (``PR_SET_PDEATHSIG``); everywhere a thread waits for the coordinator's end of the pipe this
    worker was started through (``multiprocessing.parent_process().sentinel``), which the kernel closes
    however the coordinator ends. The worker's fork servers end when its socket closes, and their jobs with
    them (see ``sandbox/_forkserver.py``); the resource tracker ends when the last process holding its pipe
    is gone.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0), ctypes.c_ulong(0),
                   ctypes.c_ulong(0))
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid != coordinator:  # not started by multiprocessing: its parent is it
        if os.getppid() != coordinator:  # it died before the signal was armed
            os._exit(1)

        def watch_parent() -> None:
            while os.getppid() == coordinator:
                time.sleep(WATCH_PERIOD_S)
            os._exit(1)

        threading.Thread(target=watch_parent, name="coursekit-watch-coordinator", daemon=True).start()
        return
    sentinel = parent.sentinel
    if wait([sentinel], timeout=0):  # it died before the signal was armed
        os._exit(1)

    def watch() -> None:
        wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="coursekit-watch-coordinator", daemon=True).start()


def init_worker(log_path: str, coordinator: int | None = None, isolation: Isolation | None = None,
                environ: Mapping[str, str] | None = None) -> None:
    """Run once in each worker process, before anything imports TensorFlow.

    TensorFlow writes its start-up messages straight to file descriptor 2, over the progress bar; the
    worker's own output goes to ``log_path`` instead (a grader's errors come back as results anyway).
    With ``coordinator`` (the pid of ``coursekit grade``), the worker dies with it (:func:`die_with`).
    ``isolation`` is the mode the coordinator detected and announced: every job of the run uses it.
    ``environ``: the environment to grade in, the coordinator's as it is now (a worker forked from a zygote
    started earlier has the zygote's, which differs from it at most in what ``zygote.VOLATILE`` names).
    """
    share_isolation(isolation)
    if coordinator is not None:
        die_with(coordinator)
    if environ is not None:
        os.environ.clear()
        os.environ.update(environ)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    importlib.invalidate_caches()  # a grader edited since the zygote looked at its folder is seen
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    atexit.register(close_servers)
    # A worker forked from the zygote ends with os._exit once its pool stops (multiprocessing's way for a
    # forked process), which skips atexit: its fork servers would be left to end alone, unwaited, and the
    # folders removed at exit (Keras builds, the fork servers' homes) would stay.
    # multiprocessing runs its finalizers first, so this one runs the atexit handlers there (a spawned
    # worker's later normal exit then finds none left).
    util.Finalize(None, atexit._run_exitfuncs, exitpriority=0)


# Expected values computed in this worker, by (exercise, case name, case_key): a case drawn the same for
# another student of the class (hidden cases that are sizes drawn per class) is not computed again. Keyed
# by the whole case, not its call: a hidden training case can make every student's same call and be
# judged on each student's own evaluation series (a field of the case).
MAX_MEMO = 512
_memo: OrderedDict[tuple[str, str, str], Any] = OrderedDict()


def expected_values(exercise: Exercise, cases: Sequence[Case]) -> dict[str, Any]:
    """``exercise.expected_values(cases)``, reusing what this worker computed for the same cases before."""
    keys = {c.name: (exercise.id, c.name, case_key(c)) for c in cases}
    found = {name: _memo[key] for name, key in keys.items() if key in _memo}
    for key in (keys[name] for name in found):
        _memo.move_to_end(key)
    missing = [c for c in cases if c.name not in found]
    if missing:
        computed = exercise.expected_values(missing)
        for name, value in computed.items():
            _memo[keys[name]] = value
        while len(_memo) > MAX_MEMO:
            _memo.popitem(last=False)
        found.update(computed)
    return {c.name: found[c.name] for c in cases}


class _Expected(Mapping[str, Any]):
    """The expected values of ``cases``, worked out on first use: a submission without the exercise's
    file (or refused before running) needs neither them nor a fork server, so a class where most
    students skipped an exercise costs no Keras work for it."""

    def __init__(self, exercise: Exercise, cases: Sequence[Case], times: PhaseTimes) -> None:
        self._exercise, self._cases, self._times = exercise, cases, times
        self._values: dict[str, Any] | None = None

    def _all(self) -> dict[str, Any]:
        if self._values is None:
            # The worker's first references import Keras and build its layers: counted as start-up.
            first = "keras" not in sys.modules
            wall, cpu = time.perf_counter(), time.process_time()
            self._values = expected_values(self._exercise, self._cases)
            phase = STARTUP if first and "keras" in sys.modules else REFERENCES
            self._times.add(self._exercise.id, phase, time.perf_counter() - wall, time.process_time() - cpu)
        return self._values

    def compute(self) -> None:
        """Work the values out now rather than on first use."""
        self._all()

    def __getitem__(self, name: str) -> Any:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


_first_task = [True]


def _start_server_beside(exercise: Exercise, folder: Path, expected: _Expected) -> threading.Thread | None:
    """Start the exercise's fork server in a thread while this one computes the references (a worker's
    first references import Keras, and a Keras exercise's server imports it too: the two imports overlap
    instead of following each other). Only when the student's file is there (else neither is needed) and
    the server is not already running; the thread's failure is the later ``shared_server`` call's to
    report (it starts the server again, in this thread)."""
    if not any(folder.glob(f"{Path(exercise.filename).stem}.*")) or server_running(exercise.child_imports):
        return None

    def start() -> None:
        with contextlib.suppress(Exception):
            shared_server(exercise.child_imports)

    thread = threading.Thread(target=start, name="coursekit-start-fork-server", daemon=True)
    thread.start()
    expected.compute()
    return thread


def grade_task(task: Task) -> dict[str, Any]:
    """Grade one student on one exercise.

    Returns plain data: ``result`` (``result_to_dict`` of the ExerciseResult) and ``times`` (where the
    task's time went, ``PhaseTimes.to_data``; see coursekit/batch/phases.py).
    """
    times = PhaseTimes()
    if _first_task[0]:  # this process's interpreter and imports so far: CPU-bound, so CPU for both
        _first_task[0] = False
        times.add(task.exercise, STARTUP, time.process_time(), time.process_time())
    times.count(task.exercise)
    exercise = get_exercise(task.exercise)
    cases = cases_for(exercise, task.seed, task.class_seed)
    expected = _Expected(exercise, cases, times)
    limits = limits_for(exercise, task.timeout_s, task.memory_mb)

    starting = _start_server_beside(exercise, Path(task.folder), expected)

    def run(folder: Path, job: Job, limits: Limits) -> RunReport:  # the fork server starts on first use
        with times.phase(exercise.id, STARTUP):
            if starting is not None:
                starting.join()
            server = shared_server(exercise.child_imports)
        wall, cpu = time.perf_counter(), time.process_time()
        report = server.run(folder, job, limits)
        times.add(exercise.id, STUDENT, time.perf_counter() - wall, report.cpu_s or 0.0)  # the process's CPU
        times.add(exercise.id, SANDBOX, 0.0, time.process_time() - cpu)  # this worker's, meanwhile
        return report

    def grade(exercise: Exercise, folder: Path, cases: Sequence[Case],
              expected: Mapping[str, Any]) -> ExerciseResult:
        return grade_exercise(exercise, folder, cases, expected, limits=limits, runner=run,
                              remeasure=True, clock=times.phase)

    result = grade(exercise, Path(task.folder), cases, expected)
    # An exercise that imports another's file is graded again with the course's file in its place when
    # that scores more: one mistake is charged once (coursekit/uses.py).
    result = grade_uses(exercise, Path(task.folder), cases, expected, result, grade)
    with times.phase(exercise.id, JUDGING):
        data = result_to_dict(bound_result(result))
    return {"result": data, "times": times.to_data()}
