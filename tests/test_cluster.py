"""coursekit grade --cluster, on a real Dask scheduler and real workers (subprocesses on 127.0.0.1).

The tests start `dask scheduler` and `dask worker` processes (one process, one thread each, no nanny,
random free ports) and kill them, with everything they started: one scheduler and two workers speaking
mutual TLS (tls://, certificates of the test's own CA), shared by the module's tests that grade on them
through ``coursekit grade``, add a worker of another version, or are refused without the certificate;
and one scheduler and two workers on plain tcp:// shared by the two fault tests, which grade in this
process (the killed-worker test kills one worker, then the lost-scheduler test grades on the other and
kills the scheduler). Every worker process imports Keras for its first grading (its hidden cases'
references): the cost of this module is mostly counted in worker processes, so it starts as few as each
claim needs.

The class graded is five of the example class's nine students, one of each kind the claims need on the
exercises graded, ex1, ex4 and ex5 (ex5 imports the student's ex1 and ex4 files, so a task must carry
every staged file): ada (all right), ben (a wrong ex1, the ex4 stub, no ex5 file), dana (named mistakes
in ex1 and ex4, a right ex5 that imports them), eve (a syntax error, an exception, sys.exit) and finn
(a zip, ex1 and ex4 only). The four left out (chen, gao, hana, hong) add nothing on these exercises but
gradings: one more named ex1 mistake, and right ex1/ex4/ex5 files like ada's. ex3 and ex7 are left out
to keep the time down (ex7 trains a model per student). Each cluster run is compared with one local run
of the same class and options: grades.csv, every results.json and every gradebook row are equal,
timings aside. The local runs use one worker process (the number of workers changes no output).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed", reason="the cluster extra (coursekit[cluster]) is not installed")

from coursekit._exceptions import ClusterError
from coursekit.batch import GradeOptions, grade_class
from coursekit.batch import cluster as cluster_module
from coursekit.batch.cluster import ClusterOptions
from coursekit.batch.secret import Secret
from coursekit.registry import get_exercise

ROOT = Path(__file__).resolve().parents[1]
CLASS = ROOT / "examples" / "class"
# The students graded (see the module's docstring): a folder or a zip each.
GRADED = ("ada", "ben", "dana", "eve", "finn.zip")
STUDENTS = len(GRADED)
EXERCISES = ("ex1", "ex4", "ex5")
FAULT_EXERCISES = ("ex1", "ex4")
SECRET = Secret("cluster-test-secret", "test")
HOST = "127.0.0.1"
START_S = 120  # a scheduler or worker that is not up by then fails the test (the machine may be loaded)
TEST_S = 900  # no test of this module may run longer
STOP_S = 120  # grade has ended this long after Ctrl-C (its jobs cancelled and killed; on a loaded machine)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the scheduler exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.2)
    raise AssertionError(f"no scheduler on port {port} after {START_S} s")


class LocalCluster:
    """A scheduler and workers as a cluster runs them: separate processes, each in a session of its own
    (so that stopping one stops what it started)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.address = f"tcp://{HOST}:{self.port}"
        self.tls: list[str] = []  # the TLS options of the scheduler and workers, when it uses TLS
        self.security_file: Path | None = None  # the coordinator's --cluster-security, when it uses TLS
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    def _start(self, args: list[str], log: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        with (self.folder / log).open("wb") as out:
            return subprocess.Popen([sys.executable, "-m", *args], stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.folder, start_new_session=True,
                                    env={**os.environ, **(env or {})})

    def start_scheduler(self, tls: bool = False) -> None:
        """Start the scheduler; with ``tls``, mutual TLS with certificates made for this cluster: one
        self-signed certificate is the CA and every party's (the scheduler's, the workers', the
        coordinator's through ``security_file``)."""
        if tls:
            from distributed import Security

            made = Security.temporary()
            certs = self.folder / "certs"
            certs.mkdir()
            (certs / "ca.pem").write_text(made.tls_ca_file)
            (certs / "key.pem").write_text(made.tls_client_key)
            self.security_file = certs / "tls.toml"
            self.security_file.write_text('ca_file = "ca.pem"\ncert = "ca.pem"\nkey = "key.pem"\n')
            self.tls = ["--tls-ca-file", str(certs / "ca.pem"), "--tls-cert", str(certs / "ca.pem"),
                        "--tls-key", str(certs / "key.pem")]
            self.address = f"tls://{HOST}:{self.port}"
        protocol = ["--protocol", "tls", *self.tls] if self.tls else []
        self.scheduler = self._start(["distributed.cli.dask_scheduler", "--host", HOST, "--port",
                                      str(self.port), "--no-dashboard", *protocol], "scheduler.log")
        _wait_for_port(self.port, self.scheduler, self.folder / "scheduler.log")

    def start_worker(self, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        n = len(self.workers)
        worker = self._start(["distributed.cli.dask_worker", self.address, "--host", HOST, "--nworkers", "1",
                              "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{n}",
                              "--death-timeout", "60", *self.tls], f"worker{n}.log", env)
        self.workers.append(worker)
        return worker

    def security(self) -> Any:
        """The ``distributed.Security`` of a client holding the certificate (None without TLS)."""
        from distributed import Security

        if self.security_file is None:
            return None
        return Security(**cluster_module.security_settings(self.security_file))

    def grade_options(self) -> list[str]:
        """``coursekit grade``'s options that reach this cluster."""
        security = [] if self.security_file is None else ["--cluster-security", str(self.security_file)]
        return ["--cluster", self.address, *security]

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=START_S, set_as_default=False, security=self.security()) as client:
            client.wait_for_workers(n, timeout=START_S)

    def stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        """Kill one worker and wait until the scheduler has forgotten it (the next test starts clean)."""
        from distributed import Client

        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        self.workers.remove(worker)
        with Client(self.address, timeout=START_S, set_as_default=False, security=self.security()) as client:
            deadline = time.monotonic() + START_S
            while len(client.scheduler_info(n_workers=-1)["workers"]) > len(self.workers):
                assert time.monotonic() < deadline, "the scheduler still lists a killed worker"
                time.sleep(0.2)

    def stop(self) -> None:
        for proc in [*self.workers, *([self.scheduler] if self.scheduler else [])]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture
def time_limit() -> Iterator[None]:
    """No test of this module runs longer than TEST_S."""

    def too_long(*_: object) -> None:
        raise TimeoutError(f"a cluster test ran over {TEST_S} s")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(TEST_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The students of ``GRADED``, copied from the example class."""
    folder = tmp_path_factory.mktemp("class") / "class"
    folder.mkdir()
    for name in GRADED:
        if (CLASS / name).is_dir():
            shutil.copytree(CLASS / name, folder / name)
        else:
            shutil.copy2(CLASS / name, folder / name)
    return folder


@contextlib.contextmanager
def running_cluster(folder: Path, workers: int, tls: bool = False) -> Iterator[LocalCluster]:
    """A scheduler and ``workers`` workers, up before it yields, stopped with all they started after."""
    running = LocalCluster(folder)
    try:
        running.start_scheduler(tls)
        for _ in range(workers):
            running.start_worker()
        running.wait_for_workers(workers)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """A scheduler and two workers on mutual TLS, started once for the module (a worker's first grading of
    an exercise imports TensorFlow): the tests that grade on it, add a worker of their own, or are refused
    without its certificate share them. A test that adds a worker stops it before it ends, so each test
    finds the same two workers."""
    with running_cluster(tmp_path_factory.mktemp("cluster"), 2, tls=True) as running:
        yield running


@pytest.fixture(scope="module")
def fault_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """A scheduler and two fresh workers on tcp:// for the fault tests, in the module's order: the
    killed-worker test kills one of them (fresh, so that the one it kills is still busy with its first
    grading), then the lost-scheduler test grades on the one left and kills the scheduler (it must come
    last)."""
    with running_cluster(tmp_path_factory.mktemp("faults"), 2) as running:
        yield running


def options(exercises: tuple[str, ...], cluster: ClusterOptions | None = None) -> GradeOptions:
    # One local worker: a worker process imports Keras, and how many there are changes no output.
    return GradeOptions(exercises=exercises, workers=None if cluster else 1, secret=SECRET, cluster=cluster)


@pytest.fixture(scope="module")
def local_runs(tmp_path_factory: pytest.TempPathFactory, class_dir: Path) -> dict[tuple[str, ...], Path]:
    """The class graded by the local pool, once per exercise set."""
    runs = {}
    for exercises in (EXERCISES, FAULT_EXERCISES):
        out = tmp_path_factory.mktemp("local")
        grade_class(class_dir, out, options(exercises))
        runs[exercises] = out
    return runs


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k != "execution_time"}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def gradebook(out: Path) -> dict[tuple[str, str], tuple[str, str, Any]]:
    with contextlib.closing(sqlite3.connect(out / "gradebook.sqlite")) as db:
        rows = db.execute("SELECT student, exercise, submission, grader, result FROM results").fetchall()
    return {(s, e): (sub, grader, _without_times(json.loads(result))) for s, e, sub, grader, result in rows}


def assert_same_outputs(out: Path, reference: Path) -> None:
    assert (out / "grades.csv").read_text() == (reference / "grades.csv").read_text()
    students = sorted(p.name for p in (reference / "feedback").iterdir())
    assert sorted(p.name for p in (out / "feedback").iterdir()) == students
    for student in students:
        got, want = (json.loads((o / "feedback" / student / "results.json").read_text())
                     for o in (out, reference))
        assert _without_times(got) == _without_times(want), student
    assert gradebook(out) == gradebook(reference)


def _wrong_version_copy(folder: Path) -> Path:
    """coursekit and graders as they are here, but ex1's grader changed: a worker importing this copy has
    another grader version, and would fail every ex1 grading if one were sent to it."""
    copy = folder / "other-version"
    for package in ("coursekit", "graders"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    module = sys.modules[type(get_exercise("ex1")).__module__]
    grader = copy / Path(str(module.__file__)).relative_to(ROOT)
    grader.write_text(grader.read_text() + '\nraise RuntimeError("this worker must never grade")\n')
    return copy


@pytest.mark.slow
def test_a_class_graded_on_the_cluster_equals_a_local_run_and_a_worker_of_another_version_is_refused(
        shared_cluster: LocalCluster, local_runs: dict[tuple[str, ...], Path], class_dir: Path,
        tmp_path: Path, time_limit: None) -> None:
    cluster = shared_cluster
    other = _wrong_version_copy(tmp_path)
    stranger = cluster.start_worker({"PYTHONPATH": str(other)})
    try:
        cluster.wait_for_workers(3)
        out = tmp_path / "out"
        run = subprocess.run([sys.executable, "-m", "coursekit", "grade", str(class_dir), "--out", str(out),
                              "--exercises", ",".join(EXERCISES), *cluster.grade_options(), "--lang",
                              "en"], capture_output=True, text=True, timeout=TEST_S - 60,
                             env={**os.environ, "COURSEKIT_SECRET": SECRET.value, "COLUMNS": "400"})
    finally:
        cluster.stop_worker(stranger)
    assert run.returncode == 0, run.stderr[-3000:]
    refusals = [line for line in run.stdout.splitlines() if "refused" in line]
    assert len(refusals) == 1 and "ex1 grader" in refusals[0], run.stdout[-3000:]
    assert f"{HOST}:" in refusals[0]
    assert "worker tls://" in (out / "workers.log").read_text()
    assert_same_outputs(out, local_runs[EXERCISES])
    timings = json.loads((out / "timings.json").read_text())
    assert timings["tasks"] == {e: STUDENTS for e in EXERCISES}  # each grading once, on the workers


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_nothing_and_blames_no_student(
        fault_cluster: LocalCluster, local_runs: dict[tuple[str, ...], Path], class_dir: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, time_limit: None) -> None:
    # Not the shared workers: beside them, already warm, a new worker could be killed before it took a
    # grading, and this test needs one killed with gradings in flight. These two are fresh.
    cluster = fault_cluster
    assert cluster.scheduler is not None and cluster.scheduler.poll() is None, "the scheduler is up"
    assert len(cluster.workers) == 2, "two fresh workers (this test runs before the lost-scheduler test)"
    victim = cluster.workers[0]
    put_back: list[int] = []
    lose = cluster_module._Coordinator._lose

    def spy(self: Any, wid: str) -> None:
        put_back.append(len(self.nodes[wid].flight))
        lose(self, wid)

    monkeypatch.setattr(cluster_module._Coordinator, "_lose", spy)
    seen: list[tuple[str, str]] = []

    def kill_one(progress: Any) -> None:
        seen.append((progress.student, progress.exercise))
        if len(seen) == 2:
            os.kill(victim.pid, signal.SIGKILL)

    out = tmp_path / "out"
    report = grade_class(class_dir, out, options(FAULT_EXERCISES, ClusterOptions(cluster.address, wait_s=60)),
                         on_progress=kill_one)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    cluster.workers.remove(victim)
    assert put_back and put_back[0] >= 1, "the killed worker had gradings in flight, sent again elsewhere"
    assert len(seen) == len(set(seen)) == STUDENTS * len(FAULT_EXERCISES), "every grading counted once"
    assert not report.internal_errors()
    assert_same_outputs(out, local_runs[FAULT_EXERCISES])


@pytest.mark.slow
def test_a_lost_scheduler_stops_the_run_and_the_next_run_resumes_locally(
        fault_cluster: LocalCluster, local_runs: dict[tuple[str, ...], Path], class_dir: Path,
        tmp_path: Path, time_limit: None) -> None:
    # The fault cluster's worker left by the killed-worker test (or both, when that test did not run).
    cluster = fault_cluster
    cluster.wait_for_workers(1)
    seen: list[tuple[str, str]] = []

    def stop_scheduler(progress: Any) -> None:
        seen.append((progress.student, progress.exercise))
        if len(seen) == 3 and cluster.scheduler is not None:
            os.killpg(cluster.scheduler.pid, signal.SIGKILL)

    out = tmp_path / "out"
    with pytest.raises(ClusterError, match="lost"):
        grade_class(class_dir, out, options(FAULT_EXERCISES, ClusterOptions(cluster.address, wait_s=10)),
                    on_progress=stop_scheduler)
    stored = set(gradebook(out))
    assert set(seen) <= stored and len(stored) < STUDENTS * len(FAULT_EXERCISES)
    resumed = grade_class(class_dir, out, options(FAULT_EXERCISES))
    assert resumed.reused == len(stored) and resumed.graded == STUDENTS * len(FAULT_EXERCISES) - len(stored)
    assert_same_outputs(out, local_runs[FAULT_EXERCISES])


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path: Path) -> None:
    address = f"tcp://{HOST}:{free_port()}"
    run = subprocess.run([sys.executable, "-m", "coursekit", "grade", str(CLASS), "--out",
                          str(tmp_path / "o"), "--exercises", "ex1", "--cluster", address, "--cluster-wait",
                          "3", "--lang", "en"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and address in errors[0] and "cannot be reached" in errors[0], run.stderr


@pytest.mark.parametrize(("args", "named"), [
    (["--cluster", "http://x:1"], "--cluster:"),
    (["--cluster", "tcp://127.0.0.1:1", "--cluster-wait", "0"], "--cluster-wait:"),
    (["--cluster", "tcp://127.0.0.1:1", "--workers", "2"], "--workers:"),
    (["--cluster", "tls://127.0.0.1:1", "--cluster-security", "nowhere.toml"], "--cluster-security:"),
    (["--cluster-wait", "5"], "--cluster-wait:"),
])
def test_bad_cluster_options_are_one_line_and_exit_2(tmp_path: Path, args: list[str], named: str) -> None:
    from typer.testing import CliRunner

    from coursekit.cli import app

    # In this process: the options are refused before anything is graded or any cluster is reached.
    run = CliRunner().invoke(app, ["grade", str(CLASS), "--out", str(tmp_path / "o"), "--exercises", "ex1",
                                   *args, "--lang", "en"], env={"COLUMNS": "200"})
    assert run.exit_code == 2 and run.stderr.count("error:") == 1 and named in run.stderr, run.output
    assert not (tmp_path / "o").exists()


def test_a_workers_reply_is_checked_against_the_cases_drawn_here() -> None:
    from coursekit.batch.worker import Task, cases_for
    from coursekit.grading import Failed, failed_tests
    from coursekit.messages import msg
    from coursekit.results import ExerciseResult, Failure, result_to_dict

    ex = get_exercise("ex1")
    task = Task("ada", ".", "ex1", SECRET.seed("ada", "ex1"), None, None, SECRET.class_seed("ex1"))
    tests = failed_tests(cases_for(ex, task.seed, task.class_seed), Failed(Failure.NOT_FOUND, msg("x")))
    result = ExerciseResult("ex1", ex.title_message(), tuple(tests))

    def reply(data: dict[str, Any], times: Any = None) -> str:
        return json.dumps({"graded": {"result": data, "times": times if times is not None else {"rows": []}}})

    good, _ = cluster_module.validated(reply(result_to_dict(result)), ex, task)
    assert good == result
    forged = result_to_dict(result)
    forged["tests"][0]["score"] = forged["tests"][0]["max_score"] + 1
    for bad, against in [(reply(forged), task), (reply({**result_to_dict(result), "exercise": "ex4"}), task),
                         (reply({**result_to_dict(result), "tests": []}), task), ('{"graded": 1}', task),
                         (reply(result_to_dict(result), {"rows": [["ex1", "student", "nan", 0]]}), task),
                         ("x" * (5 << 20), task)]:
        with pytest.raises(ValueError):
            cluster_module.validated(bad, ex, against)


@pytest.mark.slow
def test_ctrl_c_leaves_nothing_running_on_the_cluster(shared_cluster: LocalCluster, tmp_path: Path,
                                                     time_limit: None) -> None:
    """A student whose function never returns, graded with a long time limit: Ctrl-C while the job runs
    cancels the run's tasks on the scheduler and kills the job on the worker at once."""
    import psutil
    from distributed import Client

    cluster = shared_cluster
    cluster.wait_for_workers(2)
    class_dir = tmp_path / "c"
    (class_dir / "loops").mkdir(parents=True)
    (class_dir / "loops" / "ex1_rnn_forward.py").write_text("while True:\n    pass\n")
    (class_dir / "also").mkdir()
    (class_dir / "also" / "ex1_rnn_forward.py").write_text("while True:\n    pass\n")
    # Ctrl-C as a terminal delivers it: SIGINT neither ignored nor blocked in the grading process, whatever
    # this pytest process (an xdist worker that has run other tests) passes on to its children.
    grade = [str(class_dir), "--out", str(tmp_path / "out"), "--exercises", "ex1", "--timeout", "600",
             *cluster.grade_options()]
    terminal = ("import runpy, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT]); "
                "signal.signal(signal.SIGINT, signal.default_int_handler); "
                f"sys.argv = ['coursekit', 'grade', *{grade!r}]; "
                "runpy.run_module('coursekit', run_name='__main__')")
    grading = subprocess.Popen([sys.executable, "-c", terminal], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, "COURSEKIT_SECRET": SECRET.value,
                                                            "PYTHONFAULTHANDLER": "1"})
    try:
        deadline = time.monotonic() + START_S
        jobs: list[psutil.Process] = []
        while not jobs and time.monotonic() < deadline:
            servers = [p for worker in cluster.workers for p in psutil.Process(worker.pid).children(True)
                       if any("_forkserver.py" in part for part in p.cmdline())]
            jobs = [c for s in servers for c in s.children(recursive=True)]
            time.sleep(0.2)
        assert jobs, "a student's job started on the worker"
        signals = [line.strip() for line in Path(f"/proc/{grading.pid}/status").read_text().splitlines()
                   if line.startswith(("SigBlk", "SigIgn", "SigCgt"))]
        grading.send_signal(signal.SIGINT)
        try:
            _, said = grading.communicate(timeout=STOP_S)
        except subprocess.TimeoutExpired:  # say where it hangs: faulthandler prints every thread on SIGABRT
            grading.send_signal(signal.SIGABRT)
            _, said = grading.communicate(timeout=60)
            raise AssertionError(f"grade still ran {STOP_S} s after Ctrl-C ({signals}), here:\n"
                                 f"{said.decode(errors='replace')[-6000:]}") from None
        assert grading.returncode != 0 and b"Traceback" not in said, said.decode()[-2000:]
        _, alive = psutil.wait_procs(jobs, timeout=15)
        assert not alive, [p.cmdline() for p in alive]
        with Client(cluster.address, timeout=30, set_as_default=False, security=cluster.security()) as client:
            # The scheduler forgets cancelled tasks asynchronously: give it a few seconds on a loaded machine.
            left = -1
            for _ in range(60):
                left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
                if left == 0 and not any(client.processing().values()):
                    break
                time.sleep(0.25)
            assert left == 0, f"{left} tasks still on the scheduler"
    finally:
        if grading.poll() is None:
            grading.kill()
            grading.communicate()


@pytest.mark.slow
def test_a_tls_cluster_refuses_a_coordinator_without_its_certificate(
        shared_cluster: LocalCluster, class_dir: Path, tmp_path: Path, time_limit: None) -> None:
    """Mutual TLS (tls:// and --cluster-security): the shared scheduler and workers hold a certificate of
    the test's own CA; a coordinator without one cannot connect (one line, exit 2). One with it grades:
    test_a_class_graded_on_the_cluster_equals_a_local_run... grades on this cluster."""
    cluster = shared_cluster
    assert cluster.address.startswith("tls://") and cluster.security_file is not None
    refused = subprocess.run([sys.executable, "-m", "coursekit", "grade", str(class_dir), "--exercises",
                              ",".join(FAULT_EXERCISES), "--cluster", cluster.address, "--lang", "en",
                              "--out", str(tmp_path / "refused"), "--cluster-wait", "5"],
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, "COURSEKIT_SECRET": SECRET.value, "COLUMNS": "400"})
    assert refused.returncode == 2 and "cannot be reached" in refused.stderr, refused.stderr[-2000:]
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, refused.stderr
    assert not (tmp_path / "refused" / "grades.csv").exists()
