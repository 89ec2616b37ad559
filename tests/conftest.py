"""Shared helpers: grade a workspace written from strings, the way check and grade do."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from coursekit.grading import grade_exercise
from coursekit.registry import content_package, get_exercise
from coursekit.render.text import test_output
from coursekit.results import ExerciseResult, TestResult, result_from_dict, result_to_dict
from coursekit.sandbox.forkserver import ForkServer

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

GradeFiles = Callable[..., ExerciseResult]
PR_SET_CHILD_SUBREAPER = 36


@contextmanager
def adopting_orphans() -> Iterator[None]:
    """This test process adopts what its descendants orphan (Linux's prctl PR_SET_CHILD_SUBREAPER): a
    process that escapes its job by a double fork stays in this process's tree, so a search for survivors
    can look there alone and never at the jobs of another test process (pytest-xdist runs two files at
    once). Elsewhere the test is skipped; on Linux a refused prctl fails it, since a search limited to
    this tree would then miss an escaped process."""
    if not sys.platform.startswith("linux"):
        pytest.skip("adopting orphans (PR_SET_CHILD_SUBREAPER) is Linux's")
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, f"prctl: errno {ctypes.get_errno()}"
    try:
        yield
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def assert_no_english_only(result: ExerciseResult) -> None:
    """Each test's message renders from both catalogues (strict); the grader's own verdicts are catalogue
    entries, never verbatim text, and a failed one's Chinese is not its English."""
    from coursekit.i18n import render
    from coursekit.results import Failure

    for t in result.tests:
        en, zh = (render(t.message, lang, strict=True) for lang in ("en", "zh"))
        if t.passed or t.failure == Failure.WRONG_VALUE:  # the grader's own verdict, not an exception
            assert t.message.key != "verbatim", (t.name, en)
            assert t.passed or en != zh, (t.name, en)


def text(test: TestResult, lang: str = "en") -> str:
    """A test's message and, on its own line, its hint, as a student reads them in ``lang``."""
    return test_output(test, lang)


@pytest.fixture(scope="module")
def keras() -> ModuleType:
    """keras, imported once (about 3.5 s) and only by the test modules that ask for it."""
    import keras

    return keras


@pytest.fixture
def grade_files(tmp_path: Path) -> GradeFiles:
    """grade_files("ex1", {"ex1_rnn_forward.py": source, ...}) -> the public cases' ExerciseResult.

    A value of None for a file copies the reference solution of that name.
    """

    def run(exercise_id: str, files: dict[str, str | None]) -> ExerciseResult:
        ws = tmp_path / f"ws-{len(list(tmp_path.iterdir()))}"
        ws.mkdir()
        for name, source in files.items():
            if source is None:
                shutil.copy(SOLUTIONS / name, ws / name)
            else:
                (ws / name).write_text(source, encoding="utf-8")
        exercise = get_exercise(exercise_id)
        cases = exercise.public_cases()
        return grade_exercise(exercise, ws, cases, exercise.expected_values(cases))

    return run


class ForkServers:
    """The session's fork servers: two per set of preloaded modules (one per core), started on first use.

    A fresh student process pays its imports (TensorFlow: 4-20 s here); a job forked from a server that
    has imported them once pays milliseconds, and still runs in a process of its own under the
    exercise's limits (coursekit.sandbox.forkserver, the runner ``coursekit grade`` uses). Every grading
    of the session's that does not test the fresh-process runner itself goes through these.
    """

    def __init__(self) -> None:
        self.started: dict[tuple[str, ...], list[ForkServer]] = {}

    def get(self, preload: Sequence[str], index: int = 0) -> ForkServer:
        servers = self.started.setdefault(tuple(preload), [])
        while len(servers) <= index or not servers[index].alive():
            server = ForkServer(tuple(preload))
            server.start()
            if len(servers) <= index:
                servers.append(server)
            else:
                servers[index].close()
                servers[index] = server
        return servers[index]

    def close(self) -> None:
        """Close every server at once: each close waits up to 5 s for its process's exit (one that has
        imported TensorFlow takes seconds), so one after another they added up to 16 s of a session."""
        servers = [server for group in self.started.values() for server in group]
        self.started.clear()
        with ThreadPoolExecutor(max(1, len(servers))) as pool:
            list(pool.map(ForkServer.close, servers))


@pytest.fixture(scope="session")
def fork_servers() -> Iterator[ForkServers]:
    servers = ForkServers()
    yield servers
    servers.close()


def grade_source(exercise_id: str, source: str, folder: str,
                 server: ForkServer | None = None) -> ExerciseResult:
    """The public cases' result of ``source`` as the exercise's file in the new folder ``folder``: in a
    fresh student process as ``coursekit check`` runs it, or forked from ``server``."""
    exercise = get_exercise(exercise_id)
    ws = Path(folder)
    (ws / exercise.filename).write_text(source, encoding="utf-8")
    cases = exercise.public_cases()
    if server is None:
        return grade_exercise(exercise, ws, cases, exercise.expected_values(cases))
    return grade_exercise(exercise, ws, cases, exercise.expected_values(cases), runner=server.run)


class GradedOnce:
    """graded_once(exercise_id, source) -> the public cases' result of ``source`` as the exercise's file,
    judged as ``coursekit check`` judges it; each (exercise, source) is graded once per test session.

    The student process is forked from the session's fork server for the exercise's imports
    (``fork_servers``) rather than started fresh: ex3's, ex7's and ex11's files would each cost a process
    importing TensorFlow. Within one test file they are shared (test_contract.py grades every exercise's
    ``mistakes/`` folder; test_release.py compares the handout's check, in fresh processes, with these
    results); under pytest-xdist a file runs whole in one worker (``--dist loadfile``), and the workers
    share their results through the session's folder: the first to need one grades it, under a lock, and
    writes it as the gradebook's plain data (``result_to_dict``); the other reads it, or waits for it
    rather than train the same file again (test_ex7's files are test_release's, often in the other
    worker). test_ex7.py checks that a fresh process trains to the same accuracy.
    ``prefetch`` grades a module's files before its tests: a numpy exercise's two at a time, one per
    core, a Keras exercise's one after another in one server: a second server would pay for TensorFlow's
    import again (about 7 CPU-s here), while under pytest-xdist the other worker keeps the second core
    busy.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, servers: ForkServers) -> None:
        self.factory = tmp_path_factory
        self.servers = servers
        self.results: dict[tuple[str, str], ExerciseResult] = {}
        base = tmp_path_factory.getbasetemp()
        # a worker's folder is popen-gwN in the session's; without xdist the session's folder is its own
        self.shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "graded-once"
        self.shared.mkdir(exist_ok=True)

    def _grade(self, exercise_id: str, source: str, index: int = 0) -> ExerciseResult:
        digest = hashlib.sha256(json.dumps([content_package(), exercise_id, source]).encode()).hexdigest()
        stored = self.shared / f"{digest[:32]}.json"
        with open(stored.with_suffix(".lock"), "w") as lock:
            try:
                import fcntl
            except ImportError:  # no lock to share by: graded here
                pass
            else:
                fcntl.flock(lock, fcntl.LOCK_EX)
            if stored.exists():
                return result_from_dict(json.loads(stored.read_text(encoding="utf-8")))
            server = self.servers.get(get_exercise(exercise_id).child_imports, index)
            result = grade_source(exercise_id, source, str(self.factory.mktemp(exercise_id)), server)
            written = stored.with_suffix(".tmp")
            written.write_text(json.dumps(result_to_dict(result)), encoding="utf-8")
            written.replace(stored)
            return result

    def __call__(self, exercise_id: str, source: str) -> ExerciseResult:
        if (exercise_id, source) not in self.results:
            self.results[exercise_id, source] = self._grade(exercise_id, source)
        return self.results[exercise_id, source]

    def prefetch(self, exercise_id: str, sources: Iterable[str]) -> None:
        todo = [s for s in dict.fromkeys(sources) if (exercise_id, s) not in self.results]
        if "keras" in get_exercise(exercise_id).child_imports:
            for source in todo:
                self(exercise_id, source)
            return
        if len(todo) < 2:
            return

        def every_other(half: int) -> list[tuple[str, ExerciseResult]]:
            return [(s, self._grade(exercise_id, s, half)) for s in todo[half::2]]

        with ThreadPoolExecutor(2) as pool:
            for done in pool.map(every_other, (0, 1)):
                for source, result in done:
                    self.results[exercise_id, source] = result


@pytest.fixture(scope="session")
def graded_once(tmp_path_factory: pytest.TempPathFactory, fork_servers: ForkServers) -> GradedOnce:
    return GradedOnce(tmp_path_factory, fork_servers)
