"""coursekit grade's local workers are forked from one zygote that imported Keras once (batch/zygote.py).

What holds: the zygote imports no grader of the content package; a second run in the same process forks
its workers from the same zygote (Keras is not imported again), which is started again whenever what a
spawned worker would get differs (environment, sys.path, working folder, coursekit's files); a worker's
environment is the coordinator's of now; where fork is not to be used, workers are spawned and grade the
same. That workers forked from it die with the coordinator is test_hostile's
``test_killing_the_coordinator_kills_every_process_it_started`` (the command it runs forks them).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from test_batch import OPTIONS, SOLUTION, STUB, make_student

from coursekit.batch import grade_class, zygote
from coursekit.batch.worker import init_worker
from coursekit.registry import content_package, get_exercise
from coursekit.sandbox import host


@pytest.fixture
def light_zygote(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A zygote that preloads numpy alone (what is checked here is when it starts, not what it holds)."""
    zygote.stop_zygote()
    monkeypatch.setattr(zygote, "PRELOAD", ("numpy",))
    yield
    zygote.stop_zygote()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except OSError:
        return False


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rpartition(")")[2].split()[1])


def maps_tensorflow(pid: int) -> bool:
    return "_pywrap_tensorflow_internal" in Path(f"/proc/{pid}/maps").read_text()


def test_the_zygote_preloads_no_module_of_the_content_package() -> None:
    """Graders are read from disk by each worker: the zygote's imports must not reach them. What those
    imports write into os.environ is what fingerprint() leaves out as SET_BY_PRELOAD."""
    code = ("import json, os, sys\n"
            "before = dict(os.environ)\n"
            f"for name in {list(zygote.PRELOAD)!r}:\n"
            "    __import__(name)\n"
            "changed = sorted(k for k in {*before, *os.environ} if before.get(k) != os.environ.get(k))\n"
            "print(json.dumps([sorted(sys.modules), changed]))\n")
    env = {k: v for k, v in os.environ.items() if k not in zygote.SET_BY_PRELOAD}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                         timeout=600)
    modules, changed = json.loads(out.stdout.splitlines()[-1])
    package = content_package()
    assert "keras" in modules and "coursekit.batch.worker" in modules
    assert [m for m in modules if m == package or m.startswith(package + ".")] == []
    assert changed and set(changed) <= zygote.SET_BY_PRELOAD, changed


def test_what_the_zygote_is_started_with_decides_whether_it_is_kept(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    key = zygote.fingerprint()
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "another test (call)")
    assert zygote.fingerprint() == key  # changes with every test and nothing imported reads it
    for change in (lambda: monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "1"),
                   lambda: monkeypatch.setenv("COURSEKIT_CONTENT", "another_lesson"),
                   lambda: monkeypatch.syspath_prepend(str(tmp_path)),
                   lambda: monkeypatch.chdir(tmp_path)):
        change()
        assert zygote.fingerprint() != key
        key = zygote.fingerprint()
    monkeypatch.undo()
    assert zygote.fingerprint() == zygote.fingerprint()


