"""coursekit grade: the whole class, resumable, isolated from one student to the next."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from coursekit.batch import GradeOptions, grade_class
from coursekit.batch.roster import Submission
from coursekit.batch.run import PER_WORKER, _deal, _Queue
from coursekit.batch.secret import Secret, load_secret
from coursekit.batch.worker import cases_for
from coursekit.registry import get_exercise

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = (ROOT / "solutions" / "ex1_rnn_forward.py").read_text()
STUB = (ROOT / "exercises" / "ex1_rnn_forward.py").read_text()
SECRET = Secret("test-secret", "test")
OPTIONS = GradeOptions(exercises=("ex1",), workers=2, timeout_s=3, secret=SECRET)


def make_student(class_dir: Path, name: str, source: str | None) -> Path:
    folder = class_dir / name
    folder.mkdir(parents=True)
    if source is not None:
        (folder / "ex1_rnn_forward.py").write_text(source)
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, bytes]]:
    class_dir = tmp_path_factory.mktemp("class")
    make_student(class_dir, "good", SOLUTION)
    make_student(class_dir, "stub", STUB)
    make_student(class_dir, "missing", None)
    make_student(class_dir, "exits", "import sys\nsys.exit(0)\n")
    endless = "def rnn_output(s, V, c):\n    while True:\n        pass"
    make_student(class_dir, "loops", SOLUTION.replace("def rnn_output(s, V, c):", endless))
    with zipfile.ZipFile(class_dir / "zipped.zip", "w") as zf:
        zf.writestr("zipped/ex1_rnn_forward.py", SOLUTION)
    before = snapshot(class_dir)
    out = tmp_path_factory.mktemp("out")
    grade_class(class_dir, out, OPTIONS)
    return class_dir, out, before


ESCAPES = {"up": "../escape.py", "absolute": "/tmp/coursekit-abs-escape.py", "through": "a/../../escape.py"}
NOBIAS = SOLUTION.replace("np.tanh(np.asarray(x_t) @ U + np.asarray(s_prev) @ W + b)",
                          "np.tanh(np.asarray(x_t) @ U + np.asarray(s_prev) @ W)")
LEAKY = SOLUTION + '''

def rnn_output(s, V, c):
    print("INPUTS", repr(s.tolist()))
    raise ValueError("INPUTS " + repr(s.tolist()))
'''


@pytest.fixture(scope="module")
def refused_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One class run shared by the tests of what intake refuses and of what hidden feedback hides: zips
    whose entries escape, a link in a zip, a zip bomb, a linked file in a folder, a bias left out, and
    hidden inputs printed and raised. Returns (the folder holding the class folder, the output folder)."""
    base = tmp_path_factory.mktemp("refused")
    class_dir = base / "c"
    class_dir.mkdir()
    for student, name in ESCAPES.items():
        with zipfile.ZipFile(class_dir / f"evil_{student}.zip", "w") as zf:
            zf.writestr("ex1_rnn_forward.py", SOLUTION)
            zf.writestr(name, "print('escaped')\n")
    with zipfile.ZipFile(class_dir / "link.zip", "w") as zf:
        info = zipfile.ZipInfo("ex1_rnn_forward.py")
        info.external_attr = (0o120777) << 16
        zf.writestr(info, "/etc/passwd")
    with zipfile.ZipFile(class_dir / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ex1_rnn_forward.py", "#" * (64 << 20))
    folder = make_student(class_dir, "linker", None)
    (folder / "ex1_rnn_forward.py").symlink_to(ROOT / "solutions" / "ex1_rnn_forward.py")
    make_student(class_dir, "nobias", NOBIAS)
    make_student(class_dir, "leaky", LEAKY)
    grade_class(class_dir, base / "out", OPTIONS)
    return base, base / "out"


@pytest.mark.slow
def test_grades_csv_has_one_row_per_student_and_contract_columns(graded_class):
    _, out, _ = graded_class
    rows = read_csv(out / "grades.csv")
    assert list(rows[0]) == ["student", "ex1", "total"]
    full_points = get_exercise("ex1").public_points() + get_exercise("ex1").hidden_points()
    assert rows[0]["student"] == "max" and float(rows[0]["ex1"]) == float(rows[0]["total"]) == full_points
    rows = rows[1:]
    scores = {r["student"]: float(r["ex1"]) for r in rows}
    full = get_exercise("ex1").public_points() + get_exercise("ex1").hidden_points()
    assert scores["good"] == full and scores["zipped"] == full
    assert scores["stub"] == 0 and scores["missing"] == 0 and scores["exits"] == 0
    # The student whose rnn_output loops forever keeps the points of the other two functions.
    output_points = sum(c.points for c in cases_for(get_exercise("ex1"), 0) if c.function == "rnn_output")
    assert scores["loops"] == full - output_points


@pytest.mark.slow
def test_class_folder_is_unchanged(graded_class):
    class_dir, _, before = graded_class
    assert snapshot(class_dir) == before


@pytest.mark.slow
def test_results_json_has_gradescope_fields(graded_class):
    _, out, _ = graded_class
    data = json.loads((out / "feedback" / "loops" / "results.json").read_text())
    assert isinstance(data["score"], float) and isinstance(data["execution_time"], float)
    assert {"visible", "after_published"} == {t["visibility"] for t in data["tests"]}
    for test in data["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
    assert data["score"] == sum(t["score"] for t in data["tests"])
    timed_out = [t for t in data["tests"] if "timed out" in t["output"]]
    assert timed_out, "the endless loop is reported as a timeout"


@pytest.mark.slow
def test_hidden_feedback_never_shows_expected_values(refused_class):
    _, out = refused_class
    data = json.loads((out / "feedback" / "nobias" / "results.json").read_text())
    hidden = [t for t in data["tests"] if t["visibility"] == "after_published" and t["status"] == "failed"]
    assert hidden
    for t in hidden:
        assert "expected" not in t["output"] and "index" not in t["output"]
    assert any("the bias b was left out" in t["output"] for t in hidden)


@pytest.mark.slow
def test_report_markdown_per_student(graded_class):
    _, out, _ = graded_class
    text = (out / "feedback" / "stub" / "report.md").read_text()
    assert "# Feedback for stub" in text and "NotImplementedError" in text


@pytest.mark.slow
def test_one_students_crash_does_not_change_anothers_grade(graded_class, tmp_path):
    _, out, _ = graded_class
    alone = tmp_path / "alone"
    make_student(alone, "good", SOLUTION)
    grade_class(alone, tmp_path / "out", OPTIONS)
    with_others = json.loads((out / "feedback" / "good" / "results.json").read_text())
    by_itself = json.loads((tmp_path / "out" / "feedback" / "good" / "results.json").read_text())
    strip = lambda d: [(t["name"], t["score"], t["status"]) for t in d["tests"]]  # noqa: E731
    assert strip(with_others) == strip(by_itself)


@pytest.mark.slow
def test_rerun_reuses_finished_and_regrades_changed(tmp_path):
    class_dir = tmp_path / "c"
    make_student(class_dir, "a", SOLUTION)
    make_student(class_dir, "b", STUB)
    first = grade_class(class_dir, tmp_path / "out", OPTIONS)
    assert (first.graded, first.reused) == (2, 0)
    (class_dir / "b" / "ex1_rnn_forward.py").write_text(SOLUTION)
    second = grade_class(class_dir, tmp_path / "out", OPTIONS)
    assert (second.graded, second.reused) == (1, 1)
    assert {r["student"]: float(r["total"]) for r in read_csv(tmp_path / "out" / "grades.csv")}["b"] > 0
    # timings.json says what this run did: one grading of ex1, its phases, and the coordinator's.
    timings = json.loads((tmp_path / "out" / "timings.json").read_text())
    ran = (timings["students"], timings["graded"], timings["reused"], timings["tasks"])
    assert ran == (2, 1, 1, {"ex1": 1})
    phases = {(e, p) for e, p, *_ in timings["rows"]}
    assert {("*", "staging"), ("*", "writing"), ("ex1", "student"), ("ex1", "sandbox"),
            ("ex1", "judging")} <= phases
    assert all(wall >= 0 and cpu >= 0 for *_, wall, cpu in timings["rows"])
    student_cpu = next(cpu for e, p, _, cpu in timings["rows"] if (e, p) == ("ex1", "student"))
    assert student_cpu > 0, "the fork server reports the student's process's CPU"


def test_hidden_inputs_differ_per_student_and_secret():
    ex = get_exercise("ex1")

    def first_hidden(secret: Secret, student: str) -> np.ndarray:
        case = next(c for c in cases_for(ex, secret.seed(student, "ex1"), secret.class_seed("ex1"))
                    if c.hidden)
        return np.asarray(case.args[0])

    a = first_hidden(SECRET, "alice")
    assert np.array_equal(a, first_hidden(SECRET, "alice"))
    assert not np.array_equal(a, first_hidden(SECRET, "bob"))
    assert not np.array_equal(a, first_hidden(Secret("another", "test"), "alice"))


def _arrays(case) -> list[np.ndarray]:
    """Every array a case passes, in order (tuples of weights and states unpacked)."""
    found = []
    for value in [*case.args, *case.kwargs.values()]:
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, np.ndarray):
                found.append(item)
    return found


@pytest.mark.parametrize("exercise_id", ["ex1", "ex4", "ex5"])
def test_a_class_shares_hidden_shapes_but_not_values(exercise_id):
    ex = get_exercise(exercise_id)
    assert ex.shapes_per_class

    def hidden(secret: Secret, student: str):
        return [c for c in cases_for(ex, secret.seed(student, exercise_id), secret.class_seed(exercise_id))
                if c.hidden]

    def shapes(cases):
        return [(c.name, sorted(c.kwargs), [(a.shape, a.dtype) for a in _arrays(c)]) for c in cases]

    alice, bob = hidden(SECRET, "alice"), hidden(SECRET, "bob")
    assert shapes(alice) == shapes(bob)
    for a, b in zip(alice, bob, strict=True):
        assert not any(np.array_equal(x, y) for x, y in zip(_arrays(a), _arrays(b), strict=True)), a.name
    assert shapes(hidden(Secret("another", "test"), "alice")) != shapes(alice)
    # Without the class seed, shapes come from the student's own seed, as before.
    alone = [c for c in cases_for(ex, SECRET.seed("bob", exercise_id)) if c.hidden]
    assert shapes(alone) != shapes(bob) and [c.name for c in alone] == [c.name for c in bob]


def test_call_key_is_the_cases_inputs():
    from coursekit.exercise import Case, call_key

    def case(x, **kwargs):
        return Case("c", "f", (x, [1, "a"]), kwargs)

    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert call_key(case(x, n=3)) == call_key(case(x.copy(), n=3))
    changed = x.copy()
    changed[1, 2] += 1e-12
    assert call_key(case(changed, n=3)) != call_key(case(x, n=3))
    assert call_key(case(x.reshape(3, 2), n=3)) != call_key(case(x, n=3))  # the same bytes
    assert call_key(case(x.astype(np.float32), n=3)) != call_key(case(x, n=3))
    assert call_key(case(x, n=4)) != call_key(case(x, n=3))
    assert call_key(case(x, n="3")) != call_key(case(x, n=3))
    assert call_key(case(x, n=np.int64(3))) == call_key(case(x, n=3))  # the same call in the child


def test_worker_computes_a_repeated_cases_expected_value_once():
    from coursekit.batch import worker
    from coursekit.exercise import Case

    class Counting:
        id = "counting"

        def __init__(self):
            self.calls = []

        def expected_values(self, cases):
            self.calls += [c.name for c in cases]
            return {c.name: float(c.args[0].sum()) for c in cases}

    ex = Counting()
    first = [Case("a", "f", (np.ones(3),)), Case("b", "f", (np.ones(4),))]
    assert worker.expected_values(ex, first) == {"a": 3.0, "b": 4.0}
    # Another student: "a" is drawn the same, "b" has other values.
    again = [Case("a", "f", (np.ones(3),)), Case("b", "f", (np.full(4, 2.0),))]
    assert worker.expected_values(ex, again) == {"a": 3.0, "b": 8.0}
    assert ex.calls == ["a", "b", "b"]


def test_two_students_making_the_same_call_each_get_the_expected_value_of_their_own_case():
    """ex11's and ex7's hidden training cases make the same call for every student (one training on the
    same data) and are judged on each student's own evaluation series, a field of the case that never
    reaches the student's process: the worker's memo must not hand one student the other's answer."""
    from dataclasses import dataclass

    from coursekit.batch import worker
    from coursekit.exercise import Case, call_key, case_key

    @dataclass(frozen=True)
    class SeriesCase(Case):
        evaluation_seed: int | None = None

    class BySeries:
        id = "by-series"

        def expected_values(self, cases):
            return {c.name: c.evaluation_seed for c in cases}

    ex = BySeries()
    one, other = (SeriesCase("hidden train", "train", (np.ones(3),), evaluation_seed=seed) for seed in (7, 8))
    assert call_key(one) == call_key(other) and case_key(one) != case_key(other)
    assert case_key(one) == case_key(SeriesCase("hidden train", "train", (np.ones(3),), points=2.0,
                                                evaluation_seed=7))
    assert worker.expected_values(ex, [one]) == {"hidden train": 7}
    assert worker.expected_values(ex, [other]) == {"hidden train": 8}


@pytest.mark.parametrize("exercise_id", ["ex2", "ex3"])
def test_exercises_whose_inputs_are_sizes_draw_them_per_class(exercise_id):
    # Their hidden cases are sizes alone: one draw per class, so Keras builds each reference once per
    # worker; another class (another secret) gets other sizes, and without a class seed a student's own.
    ex = get_exercise(exercise_id)
    assert ex.shapes_per_class

    def hidden(secret: Secret, student: str, per_class: bool = True):
        class_seed = secret.class_seed(exercise_id) if per_class else None
        return [(c.name, c.args, dict(c.kwargs)) for c in cases_for(ex, secret.seed(student, exercise_id),
                                                                     class_seed) if c.hidden]

    assert hidden(SECRET, "alice") == hidden(SECRET, "bob")
    assert hidden(Secret("another", "test"), "alice") != hidden(SECRET, "alice")
    alone, bob = hidden(SECRET, "alice", per_class=False), hidden(SECRET, "bob", per_class=False)
    assert alone != bob and [n for n, *_ in alone] == [n for n, *_ in bob]


def test_the_class_seed_is_per_exercise_and_secret_and_never_a_students():
    assert SECRET.class_seed("ex1") == SECRET.class_seed("ex1")
    assert SECRET.class_seed("ex1") != SECRET.class_seed("ex4")
    assert SECRET.class_seed("ex1") != Secret("another", "test").class_seed("ex1")
    assert SECRET.class_seed("ex1") not in {SECRET.seed(s, "ex1") for s in ("", "ex1", "alice")}


def test_secret_sources(tmp_path):
    assert load_secret(environ={"COURSEKIT_SECRET": "s1"}, cwd=tmp_path).value == "s1"
    (tmp_path / ".coursekit-secret").write_text("s2\n")
    assert load_secret(environ={}, cwd=tmp_path).value == "s2"
    assert load_secret(environ={}, cwd=tmp_path / "nowhere").is_demo


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(ESCAPES))
def test_zip_entries_cannot_escape(refused_class, student):
    base, out = refused_class
    assert not (base / "escape.py").exists() and not Path("/tmp/coursekit-abs-escape.py").exists()
    assert not (base / "c" / "escape.py").exists()
    data = json.loads((out / "feedback" / f"evil_{student}" / "results.json").read_text())
    assert data["score"] == 0 and "outside the submission" in data["output"]


