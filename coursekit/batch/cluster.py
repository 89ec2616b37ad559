"""``coursekit grade --cluster tcp://HOST:8786``: the same gradings on the workers of a Dask cluster.

The coordinator (the instructor's machine) stages the submissions, keeps the gradebook and writes every
output, exactly as for the local pool; only the gradings move. Each task is one student's exercise, and
what crosses the network is plain data both ways:

- to the worker: the staged submission's files as bytes, the exercise id, the student's seed and the
  class's seed for that exercise (HMACs of the course secret: the secret itself never leaves this
  machine), the limits, and the grader-version token the worker must match;
- back: one JSON text (the result as ``result_to_dict`` makes it, and the task's timings), which the
  coordinator parses and checks against the cases it draws itself before anything is stored. The client
  is opened with ``deserializers=["msgpack"]``: nothing the cluster sends is ever unpickled here.

On the worker, a task runs :func:`coursekit.batch.worker.grade_task`, the local workers' own code, so a
student's code runs in the node's sandbox (a fork server, its isolation mode, its limits) exactly as it
does locally, and the worker process keeps what a local worker keeps between tasks: Keras's import, its
fork servers, the expected values it computed. Dask runs tasks in threads: one lock per worker process
makes them take turns (start workers with ``--nthreads 1`` and as many ``--nworkers`` as cores).

Before any grading is sent to a worker, a check task pinned to it returns what decides a grade there
(coursekit's version and source, Python, Keras, TensorFlow, numpy, each exercise's grader version, the
isolation mode it detects); a worker that differs from this machine is refused with one line naming the
difference, and each grading carries the token again, so a worker replaced under the same address is
refused too. The coordinator chooses the worker of each grading itself (``workers=[address]``) with the
local pool's :class:`coursekit.batch.run._Queue`: a worker keeps to the exercises it has started.

Faults: a worker lost mid-task puts its gradings back, and the one it was running counts an attempt; a
grading that loses two workers is an internal error, never the student's fault (as locally). A lost
scheduler stops the run with :class:`~coursekit._exceptions.ClusterError` (every finished grading is
already in the gradebook, so the next run resumes). On any way out (Ctrl-C included) the run's futures
are cancelled and the jobs its gradings were running on the workers are killed.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import platform
import tempfile
import threading
import time
import tomllib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from coursekit import __version__
from coursekit._exceptions import ClusterError, InvalidOptionError
from coursekit.batch.phases import PhaseTimes
from coursekit.batch.version import LIBRARIES, code_version, package_dirs, source_files
from coursekit.batch.worker import Task, cases_for, grade_task
from coursekit.exercise import Exercise
from coursekit.grading import Failed
from coursekit.messages import Message, msg
from coursekit.registry import grader_module
from coursekit.results import ExerciseResult, Failure, result_from_dict
from coursekit.sandbox.isolation import Isolation

if TYPE_CHECKING:
    from coursekit.batch.roster import Submission

PROTOCOLS = ("tcp://", "tls://")
DEFAULT_WAIT_S = 60.0
IN_FLIGHT = 2  # per worker: one grading, and the next one ready (as the local pool)
POLL_S = 0.5  # how often the scheduler's list of workers is read
MAX_REPLY_CHARS = 4 << 20  # a worker's reply: a result is at most 64 kB (bounds.MAX_ROW_CHARS), plus timings
SECURITY_KEYS = {"ca_file": "tls_ca_file", "cert": "tls_client_cert", "key": "tls_client_key"}


@dataclass(frozen=True)
class ClusterOptions:
    """Where the scheduler is, how to reach it, and how long to wait for it and for a worker.

    ``security``: a TOML file of TLS settings (``ca_file``, ``cert``, ``key``; see docs/cluster.md);
    without it, Dask's own configuration (``distributed.comm.tls.*``) applies.
    """

    address: str
    security: Path | None = None
    wait_s: float = DEFAULT_WAIT_S

    def __post_init__(self) -> None:
        if not self.address.startswith(PROTOCOLS) or len(self.address) <= len("tcp://"):
            raise InvalidOptionError(f"--cluster: expected tcp://HOST:PORT or tls://HOST:PORT, got "
                                     f"{self.address!r}", message=msg("option.cluster", got=self.address))
        if not (math.isfinite(self.wait_s) and self.wait_s > 0):
            raise InvalidOptionError(f"--cluster-wait: expected a positive number of seconds, got "
                                     f"{self.wait_s}",
                                     message=msg("option.cluster_wait", got=str(self.wait_s)))
        if self.security is not None:
            security_settings(self.security)

    @property
    def tls(self) -> bool:
        return self.address.startswith("tls://")


def security_settings(path: Path) -> dict[str, Any]:
    """The keyword arguments of ``distributed.Security`` that the TOML file ``path`` asks for."""
    def refuse(reason: str) -> InvalidOptionError:
        return InvalidOptionError(f"--cluster-security: {path}: {reason}",
                                  message=msg("option.cluster_security", path=str(path), reason=reason))

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise refuse(str(exc)) from None
    unknown = sorted(set(data) - set(SECURITY_KEYS))
    if unknown:
        raise refuse(f"unknown key {unknown[0]!r} (expected {', '.join(SECURITY_KEYS)})")
    settings: dict[str, Any] = {"require_encryption": True}
    for key, name in SECURITY_KEYS.items():
        value = data.get(key)
        if value is None:
            raise refuse(f"{key} is missing")
        file = path.parent / str(value)
        if not file.is_file():
            raise refuse(f"{key}: {file} is not a file")
        settings[name] = str(file)
    return settings


# --- what decides a grade, here and on a worker ---------------------------------------------------

def _library(names: str | tuple[str, ...]) -> str:
    for name in (names,) if isinstance(names, str) else names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "absent"


def _library_name(names: str | tuple[str, ...]) -> str:
    return names if isinstance(names, str) else names[-1]


def isolation_text(isolation: Isolation) -> str:
    return isolation.mode + (" + cgroup" if isolation.cgroup else "")


@cache
def _coursekit_source() -> str:
    """A hash of the source of every coursekit and content-package module that the cluster's task imports
    (this module, the worker, the engine), read once per process (the code a process runs is the code it
    imported)."""
    h = hashlib.sha256()
    for module, path in sorted(source_files(("coursekit.batch.cluster",), package_dirs()).items()):
        h.update(b"\0" + module.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


@cache
def _grader_version(ex_id: str) -> str:
    return code_version(ex_id, grader_module(ex_id))[:12]


def identity(exercises: Sequence[str], isolation: Isolation) -> dict[str, str]:
    """What decides a grade on this machine, by name: a worker must match the coordinator on each.

    ``coursekit`` is its version and a hash of its source (:func:`_coursekit_source`); each exercise's
    grader is :func:`coursekit.batch.version.code_version` (its grader, the cache of Keras's answers, the
    engine, the libraries).
    """
    found = {"coursekit": f"{__version__} ({_coursekit_source()})",
             "python": platform.python_version(),
             **{_library_name(n): _library(n) for n in LIBRARIES},
             "isolation": isolation_text(isolation)}
    for ex_id in exercises:
        found[f"{ex_id} grader"] = _grader_version(ex_id)
    return found


def for_exercise(found: Mapping[str, str], ex_id: str) -> dict[str, str]:
    """What decides ``ex_id``'s grades, of an :func:`identity`: the common part and that grader."""
    return {k: v for k, v in found.items() if not k.endswith(" grader") or k == f"{ex_id} grader"}


