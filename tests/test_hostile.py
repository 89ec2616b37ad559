"""The adversarial corpus: one small hostile submission per behaviour of the hostile-submissions issue.

Each folder of ``tests/hostile/`` holds one ``ex1_rnn_forward.py`` that tries one thing (its docstring says
what, and how it is bounded so that a broken sandbox cannot harm the machine). The first tests grade them
one by one through a fork server, the way batch grading runs them; the last grades them all in one
``coursekit grade`` batch beside correct students. Guarantees that this machine's sandbox mode does not
claim (see ``coursekit.sandbox.isolation``) are skipped with the reason; ``tests/test_isolation.py`` checks
that the strongest mode available is the one detected, so a silent fall-back cannot skip them here.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import adopting_orphans, text
from rich.console import Console

from coursekit.batch import GradeOptions, grade_class
from coursekit.batch.secret import Secret
from coursekit.grading import grade_exercise
from coursekit.registry import get_exercise
from coursekit.render.classsummary import class_summary
from coursekit.render.text import words as words_of
from coursekit.results import ExerciseResult, Failure, result_to_dict
from coursekit.sandbox import isolation
from coursekit.sandbox.forkserver import ForkServer
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Call, Job
from coursekit.sandbox.report import RunReport

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).with_name("hostile")
FILENAME = "ex1_rnn_forward.py"
SOLUTION = (ROOT / "solutions" / FILENAME).read_text()
TIGHT = Limits(timeout_s=2)  # for submissions that must be stopped by the timeout
ROOMY = Limits(timeout_s=30)  # for the others: a loaded machine must not turn them into timeouts
SECRET = "s3cr3t-course-key-for-the-hostile-tests"
ESCAPE_MARKER = "19.7531"  # setsid_escape's `sleep` argument

EX1 = get_exercise("ex1")
CASES = EX1.public_cases()
EXPECTED = EX1.expected_values(CASES)
FULL = EX1.public_points()
MODE = isolation.detect()
HOLDS = {g.name: g for g in MODE.guarantees()}

CHEATS = ["print_pass", "forge_events", "patch_numpy", "lying_values", "forge_reporter", "hidden_keras"]
DISRUPTIONS = ["sys_exit", "os_exit", "keyboard_interrupt", "close_fds", "huge_return", "fork_bomb",
               "setsid_escape", "memory_bomb", "memory_bomb_forked", "cpu_hog", "deep_folders"]
STOPPED_BY_TIMEOUT = ["infinite_loop", "ignore_sigterm", "import_loop", "deep_recursion"]


def require(index: int) -> None:
    """Skip unless this machine's sandbox claims guarantee ``index`` (0-based, in isolation.GUARANTEES)."""
    guarantee = HOLDS[isolation.GUARANTEES[index]]
    if not guarantee.holds:
        pytest.skip(f"not guaranteed in {MODE.mode} mode: {words_of(guarantee.how, 'en')}")


@pytest.fixture(scope="module", autouse=True)
def own_orphans() -> Iterator[None]:
    """See conftest.adopting_orphans: survivors are looked for in this test process's tree only."""
    with adopting_orphans():
        yield


def survivors(running: bool = False) -> list[str]:
    """Processes a submission left behind: a job's uid, or the marker of setsid_escape, in this test
    process's tree (``own_orphans``: what escaped is adopted into it) and no fork server among its
    ancestors (that would be a job still running). ``running``: those of running jobs too."""
    table: dict[int, tuple[int, int, str, str]] = {}  # pid -> (ppid, uid, state, cmdline)
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            uid = os.stat(f"/proc/{name}").st_uid
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{name}/stat") as f:
                state, ppid = f.read().rpartition(")")[2].split()[:2]
        except OSError:
            continue
        table[int(name)] = (int(ppid), uid, state, cmdline)

    def ancestors(pid: int) -> list[str]:
        found = []
        for _ in range(256):
            pid = table.get(pid, (0, 0, "", ""))[0]
            if pid == 0:
                break
            found.append("self" if pid == os.getpid() else table.get(pid, (0, 0, "", ""))[3])
        return found

    def ours(pid: int) -> bool:
        return "self" in ancestors(pid)

    def in_a_running_job(pid: int) -> bool:
        return any("_forkserver.py" in line for line in ancestors(pid)[:64])

    return [f"{pid} uid={uid} {cmdline[:80]}" for pid, (_, uid, state, cmdline) in table.items()
            if state != "Z" and (isolation.UID_BASE <= uid < isolation.UID_BASE + (1 << 23)
                                 or ESCAPE_MARKER in cmdline) and ours(pid)
            and (running or not in_a_running_job(pid))]


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    with ForkServer(("numpy",)) as fs:
        yield fs


