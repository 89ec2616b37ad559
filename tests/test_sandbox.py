"""The sandbox: every way student code can misbehave becomes a clear failed test, never a crash or a pass.

The student files are small; a tiny exercise (``Probe``) whose expected value is ``2 * x`` drives
:func:`coursekit.grading.grade_exercise`, and :func:`coursekit.sandbox.runner.run_job` is used directly
where a raw report is easier to inspect. Every test runs through both of check's runners (``runner``):
Linux's and the portable one that Windows and macOS take (``COURSEKIT_RUNNER``).
"""

from __future__ import annotations

import contextlib
import os
import re
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import text

from coursekit import results
from coursekit.compare import Verdict, compare_array
from coursekit.exercise import Case, Exercise
from coursekit.grading import grade_exercise
from coursekit.results import ExerciseResult
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Call, Job
from coursekit.sandbox.report import RunReport
from coursekit.sandbox.runner import run_job
from coursekit.sandbox.warm import prestarted

LIMITS = Limits(timeout_s=2)  # for the tests that wait for a timeout
ROOMY = Limits(timeout_s=30)  # for the others: a loaded machine must not turn a pass into a timeout
X = np.arange(6.0).reshape(2, 3)


@pytest.fixture(autouse=True, params=["linux", pytest.param("warm", marks=pytest.mark.slow),
                                      pytest.param("portable", marks=pytest.mark.slow)])