def token(found: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(found), sort_keys=True).encode()).hexdigest()[:24]


def differences(here: Mapping[str, str], there: Mapping[str, str]) -> tuple[Message, ...]:
    """Each name whose value differs between this machine and a worker, as a message."""
    return tuple(msg("cluster.difference", what=name, here=here[name], there=str(there.get(name, "absent")))
                 for name in here if here[name] != there.get(name))


# --- the worker's side: runs in a Dask worker process ------------------------------------------------

_lock = threading.Lock()  # one grading at a time per worker process: the state below is not thread-safe
_isolation: list[Isolation] = []
_identities: dict[tuple[str, ...], dict[str, str]] = {}
_running: list[str] = []  # the key of the task grading now, for abort_jobs


def _prepare() -> Isolation:
    """Once per worker process: the isolation this node allows (its fork servers use it), and the
    settings a local worker makes before TensorFlow is imported."""
    if not _isolation:
        from coursekit.sandbox.forkserver import share_isolation
        from coursekit.sandbox.isolation import detect

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        isolation = detect()
        share_isolation(isolation)
        _isolation.append(isolation)
    return _isolation[0]


def _identity(exercises: Sequence[str]) -> dict[str, str]:
    key = tuple(exercises)
    if key not in _identities:
        _identities[key] = identity(exercises, _prepare())
    return _identities[key]