def workspace(tmp_path: Path, name: str, replace: dict[str, str] | None = None) -> Path:
    """A copy of hostile submission ``name``, with lines replaced (the paths or pids it should try)."""
    source = (HOSTILE / name / FILENAME).read_text()
    for old, new in (replace or {}).items():
        if old not in source:
            raise ValueError(f"{name}: no line {old!r} to replace")
        source = source.replace(old, new)
    folder = tmp_path / name
    folder.mkdir()
    (folder / FILENAME).write_text(source)
    return folder


def grade(server: ForkServer, folder: Path, limits: Limits = ROOMY) -> ExerciseResult:
    return grade_exercise(EX1, folder, CASES, EXPECTED, limits=limits, runner=server.run)


def run_cell(server: ForkServer, folder: Path) -> RunReport:
    args = (np.ones((1, 3)), np.zeros((1, 4)), np.ones((3, 4)), np.eye(4), np.zeros(4))
    return server.run(folder, Job("ex1_rnn_forward", (Call("c", "rnn_cell_forward", args),)), ROOMY)


def call_cell(server: ForkServer, folder: Path) -> Any:
    """The value rnn_cell_forward returns: the hostile submissions that spy report what they found."""
    report = run_cell(server, folder)
    outcome = report.outcomes.get("c")
    if outcome is None or outcome.error is not None:
        raise AssertionError(f"the spy did not report: {report}")
    return outcome.value


def ex1_corpus() -> list[str]:
    return sorted(p.name for p in HOSTILE.iterdir() if (p / FILENAME).is_file())


