"""coursekit.sandbox.isolation: the mode detected is the strongest this machine allows, each mode works
and claims only what it delivers, and a sandbox that cannot be entered is an internal error."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from conftest import adopting_orphans

from coursekit._exceptions import InternalError
from coursekit.grading import grade_exercise
from coursekit.registry import get_exercise
from coursekit.sandbox import isolation
from coursekit.sandbox.forkserver import ForkServer
from coursekit.sandbox.isolation import GUARANTEES, Isolation, detect
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Call, Job

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
# What student code must never see of the repository. The repository's folder itself may exist in the
# sandbox when the interpreter's virtual environment lives inside it (.venv, as the README sets up):
# it is then the path to that bound folder, holding nothing else.
REPOSITORY_FILES = [str(SOLUTIONS), str(ROOT / "pyproject.toml"), str(ROOT / "graders")]
LOOP = "def rnn_cell_forward(*a):\n    while True:\n        pass\n"
IS_ROOT = sys.platform.startswith("linux") and os.geteuid() == 0
NOBODY = 65534


def load_isolate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("isolate_under_test", isolation.ISOLATE_SCRIPT)
    if spec is None or spec.loader is None:
        raise ImportError(isolation.ISOLATE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ex1_score(server: ForkServer, folder: Path, limits: Limits | None = None) -> float:
    ex = get_exercise("ex1")
    cases = ex.public_cases()
    expected = ex.expected_values(cases)
    return grade_exercise(ex, folder, cases, expected, limits=limits, runner=server.run).score


@pytest.mark.skipif(not IS_ROOT or shutil.which("unshare") is None, reason="needs root and unshare(1)")
def test_root_gets_namespaces_when_the_kernel_allows_them():
    allowed = works(["unshare", "--pid", "--net", "--mount", "--ipc", "--uts", "--fork", "--mount-proc",
                     "true"])
    if not allowed:
        pytest.skip("this kernel refuses namespaces even to root")
    assert detect().mode == "namespaces", detect().refused


@pytest.mark.skipif(not IS_ROOT or shutil.which("setpriv") is None or not Path("/usr/bin/python3").exists(),
                    reason="needs root, setpriv(1) and a system python3")
def test_an_unprivileged_user_is_confined_by_user_namespaces_when_the_kernel_allows_them():
    """The probe, run by ``nobody`` with the system's python3 (the venv's may be unreadable to nobody)."""
    as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    allowed = works([*as_nobody, "unshare", "--user", "--map-root-user", "--pid", "--net", "--mount",
                     "--fork", "true"])
    # Not under pytest's 0700 folder: nobody must reach the job's folder (and see nothing beside it).
    with tempfile.TemporaryDirectory() as tmp, tempfile.NamedTemporaryFile(dir=Path(tmp).parent) as decoy:
        root = Path(tmp)
        (root / "work").mkdir()
        os.chown(root, NOBODY, NOBODY)
        os.chown(root / "work", NOBODY, NOBODY)
        settings = Isolation("user-namespaces", ("/usr", "/bin", "/lib", "/lib64", "/etc")).settings(root)
        done = subprocess.run([*as_nobody, "/usr/bin/python3", "-I", str(isolation.ISOLATE_SCRIPT), "--probe",
                               json.dumps(settings), json.dumps([str(ROOT), decoy.name])],
                              capture_output=True, text=True, timeout=60, cwd="/")
    if not allowed:
        assert done.returncode != 0
        return
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["pid"] == 1 and seen["visible"] == [] and seen["interfaces"] == ["lo"]
    assert seen["imports"] and seen["writes"] and not seen["parent_visible"]


@pytest.mark.parametrize("mode", ["namespaces", "user-namespaces", "uid", "basic"])
def test_each_mode_claims_only_what_it_delivers(mode):
    found = Isolation(mode).guarantees()  # type: ignore[arg-type]
    assert [g.name for g in found] == list(GUARANTEES)
    expected = {"namespaces": 5, "user-namespaces": 5, "uid": 3, "basic": 1}[mode]
    assert [g.holds for g in found] == [True] * expected + [False] * (5 - expected)
    text = Isolation(mode).summary()  # type: ignore[arg-type]
    for g in found:
        assert f"{'yes' if g.holds else 'NO '}  {g.name}" in text


def test_the_summary_is_said_in_the_graders_language():
    text = Isolation("basic", refused=("namespaces: unshare: Operation not permitted",)).summary("zh")
    assert text.startswith("沙箱：只有进程限制")
    assert "不成立  任何提交都无法中断、拖慢或终止整批评分" in text
    assert "（此机器上不可用：namespaces: unshare: Operation not permitted）" in text
    assert "内存只按进程限制" in Isolation("namespaces").summary("zh")
    assert not any(word in text for word in ("sandbox", "yes", "NO ", "process group"))


def test_summary_says_what_was_refused_and_whether_memory_is_bounded_per_job():
    text = Isolation("basic", refused=("namespaces: unshare: Operation not permitted",)).summary()
    assert "not available here: namespaces: unshare: Operation not permitted" in text
    assert "cgroup bounds" in Isolation("namespaces", cgroup=True).summary()
    assert "no cgroup here" in Isolation("namespaces", cgroup=False).summary()


def test_the_course_repository_is_hidden_and_python_is_bound():
    found = detect()
    if found.mode == "basic":
        pytest.skip("no binds in basic mode")
    if not any(b.startswith(str(ROOT) + "/") for b in found.binds):  # no .venv inside the repository
        assert str(ROOT) in found.hide
    assert any(sys.base_prefix == b or sys.base_prefix.startswith(b + "/") for b in found.binds)
    assert not any(str(ROOT) == b or str(ROOT).startswith(b + "/") for b in found.binds)


@pytest.mark.slow
def test_folders_and_files_inside_a_bind_can_be_masked(tmp_path):
    """A class or output folder (or a secret file) under a bound system folder is masked, not shown."""
    folder = next((p for p in sorted(Path("/etc").iterdir()) if p.is_dir() and os.access(p, os.R_OK)
                   and any(p.iterdir())), None)
    file = next((p for p in (Path("/etc/os-release"), Path("/etc/hostname"), Path("/etc/passwd"))
                 if p.is_file() and p.stat().st_size), None)
    if detect().mode == "basic" or folder is None or file is None:
        pytest.skip("needs a confined mode, and a folder and a file in /etc")
    masked = detect(hide=[folder, file])
    assert {str(folder.resolve()), str(file.resolve())} <= set(masked.hide)
    (tmp_path / "spy.py").write_text(
        "import os\n"
        f"def look():\n    return [os.path.exists({str(folder)!r}), os.path.exists({str(file)!r}),\n"
        f"            _ls({str(folder)!r}), open({str(file)!r}).read()]\n"
        "def _ls(p):\n    try:\n        return os.listdir(p)\n    except OSError as e:\n"
        "        return type(e).__name__\n")
    with ForkServer(("numpy",), isolation=masked) as server:
        report = server.run(tmp_path, Job("spy", (Call("look", "look"),)), Limits())
    outcome = report.outcomes["look"]
    assert outcome.error is None, outcome.error
    assert outcome.value[2] in ([], "PermissionError") and outcome.value[3] == "", outcome.value


@pytest.mark.slow
@pytest.mark.skipif(not IS_ROOT, reason="root can enter a user namespace whatever the sysctl says")
def test_user_namespace_mode_grades_and_confines(tmp_path):
    found = detect()
    userns = Isolation("user-namespaces", found.binds, found.hide)
    ok, why = isolation.probe(userns, REPOSITORY_FILES)
    assert ok, why
    with ForkServer(("numpy",), isolation=userns) as server:
        assert ex1_score(server, SOLUTIONS) == get_exercise("ex1").public_points()
        (tmp_path / "ex1_rnn_forward.py").write_text(LOOP)
        assert ex1_score(server, tmp_path, Limits(timeout_s=1)) == 0


@pytest.mark.slow
def test_basic_mode_still_grades_and_stops_loops(tmp_path):
    with ForkServer(("numpy",), isolation=Isolation("basic")) as server:
        assert ex1_score(server, SOLUTIONS) == get_exercise("ex1").public_points()
        (tmp_path / "ex1_rnn_forward.py").write_text(LOOP)
        assert ex1_score(server, tmp_path, Limits(timeout_s=1)) == 0
        assert server.alive()


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["fork server, basic mode", "run_job"])
def test_a_deep_folder_tree_left_on_disk_is_removed_without_crashing_the_grader(runner):
    """Without a tmpfs the student writes in the job's folder on disk; shutil.rmtree alone would raise
    RecursionError in the grader on the 5000-level tree deep_folders leaves there."""
    folder = Path(__file__).with_name("hostile") / "deep_folders"
    before = set(Path(tempfile.gettempdir()).glob("coursekit-*"))
    if runner == "run_job":
        ex = get_exercise("ex1")
        cases = ex.public_cases()
        assert grade_exercise(ex, folder, cases, ex.expected_values(cases)).score == 0
    else:
        with ForkServer(("numpy",), isolation=Isolation("basic")) as server:
            assert ex1_score(server, folder) == 0
    left = {p for p in set(Path(tempfile.gettempdir()).glob("coursekit-*")) - before
            if (p / "work" / "d").exists()}
    assert left == set()


@pytest.mark.skipif(not IS_ROOT, reason="needs root to become another uid")
def test_sweep_kills_every_process_of_a_uid_even_in_a_new_session():
    uid = isolation.UID_BASE + 4_000_000 + os.getpid() % 100_000
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            time.sleep(30)
        finally:
            os._exit(0)
    load_isolate().sweep(uid)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@pytest.fixture
def own_orphans() -> Iterator[None]:
    """See conftest.adopting_orphans: survivors are looked for in this test process's tree only."""
    with adopting_orphans():
        yield