@pytest.mark.slow
def test_zip_links_and_bombs_are_refused(refused_class):
    _, out = refused_class
    link = json.loads((out / "feedback" / "link" / "results.json").read_text())
    bomb = json.loads((out / "feedback" / "bomb" / "results.json").read_text())
    assert link["score"] == 0 and "link" in link["output"]
    assert bomb["score"] == 0 and "larger than" in bomb["output"]


@pytest.mark.slow
def test_linked_file_in_a_folder_is_refused(refused_class):
    _, out = refused_class
    data = json.loads((out / "feedback" / "linker" / "results.json").read_text())
    assert data["score"] == 0 and "link" in data["output"]


def _rows(db: Path) -> dict[tuple[str, str], float]:
    with sqlite3.connect(db) as conn:
        try:
            return {(s, e): t for s, e, t in conn.execute("SELECT student, exercise, graded_at FROM results")}
        except sqlite3.OperationalError:  # the file exists, its table not yet
            return {}


@dataclass
class Resumed:
    """``coursekit grade`` SIGKILLed mid-batch, then run again on the same output folder."""

    class_dir: Path
    out: Path
    finished: dict[tuple[str, str], float]  # the gradebook's rows when the first run was killed
    after: dict[tuple[str, str], float]  # ... and after the second run
    second: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory) -> Resumed:
    """Six students (a solution, a stub, ...) graded on ex1 by ``coursekit grade`` with one worker and the
    demo secret: the first run is SIGKILLed, with its whole session, once two gradings are stored; the
    second finishes the batch and is the run the CLI's summary is read from."""
    class_dir = tmp_path_factory.mktemp("resume") / "c"
    for i in range(6):
        make_student(class_dir, f"s{i}", SOLUTION if i % 2 else STUB)
    env = {k: v for k, v in os.environ.items() if k != "COURSEKIT_SECRET"} | {"COLUMNS": "120"}
    out = class_dir.parent / "out"
    command = [sys.executable, "-m", "coursekit", "grade", str(class_dir), "--exercises", "ex1",
               "--workers", "1", "--out", str(out)]
    proc = subprocess.Popen(command, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = out / "gradebook.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if db.exists() and len(_rows(db)) >= 2:
                break
        except sqlite3.OperationalError:  # the file exists, its table not yet
            pass
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = _rows(db)
    assert 2 <= len(finished) < 6, "the kill landed mid-batch"
    assert not (out / "grades.csv").exists() or read_csv(out / "grades.csv")
    second = subprocess.run(command, env=env, capture_output=True, text=True)
    return Resumed(class_dir, out, finished, _rows(db), second)


@pytest.mark.slow
def test_resume_after_sigkill_matches_an_uninterrupted_run(resumed, tmp_path):
    assert resumed.second.returncode == 0, resumed.second.stderr
    assert {k: resumed.after[k] for k in resumed.finished} == resumed.finished, \
        "finished gradings were not redone"
    # The uninterrupted run: the same class and secret, graded here (the session's warm worker zygote).
    demo = load_secret(environ={}, cwd=tmp_path)
    assert demo.is_demo
    grade_class(resumed.class_dir, tmp_path / "clean",
                GradeOptions(exercises=("ex1",), workers=1, secret=demo))
    assert (resumed.out / "grades.csv").read_text() == (tmp_path / "clean" / "grades.csv").read_text()
    leftovers = [p.name for p in resumed.out.rglob("*.tmp")]
    assert leftovers == []


@pytest.mark.slow
def test_gradescope_autograder_runs_on_a_fake_tree(tmp_path):
    zip_path = tmp_path / "autograder.zip"
    env = {**os.environ, "COURSEKIT_SECRET": "test-secret"}
    subprocess.run([sys.executable, "-m", "coursekit", "export", "gradescope", "--out", str(zip_path),
                    "--exercises", "ex1"], env=env, check=True, capture_output=True)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
        assert {"setup.sh", "run_autograder", "coursekit-src/pyproject.toml",
                "coursekit-src/coursekit/__init__.py",
                "coursekit-src/graders/ex1/grader.py"} <= set(zf.namelist())
    (root / "submission").mkdir()
    (root / "submission" / "ex1_rnn_forward.py").write_text(SOLUTION)
    (root / "submission_metadata.json").write_text(json.dumps({"id": 7, "users": [{"email": "s@u.edu"}]}))
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True, text=True,
                         env={**os.environ, "AUTOGRADER_ROOT": str(root), "COURSEKIT_PYTHON": sys.executable})
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads((root / "results" / "results.json").read_text())
    ex = get_exercise("ex1")
    assert data["score"] == ex.public_points() + ex.hidden_points()
    assert len(data["tests"]) == len(ex.public_cases()) + len(ex.hidden_cases(np.random.default_rng(0)))