def test_the_zygote_starts_again_when_coursekits_files_change(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    files = list(zygote._coursekit_files())
    assert any(p.name == "zygote.py" for p in files) and not any("__pycache__" in p.parts for p in files)
    key = zygote.fingerprint()
    edited = tmp_path / "run.py"
    edited.write_text("# an edited copy\n")
    monkeypatch.setattr(zygote, "_coursekit_files", lambda: [*files, edited])
    assert zygote.fingerprint() != key


def _environment() -> dict[str, str]:
    return dict(os.environ)


@pytest.mark.slow
def test_the_zygote_is_kept_while_nothing_changes_and_started_again_when_the_environment_does(
        light_zygote: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Workers see the environment a spawned worker would get now."""
    log = str(tmp_path / "workers.log")

    def worker_sees() -> tuple[dict[str, str], int]:
        context = zygote.worker_context(tmp_path / "workers.log")
        with ProcessPoolExecutor(1, mp_context=context, initializer=init_worker,
                                 initargs=(log, os.getpid(), None, zygote.worker_environment())) as pool:
            env = pool.submit(_environment).result(timeout=300)
            pid = next(iter(pool._processes))  # the worker, forked from the zygote
            return env, parent_of(pid)

    first = zygote.current_zygote().pid
    assert first is not None
    env, parent = worker_sees()
    assert parent == first
    assert env["PYTEST_CURRENT_TEST"] == os.environ["PYTEST_CURRENT_TEST"]
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "the next test (call)")
    env, parent = worker_sees()
    assert parent == first and env["PYTEST_CURRENT_TEST"] == "the next test (call)"
    # what TensorFlow's import writes into os.environ, as when this process imports it between two runs
    for name in zygote.SET_BY_PRELOAD:
        monkeypatch.setenv(name, "set by an import")
    env, parent = worker_sees()
    assert parent == first and all(env[name] == "set by an import" for name in zygote.SET_BY_PRELOAD)
    monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "1")
    env, parent = worker_sees()
    assert env["TF_NUM_INTEROP_THREADS"] == "1"
    assert parent != first and parent == zygote.current_zygote().pid
    assert not alive(first), "the zygote started with the old environment ended"
    monkeypatch.delenv("TF_NUM_INTEROP_THREADS")
    env, parent = worker_sees()
    assert "TF_NUM_INTEROP_THREADS" not in env


@pytest.mark.slow
def test_a_second_run_forks_its_workers_from_the_zygote_that_imported_keras(tmp_path: Path) -> None:
    """Two runs in one process: both fork their workers from one zygote, which has TensorFlow loaded; a
    grader edited between the runs is still read from disk (test_semester edits them)."""
    zygote.stop_zygote()
    class_dir = tmp_path / "c"
    make_student(class_dir, "good", SOLUTION)
    make_student(class_dir, "stub", STUB)
    parents: list[int] = []

    def note_parents(progress: object) -> None:
        import multiprocessing

        parents.extend(parent_of(p.pid) for p in multiprocessing.active_children()
                       if p.pid is not None and alive(p.pid))

    full = get_exercise("ex1").public_points() + get_exercise("ex1").hidden_points()
    for run in ("first", "second"):
        report = grade_class(class_dir, tmp_path / run, OPTIONS, on_progress=note_parents)
        assert [s.total for s in report.students] == [full, 0.0]
    pid = zygote.current_zygote().pid
    assert pid is not None and maps_tensorflow(pid)
    assert parents and set(parents) == {pid}, (parents, pid)


@pytest.mark.slow  # grades a class twice; its workers import Keras for the references
def test_a_run_starts_its_zygote_before_staging_and_ends_one_it_never_used(
        tmp_path: Path, light_zygote: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The zygote is started before the grader keys are computed and the class is staged, so that its
    import of Keras overlaps them; the workers are forked from that one. A run left with nothing to
    grade (every grading reused) never forks a worker: its zygote is ended at once, not waited for."""
    from coursekit.batch import run

    class_dir = tmp_path / "c"
    make_student(class_dir, "good", SOLUTION)
    started: list[int | None] = []
    keys = run.grader_key

    def key_after_the_zygote(*args: object) -> str:
        started.append(zygote._current[0].pid if zygote._current else None)
        return keys(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(run, "grader_key", key_after_the_zygote)
    grade_class(class_dir, tmp_path / "out", OPTIONS)
    first = zygote.current_zygote()
    assert started and started[0] is not None and set(started) == {first.pid}  # the one workers came from
    assert first._forked
    zygote.stop_zygote()
    report = grade_class(class_dir, tmp_path / "out", OPTIONS)  # a rerun: nothing left to grade
    assert report.graded == 0 and report.reused == 1
    unused = zygote.current_zygote()
    process = unused._proc
    assert unused.pid != first.pid and process is not None and not unused._forked
    zygote.stop_zygote()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("without", ["fork", "linux"])
def test_where_fork_is_not_to_be_used_workers_are_spawned_and_grade_the_same(
        without: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """As on Windows (no os.fork) or macOS (fork unsafe after loading system frameworks): no zygote."""
    zygote.stop_zygote()
    if without == "fork":
        monkeypatch.delattr(os, "fork")
    else:
        monkeypatch.setattr(sys, "platform", "darwin")
    assert not host.forks_workers()
    assert zygote.worker_context().get_start_method() == "spawn"
    class_dir = tmp_path / "c"
    make_student(class_dir, "good", SOLUTION)
    report = grade_class(class_dir, tmp_path / "out", OPTIONS)
    full = get_exercise("ex1").public_points() + get_exercise("ex1").hidden_points()
    assert [s.total for s in report.students] == [full]
    assert zygote._current == []


def test_fork_is_used_here() -> None:
    """The machine the tests run on forks its workers (else every test above tests the fallback)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux's")
    assert host.forks_workers()


@pytest.mark.slow
def test_workers_forked_from_the_zygote_leave_no_folder_behind(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked worker ends with os._exit, which skips atexit: its fork servers are still closed and the
    folders removed at exit (the fork servers' homes, a Keras exercise's builds) are gone after the run."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # the workers' (a new zygote's) temporary folder
    class_dir = tmp_path / "c"
    make_student(class_dir, "good", SOLUTION)
    report = grade_class(class_dir, tmp_path / "out", OPTIONS)
    assert report.students[0].total > 0
    assert zygote.current_zygote().pid is not None
    assert sorted(p.name for p in temp.iterdir()) == []