def runner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test once per runner of check: Linux's, Linux's with the student's process started before the
    job was known (``sandbox/warm.py``, as ``coursekit check`` starts it: the test's first job takes it),
    and the portable one (Windows, macOS). In the slow lane the last two: each of these tests starts a
    fresh interpreter, and the fast lane runs Linux's once."""
    monkeypatch.setenv("COURSEKIT_RUNNER", "linux" if request.param == "warm" else request.param)
    with prestarted() if request.param == "warm" else contextlib.nullcontext():
        yield str(request.param)


class Probe(Exercise):
    """``f(x)`` and ``g(x)`` must both return ``2 * x``."""

    id = "probe"
    title = "sandbox probe"
    filename = "student.py"
    functions = ("f", "g")
    limits = ROOMY

    def generate_public_cases(self) -> list[Case]:
        return [Case("f", "f", (X,)), Case("g", "g", (X,))]

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        return []

    def reference(self, case: Case) -> Any:
        return 2 * case.args[0]

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return compare_array(expected, got, what=case.function)


GOOD_G = "def g(x):\n    return 2 * x\n"


def write(folder: Path, source: str | None) -> Path:
    folder.mkdir(exist_ok=True)
    if source is not None:
        (folder / "student.py").write_text(source, encoding="utf-8")
    return folder


def grade(tmp_path: Path, source: str | None, limits: Limits = ROOMY) -> ExerciseResult:
    probe = Probe()
    cases = probe.public_cases()
    expected = {c.name: probe.reference(c) for c in cases}
    return grade_exercise(probe, write(tmp_path / "ws", source), cases, expected, limits=limits)


def f_of(result: ExerciseResult) -> results.TestResult:
    return next(t for t in result.tests if t.name == "f")


def g_of(result: ExerciseResult) -> results.TestResult:
    return next(t for t in result.tests if t.name == "g")


def run(tmp_path: Path, source: str, function: str = "f", *args: Any) -> RunReport:
    ws = write(tmp_path / "ws", source)
    return run_job(ws, Job("student", (Call("c", function, args),)), ROOMY)


def gone(pid: int) -> bool:
    """The process no longer runs (it is reaped, or a zombie waiting for its new parent)."""
    for _ in range(100):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rpartition(")")[2].split()[0] in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_correct_file_passes(tmp_path: Path) -> None:
    result = grade(tmp_path, "def f(x):\n    return x + x\n" + GOOD_G)
    assert result.passed and result.score == 2


# ---- time ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_an_endless_loop_times_out_and_the_other_function_still_runs(tmp_path: Path) -> None:
    result = grade(tmp_path, "def f(x):\n    while True:\n        pass\n" + GOOD_G, LIMITS)
    assert not f_of(result).passed
    assert "timed out after 2 s" in text(f_of(result))
    assert g_of(result).passed and result.score == 1


@pytest.mark.slow
@pytest.mark.parametrize("own_group", [False, True], ids=["same group", "own process group"])
def test_a_timeout_kills_the_grandchildren_too(tmp_path: Path, own_group: bool) -> None:
    source = textwrap.dedent(f"""
        import subprocess, time
        def f(x):
            p = subprocess.Popen(["sleep", "300"], process_group={0 if own_group else None})
            print("grandchild", p.pid, flush=True)
            while True:
                time.sleep(0.05)
        """)
    result = grade(tmp_path, source + GOOD_G, LIMITS)
    assert "timed out" in text(f_of(result))
    match = re.search(r"grandchild (\d+)", result.output)
    assert match, result.output
    assert gone(int(match.group(1)))


@pytest.mark.slow
def test_a_grandchild_left_running_after_a_normal_return_is_killed(tmp_path: Path) -> None:
    source = textwrap.dedent("""
        import subprocess
        def f(x):
            p = subprocess.Popen(["sleep", "300"])
            print("grandchild", p.pid, flush=True)
            return 2 * x
        """)
    result = grade(tmp_path, source + GOOD_G)
    assert result.passed
    match = re.search(r"grandchild (\d+)", result.output)
    assert match and gone(int(match.group(1)))


def test_the_process_ends_at_its_last_result_without_waiting_for_what_the_code_left_running(
        tmp_path: Path) -> None:
    """Once it has reported its last result the student's process leaves at once (``_child.leave``): a
    thread the code left running and a function it registered with ``atexit`` do not keep it until its
    time limit (nor keep the grader waiting for an interpreter that imported TensorFlow to shut down)."""
    source = textwrap.dedent("""
        import atexit, threading, time
        def f(x):
            threading.Thread(target=time.sleep, args=(300,)).start()
            atexit.register(time.sleep, 300)
            return 2 * x
        """)
    report = run_job(write(tmp_path / "ws", source), Job("student", (Call("c", "f", (X,)),)), LIMITS)
    assert report.finished and not report.timed_out, report.ending(LIMITS.timeout_s)
    assert report.outcomes["c"].error is None


@pytest.mark.slow
def test_a_hang_at_import_fails_every_case(tmp_path: Path) -> None:
    result = grade(tmp_path, "while True:\n    pass\n" + GOOD_G, LIMITS)
    assert result.score == 0
    assert all("while importing student.py" in text(t) and "timed out" in text(t) for t in result.tests)


@pytest.mark.slow
def test_input_does_not_wait_for_a_keyboard(tmp_path: Path) -> None:
    result = grade(tmp_path, "def f(x):\n    input('number? ')\n    return 2 * x\n" + GOOD_G)
    assert result.passed


# ---- errors --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_an_exception_shows_the_students_own_line(tmp_path: Path) -> None:
    source = "import numpy as np\n\ndef helper(x):\n    return x @ np.ones((5, 5))\n\ndef f(x):\n" \
             "    return helper(x)\n" + GOOD_G
    result = grade(tmp_path, source)
    out = text(f_of(result))
    assert not f_of(result).passed
    assert "ValueError" in out and "matmul" in out
    assert "student.py, line 4, in helper: return x @ np.ones((5, 5))" in out
    assert "numpy" not in out.partition("\n")[2], "frames of numpy itself are not shown"
    assert g_of(result).passed


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    result = grade(tmp_path, "def f(x):\n    return 2 * x\n\ndef g(x)\n    return 2 * x\n")
    for t in result.tests:
        assert "student.py does not compile" in text(t) and "line 4" in text(t) and "def g(x)" in text(t)
    assert result.score == 0


def test_an_exception_at_import_is_reported(tmp_path: Path) -> None:
    result = grade(tmp_path, "import numpy_typo\n" + GOOD_G)
    assert all("importing student.py failed: ModuleNotFoundError" in text(t) for t in result.tests)
    assert all("line 1" in text(t) for t in result.tests)


@pytest.mark.slow
def test_a_missing_function_names_the_function_and_the_file(tmp_path: Path) -> None:
    result = grade(tmp_path, GOOD_G + "f = 3\n")
    assert g_of(result).passed
    assert "defines no function named f" in text(f_of(result))
    assert "student.py" in text(f_of(result))


def test_a_missing_file_fails_every_case(tmp_path: Path) -> None:
    result = grade(tmp_path, None)
    assert result.score == 0
    assert all(text(t) == "student.py was not found in the submission (nor student.ipynb)"
               for t in result.tests)


@pytest.mark.slow
def test_not_implemented_says_so(tmp_path: Path) -> None:
    result = grade(tmp_path, "def f(x):\n    raise NotImplementedError\n" + GOOD_G)
    assert "f is not implemented yet" in text(f_of(result)) and g_of(result).passed


@pytest.mark.slow
def test_a_hostile_exception_is_still_a_failed_test(tmp_path: Path) -> None:
    source = textwrap.dedent("""
        class Weird(BaseException):
            def __str__(self):
                raise RuntimeError("no")
        def f(x):
            raise Weird()
        def g(x):
            raise KeyboardInterrupt
        """)
    result = grade(tmp_path, source)
    assert result.score == 0
    assert "Weird" in text(f_of(result)) and "KeyboardInterrupt" in text(g_of(result))


# ---- exits ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["0", "None", "'done'", "1"])
@pytest.mark.slow
def test_sys_exit_in_a_function_fails(tmp_path: Path, code: str) -> None:
    result = grade(tmp_path, f"import sys\ndef f(x):\n    sys.exit({code})\n" + GOOD_G)
    assert not f_of(result).passed and "sys.exit" in text(f_of(result))
    assert g_of(result).passed


def test_sys_exit_at_import_fails_everything(tmp_path: Path) -> None:
    result = grade(tmp_path, "import sys\nsys.exit(0)\n" + GOOD_G)
    assert result.score == 0 and all("sys.exit(0)" in text(t) for t in result.tests)


@pytest.mark.parametrize("code", [0, 3])
@pytest.mark.slow
def test_os_exit_in_a_function_fails(tmp_path: Path, code: int) -> None:
    result = grade(tmp_path, f"import os\ndef f(x):\n    os._exit({code})\n" + GOOD_G)
    assert not f_of(result).passed
    assert f"exit code {code}" in text(f_of(result))
    assert g_of(result).passed


def test_os_exit_at_import_fails_everything(tmp_path: Path) -> None:
    result = grade(tmp_path, "import os\nos._exit(0)\n" + GOOD_G)
    assert result.score == 0 and all("exit code 0" in text(t) for t in result.tests)


@pytest.mark.slow
def test_a_process_that_kills_itself_fails(tmp_path: Path) -> None:
    source = "import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
    result = grade(tmp_path, source + GOOD_G)
    assert not f_of(result).passed and "SIGKILL" in text(f_of(result)) and g_of(result).passed


@pytest.mark.slow
def test_forged_events_on_the_result_pipe_never_pass(tmp_path: Path) -> None:
    source = textwrap.dedent("""
        import gc, os
        def f(x):
            # the child's reporter, whichever file descriptor it writes to
            fd = next(o for o in gc.get_objects() if type(o).__name__ == "Reporter").fd
            os.write(fd, b'{"event": "done"}\\n[[[[not json\\n')
            return 2 * x
        """)
    result = grade(tmp_path, source + GOOD_G)
    assert not f_of(result).passed
    assert "could not be read" in text(f_of(result))


# ---- output and memory ---------------------------------------------------------------------------

@pytest.mark.slow
def test_a_flood_of_output_is_cut_to_a_readable_length(tmp_path: Path) -> None:
    source = "import sys\ndef f(x):\n    for i in range(200_000):\n        print('spam', i)\n" \
             "    sys.stderr.write('e' * 1_000_000)\n    return 2 * x\n" + GOOD_G
    result = grade(tmp_path, source)
    assert result.passed
    assert len(result.output) <= ROOMY.output_chars + 100
    assert len(result.output.splitlines()) <= ROOMY.output_lines + 1
    assert "output cut" in result.output and "spam 0\n" in result.output


@pytest.mark.slow
def test_an_endless_flood_of_output_times_out(tmp_path: Path) -> None:
    result = grade(tmp_path, "def f(x):\n    while True:\n        print('x' * 1000)\n" + GOOD_G, LIMITS)
    assert "timed out" in text(f_of(result))
    assert len(result.output) <= LIMITS.output_chars + 100 and "output cut" in result.output


@pytest.mark.parametrize("bomb", [
    "np.ones((1 << 31,))",
    "[bytearray(1 << 24) for _ in range(10_000)]",
    "[np.empty(1 << 24) for _ in range(10_000)]",
])
@pytest.mark.slow
def test_a_memory_bomb_is_stopped_by_the_memory_limit(tmp_path: Path, bomb: str) -> None:
    result = grade(tmp_path, f"import numpy as np\ndef f(x):\n    junk = {bomb}\n    return 2 * x\n" + GOOD_G)
    out = text(f_of(result))
    assert not f_of(result).passed
    assert "ran out of memory" in out and f"{ROOMY.memory_mb} MB" in out
    assert g_of(result).passed


# ---- environment and files -----------------------------------------------------------------------

@pytest.mark.slow
def test_the_environment_is_scrubbed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSEKIT_TEST_SECRET", "hunter2")
    monkeypatch.setenv("PYTHONPATH", "/nowhere")
    report = run(tmp_path, "import os\ndef f():\n    return dict(os.environ)\n")
    env = report.outcomes["c"].value
    assert isinstance(env, dict) and env
    assert "COURSEKIT_TEST_SECRET" not in env and "hunter2" not in repr(env)
    assert "PYTHONPATH" not in env
    assert env["HOME"] != os.environ.get("HOME")


@pytest.mark.slow
def test_student_code_runs_in_its_own_copy(tmp_path: Path) -> None:
    source = textwrap.dedent("""
        import os
        def f():
            with open("junk.txt", "w") as out:
                out.write("junk")
            with open(__file__, "w") as out:
                out.write("# overwritten")
            os.mkdir("sub")
            return os.getcwd()
        """)
    ws = write(tmp_path / "ws", source)
    (ws / "notes.txt").write_text("not copied")
    before = {p.name: p.read_bytes() for p in ws.iterdir()}
    report = run_job(ws, Job("student", (Call("c", "f"),)), ROOMY)
    cwd = report.outcomes["c"].value
    assert isinstance(cwd, str) and Path(cwd).resolve() != ws.resolve()
    assert {p.name: p.read_bytes() for p in ws.iterdir()} == before
    assert not Path(cwd).exists(), "the temporary copy is removed"


@pytest.mark.slow
def test_only_python_files_are_copied(tmp_path: Path) -> None:
    ws = write(tmp_path / "ws", "import os\ndef f():\n    return sorted(os.listdir('.'))\n")
    (ws / "helper.py").write_text("")
    (ws / "data.csv").write_text("1,2")
    assert run_job(ws, Job("student", (Call("c", "f"),)), ROOMY).outcomes["c"].value == ["helper.py",
                                                                                          "student.py"]


def test_a_linked_file_is_refused(tmp_path: Path) -> None:
    ws = write(tmp_path / "ws", None)
    (tmp_path / "elsewhere.py").write_text(GOOD_G)
    (ws / "student.py").symlink_to(tmp_path / "elsewhere.py")
    probe = Probe()
    result = grade_exercise(probe, ws, probe.public_cases(), {}, limits=ROOMY)
    assert result.score == 0 and all("link" in text(t) for t in result.tests)


# ---- values --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "word"), [("np.nan", "NaN"), ("np.inf", "inf"), ("-np.inf", "inf")])
@pytest.mark.slow
def test_nan_and_inf_are_reported(tmp_path: Path, value: str, word: str) -> None:
    source = f"import numpy as np\ndef f(x):\n    y = 2 * x\n    y[1, 2] = {value}\n    return y\n" + GOOD_G
    out = text(f_of(grade(tmp_path, source)))
    assert f"holds {word} at index (1, 2)" in out


@pytest.mark.slow
def test_a_lying_ndarray_subclass_cannot_pass(tmp_path: Path) -> None:
    source = textwrap.dedent("""
        import numpy as np
        class Liar(np.ndarray):
            def __eq__(self, other):
                return True
            __ne__ = lambda self, other: False
            def __array__(self, *a, **k):
                return 2 * np.arange(6.0).reshape(2, 3)
            def tolist(self):
                return (2 * np.arange(6.0).reshape(2, 3)).tolist()
        def f(x):
            return np.zeros_like(x).view(Liar)
        """)
    out = text(f_of(grade(tmp_path, source + GOOD_G)))
    assert "values differ" in out


@pytest.mark.parametrize("returned", [
    "Liar()",
    "[Liar(), Liar()]",
    "float('nan')",
    "'[[0, 2, 4], [6, 8, 10]]'",
    "[['0', '2', '4'], ['6', '8', '10']]",
    "None",
    "(2 * x).tolist() + [[None, None, None]]",
])
@pytest.mark.slow
def test_objects_that_lie_cannot_pass(tmp_path: Path, returned: str) -> None:
    source = textwrap.dedent(f"""
        class Liar:
            shape = (2, 3)
            def __eq__(self, other):
                return True
            def __array__(self, *a, **k):
                import numpy as np
                return 2 * np.arange(6.0).reshape(2, 3)
        def f(x):
            return {returned}
        """)
    result = grade(tmp_path, source + GOOD_G)
    assert not f_of(result).passed and text(f_of(result)).startswith("f: ")
    assert g_of(result).passed


@pytest.mark.slow
def test_a_list_of_numbers_is_accepted(tmp_path: Path) -> None:
    assert grade(tmp_path, "def f(x):\n    return (2 * x).tolist()\n" + GOOD_G).passed


class LessonHabits(Probe):
    """Probe, with the lesson's top-level calls not run (as ex7 does)."""

    skip_top_level_calls = True


LESSON_FILE = '''import numpy as np
SCALE = 2
ANSWERS = {"q1": "B"}


def f(x):
    return SCALE * x


data = np.load("imdb.npz")  # the lesson's habit: load, then train, at the top level
f(data)


def g(x):
    return 2 * x


if __name__ == "__main__":
    print(f(X))
'''


@pytest.mark.slow
def test_top_level_calls_are_not_run_the_functions_are_graded_and_the_line_is_named_once(
        tmp_path: Path) -> None:
    """Issue 24: the lesson's top-level calls (imdb.load_data, model.fit) are not run; the first is named."""
    from coursekit.i18n import render

    probe = LessonHabits()
    cases = probe.public_cases()
    result = grade_exercise(probe, write(tmp_path / "ws", LESSON_FILE), cases,
                            {c.name: probe.reference(c) for c in cases}, limits=ROOMY)
    assert result.passed, [text(t) for t in result.tests]
    assert [n.key for n in result.notes] == ["note.top_level_skipped"]
    en, zh = (render(result.notes[0], lang, strict=True) for lang in ("en", "zh"))
    assert "line 10" in en and 'data = np.load("imdb.npz")' in en and "1 more" in en
    assert 'if __name__ == "__main__":' in en and 'if __name__ == "__main__":' in zh
    assert "第 10 行" in zh and "np.load" in zh
    # without the setting, the file fails on load as before
    (tmp_path / "plain").mkdir()
    assert not grade(tmp_path / "plain", LESSON_FILE).passed


@pytest.mark.slow
def test_a_notebooks_top_level_call_is_named_by_its_cell(tmp_path: Path) -> None:
    import nbformat

    from coursekit.i18n import render

    cells = [nbformat.v4.new_markdown_cell("# The lesson"),
             nbformat.v4.new_code_cell("import numpy as np\n\ndef f(x):\n    return 2 * x"),
             nbformat.v4.new_code_cell("def g(x):\n    return 2 * x"),
             nbformat.v4.new_markdown_cell("Now train"),
             nbformat.v4.new_code_cell("x = np.ones(3)\ndata = np.load('imdb.npz')\nf(data)")]
    ws = tmp_path / "ws"
    ws.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells), ws / "student.ipynb")
    probe = LessonHabits()
    cases = probe.public_cases()
    result = grade_exercise(probe, ws, cases, {c.name: probe.reference(c) for c in cases}, limits=ROOMY)
    assert result.passed, [text(t) for t in result.tests]
    en, zh = (render(result.notes[-1], lang, strict=True) for lang in ("en", "zh"))
    assert "student.ipynb, cell 5, line 1" in en and "x = np.ones(3)" in en and "2 more" in en
    assert "第 5 个单元格第 1 行" in zh