def check_worker(exercises: list[str]) -> str:
    """The check task: this worker's :func:`identity` for ``exercises``, as JSON."""
    with _lock:
        return json.dumps(_identity(exercises))


def _safe_name(name: object) -> bool:
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name
            and "\0" not in name)


def run_task(payload: dict[str, Any]) -> str:
    """One grading on this worker: ``payload`` is plain data (see :func:`_payload`); the reply is JSON,
    ``{"graded": {"result", "times"}}``, ``{"refused": identity}`` or ``{"error": text}``."""
    with _lock:
        try:
            from distributed import get_worker

            _running[:] = [str(get_worker().get_current_task())]
        except (ImportError, ValueError, AttributeError):
            _running[:] = []
        try:
            mine = _identity([payload["exercise"]])
            if token(mine) != payload["version"]:
                return json.dumps({"refused": mine})
            with tempfile.TemporaryDirectory(prefix="coursekit-task-") as tmp:
                os.chmod(tmp, 0o700)
                folder = Path(tmp) / "submission"
                folder.mkdir()
                for name, data in payload["files"].items():
                    if not _safe_name(name) or not isinstance(data, bytes):
                        return json.dumps({"error": f"a staged file name that is refused: {name!r}"})
                    (folder / name).write_bytes(data)
                task = Task(payload["student"], str(folder), payload["exercise"], payload["seed"],
                            payload["timeout_s"], payload["memory_mb"], payload["class_seed"])
                return json.dumps({"graded": grade_task(task)})
        except Exception as exc:  # a grader's bug: an internal error on the coordinator, never the student's
            return json.dumps({"error": f"{type(exc).__name__}: {exc}"})
        finally:
            _running[:] = []


def abort_jobs(keys: list[str]) -> bool:
    """Kill this worker's fork servers, and with them the student's job, if the grading running here is
    one of ``keys`` (run by the coordinator through ``Client.run`` when it stops early)."""
    if not _running or _running[0] not in keys:
        return False
    from coursekit.sandbox.forkserver import kill_shared

    kill_shared()
    return True


# --- the coordinator's side ----------------------------------------------------------------------

def _payload(task: Task, version: str) -> dict[str, Any]:
    folder = Path(task.folder)
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    return {"student": task.student, "exercise": task.exercise, "seed": task.seed,
            "class_seed": task.class_seed, "timeout_s": task.timeout_s, "memory_mb": task.memory_mb,
            "files": files, "version": version}