def living(marker: str) -> list[str]:
    """Living processes of this test process's tree whose command line holds ``marker``."""
    table: dict[int, tuple[int, str, str]] = {}  # pid -> (ppid, state, cmdline)
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{name}/stat") as f:
                state, ppid = f.read().rpartition(")")[2].split()[:2]
        except OSError:
            continue
        table[int(name)] = (int(ppid), state, cmdline)

    def ours(pid: int) -> bool:
        for _ in range(256):
            pid = table.get(pid, (0, "", ""))[0]
            if pid in (0, os.getpid()):
                return pid != 0
        return False

    return [f"{pid} {cmdline[:60]}" for pid, (_, state, cmdline) in table.items()
            if marker in cmdline and state != "Z" and ours(pid)]


@pytest.mark.slow
@pytest.mark.skipif(not IS_ROOT, reason="needs root to become another uid")
def test_uid_mode_grades_and_kills_what_escaped_into_a_new_session(own_orphans):
    """The fall-back for root without namespaces, forced here (numpy is preloaded: the job's uid may not
    be able to read Python's folders, as with a pyenv under /root)."""
    hostile = Path(__file__).with_name("hostile")
    with ForkServer(("numpy",), isolation=Isolation("uid")) as server:
        assert ex1_score(server, SOLUTIONS) == get_exercise("ex1").public_points()
        assert ex1_score(server, hostile / "setsid_escape") == 0
        assert living("sleep 19.7531") == []
        assert ex1_score(server, hostile / "infinite_loop", Limits(timeout_s=1)) == 0


