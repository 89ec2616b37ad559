"""``coursekit check``'s student process started before its job is known (``coursekit/sandbox/warm.py``).

The child starts with a scrubbed environment in an empty private folder, imports numpy and waits; the
first job Linux's runner runs takes it, and it applies the job's limits to itself before any student code
runs. Every hostile case of ``test_sandbox.py`` also runs through it there (its ``warm`` runner, slow lane);
here: that the job really runs in the child started early, under the limits, the environment and the
stdin a fresh child has, and that a child no job took is gone with its folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coursekit.sandbox import host, warm
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Call, Job, run_job
from coursekit.sandbox.report import RunReport
from coursekit.sandbox.warm import prestarted

pytestmark = pytest.mark.skipif(not host.is_linux(), reason="the warm child is Linux's runner's")

LIMITS = Limits(timeout_s=30, memory_mb=900)

STUDENT = '''
import os, resource, sys

def me():
    return {"pid": os.getpid(), "cwd": os.getcwd(), "env": sorted(os.environ),
            "secret": os.environ.get("COURSEKIT_SECRET"), "stdin": sys.stdin.read(),
            "as": resource.getrlimit(resource.RLIMIT_AS)[0],
            "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
            "core": resource.getrlimit(resource.RLIMIT_CORE)[0], "umask": os.umask(0o077),
            "numpy_loaded": "numpy" in sys.modules, "wave_loaded": "wave" in sys.modules}

def grab():
    return len(bytearray(2 << 30))
'''


@pytest.fixture(autouse=True)
def linux_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSEKIT_RUNNER", "linux")
    monkeypatch.setenv("COURSEKIT_SECRET", "the-course-secret")


def student(tmp_path: Path) -> Path:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "student.py").write_text(STUDENT, encoding="utf-8")
    return folder


def run(folder: Path, *functions: str, forbidden: tuple[str, ...] = ()) -> RunReport:
    job = Job("student", tuple(Call(f, f) for f in functions), forbidden_imports=forbidden)
    return run_job(folder, job, LIMITS)


def alive(pid: int) -> bool:
    state = Path(f"/proc/{pid}/stat")
    try:
        return state.read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_the_job_runs_in_the_child_started_before_it_under_the_jobs_limits(tmp_path: Path) -> None:
    folder = student(tmp_path)
    with prestarted():
        waiting = warm._waiting
        assert waiting is not None
        report = run(folder, "me", "grab")
    seen = report.outcomes["me"].value
    assert seen["pid"] == waiting.proc.pid  # the child started early, not a fresh one
    assert Path(seen["cwd"]) == waiting.work.resolve()
    assert seen["as"] == LIMITS.memory_mb << 20 and seen["core"] == 0 and seen["fsize"] == host.FILE_MB << 20
    assert seen["umask"] == 0o077
    assert seen["secret"] is None and set(seen["env"]) <= set(host.scrubbed_environment(tmp_path))
    assert seen["stdin"] == ""  # stdin is /dev/null, as a fresh child's is
    assert seen["numpy_loaded"]
    assert report.outcomes["grab"].error is not None  # 2 GB is over the 900 MB the job allows
    assert report.outcomes["grab"].error.type_name == "MemoryError"
    assert not waiting.root.exists() and not alive(waiting.proc.pid)
    assert warm._waiting is None


def test_later_jobs_and_a_job_that_forbids_numpy_start_fresh_children(tmp_path: Path) -> None:
    folder = student(tmp_path)
    with prestarted():
        waiting = warm._waiting
        assert waiting is not None
        # numpy is already loaded in the waiting child: a job that forbids it cannot take the child
        assert warm.take(("numpy",)) is None and warm._waiting is waiting
        first = run(folder, "me")
        second = run(folder, "me")
    assert first.outcomes["me"].value["pid"] == waiting.proc.pid
    assert second.outcomes["me"].value["pid"] != waiting.proc.pid
    assert second.outcomes["me"].value["as"] == LIMITS.memory_mb << 20


def test_what_the_exercise_imports_is_imported_while_the_child_waits(tmp_path: Path) -> None:
    """``expect``: once ``check`` knows the exercise, the waiting child imports its ``child_imports`` (Keras,
    seconds) before the job arrives; not for a job that forbids one of them, which then takes no child."""
    folder = student(tmp_path)
    with prestarted():
        waiting = warm._waiting
        assert waiting is not None
        warm.expect(("numpy", "wave"), ())
        assert warm.take(("wave",)) is None and warm._waiting is waiting  # wave is loaded there now
        report = run(folder, "me")
    seen = report.outcomes["me"].value
    assert seen["pid"] == waiting.proc.pid and seen["wave_loaded"]
    with prestarted():
        waiting = warm._waiting
        assert waiting is not None
        warm.expect(("wave",), ("wave",))  # its job would refuse the child: nothing is imported for it
        assert waiting.preloaded == frozenset(warm.PRELOAD)
        report = run(folder, "me")
    seen = report.outcomes["me"].value
    assert seen["pid"] == waiting.proc.pid and not seen["wave_loaded"]


def test_a_child_no_job_took_is_killed_and_its_folder_removed() -> None:
    with prestarted():
        waiting = warm._waiting
        assert waiting is not None and alive(waiting.proc.pid) and waiting.root.is_dir()
    assert not alive(waiting.proc.pid) and not waiting.root.exists()
    assert warm._waiting is None


def test_a_child_that_died_while_waiting_is_replaced_by_a_fresh_one(tmp_path: Path) -> None:
    folder = student(tmp_path)
    with prestarted():
        waiting = warm._waiting
        assert waiting is not None
        waiting.proc.kill()
        waiting.proc.wait()
        report = run(folder, "me")
    assert report.finished and report.outcomes["me"].value["pid"] != waiting.proc.pid
    assert not waiting.root.exists()


def test_nothing_is_started_for_the_portable_runner_or_a_runner_check_will_refuse(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("portable", "no-such-runner"):
        monkeypatch.setenv("COURSEKIT_RUNNER", value)
        with prestarted():
            assert warm._waiting is None


def test_check_on_the_command_line_leaves_no_process_and_no_folder(tmp_path: Path) -> None:
    """A check that ends before its job (an unknown file: exit 2) and one that runs it (the stub: exit 1)
    leave no child and no job folder behind."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    root = Path(__file__).resolve().parents[1]
    for args, code in ((["check", "ex1", str(tmp_path / "nowhere")], 2), (["check", "ex1"], 1)):
        run_ = subprocess.run([sys.executable, "-m", "coursekit", *args], cwd=root / "exercises"
                              if args == ["check", "ex1"] else tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)
        assert run_.returncode == code, run_.stdout + run_.stderr
    assert list(temp.iterdir()) == []
    # a student process of these checks has its home in their temporary folder (other tests' do not)
    ours = f"HOME={temp}".encode()
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(v.startswith(ours) for v in environ) and alive(int(pid)):
            left.append(pid)
    assert left == []