def validated(reply: object, exercise: Exercise, task: Task) -> tuple[ExerciseResult, Mapping[str, Any]]:
    """The result and timings of a worker's reply, checked against the cases this machine draws for the
    task: the same exercise, the same tests with the same points, scores within them. Raises ValueError."""
    if not isinstance(reply, str) or len(reply) > MAX_REPLY_CHARS:
        raise ValueError("the reply is not a text of at most 4 MB")
    data = json.loads(reply)
    graded = data.get("graded") if isinstance(data, dict) else None
    if not isinstance(graded, dict) or not isinstance(graded.get("result"), dict):
        raise ValueError("the reply holds no result")
    try:
        result = result_from_dict(graded["result"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"the result is malformed ({type(exc).__name__}: {exc})") from None
    cases = cases_for(exercise, task.seed, task.class_seed)
    if result.exercise != exercise.id:
        raise ValueError(f"a result for {result.exercise!r}")
    expected = [(c.name, float(c.points), c.hidden) for c in cases]
    got = [(t.name, t.max_score, t.hidden) for t in result.tests]
    if got != expected:
        raise ValueError("the result's tests are not the exercise's cases")
    for t in result.tests:
        in_range = math.isfinite(t.score) and 0 <= t.score <= t.max_score
        if t.status not in ("passed", "failed") or not in_range:
            raise ValueError(f"test {t.name!r}: status {t.status!r}, score {t.score!r}")
    times = graded.get("times")
    if not isinstance(times, dict):
        raise ValueError("the reply holds no timings")
    for row in times.get("rows", []):
        if not (isinstance(row, list) and len(row) == 4
                and all(isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in row[2:])):
            raise ValueError("the timings are malformed")
    return result, times


@dataclass(eq=False)
class _Node:
    """A checked worker: its address, the exercises it has started, its gradings in flight (oldest
    first: with one thread, the first is the one running)."""

    address: str
    exercises: set[str] = field(default_factory=set)
    flight: list[Any] = field(default_factory=list)


class _QueueLike(Protocol):
    """The part of :class:`coursekit.batch.run._Queue` this module uses."""

    def __bool__(self) -> bool: ...
    def put_back(self, task: tuple[Submission, str]) -> None: ...
    def take(self, mine: set[str], others: set[str]) -> tuple[Submission, str]: ...


def run_cluster(cluster: ClusterOptions, queue: _QueueLike, exercises: Mapping[str, Exercise],
                make_task: Callable[[Submission, str], Task],
                record: Callable[[Submission, str, ExerciseResult, bool], None],
                fail: Callable[[Submission, str, Failed], None], times: PhaseTimes, isolation: Isolation,
                notice: Callable[[Message], None]) -> None:
    """Grade what ``queue`` holds on the cluster's workers; see the module's docstring."""
    if isolation.mode == "basic" or (isolation.mode == "uid" and not cluster.tls):
        raise InvalidOptionError(
            f"--cluster: student code reaches the network in {isolation.mode} mode, and a Dask scheduler "
            "runs whatever code is sent to it", message=msg("cluster.unsafe_mode", mode=isolation.mode))
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise InvalidOptionError("--cluster needs Dask distributed: pip install \"coursekit[cluster]\"",
                                 message=msg("cluster.not_installed")) from None
    security = (None if cluster.security is None
                else distributed.Security(**security_settings(cluster.security)))
    try:
        client = distributed.Client(cluster.address, security=security, timeout=cluster.wait_s,
                                    set_as_default=False, deserializers=["msgpack"])
    except Exception as exc:  # OSError, TimeoutError; TypeError or ValueError: TLS settings that do not fit
        raise ClusterError(f"--cluster: the scheduler at {cluster.address} cannot be reached: {exc}",
                           message=msg("cluster.unreachable", address=cluster.address,
                                       error=f"{type(exc).__name__}: {exc}")) from None
    try:
        _Coordinator(client, cluster, queue, exercises, make_task, record, fail, times, isolation,
                     notice).run()
    finally:
        client.close(timeout=10)


class _Coordinator:
    def __init__(self, client: Any, cluster: ClusterOptions, queue: _QueueLike,
                 exercises: Mapping[str, Exercise], make_task: Callable[[Submission, str], Task],
                 record: Callable[[Submission, str, ExerciseResult, bool], None],
                 fail: Callable[[Submission, str, Failed], None], times: PhaseTimes, isolation: Isolation,
                 notice: Callable[[Message], None]) -> None:
        self.client, self.cluster, self.queue, self.exercises = client, cluster, queue, exercises
        self.make_task, self.record, self.fail = make_task, record, fail
        self.times, self.notice = times, notice
        self.ids = list(exercises)
        self.here = identity(self.ids, isolation)
        self.tokens = {e: token(for_exercise(self.here, e)) for e in self.ids}
        self.nodes: dict[str, _Node] = {}  # by the worker's id (a restarted worker has another)
        self.checks: dict[Any, tuple[str, str]] = {}  # check future -> (worker id, address)
        self.refused: set[str] = set()
        self.futures: dict[Any, tuple[_Node, Submission, str, Task]] = {}
        self.attempts: dict[tuple[str, str], int] = {}
        self.polled = 0.0
        self.idle_since: float | None = None

    def run(self) -> None:
        wait: Any = importlib.import_module("distributed").wait
        finished = False
        try:
            while self.queue or self.futures:
                self._poll()
                self._submit()
                pending = [*self.futures, *self.checks]
                if not pending:
                    time.sleep(POLL_S)
                    continue
                try:
                    with self.client.as_current():  # wait() uses the current client
                        done, _ = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    continue
                except BaseException as exc:  # Dask's CancelledError is asyncio's, a BaseException
                    if not isinstance(exc, KeyboardInterrupt | SystemExit) and any(
                            f.status in ("cancelled", "lost") for f in pending):
                        self._lost()
                    raise
                for future in done:
                    if future in self.checks:
                        self._checked(future)
                    elif future in self.futures:
                        self._finished(future)
            finished = True
        finally:
            if not finished:
                self._stop()

    def _workers(self) -> dict[str, str]:
        """The scheduler's workers now: id -> address."""
        info = self.client.scheduler_info(n_workers=-1)
        return {str(w.get("id", address)): str(address) for address, w in info.get("workers", {}).items()}

    def _poll(self) -> None:
        if self.client.status not in ("running", "connecting"):
            self._lost()
        now = time.monotonic()
        if now - self.polled < POLL_S:
            return
        self.polled = now
        live = self._workers()
        for wid in [w for w in self.nodes if w not in live]:
            self._lose(wid)
        for wid, address in live.items():
            if wid in self.nodes or wid in self.refused or (wid, address) in self.checks.values():
                continue
            future = self.client.submit(check_worker, self.ids, key=f"coursekit-check-{uuid.uuid4().hex}",
                                        workers=[address], allow_other_workers=False, pure=False)
            self.checks[future] = (wid, address)
        for future, (wid, _) in list(self.checks.items()):
            if wid not in live:
                del self.checks[future]
                future.cancel()
        if self.nodes or self.checks:
            self.idle_since = None
        elif self.idle_since is None:
            self.idle_since = now
        elif now - self.idle_since > self.cluster.wait_s:
            raise ClusterError(f"--cluster: no worker of {self.cluster.address} can grade (waited "
                               f"{self.cluster.wait_s:g} s)", message=msg(
                                   "cluster.no_worker", address=self.cluster.address,
                                   seconds=f"{self.cluster.wait_s:g}"))

    def _checked(self, future: Any) -> None:
        wid, address = self.checks.pop(future)
        if future.status in ("cancelled", "lost"):
            self._lost()
        try:
            there = json.loads(future.result())
            if not isinstance(there, dict):
                raise ValueError("not an object")
            found = differences(self.here, there)
        except Exception as exc:  # no coursekit there, or a worker that cannot run it
            found = (msg("cluster.difference", what="coursekit", here=self.here["coursekit"],
                         there=f"{type(exc).__name__}: {exc}"[:300]),)
        if found:
            self.refused.add(wid)
            self.notice(msg("cluster.refused", worker=address, differences=found))
        else:
            self.nodes[wid] = _Node(address)

    def _submit(self) -> None:
        for node in list(self.nodes.values()):
            while self.queue and len(node.flight) < IN_FLIGHT:
                others = set().union(*(n.exercises for n in self.nodes.values() if n is not node))
                sub, ex_id = self.queue.take(node.exercises, others)
                task = self.make_task(sub, ex_id)
                future = self.client.submit(run_task, _payload(task, self.tokens[ex_id]),
                                            key=f"coursekit-grade-{ex_id}-{uuid.uuid4().hex}",
                                            workers=[node.address], allow_other_workers=False, pure=False)
                node.exercises.add(ex_id)
                node.flight.append(future)
                self.futures[future] = (node, sub, ex_id, task)

    def _lose(self, wid: str) -> None:
        """A worker left: its gradings go back, and the one it was running counts an attempt."""
        node = self.nodes.pop(wid)
        for n, future in enumerate(node.flight):
            _, sub, ex_id, _ = self.futures.pop(future)
            future.cancel()
            key = (sub.student, ex_id)
            if n == 0:
                self.attempts[key] = self.attempts.get(key, 0) + 1
            if self.attempts.get(key, 0) >= 2:
                self.fail(sub, ex_id, Failed(Failure.INTERNAL_ERROR, msg("failure.worker_died")))
            else:
                self.queue.put_back((sub, ex_id))

    def _finished(self, future: Any) -> None:
        node, sub, ex_id, task = self.futures.pop(future)
        node.flight.remove(future)
        if future.status in ("cancelled", "lost"):
            self._lost()
        try:
            reply = future.result()
        except Exception as exc:  # Dask's own failure (the reply itself is never an exception)
            self._internal(sub, ex_id, f"{type(exc).__name__}: {exc}")
            return
        try:
            data = json.loads(reply) if isinstance(reply, str) and len(reply) <= MAX_REPLY_CHARS else None
        except ValueError:
            data = None  # refused by validated() below
        if isinstance(data, dict) and "refused" in data:  # replaced under the same address since its check
            self.nodes = {w: n for w, n in self.nodes.items() if n is not node}
            self.refused.update(w for w, a in self._workers().items() if a == node.address)
            there = data["refused"] if isinstance(data["refused"], dict) else {}
            self.notice(msg("cluster.refused", worker=node.address,
                            differences=differences(for_exercise(self.here, ex_id), there)))
            for other in node.flight:
                _, s, e, _ = self.futures.pop(other)
                other.cancel()
                self.queue.put_back((s, e))
            self.queue.put_back((sub, ex_id))
            return
        if isinstance(data, dict) and "error" in data:
            self._internal(sub, ex_id, str(data["error"])[:2000])
            return
        try:
            result, timings = validated(reply, self.exercises[ex_id], task)
        except ValueError as exc:
            self._internal(sub, ex_id, f"the worker's result is refused: {exc}")
            return
        self.times.merge(timings)
        self.record(sub, ex_id, result, False)

    def _internal(self, sub: Submission, ex_id: str, error: str) -> None:
        self.fail(sub, ex_id, Failed(Failure.INTERNAL_ERROR, msg("failure.internal", exercise=ex_id,
                                                                  error=error)))

    def _lost(self) -> None:
        raise ClusterError(f"--cluster: the connection to the scheduler at {self.cluster.address} was lost",
                           message=msg("cluster.lost", address=self.cluster.address))

    def _stop(self) -> None:
        """Leave nothing of this run on the cluster: cancel every future, kill the jobs still running."""
        futures = [*self.futures, *self.checks]
        keys = [str(f.key) for f in self.futures]
        addresses = sorted({n.address for n in self.nodes.values() if n.flight})
        self.futures.clear()
        self.checks.clear()
        if self.client.status != "running":
            return
        try:
            self.client.cancel(futures, force=True)
            if addresses and keys:
                self.client.run(abort_jobs, keys, workers=addresses, on_error="ignore")
        except Exception:  # the cluster is going away anyway
            return