@pytest.mark.slow
def test_a_sandbox_that_cannot_be_entered_is_an_internal_error(monkeypatch):
    found = detect()
    if found.mode == "basic":
        pytest.skip("basic mode builds no file system")
    monkeypatch.setattr(isolation, "SCRATCH_INODES", 1)  # the tmpfs root cannot hold a single folder
    with ForkServer(("numpy",), isolation=found) as server, pytest.raises(InternalError, match="sandbox"):
        ex1_score(server, SOLUTIONS)


@pytest.mark.slow
def test_the_fork_server_restarts_with_the_same_isolation():
    with ForkServer(("numpy",)) as server:
        mode = server.isolation
        if server._proc is not None:
            server._proc.kill()
            server._proc.wait()
        assert ex1_score(server, SOLUTIONS) == get_exercise("ex1").public_points()
        assert server.isolation == mode and server.alive()


def test_the_probe_reports_what_a_confined_process_sees(tmp_path):
    found = detect()
    if found.mode == "basic":
        pytest.skip("nothing confined to probe")
    (tmp_path / "work").mkdir()
    done = subprocess.run([sys.executable, "-I", str(isolation.ISOLATE_SCRIPT), "--probe",
                           json.dumps(found.settings(tmp_path)), json.dumps(REPOSITORY_FILES)],
                          capture_output=True, text=True, timeout=60)
    seen = json.loads(done.stdout)
    assert seen["uid"] != os.getuid() or found.mode == "user-namespaces"
    assert seen["imports"] and seen["writes"]
    if found.mode in ("namespaces", "user-namespaces"):
        assert seen["pid"] == 1 and seen["visible"] == [] and seen["interfaces"] == ["lo"]



@pytest.mark.slow
def test_a_grader_job_may_take_a_server_that_preloaded_more_a_students_never(monkeypatch):
    """issue 28: ex7's rebuild of a student's model runs in the server ex7's students run in (it preloaded
    Keras and more) instead of starting another; a student's job gets a server of its own preload."""
    from coursekit.sandbox import forkserver

    monkeypatch.setattr(forkserver, "_shared", {})
    try:
        larger = forkserver.shared_server(("numpy", "json"))
        assert forkserver.shared_server(("numpy",), or_more=True) is larger
        assert forkserver.shared_server(("json",), or_more=True) is larger
        own = forkserver.shared_server(("numpy",))
        assert own is not larger and own.preload == ("numpy",) and larger.alive()
        assert forkserver.shared_server(("numpy",), or_more=True) is own  # its own, once it runs
    finally:
        forkserver.close_shared()


def test_the_worker_starts_its_fork_server_while_it_computes_the_references(tmp_path, monkeypatch):
    """issue 28: a grading worker's Keras import (for the references) and its fork server's start overlap;
    without the student's file, neither is started early."""
    import threading

    from coursekit.batch import worker

    began = threading.Event()
    started: list[str] = []
    overlapped: list[bool] = []

    def fake_server(preload):
        began.set()
        started.append(threading.current_thread().name)

    class Expected:
        def compute(self):
            overlapped.append(began.wait(30))  # the server's start began before the references ended

    monkeypatch.setattr(worker, "shared_server", fake_server)
    monkeypatch.setattr(worker, "server_running", lambda preload: False)
    exercise = get_exercise("ex1")
    assert worker._start_server_beside(exercise, tmp_path, Expected()) is None and not started
    shutil.copy(SOLUTIONS / exercise.filename, tmp_path / exercise.filename)
    thread = worker._start_server_beside(exercise, tmp_path, Expected())
    assert thread is not None
    thread.join()
    assert started == ["coursekit-start-fork-server"] and overlapped == [True]