@pytest.mark.slow
def test_cli_grade_prints_summary_and_writes_outputs(resumed):
    run = resumed.second  # a `coursekit grade` run, with the demo secret (the resume test's second run)
    assert run.returncode == 0, run.stderr
    assert "Class summary" in run.stdout and "item analysis" in run.stdout
    assert "demo course secret" in run.stderr
    assert (resumed.out / "grades.csv").is_file()
    students = {r["student"] for r in read_csv(resumed.out / "grades.csv")}
    assert students == {"max", *(f"s{i}" for i in range(6))}


@pytest.mark.slow
def test_unknown_class_folder_exits_2(tmp_path):
    run = subprocess.run([sys.executable, "-m", "coursekit", "grade", str(tmp_path / "nope"), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 2 and "not a folder" in run.stderr


@pytest.mark.slow
def test_hidden_inputs_do_not_come_back_through_messages_or_prints(refused_class):
    _, out = refused_class
    folder = out / "feedback" / "leaky"
    data = json.loads((folder / "results.json").read_text())
    hidden = [t for t in data["tests"]
              if t["visibility"] == "after_published" and "rnn_output" in t["output"]]
    # The student's line is shown (its code holds the word INPUTS), the message with the values is not.
    assert hidden and all("ValueError" in t["output"] and "INPUTS [[" not in t["output"] for t in hidden)
    public = [t for t in data["tests"] if t["visibility"] == "visible" and "rnn_output" in t["output"]]
    assert public and all("INPUTS [[" in t["output"] for t in public), "public cases keep the whole message"
    ex = get_exercise("ex1")
    cases = cases_for(ex, SECRET.seed("leaky", "ex1"), SECRET.class_seed("ex1"))
    secrets = [repr(c.args[0].tolist())[:40] for c in cases if c.hidden and c.function == "rnn_output"]
    assert secrets
    everything = (folder / "results.json").read_text() + (folder / "report.md").read_text()
    assert not any(text in everything for text in secrets)


def test_each_exercise_is_mostly_graded_by_one_worker():
    """A worker pays once per exercise it grades (Keras, fork servers, traced layers): it keeps to the
    exercises it has started, starts one nobody has, and with nothing of its own left, helps."""
    subs = [Submission(f"s{n}", Path("."), "digest") for n in range(3)]
    weights = {"ex1": 10, "ex2": 10, "ex3": 60}
    queue = _Queue([(s, e) for s in subs for e in ("ex1", "ex2", "ex3")], weights.__getitem__)
    a: set[str] = set()
    b: set[str] = set()

    def take(mine: set[str], others: set[str]) -> str:
        exercise = queue.take(mine, others)[1]
        mine.add(exercise)
        return exercise

    assert take(a, b) == "ex3"  # the heaviest first
    assert take(b, a) == "ex1"  # an exercise nobody has started
    assert [take(a, b), take(b, a), take(a, b), take(b, a)] == ["ex3", "ex1", "ex3", "ex1"]
    assert take(b, a) == "ex2"  # its own done: one nobody has started
    queue.put_back((subs[0], "ex1"))  # a grading retried after its worker died
    assert take(a, b) == "ex1"  # nothing of its own left: it helps
    assert [take(b, a), take(b, a)] == ["ex2", "ex2"] and not queue


def test_each_worker_gets_a_grading_before_any_gets_its_next_one():
    """One student: the two heaviest exercises start at once on the two workers, not one after the other
    on the first worker while the second grades the light ones."""
    sub = Submission("s", Path("."), "digest")
    weights = {"ex1": 10, "ex2": 10, "ex3": 60, "ex7": 120}
    queue = _Queue([(sub, e) for e in ("ex1", "ex2", "ex3", "ex7")], weights.__getitem__)
    workers = [SimpleNamespace(exercises=set(), running=0) for _ in range(2)]
    dealt = []
    for worker, (_, exercise) in _deal(queue, workers):
        worker.exercises.add(exercise)
        worker.running += 1
        dealt.append((workers.index(worker), exercise))
    assert dealt == [(0, "ex7"), (1, "ex3"), (0, "ex1"), (1, "ex2")]
    assert [w.running for w in workers] == [PER_WORKER] * 2 and not queue


@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_its_grading_redone(tmp_path):
    class_dir = tmp_path / "c"
    for n in range(4):
        make_student(class_dir, f"s{n}", SOLUTION)
    killed: list[int] = []

    def kill_a_worker(progress):
        if not killed:
            worker = multiprocessing.active_children()[0]
            killed.append(worker.pid)
            os.kill(worker.pid, signal.SIGKILL)

    report = grade_class(class_dir, tmp_path / "out", OPTIONS, on_progress=kill_a_worker)
    assert killed and not report.internal_errors()
    full = get_exercise("ex1").public_points() + get_exercise("ex1").hidden_points()
    assert [s.total for s in report.students] == [full] * 4