def load_corpus_module(name: str) -> Any:
    """A builder module of the corpus (``tests/hostile/<name>.py``), for entries git cannot hold."""
    spec = importlib.util.spec_from_file_location(f"hostile_{name}", HOSTILE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


INTAKE = load_corpus_module("intake")


def test_every_hostile_submission_is_in_a_test():
    named = {*CHEATS, *DISRUPTIONS, *STOPPED_BY_TIMEOUT, "flood_stdout", "signal_grader", "spy_files",
             "network", "leak_hidden"}
    assert set(ex1_corpus()) == named
    assert {p.name for p in HOSTILE.glob("*.py")} == {"intake.py"}
    assert {p.name for p in HOSTILE.iterdir() if p.is_dir()} == {*named, "ex3_code_in_model",
                                                                  "ex3_forged_config", "huge_table"}


# ---- 1. a score comes only from the grader's comparison ----------------------------------------------

@pytest.mark.parametrize("name", CHEATS)
def test_cheats_score_zero(server, tmp_path, name):
    result = grade(server, workspace(tmp_path, name))
    assert result.score == 0, [(t.name, text(t)) for t in result.tests if t.passed]
    assert not any(t.internal_error for t in result.tests)
    assert server.alive()


def test_flooding_the_output_costs_nothing_and_is_cut(server, tmp_path):
    result = grade(server, workspace(tmp_path, "flood_stdout"))
    assert result.score == FULL
    assert len(result.output) < 20 * ROOMY.output_chars
    assert "output cut" in result.output


# ---- 2. nothing a submission does stops, slows or kills the batch ---------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", DISRUPTIONS + STOPPED_BY_TIMEOUT)
def test_disruptions_fail_and_the_next_student_is_graded(server, tmp_path, name):
    limits = TIGHT if name in STOPPED_BY_TIMEOUT else ROOMY
    result = grade(server, workspace(tmp_path, name), limits)
    assert result.score == 0
    assert not any(t.internal_error for t in result.tests)
    assert server.alive()
    if name in STOPPED_BY_TIMEOUT:
        assert any("timed out" in text(t) for t in result.tests)
    good = tmp_path / "good"
    good.mkdir()
    (good / FILENAME).write_text(SOLUTION)
    assert grade(server, good).score == FULL


@pytest.mark.slow
def test_a_fork_bomb_is_capped(server, tmp_path):
    require(1)
    made = call_cell(server, workspace(tmp_path, "fork_bomb"))
    assert 0 <= made < isolation.MAX_PROCESSES


@pytest.mark.slow
def test_the_memory_of_a_whole_job_is_bounded(server, tmp_path):
    require(1)
    if not MODE.cgroup:
        pytest.skip("no cgroup here: memory is bounded per process only")
    report = run_cell(server, workspace(tmp_path, "memory_bomb_forked"))
    outcome = report.outcomes.get("c")
    if outcome is None:  # the out-of-memory killer chose the job's PID 1
        assert report.exit_code == -signal.SIGKILL, report
    else:
        assert outcome.value * 400 <= ROOMY.memory_mb, outcome
    assert survivors() == []


@pytest.mark.slow
def test_a_job_gets_at_most_its_share_of_the_cpus(server, tmp_path):
    """Busy children cannot slow the students graded beside it: the kernel caps the job's CPU time."""
    require(1)
    if not MODE.cgroup:
        pytest.skip("no cgroup here: CPU time is bounded per process only")
    share = call_cell(server, workspace(tmp_path, "cpu_hog"))
    assert 0 < share <= isolation.CPUS_PER_JOB * 1.2


def test_a_submission_cannot_signal_the_grader(server, tmp_path):
    require(1)
    pids = [os.getpid(), server._proc.pid if server._proc else 0]
    found = call_cell(server, workspace(tmp_path, "signal_grader", {"PIDS = []": f"PIDS = {pids}"}))
    assert found["confined"], found
    assert found["attempts"][str(pids[0])] != "sent" and found["attempts"][str(pids[1])] != "sent", found
    assert found.get("attempts", {}).get("ppid", "not tried") != "sent", found
    assert server.alive()
    assert grade(server, workspace(tmp_path, "flood_stdout")).score == FULL


# ---- 3. no process outlives its grading -------------------------------------------------------------

@pytest.mark.parametrize("name", ["setsid_escape", "fork_bomb", "ignore_sigterm"])
@pytest.mark.slow
def test_no_process_outlives_its_grading(server, tmp_path, name):
    require(2)
    grade(server, workspace(tmp_path, name), TIGHT if name == "ignore_sigterm" else ROOMY)
    assert survivors() == []


def wait_for(condition: Any, seconds: float = 20.0) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` have passed (a bound, not a measurement)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.slow
def test_killing_the_fork_server_kills_its_running_job(tmp_path):
    require(2)
    folder = workspace(tmp_path, "setsid_escape")
    (folder / FILENAME).write_text((folder / FILENAME).read_text() + "\n_escape()\nwhile True:\n    pass\n")
    with ForkServer(("numpy",)) as fs:
        errors: list[BaseException] = []

        def grade_in_background() -> None:
            try:
                grade(fs, folder)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=grade_in_background)
        thread.start()
        assert wait_for(lambda: any(ESCAPE_MARKER in s for s in survivors(running=True)))  # it runs
        if fs._proc is not None:
            fs._proc.kill()
        thread.join()
        assert wait_for(lambda: survivors() == []), survivors()
        assert len(errors) == 1 and "fork server" in str(errors[0]), errors


def descendants(root: int) -> dict[int, str]:
    """Every live process under ``root`` (by parent links), as pid -> its start time (so that a pid
    reused later is not taken for the same process)."""
    table: dict[int, tuple[int, str, str]] = {}  # pid -> (ppid, state, start time)
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        table[int(name)] = (int(fields[1]), fields[0], fields[19])
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, state, start) in table.items():
            if ppid == parent and pid not in found and state != "Z":
                found[pid] = start
                frontier.append(pid)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def parent_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rpartition(")")[2].split()[1])
    except OSError:
        return 0


def still_alive(processes: dict[int, str]) -> list[int]:
    alive = []
    for pid, start in processes.items():
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z" and fields[19] == start:
            alive.append(pid)
    return alive


@pytest.mark.slow
def test_killing_the_coordinator_kills_every_process_it_started(tmp_path):
    """``coursekit grade`` SIGKILLed alone (not its group) mid-batch: its pool workers, the resource
    tracker, the fork servers and the jobs all end within seconds, and no queued task is taken."""
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    for n in range(4):
        workspace(class_dir, "infinite_loop").rename(class_dir / f"loop-{n}")
    out = tmp_path / "out"
    env = {**os.environ, "COURSEKIT_SECRET": SECRET}
    coordinator = subprocess.Popen(
        [sys.executable, "-m", "coursekit", "grade", str(class_dir), "--out", str(out), "--exercises", "ex1",
         "--workers", "2", "--timeout", "120"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started: dict[int, str] = {}
    try:
        def jobs_running() -> bool:
            started.update(descendants(coordinator.pid))
            servers = [p for p in started if "_forkserver.py" in cmdline(p)]
            return any(descendants(p) for p in servers)

        assert wait_for(jobs_running, 240), "no job started"
        started.update(descendants(coordinator.pid))
        assert len(started) >= 6, started  # a zygote, 2 workers, a resource tracker, fork servers, jobs
        # The workers are forked from the zygote (coursekit/batch/zygote.py), not the coordinator's children.
        forked = {p: parent_of(p) for p in started if "coursekit.batch.zygote" in cmdline(p)}
        zygotes = [p for p, parent in forked.items() if parent == coordinator.pid]
        assert len(zygotes) == 1, [cmdline(p)[:100] for p in started]
        assert len([p for p, parent in forked.items() if parent == zygotes[0]]) == 2  # the workers
        coordinator.kill()  # SIGKILL to the coordinator alone
        coordinator.wait()
        assert wait_for(lambda: still_alive(started) == [], 10), \
            [cmdline(p)[:100] for p in still_alive(started)]
        assert survivors() == []
    finally:
        with contextlib.suppress(OSError):
            os.killpg(coordinator.pid, signal.SIGKILL)
        coordinator.wait()
        for pid in still_alive(started):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


# ---- 4. a submission reads and changes only its own copy ------------------------------------------------

@pytest.fixture
def decoys(tmp_path: Path) -> dict[str, Path]:
    """What a spy must not see: another student's file, the output folder, a secret file."""
    other = tmp_path / "class" / "other-student"
    other.mkdir(parents=True)
    (other / FILENAME).write_text("# other student's work: OTHER-STUDENT-CONTENT\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.csv").write_text("student,ex1,total\nother-student,12,12 OUTPUT-CONTENT\n")
    secret_file = tmp_path / ".coursekit-secret"
    secret_file.write_text(SECRET)
    return {"other": other / FILENAME, "class": other.parent, "out": out, "grades": out / "grades.csv",
            "secret": secret_file, "solutions": ROOT / "solutions" / FILENAME,
            # The repository's own files. Its folder itself may show, as the path to a virtual
            # environment kept inside it (.venv, as the README sets up), bound with nothing else.
            "repo": ROOT / "pyproject.toml", "graders": ROOT / "graders"}


def test_a_spy_reads_and_changes_nothing_but_its_own_copy(tmp_path, decoys, monkeypatch):
    require(3)
    monkeypatch.setenv("COURSEKIT_SECRET", SECRET)
    before = {p: p.read_bytes() for p in decoys.values() if p.is_file()}
    targets = [str(p) for p in decoys.values()]
    with ForkServer(("numpy",)) as fs:  # started with the secret in this process's environment
        with open(f"/proc/{fs._proc.pid if fs._proc else 0}/environ", "rb") as f:
            assert SECRET.encode() not in f.read()
        found = call_cell(fs, workspace(tmp_path, "spy_files", {"TARGETS = []": f"TARGETS = {targets}"}))
    text = json.dumps(found)
    markers = ("OTHER-STUDENT-CONTENT", "OUTPUT-CONTENT", SECRET, "Reference solution", "COURSEKIT_SECRET")
    for marker in markers:
        assert marker not in text, marker
    for path in targets:
        assert str(found["read"][path]).startswith("error"), (path, found["read"][path])
        assert found["changed"][path].startswith("error"), (path, found["changed"][path])
    assert found["solutions"] == []
    assert {p: p.read_bytes() for p in before} == before
    for folder in {*(Path(t) if Path(t).is_dir() else Path(t).parent for t in targets), Path("/tmp")}:
        assert not (folder / "PWNED-by-spy-files").exists(), folder


def test_links_are_refused(server, tmp_path):
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / FILENAME).symlink_to(ROOT / "solutions" / FILENAME)
    result = grade(server, folder)
    assert result.score == 0 and "link" in text(result.tests[0])


def test_a_numpy_exercise_cannot_even_find_keras_or_tensorflow(server, tmp_path):
    """In the namespace modes the forbidden packages' folders are masked in a numpy exercise's job, so
    removing the import hook, spelling the name as "ker" + "as" or popping sys.modules gains nothing."""
    require(3)
    job = Job("ex1_rnn_forward", (Call("c", "spy"),), EX1.forbidden_imports)
    report = server.run(workspace(tmp_path, "hidden_keras"), job, ROOMY)
    outcome = report.outcomes["c"]
    assert outcome.error is None and outcome.value == {"keras": None, "tensorflow": None}, outcome


@pytest.mark.slow
def test_hidden_inputs_stay_hidden(server, tmp_path):
    """A hidden case's failure shows a kind from a fixed list, the student's file and line; never what
    the code produced (messages, sys.exit's argument, a class name, a linecache line, the exit code)."""
    from coursekit.i18n import render
    from coursekit.results import Failure

    cases = EX1.hidden_cases(np.random.default_rng(7))
    result = grade_exercise(EX1, workspace(tmp_path, "leak_hidden"), cases, EX1.expected_values(cases),
                            limits=ROOMY, runner=server.run)
    assert all(t.hidden and not t.passed for t in result.tests)
    messages = [m for t in result.tests for m in (t.message, t.hint) if m is not None] + list(result.notes)
    for rendered in (render(m, lang) for m in messages for lang in ("en", "zh")):
        assert "LEAK" not in rendered and "exit code" not in rendered and "退出码" not in rendered, rendered
        assert "SIG" not in rendered, rendered
    kinds = {t.failure for t in result.tests}
    assert kinds <= {Failure.MEMORY_LIMIT, Failure.EXCEPTION, Failure.EXIT, Failure.NOT_RUN}, kinds
    assert {Failure.MEMORY_LIMIT, Failure.EXCEPTION, Failure.EXIT} <= kinds, kinds
    shown = " ".join(render(t.message, "en") for t in result.tests)
    assert "ex1_rnn_forward.py, line" in shown and "ValueError" in shown  # the kind and the place stay


# ---- 5. no network ------------------------------------------------------------------------------

def test_no_network(server, tmp_path):
    require(4)
    found = call_cell(server, workspace(tmp_path, "network"))
    assert found["interfaces"] == ["lo"]
    assert "connected" not in found["connections"].values(), found


# ---- ex3: a model's own code never runs in the grader ----------------------------------------------------

@pytest.mark.slow
def test_ex3_forged_configs_are_refused_before_anything_is_built(tmp_path, monkeypatch, fork_servers):
    """The grader refuses each forged config from the config alone; it never rebuilds one in its own
    process (km.rebuild, patched here, would say so) and none reaches a sandboxed build. The student's
    process is forked from the session's fork server for ex3's imports (tests/conftest.py), which the
    other tests grading ex3 in this pytest process share: one TensorFlow import for them all."""
    from graders.ex3 import grader as ex3_grader
    from graders.shared.judging import keras_model as km

    def not_here(*args: Any) -> Any:
        raise AssertionError("a student's model was rebuilt in the grading process")

    built: list[Any] = []
    monkeypatch.setattr(km, "rebuild", not_here)
    monkeypatch.setattr(ex3_grader, "measure_config", lambda *a: built.append(a) or not_here())
    ex3 = get_exercise("ex3")
    cases = ex3.public_cases()
    folder = tmp_path / "student"
    shutil.copytree(HOSTILE / "ex3_forged_config", folder)
    expected = ex3.expected_values(cases)
    server = fork_servers.get(ex3.child_imports)
    started = time.monotonic()
    result = grade_exercise(ex3, folder, cases, expected, runner=server.run, remeasure=True)
    seconds = time.monotonic() - started
    assert result.score == 0 and built == []
    assert not any(t.internal_error for t in result.tests), [text(t) for t in result.tests]
    outputs = {t.name.partition(":")[0]: text(t) for t in result.tests}
    assert "batch_shape" in outputs["single_rnn"]
    assert "too large for the grader to rebuild" in outputs["sequence_rnn"]
    assert "125 layers (nested models included)" in outputs["stacked_rnn"]
    assert "not one of Keras's built-in initializers" in outputs["imdb_classifier"]
    assert seconds < ex3.limits.timeout_s * 2  # one student process, nothing built (145 s before)


@pytest.mark.slow
def test_ex3_a_model_is_built_in_a_sandboxed_job_under_a_time_and_a_memory_limit(monkeypatch):
    import keras

    from graders.shared.judging import keras_model as km
    from graders.shared.reference import keras_build as _keras_build

    model = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(50, 4),
                              keras.layers.SimpleRNN(3), keras.layers.Dense(1)])
    config = keras.saving.serialize_keras_object(model)
    shapes = [tuple(w.shape) for w in model.weights]
    here = km.measure(model)
    monkeypatch.setattr(km, "rebuild", lambda *a: pytest.fail("rebuilt in the grading process"))
    found = _keras_build.measure_config(config, shapes)
    assert found["table"] == here["table"] and found["weight_shapes"] == here["weight_shapes"]
    np.testing.assert_array_equal(found["outputs"], here["outputs"])
    for limits, words in ((Limits(timeout_s=0.05, memory_mb=4096), "build_timed_out"),
                          (Limits(timeout_s=30, memory_mb=64), "build_stopped|build_error")):
        with pytest.raises(km.RefusedModel, match=words):
            _keras_build.measure_config(config, shapes, limits)
    assert survivors() == []


def test_bounds_cut_every_text_and_say_so():
    from coursekit import bounds
    from coursekit.messages import verbatim
    from coursekit.results import TableDetail, TestResult

    rows = tuple(("SimpleRNN", "(None, 32)", "2,080") for _ in range(10_000))
    test = TestResult("t", "failed", 0.0, 1.0, verbatim("x" * 1_000_000),
                      table=TableDetail(rows, rows, "1", "2", tuple((r, 0) for r in range(10_000))))
    title = verbatim("t")
    result = bounds.bound_result(ExerciseResult("ex2", title, (test,) * 30, output="y" * 100_000))
    assert len(json.dumps(result_to_dict(result))) <= bounds.MAX_ROW_CHARS
    assert all(text(t).endswith("(cut)") for t in result.tests)
    assert result.output.endswith("(cut)")
    small = ExerciseResult("ex2", title, (TestResult("t", "passed", 1.0, 1.0, verbatim("ok")),))
    assert bounds.bound_result(small) == small


@pytest.mark.slow
def test_results_json_is_bounded_per_test_and_per_student():
    """Gradescope's results.json, like report.md: each test's output within MAX_TEST_CHARS, the top-level
    output within MAX_OUTPUT_CHARS, the whole file within MAX_STUDENT_CHARS, every cut text ending in
    (cut); a small one is left as it is."""
    from coursekit import bounds
    from coursekit.messages import verbatim
    from coursekit.render.gradescope import MAX_OUTPUT_CHARS, results_json
    from coursekit.render.text import test_output_under_notes
    from coursekit.results import TestResult

    huge = TestResult("t", "failed", 0.0, 1.0, verbatim("x" * 100_000), hint=verbatim("h" * 100_000))
    results = [ExerciseResult(f"ex{n}", verbatim("t"), (huge,) * 30) for n in range(1, 11)]
    data = results_json(results, verbatim("p" * 100_000), "en", ["intake " * 10_000])
    assert len(json.dumps(data, indent=1, ensure_ascii=False)) <= bounds.MAX_STUDENT_CHARS
    assert len(data["tests"]) == 300
    assert all(t["output"].endswith("(cut)") and len(t["output"]) <= bounds.MAX_TEST_CHARS
               for t in data["tests"])
    assert data["output"].endswith("(cut)") and len(data["output"]) <= MAX_OUTPUT_CHARS
    one = [ExerciseResult("ex1", verbatim("t"), (huge,))]  # one test: cut to MAX_TEST_CHARS only
    assert len(results_json(one, None, "en")["tests"][0]["output"]) == bounds.MAX_TEST_CHARS
    small = TestResult("t", "failed", 0.0, 1.0, verbatim("wrong"), hint=verbatim("try"))
    data = results_json([ExerciseResult("ex1", verbatim("t"), (small,))], None, "en", ["note"])
    assert data["tests"][0]["output"] == test_output_under_notes(small, (), "en")
    assert "(cut)" not in json.dumps(data)
    assert data["output"].startswith("note\n")


# ---- the whole corpus in one batch, beside correct students -----------------------------------------------

def tree(folder: Path) -> dict[str, Any]:
    """Every entry under ``folder``, byte for byte, links as links."""
    found: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = ("link", os.readlink(path))
        elif path.is_file():
            found[key] = ("file", path.read_bytes(), path.stat().st_mode)
        else:
            found[key] = ("folder", path.stat().st_mode)
    return found


EX2, EX3 = get_exercise("ex2"), get_exercise("ex3")
# ex1's corpus holds loops stopped by the time limit (2 s, as TIGHT); ex2's huge table takes the student's
# process seconds to encode (60 s, the margin of a loaded machine); ex3 keeps its own limit (60 s).
BATCH_TIMEOUTS = {"ex1": TIGHT.timeout_s, "ex2": 60.0}
EX3_MARK = "PWNED-by-ex3-code-in-model"


@dataclass
class Batch:
    """One ``coursekit grade`` of the whole corpus, and what was seen around it."""

    report: Any
    out: Path
    class_dir: Path
    targets: list[str]
    intake: list[tuple[str, ...]]
    unchanged: bool
    left: list[str]
    outside: list[Path]
    results: dict[tuple[str, str], ExerciseResult]
    names: list[str]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Every hostile submission of the corpus (ex1's, ex2's huge table, ex3's forged configs and models
    carrying code, the intake entries, links and a zip that escapes) graded on ex1, ex2 and ex3 in ONE
    ``coursekit grade`` batch beside correct students: good-1 submits all three exercises, good-2 ex1."""
    require(2)
    require(3)
    tmp_path = tmp_path_factory.mktemp("corpus")
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    out = tmp_path / "out"
    for exercise in (EX1, EX2, EX3):
        (class_dir / "good-1").mkdir(exist_ok=True)
        shutil.copy(ROOT / "solutions" / exercise.filename, class_dir / "good-1" / exercise.filename)
    (class_dir / "good-2").mkdir()
    (class_dir / "good-2" / FILENAME).write_text(SOLUTION)
    targets = [str(class_dir / "good-1" / FILENAME), str(class_dir), str(out), str(ROOT / "solutions")]
    replace = {"spy_files": {"TARGETS = []": f"TARGETS = {targets}"},
               "signal_grader": {"PIDS = []": f"PIDS = {[os.getpid()]}"}}
    names = ex1_corpus()
    for name in names:
        workspace(class_dir, name, replace.get(name))
    (class_dir / "huge-table").mkdir()
    hostile_ex2 = (HOSTILE / "huge_table" / EX2.filename).read_text()
    (class_dir / "huge-table" / EX2.filename).write_text(f"{(ROOT / 'solutions' / EX2.filename).read_text()}"
                                                         f"\n\n{hostile_ex2}")
    for name in ("ex3_forged_config", "ex3_code_in_model"):
        shutil.copytree(HOSTILE / name, class_dir / name)
    (class_dir / "linked").mkdir()
    (class_dir / "linked" / FILENAME).symlink_to(class_dir / "good-1" / FILENAME)
    (class_dir / "linked-folder").symlink_to(class_dir / "good-2")
    with zipfile.ZipFile(class_dir / "zip-slip.zip", "w") as zf:
        zf.writestr(FILENAME, SOLUTION)
        zf.writestr("../../escaped-by-zip.py", "print('escaped')\n")
    intake = [build(class_dir, SOLUTION) for build in INTAKE.BUILDERS]
    before = tree(class_dir)
    options = GradeOptions(exercises=("ex1", "ex2", "ex3"), workers=2, timeouts=BATCH_TIMEOUTS,
                           secret=Secret(SECRET, "test"), lang="en")
    report = grade_class(class_dir, out, options)
    outside = [p for p in tmp_path.rglob("*") if not (p.is_relative_to(out) or p.is_relative_to(class_dir))]
    return Batch(report, out, class_dir, targets, intake, tree(class_dir) == before, survivors(), outside,
                 {(s.student, r.exercise): r for s in report.students for r in s.results}, names)


@pytest.mark.slow
def test_the_corpus_in_one_batch_only_correct_code_scores(batch):
    """Correct students get full marks on every exercise they submitted; every hostile submission 0,
    but for the correct parts of a submission that attacks one function; no internal error anywhere."""
    assert batch.report.internal_errors() == []
    assert {s.student for s in batch.report.students} >= {"good-1", "good-2", *batch.names}
    scores = {key: (r.score, r.max_score) for key, r in batch.results.items()}
    full = {key for key, (score, most) in scores.items() if score == most}
    graded = {("good-1", "ex1"), ("good-1", "ex2"), ("good-1", "ex3"), ("good-2", "ex1"),
              ("flood_stdout", "ex1"),  # correct, only noisy
              *((o[1], "ex1") for o in batch.intake if o[0] == "graded")}
    assert full == graded
    huge = batch.results["huge-table", "ex2"]
    failed = [t for t in huge.tests if not t.passed]  # its first summary_table call, 1,000,000 rows
    assert len(failed) == 1 and failed[0].name.startswith("summary_table") and not failed[0].hidden
    assert huge.score == huge.max_score - failed[0].max_score
    others = {key: score for key, (score, _) in scores.items() if key not in graded | {("huge-table", "ex2")}}
    assert others == dict.fromkeys(others, 0.0)
    assert batch.results["good-2", "ex2"].tests[0].failure is Failure.NOT_FOUND


@pytest.mark.slow
def test_the_corpus_in_one_batch_is_bounded(batch):
    """ex2's table of 1,000,000 rows is read up to 64 rows; every gradebook row, report.md and
    results.json is within its bound, every test's output within MAX_TEST_CHARS; what was cut says so."""
    from coursekit import bounds

    failed = next(t for t in batch.results["huge-table", "ex2"].tests if not t.passed)
    assert "the table has 1,000,000 rows; the grader reads at most 64" in text(failed)
    with sqlite3.connect(batch.out / "gradebook.sqlite") as db:
        sizes = [n for (n,) in db.execute("SELECT length(result) FROM results")]
    assert len(sizes) == len(batch.results) and max(sizes) <= bounds.MAX_ROW_CHARS
    for s in batch.report.students:
        folder = batch.out / "feedback" / s.student
        assert len((folder / "report.md").read_text()) <= bounds.MAX_STUDENT_CHARS + 1
        shown = (folder / "results.json").read_text()
        assert len(shown) <= bounds.MAX_STUDENT_CHARS, s.student
        for t in json.loads(shown)["tests"]:
            assert len(t["output"]) <= bounds.MAX_TEST_CHARS, (s.student, t["name"])
        for r in s.results:
            assert len(r.output) <= bounds.MAX_TEST_CHARS
    assert (batch.out / "feedback" / "huge-table" / "report.md").stat().st_size < 64 << 10
    assert batch.results["flood_stdout", "ex1"].output.endswith("(cut)")  # what it printed (gradebook only)


@pytest.mark.slow
def test_the_corpus_in_one_batch_refuses_forged_ex3_models_with_the_reason(batch):
    """Each forged config is refused from the config alone, with its reason (that nothing is built in the
    grader is shown by test_ex3_forged_configs_are_refused_before_anything_is_built); a model carrying
    code is refused and its code runs nowhere but in the student's sandbox."""
    forged = batch.results["ex3_forged_config", "ex3"]
    outputs = {t.name.partition(":")[0]: text(t) for t in forged.tests if not t.hidden}
    assert "batch_shape" in outputs["single_rnn"]
    assert "too large for the grader to rebuild" in outputs["sequence_rnn"]
    assert "125 layers (nested models included)" in outputs["stacked_rnn"]
    assert "not one of Keras's built-in initializers" in outputs["imdb_classifier"]
    code = batch.results["ex3_code_in_model", "ex3"]
    assert all("Lambda" in text(t) or "Sneaky" in text(t) for t in code.tests if not t.hidden), \
        [text(t) for t in code.tests]
    marks = [Path(d) / EX3_MARK for d in ("/tmp", Path.home(), os.getcwd(), ROOT, batch.out)]
    assert [m for m in marks if m.exists()] == []


@pytest.mark.slow
def test_the_corpus_in_one_batch_keeps_hidden_inputs_hidden(batch):
    """In the batch every first run holds hidden inputs: leak_hidden's tags never reach a hidden test's
    feedback, in results.json or report.md."""
    shown = json.loads((batch.out / "feedback" / "leak_hidden" / "results.json").read_text())
    hidden = [t["output"] for t in shown["tests"] if t["visibility"] == "after_published"]
    assert hidden and not any("LEAK" in o or "exit code" in o for o in hidden), hidden
    assert not any("LEAK" in text(t, lang) for t in batch.results["leak_hidden", "ex1"].tests if t.hidden
                   for lang in ("en", "zh"))


@pytest.mark.slow
def test_the_corpus_in_one_batch_takes_every_entry_of_the_class_folder(batch):
    """The intake corpus (tests/hostile/intake.py): each entry refused, failed, skipped or graded as it
    says, with the reason in that student's feedback; a student id that is a formula is escaped in
    grades.csv."""
    problems = {s.student: s.problem for s in batch.report.students}
    for kind, student, *words in (o for o in batch.intake if o[0] in ("refused", "failed")):
        report_md = (batch.out / "feedback" / student / "report.md").read_text()
        assert words[0] in report_md, (student, report_md[:500])
        if kind == "refused":
            assert words[0] in words_of(problems[student], "en"), (student, problems[student])
    console = Console(record=True, width=200)
    console.print(class_summary(batch.report, "en"))
    summary = console.export_text()
    for _, name in (o for o in batch.intake if o[0] == "skipped"):
        assert f"not graded: {name}" in summary, summary
    with open(batch.out / "grades.csv", newline="", encoding="utf-8") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    formulas = [o[1] for o in batch.intake if o[0] == "graded" and o[1].startswith(("=", "+", "-", "@"))]
    assert formulas and all("'" + name in cells for name in formulas), formulas
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]  # "-" starts negative numbers


@pytest.mark.slow
def test_the_corpus_in_one_batch_leaves_nothing_behind(batch):
    """The class folder unchanged byte for byte, no process left, nothing written outside the output
    folder, nothing escaped from a zip, no spy's mark anywhere."""
    assert batch.unchanged
    assert batch.left == []
    assert batch.outside == []
    assert not (batch.class_dir.parent.parent / "escaped-by-zip.py").exists()
    for folder in [*map(Path, batch.targets), Path("/tmp"), ROOT, Path.home()]:
        folder = folder if folder.is_dir() else folder.parent
        assert not (folder / "PWNED-by-spy-files").exists(), folder
    assert (batch.out / "grades.csv").is_file()
    assert (batch.out / "feedback" / "good-1" / "results.json").is_file()
