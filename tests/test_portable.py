"""Every student's laptop: check runs without resource, fcntl or fork, and the dependencies resolve for
Windows, macOS and Linux.

- A simulated Windows student: a fresh venv with the handout installed and a ``sitecustomize.py`` in its
  site-packages that makes ``resource``, ``fcntl``, ``termios``, ``pwd`` and ``grp`` unimportable and
  deletes ``os.fork`` before anything else runs, in ``coursekit check`` and in the student's own
  process (``python -I`` still reads the venv's site-packages). Every module of the handout imports;
  check takes the portable runner, says once which limits it could not apply, gives the solution full
  marks and names each ex1 mistake. The repository's own check runs the same way.
- The portable runner gives the verdicts, points, named mistakes and notes the Linux one gives, on each
  numpy exercise's solution, stub and two of its named mistakes' wrong files, and on each Keras
  exercise's solution (one TensorFlow import and training run per runner, shared with test_contract and
  test_exN through conftest's graded_once on the Linux side). The runners differ only in how the child
  starts and how its results come back; every wrong file is checked through the Linux runner in
  test_contract.py, and every ex1 mistake through the portable runner in the simulated Windows below.
- ``pip install --dry-run --only-binary=:all: --platform ...`` resolves the handout's dependencies (with
  its keras and notebook extras) and the repository's (with constraints.txt) for Windows, macOS on Apple
  silicon and Intel, and Linux, with each platform's markers evaluated for that platform (pip evaluates
  them for the running one). The repository asks for what the handout with its extras asks for: where
  the handout's resolution installs every package constraints.txt pins at its pin, that resolution
  stands for the repository's too, and pip is asked once for that platform instead of twice. Skipped
  when no package index answers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import test_ex1
from conftest import EXERCISES, ROOT, SOLUTIONS
from test_mistakes import TABLES

from coursekit import install
from coursekit.check import check
from coursekit.i18n import render
from coursekit.registry import exercise_ids, get_exercise
from coursekit.release import build_handout, handed_out
from coursekit.results import ExerciseResult
from coursekit.sandbox import host

# Loaded first by every Python of the simulated venv: no resource, fcntl, termios, pwd, grp or fork.
WINDOWS_LIKE = '''
import importlib.abc, os, sys
BLOCKED = frozenset({"resource", "fcntl", "termios", "pwd", "grp"})

class _NotOnWindows(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (simulated Windows)", name=fullname)
        return None

for _name in BLOCKED:
    sys.modules.pop(_name, None)
sys.meta_path.insert(0, _NotOnWindows())
for _name in ("fork", "forkpty"):
    if hasattr(os, _name):
        delattr(os, _name)
'''

# Run in the simulated venv: import every module of the handout, then report what could be imported.
IMPORT_ALL = """
import importlib, json, os, pkgutil, sys
failed, imported = [], []
for package in ("coursekit", "graders"):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except Exception as exc:
            failed.append([info.name, f"{type(exc).__name__}: {exc}"])
from coursekit.sandbox import host
blocked = {}
for name in ("resource", "fcntl"):
    try:
        importlib.import_module(name)
        blocked[name] = False
    except ImportError:
        blocked[name] = True
print(json.dumps({"imported": imported, "failed": failed, "runner": host.runner_kind(),
                  "fork": hasattr(os, "fork"), "blocked": blocked,
                  "loaded": sorted(n for n in ("resource", "fcntl") if n in sys.modules)}))
"""

# Run in the simulated venv: check each folder and report each test's verdict and named mistake.
CHECK_MANY = """
import json, sys
from pathlib import Path
from coursekit.check import check
out = {}
for spec in json.loads(sys.argv[1]):
    r = check(spec["exercise"], Path(spec["folder"]))
    out[spec["folder"]] = {"score": r.score, "max": r.max_score, "notes": [n.key for n in r.notes],
                           "tests": [[t.name, t.status, t.score, t.mistake] for t in r.tests]}
print(json.dumps(out))
"""


def site_packages(env: Path) -> Path:
    found = list(env.glob("lib/python3*/site-packages"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def windows_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the handout of every exercise that can be handed out, whose every Python has no
    resource, fcntl or fork.

    The handout's expected values are read from each exercise's stored Keras answers (cache.json, which
    test_refcache compares with live Keras), not computed by live Keras as ``coursekit release`` does:
    what this module checks is the platform, and the live build (about 20 CPU-s of TensorFlow here) is
    test_release's, which builds the handout as a release does."""
    from coursekit.exercise import Exercise

    out = tmp_path_factory.mktemp("release") / "handout"
    live = Exercise.expected_values
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Exercise, "expected_values",
                      lambda self, cases, use_cache=True: live(self, cases, use_cache=True))
        build_handout(out, [i for i in exercise_ids() if handed_out(i)], "en", EXERCISES)
    # No pip of its own (ensurepip costs ~10 CPU-seconds here): this Python's pip installs into it, as
    # test_release's venv is made. No test runs the venv's own pip.
    env = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"),
                                "install", "--quiet", "--disable-pip-version-check", str(out)],
                               capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (site_packages(env) / "sitecustomize.py").write_text(WINDOWS_LIKE, encoding="utf-8")
    return env


def folder_with(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True)
    for filename, source in files.items():
        (folder / filename).write_text(source, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_the_simulation_hides_resource_fcntl_and_fork_in_check_and_in_the_students_process(
        windows_venv: Path, tmp_path: Path) -> None:
    python = str(windows_venv / "bin" / "python")
    for flags in ([], ["-I"]):  # -I: how check starts the student's process
        code = ("import os\ntry:\n import resource\nexcept ImportError:\n"
                " print('no resource', hasattr(os, 'fork'))")
        probe = subprocess.run([python, *flags, "-c", code], capture_output=True, text=True, timeout=60,
                               cwd=tmp_path)
        assert probe.stdout.strip() == "no resource False", probe.stdout + probe.stderr


@pytest.mark.slow
def test_every_module_of_the_handout_imports_without_resource_fcntl_or_fork(windows_venv: Path,
                                                                          tmp_path: Path) -> None:
    run = subprocess.run([str(windows_venv / "bin" / "python"), "-c", IMPORT_ALL], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["failed"] == []
    assert {"coursekit.check", "coursekit.sandbox.host", "coursekit.sandbox.portable",
            "coursekit.sandbox.process", "coursekit.cli.check_cmd",
            "coursekit.handout"} <= set(report["imported"])
    assert report["blocked"] == {"resource": True, "fcntl": True} and report["loaded"] == []
    assert report["fork"] is False and report["runner"] == "portable"
    # grade's Linux sandbox is not in the handout
    assert not [m for m in report["imported"] if m.endswith(("isolation", "forkserver", "_isolate"))]


@pytest.mark.slow
def test_a_simulated_windows_student_gets_full_marks_and_the_named_mistakes(windows_venv: Path,
                                                                           tmp_path: Path) -> None:
    coursekit = str(windows_venv / "bin" / "coursekit")
    listed = subprocess.run([coursekit, "list", "--lang", "en"], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert listed.returncode == 0 and "ex1_rnn_forward.py" in listed.stdout, listed.stdout + listed.stderr
    solution = folder_with(tmp_path, "solution", {
        "ex1_rnn_forward.py": (SOLUTIONS / "ex1_rnn_forward.py").read_text(encoding="utf-8")})
    notes = {}
    for lang in ("en", "zh"):
        run = subprocess.run([coursekit, "check", "ex1", str(solution), "--lang", lang], capture_output=True,
                             text=True, timeout=300, cwd=tmp_path, env={**os.environ, "COLUMNS": "200"})
        assert run.returncode == 0, run.stdout + run.stderr
        assert {"en": "ex1: 13/13", "zh": "ex1：13/13"}[lang] in run.stdout, run.stdout
        notes[lang] = " ".join(run.stdout.split())
    # said once, in the student's language: this runner applies no memory or file-size limit here
    assert notes["en"].count("check cannot apply the memory limit, the file-size limit") == 1, notes["en"]
    assert notes["zh"].count("check 无法设置内存限制、文件大小限制") == 1, notes["zh"]
    specs = []
    for mistake_id, (source, _) in test_ex1.MISTAKES.items():
        folder = folder_with(tmp_path, mistake_id, {"ex1_rnn_forward.py": source})
        specs.append({"exercise": "ex1", "folder": str(folder), "mistake": mistake_id})
    stub = folder_with(tmp_path, "stub", {
        "ex1_rnn_forward.py": (EXERCISES / "ex1_rnn_forward.py").read_text(encoding="utf-8")})
    specs.append({"exercise": "ex1", "folder": str(stub), "mistake": ""})
    run = subprocess.run([str(windows_venv / "bin" / "python"), "-c", CHECK_MANY, json.dumps(specs)],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    for spec in specs:
        result = got[spec["folder"]]
        assert result["notes"][:1] == ["note.limits_not_applied"], result["notes"]
        if spec["mistake"]:
            assert result["score"] < result["max"]
            assert spec["mistake"] in {t[3] for t in result["tests"]}, (spec["mistake"], result["tests"])
        else:
            assert result["score"] == 0 and all(t[1] == "failed" for t in result["tests"])


@pytest.mark.slow
def test_the_repositorys_check_runs_without_resource_fcntl_or_fork(tmp_path: Path) -> None:
    script = WINDOWS_LIKE + textwrap.dedent("""
        from coursekit.cli import main
        sys.argv = ["coursekit", "check", "ex1", sys.argv[1], "--lang", "en"]
        main()
        """)
    run = subprocess.run([sys.executable, "-c", script, str(SOLUTIONS)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path, env={**os.environ, "COLUMNS": "200"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ex1: 13/13" in run.stdout
    assert "check cannot apply the memory limit, the file-size limit" in " ".join(run.stdout.split())


# ---- the runner is chosen, and says what it cannot do ------------------------------------------------

def test_the_runner_is_linux_here_and_portable_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    assert host.runner_kind({}) == "linux"
    assert host.runner_kind({"COURSEKIT_RUNNER": "portable"}) == "portable"
    assert host.runner_kind({"COURSEKIT_RUNNER": " Auto "}) == "linux"
    from coursekit._exceptions import InvalidOptionError

    with pytest.raises(InvalidOptionError, match="COURSEKIT_RUNNER: expected linux, portable"):
        host.runner_kind({"COURSEKIT_RUNNER": "windows"})
    monkeypatch.setattr(host, "rlimits", lambda: None)  # as on Windows
    assert host.runner_kind({}) == "portable"
    with pytest.raises(InvalidOptionError):
        host.runner_kind({"COURSEKIT_RUNNER": "linux"})
    assert host.unapplied_limits("portable") == ("memory", "file_size")


def test_macos_applies_the_file_size_limit_only_and_linux_both(monkeypatch: pytest.MonkeyPatch) -> None:
    assert host.unapplied_limits("linux") == () and host.unapplied_limits("portable") == ()
    monkeypatch.setattr(sys, "platform", "darwin")
    assert host.unapplied_limits("portable") == ("memory",)


def test_the_limits_note_is_in_both_languages() -> None:
    from coursekit.check import limits_note

    note = limits_note("portable")
    assert note is None  # Linux with resource: every limit applies
    from coursekit.messages import msg

    note = msg("note.limits_not_applied", limits=(msg("limit.memory"),))
    assert "the memory limit" in render(note, "en", strict=True)
    assert "内存限制" in render(note, "zh", strict=True)


KERAS_ARGS = '"keras>=3.0" "tensorflow>=2.16" "matplotlib>=3.7"'


@pytest.mark.parametrize(("platform", "machine", "executable", "expected"), [
    ("linux", "x86_64", "/home/li/.venv/bin/python",
     '/home/li/.venv/bin/python -m pip install "keras>=3.0" "tensorflow-cpu>=2.16" "matplotlib>=3.7"'),
    ("darwin", "arm64", "/Users/li lei/ck/.venv/bin/python",
     f"'/Users/li lei/ck/.venv/bin/python' -m pip install {KERAS_ARGS}"),
    ("win32", "AMD64", r"C:\Users\li\ck\.venv\Scripts\python.exe",
     rf"C:\Users\li\ck\.venv\Scripts\python.exe -m pip install {KERAS_ARGS}"),
    ("win32", "AMD64", r"C:\Users\李 雷\ck\.venv\Scripts\python.exe",
     r'(PowerShell) & "C:\Users\李 雷\ck\.venv\Scripts\python.exe" -m pip install "keras>=3.0" '
     r'"tensorflow>=2.16" "matplotlib>=3.7"   (cmd) "C:\Users\李 雷\ck\.venv\Scripts\python.exe" -m pip '
     r'install "keras>=3.0" "tensorflow>=2.16" "matplotlib>=3.7"'),
])
def test_the_keras_command_runs_this_python_in_this_platforms_shells(platform: str, machine: str,
                                                                    executable: str, expected: str) -> None:
    assert install.keras_command(executable=executable, platform=platform, machine=machine) == expected


def test_the_keras_command_installs_into_the_python_that_runs_check() -> None:
    command = install.keras_command()
    assert command.startswith(f"{sys.executable} -m pip install ")
    bash = subprocess.run(["bash", "-c", f"printf '%s\\n' {command.partition(' -m ')[2]}"],
                          capture_output=True, text=True, check=True, timeout=30).stdout.splitlines()
    assert bash == ["pip", "install", "keras>=3.0", "tensorflow-cpu>=2.16", "matplotlib>=3.7"]


# ---- the same verdicts through both runners ---------------------------------------------------------

def sources(exercise_id: str) -> dict[str, str]:
    """The solution and the stub of ``exercise_id``, and for a numpy exercise two of its named mistakes'
    wrong files (``PORTABLE_MISTAKES``).

    Every wrong file is checked through the Linux runner by test_contract.py; here each goes through both
    runners, a fresh interpreter per check, and the runners differ only in how the child starts and how
    its results come back: the solution (every test passed), the stub (every test failed, on an exception)
    and two named mistakes (a wrong value judged and named) take each path of that. A Keras exercise's
    solution (a trained model's weights and history: the largest results) does the same; its stub fails
    as a numpy stub does, and would cost a fresh interpreter importing TensorFlow for nothing else."""
    exercise = get_exercise(exercise_id)
    found = {"solution": (SOLUTIONS / exercise.filename).read_text(encoding="utf-8")}
    if exercise.forbidden_imports:  # numpy exercises
        found["stub"] = (EXERCISES / exercise.filename).read_text(encoding="utf-8")
        for mistake_id in portable_mistakes(exercise_id):
            found[f"mistake {mistake_id}"] = TABLES[exercise_id][mistake_id]
    return found


def portable_mistakes(exercise_id: str) -> list[str]:
    """The named mistakes whose wrong files go through both runners: the first and the last by name."""
    names = sorted(TABLES.get(exercise_id, {}))
    return list(dict.fromkeys(names[:1] + names[-1:]))


def verdicts(result: ExerciseResult) -> dict[str, Any]:
    return {"score": result.score, "notes": [n.key for n in result.notes],
            "tests": [[t.name, t.status, t.score, t.mistake] for t in result.tests]}


NUMPY = [i for i in exercise_ids() if get_exercise(i).forbidden_imports]
KERAS = [i for i in exercise_ids() if not get_exercise(i).forbidden_imports]


# Run with $COURSEKIT_RUNNER=portable: check each folder, report each result's verdicts (as verdicts()).
PORTABLE_VERDICTS = """
import json, sys
from pathlib import Path
from coursekit.check import check
out = {}
for spec in json.loads(sys.argv[1]):
    r = check(spec["exercise"], Path(spec["folder"]))
    out[spec["folder"]] = {"score": r.score, "notes": [n.key for n in r.notes],
                           "tests": [[t.name, t.status, t.score, t.mistake] for t in r.tests]}
print(json.dumps(out))
"""


class PortableVerdicts:
    """The portable runner's verdicts on every exercise's sources (``sources``), checked by ``coursekit
    check`` in two processes of their own with $COURSEKIT_RUNNER=portable (one for the numpy exercises, one
    for the Keras ones), started at first use: they run while the tests grade the same sources through the
    Linux runner in this process, and each test then compares its exercise's two sets of verdicts."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folders: dict[tuple[str, str], str] = {}
        self.runs: dict[str, subprocess.Popen[str]] = {}  # by exercise id
        self.results: dict[str, Any] = {}

    def start(self) -> None:
        if self.runs:
            return
        for group in (NUMPY, KERAS):
            specs = []
            for exercise_id in group:
                filename = get_exercise(exercise_id).filename
                for label, source in sources(exercise_id).items():
                    folder = self.root / exercise_id / label
                    if exercise_id in NUMPY:  # ex5 imports the student's ex1 and ex4: the right ones here
                        shutil.copytree(SOLUTIONS, folder)
                    else:
                        folder.mkdir(parents=True)
                    (folder / filename).write_text(source, encoding="utf-8")
                    self.folders[exercise_id, label] = str(folder)
                    specs.append({"exercise": exercise_id, "folder": str(folder)})
            run = subprocess.Popen(
                [sys.executable, "-c", PORTABLE_VERDICTS, json.dumps(specs)], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, cwd=self.root,
                env={**os.environ, host.RUNNER_VARIABLE: "portable"})
            self.runs.update(dict.fromkeys(group, run))

    def get(self, exercise_id: str, label: str) -> Any:
        self.start()
        folder = self.folders[exercise_id, label]
        if folder not in self.results:  # wait for the process that checks this exercise only
            run = self.runs[exercise_id]
            stdout, stderr = run.communicate(timeout=1800)
            assert run.returncode == 0, stderr[-3000:]
            self.results.update(json.loads(stdout.strip().splitlines()[-1]))
        return self.results[folder]

    def close(self) -> None:
        for run in dict.fromkeys(self.runs.values()):
            if run.returncode is None:  # not read (a test failed first): stop it, close its pipes
                run.kill()
                run.communicate()


@pytest.fixture(scope="module")
def portable_verdicts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortableVerdicts]:
    found = PortableVerdicts(tmp_path_factory.mktemp("portable"))
    yield found
    found.close()


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", NUMPY)
def test_the_portable_runner_gives_the_linux_runners_verdicts(exercise_id: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              portable_verdicts: PortableVerdicts) -> None:
    exercise = get_exercise(exercise_id)
    portable_verdicts.start()  # the portable runner's checks run meanwhile
    monkeypatch.setenv(host.RUNNER_VARIABLE, "linux")
    for label, source in sources(exercise_id).items():
        folder = tmp_path / label
        shutil.copytree(SOLUTIONS, folder)  # ex5 imports the student's ex1 and ex4: the right ones here
        (folder / exercise.filename).write_text(source, encoding="utf-8")
        linux = verdicts(check(exercise_id, folder))
        assert portable_verdicts.get(exercise_id, label) == linux, label
        if label.startswith("mistake "):  # named through both runners (the verdicts are equal)
            assert label.removeprefix("mistake ") in {t[3] for t in linux["tests"]}, (label, linux)
        if label == "solution":
            assert linux["score"] == exercise.public_points()
        if label == "stub":
            assert linux["score"] == 0 and all(t[1] != "passed" for t in linux["tests"]), linux
    # a named mistake came through both runners (wherever the exercise names one)
    assert not exercise.mistake_ids or any(label.startswith("mistake ") for label in sources(exercise_id))


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", KERAS)
def test_the_keras_exercises_get_the_same_verdicts_through_the_portable_runner(
        exercise_id: str, monkeypatch: pytest.MonkeyPatch, portable_verdicts: PortableVerdicts,
        graded_once: Callable[[str, str], ExerciseResult]) -> None:
    exercise = get_exercise(exercise_id)
    portable_verdicts.start()
    monkeypatch.setenv(host.RUNNER_VARIABLE, "linux")
    for label, source in sources(exercise_id).items():
        linux = verdicts(graded_once(exercise_id, source))  # shared with test_ex3 / test_ex7
        assert portable_verdicts.get(exercise_id, label) == linux, label
        if label == "solution":
            assert linux["score"] == exercise.public_points()


# ---- the dependencies resolve for every platform --------------------------------------------------

PLATFORMS = {
    "win_amd64": ({"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64",
                   "os_name": "nt"}, ["win_amd64"]),
    "macosx_arm64": ({"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64",
                      "os_name": "posix"}, ["macosx_14_0_arm64"]),
    "macosx_x86_64": ({"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "x86_64",
                       "os_name": "posix"}, ["macosx_12_0_x86_64"]),
    # pip widens a macosx tag to the older ones, not a manylinux tag: each glibc version is named
    "manylinux_x86_64": ({"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
                          "os_name": "posix"},
                         [f"manylinux_2_{v}_x86_64" for v in range(28, 16, -1)] + ["manylinux2014_x86_64"]),
}
PYTHON = "3.11"
CONSTRAINTS = ROOT / "constraints.txt"


def marker_environment(platform: str) -> dict[str, str]:
    env, _ = PLATFORMS[platform]
    return {**env, "python_version": PYTHON, "python_full_version": f"{PYTHON}.9",
            "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}


def requirements_for(requirements: list[str], platform: str) -> list[str]:
    """The requirements whose markers hold on ``platform``, without their markers (pip would evaluate
    them for the Linux it runs on, whatever --platform says)."""
    from packaging.requirements import Requirement

    kept = []
    for line in requirements:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(marker_environment(platform)):
            req.marker = None
            kept.append(str(req))
    return kept


def handout_requirements() -> list[str]:
    import tempfile

    from coursekit.registry import content_package
    from coursekit.release.package import write_pyproject

    with tempfile.TemporaryDirectory() as folder:
        write_pyproject(Path(folder), "0", content_package())
        project = tomllib.loads((Path(folder) / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    return [*project["dependencies"], *extras["keras"], *extras["notebook"]]


def repository_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def dry_run(requirements: list[str], platform: str, target: Path, constraints: Path | None = None,
            deps: bool = True) -> tuple[int, str, dict[str, str]]:
    """pip's resolution of ``requirements`` for ``platform``'s wheels: (exit code, pip's words, what it
    would install, name -> version).

    Without pip's HTTP cache (``--no-cache-dir``): the index here answers with no Cache-Control, Expires
    or ETag, so pip stores nothing and a cache shared between the resolutions would hold nothing, yet
    with one pip spools every download through a temporary file for it (about a sixth of a resolution's
    CPU). A resolution's large downloads are its platform's own wheels (TensorFlow's for that platform),
    which no other resolution asks for."""
    _, tags = PLATFORMS[platform]
    report = target.with_suffix(".json")
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
               "--no-cache-dir", "--disable-pip-version-check", "--only-binary=:all:",
               "--python-version", PYTHON, "--target", str(target), "--report", str(report),
               *(f"--platform={tag}" for tag in tags), *([] if deps else ["--no-deps"]), *requirements]
    if constraints is not None:
        command += ["-c", str(constraints)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    installed = {}
    if run.returncode == 0:
        for item in json.loads(report.read_text(encoding="utf-8"))["install"]:
            installed[item["metadata"]["name"].lower().replace("_", "-")] = item["metadata"]["version"]
    return run.returncode, run.stdout + run.stderr, installed


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> None:
    # one page and one wheel: whether an index answers, not what it resolves (the test below asks that)
    code, said, _ = dry_run(["typer"], "win_amd64", tmp_path_factory.mktemp("index") / "t", deps=False)
    if code != 0:
        pytest.skip(f"no package index answers pip here: {said.strip().splitlines()[-1:]}")


def test_a_handouts_resolution_stands_for_the_repositorys_only_where_it_meets_every_pin() -> None:
    wanted = ["keras>=3.0", "numpy>=1.26"]
    got = {"keras": "3.15.1", "numpy": "2.4.6", "rich": "15.0.0"}
    assert resolves_the_same(wanted, list(reversed(wanted)), {"numpy": "2.4.6", "tensorflow": "2.21.0"}, got)
    assert resolves_the_same(wanted, wanted, None, got)
    assert not resolves_the_same(wanted, wanted, {"numpy": "2.4.5"}, got)  # a pin older than the newest
    assert not resolves_the_same(wanted, [*wanted, "rich>=13"], None, got)  # the repository asks for more


def test_the_markers_pick_the_tensorflow_each_platform_has() -> None:
    for platform in PLATFORMS:
        env = marker_environment(platform)
        mine = install.for_this_platform(install.KERAS_EXTRA, env["sys_platform"], env["platform_machine"])
        assert list(mine) == requirements_for(list(install.KERAS_EXTRA), platform), platform
        tensorflow = [r for r in mine if r.startswith("tensorflow")]
        linux = platform == "manylinux_x86_64"
        assert tensorflow == ["tensorflow-cpu>=2.16" if linux else "tensorflow>=2.16"]
    # the repository asks for the same TensorFlow, and numpy 1 on Intel Macs, as the handout's extra
    shared = (install.TENSORFLOW_CPU, install.TENSORFLOW, install.INTEL_MAC_NUMPY)
    assert set(shared) <= set(repository_requirements()) and set(shared) <= set(install.KERAS_EXTRA)


def test_the_constraints_pin_what_this_environment_runs() -> None:
    pins = dict(line.split("==") for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#"))
    for name in ("tensorflow-cpu", "keras", "numpy"):
        assert pins[name] == metadata.version(name), name
    assert pins["tensorflow"] == pins["tensorflow-cpu"]


def resolves_the_same(handout: list[str], repository: list[str], pins: dict[str, str] | None,
                      installed: dict[str, str]) -> bool:
    """Whether the handout's resolution ``installed`` is a resolution of the repository's requirements with
    ``pins`` (constraints.txt, or None): the same requirements, and every pinned package it installs at its
    pin (a constraint only narrows the versions pip may take; it asks for nothing to be installed)."""
    from packaging.requirements import Requirement

    def same(lines: list[str]) -> set[str]:
        return {str(Requirement(line)) for line in lines}

    return same(handout) == same(repository) and all(
        installed.get(name, version) == version for name, version in (pins or {}).items())


@pytest.mark.slow
@pytest.mark.usefixtures("index")
def test_the_handout_and_the_repository_resolve_for_windows_macos_and_linux(tmp_path: Path) -> None:
    """Two resolutions at a time (four measured no faster here: the index serves no wheel metadata, so pip
    downloads whole wheels, TensorFlow's 350 MB among them, and parses every page's links, about 10 CPU-s
    a resolution with pip 26, which the test extra asks for, 35 with Python 3.11's pip 23): each
    platform's handout with its extras, and the repository with constraints.txt,
    which pins TensorFlow 2.21: it has no Intel macOS wheels, so that platform resolves the repository
    without the pins (its last TensorFlow is 2.16).

    The repository asks for what the handout with its extras asks for: where the handout's resolution
    already installs every pinned package at its pin (the pins are the newest releases), it is a
    resolution of the repository with constraints.txt too, and is not asked of the index a second time;
    where a pin differs from what the handout gets (a newer release), or the two sets of requirements
    part, the repository is resolved on its own."""
    pins = dict(line.split("==") for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#"))
    requirements = {(platform, what): requirements_for(wanted(), platform) for platform in PLATFORMS
                    for what, wanted in (("handout", handout_requirements),
                                         ("repository", repository_requirements))}
    results: dict[tuple[str, str], tuple[int, str, dict[str, str]]] = {}
    with ThreadPoolExecutor(2) as pool:
        handouts = {platform: pool.submit(dry_run, requirements[platform, "handout"], platform,
                                          tmp_path / f"{platform}-handout") for platform in PLATFORMS}
        repositories = {}
        for platform, job in handouts.items():
            results[platform, "handout"] = job.result()
            pinned = platform != "macosx_x86_64"
            code, _, installed = results[platform, "handout"]
            if code == 0 and resolves_the_same(requirements[platform, "handout"],
                                               requirements[platform, "repository"],
                                               pins if pinned else None, installed):
                results[platform, "repository"] = results[platform, "handout"]
            else:
                repositories[platform] = pool.submit(
                    dry_run, requirements[platform, "repository"], platform,
                    tmp_path / f"{platform}-repository", CONSTRAINTS if pinned else None)
        for platform, job in repositories.items():
            results[platform, "repository"] = job.result()
    for (platform, what), (code, said, installed) in results.items():
        assert code == 0, (platform, what, said[-2000:])
        tensorflow = "tensorflow-cpu" if platform == "manylinux_x86_64" else "tensorflow"
        assert {tensorflow, "keras", "numpy"} <= set(installed), (platform, what, installed)
        if what == "repository" and platform != "macosx_x86_64":
            assert {n: installed[n] for n in (tensorflow, "keras", "numpy")} == \
                {n: pins[n] for n in (tensorflow, "keras", "numpy")}, platform


@pytest.mark.slow
def test_check_prints_to_a_gbk_pipe_without_stopping(tmp_path: Path) -> None:
    """Jupyter's ``!coursekit check`` on a Chinese Windows: stdout is a pipe written in GBK, which has no
    ``✓``; check replaces what GBK cannot write instead of stopping with UnicodeEncodeError."""
    for kind in ("linux", "portable"):
        command = [sys.executable, "-m", "coursekit", "check", "ex1", str(SOLUTIONS), "--lang", "zh"]
        run = subprocess.run(command, capture_output=True, timeout=300, cwd=tmp_path,
                             env={**os.environ, "PYTHONIOENCODING": "gbk", host.RUNNER_VARIABLE: kind})
        said = run.stdout.decode("gbk")
        assert run.returncode == 0, said + run.stderr.decode("gbk", errors="replace")
        assert "ex1：13/13 分" in said and "Traceback" not in said
