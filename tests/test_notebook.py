"""Notebook submissions: exN_*.ipynb read as the module it stands for, in check and in grade."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import EXERCISES, ROOT, SOLUTIONS
from conftest import text as said
from test_ex1 import MISTAKES as EX1_MISTAKES

from coursekit.batch import GradeOptions, grade_class
from coursekit.batch.secret import Secret
from coursekit.check import check
from coursekit.notebook import NotebookError, notebook_code, read_notebook
from coursekit.registry import get_exercise
from coursekit.release.notebooks import stub_cells
from coursekit.render.text import words

FILE = "ex1_rnn_forward.py"
NOTEBOOK = "ex1_rnn_forward.ipynb"


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    nbformat.write(nbformat.v4.new_notebook(cells=[make[k](s) for k, s in cells]), path)
    return path


def filled(exercise_id: str, solution: str, lang: str = "en") -> list[tuple[str, str]]:
    """The notebook release writes for the exercise's stub, with the solution typed into its cells.

    Each function cell gets the solution's function; the cell of imports gets every other statement of
    the solution (its imports and helpers).
    """
    filename = get_exercise(exercise_id).filename
    cells = stub_cells((EXERCISES / filename).read_text(encoding="utf-8"), exercise_id, filename, lang)  # type: ignore[arg-type]
    tree = ast.parse(solution)
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    functions = {n.name: ast.get_source_segment(solution, n) for n in body if isinstance(n, ast.FunctionDef)}
    stubbed = {c[1].split("(")[0][4:] for c in cells if c[0] == "code" and c[1].startswith("def ")}
    others = "\n\n".join(ast.get_source_segment(solution, n) or "" for n in body
                         if not (isinstance(n, ast.FunctionDef) and n.name in stubbed))
    if not any(k == "code" and not s.startswith(("def ", "!")) for k, s in cells):
        cells.insert(1, ("code", ""))  # a stub without imports: its helpers get a cell of their own
    out = []
    for kind, text in cells:
        if kind == "code" and text.startswith("def "):
            text = functions[text.split("(")[0][4:]] or ""
        elif kind == "code" and not text.startswith("!"):
            text = others
        out.append((kind, text))
    return out


# ---- reading a notebook ----------------------------------------------------------------------------

def test_code_cells_in_order_without_magics_or_shell_lines_and_display_cells_kept() -> None:
    code = notebook_code("ex1_rnn_forward.ipynb", [
        ("markdown", "# title"),
        ("code", "%matplotlib inline\nimport numpy as np"),
        ("code", "%%timeit\nx = 1"),
        ("code", "def f(x):\n    !ls\n    return x + 1"),
        ("code", "f(2)"),
        ("raw", "not code"),
        ("code", "!pip install numpy"),
    ])
    assert code.module_file == FILE
    assert code.source == "pass\nimport numpy as np\n\ndef f(x):\n    pass\n    return x + 1\n\nf(2)\n"
    ast.parse(code.source)
    lines = code.source.splitlines()
    assert code.origins[lines.index("    return x + 1")] == (4, 3)
    assert code.origins[lines.index("f(2)")] == (5, 1)
    assert code.origins[lines.index("import numpy as np")] == (2, 2)


def test_outputs_stored_in_the_notebook_are_not_read(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "x = 1", outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "SECRET OUTPUT"},
                                                 execution_count=1)])])
    nbformat.write(nb, tmp_path / NOTEBOOK)
    assert "SECRET" not in read_notebook(tmp_path / NOTEBOOK).source


@pytest.mark.parametrize(("content", "reason"), [
    ("{not json", "is not valid JSON"),
    ('{"hello": "world"}', "is not a Jupyter notebook"),
    ("[1, 2, 3]", "is not a Jupyter notebook"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "only text", "id": "a"}]}), "has no code"),
])
def test_a_bad_notebook_raises_with_its_reason(tmp_path: Path, content: str, reason: str) -> None:
    (tmp_path / NOTEBOOK).write_text(content)
    with pytest.raises(NotebookError, match=reason):
        read_notebook(tmp_path / NOTEBOOK)


# ---- check -----------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", ["ex1", "ex2", "ex4", "ex5"])
def test_the_solution_as_a_notebook_gets_full_marks_in_check(tmp_path: Path, exercise_id: str) -> None:
    exercise = get_exercise(exercise_id)
    solution = (SOLUTIONS / exercise.filename).read_text(encoding="utf-8")
    write_notebook(tmp_path / exercise.module.__add__(".ipynb"), filled(exercise_id, solution))
    result = check(exercise_id, tmp_path)
    assert result.score == result.max_score > 0, [said(t) for t in result.tests if not t.passed]


@pytest.mark.slow
def test_the_stub_notebook_scores_zero_and_says_not_implemented(tmp_path: Path) -> None:
    stub = (EXERCISES / FILE).read_text(encoding="utf-8")
    write_notebook(tmp_path / NOTEBOOK, stub_cells(stub, "ex1", FILE, "zh"))
    result = check("ex1", tmp_path / NOTEBOOK)
    assert result.score == 0
    assert all("is not implemented yet" in said(t) for t in result.tests)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bias_missing", "first_state_returned"])
def test_a_notebook_with_a_named_mistake_gets_the_same_hint_as_the_py(tmp_path: Path, name: str) -> None:
    source = EX1_MISTAKES[name][0]
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / FILE).write_text(source)
    write_notebook(tmp_path / NOTEBOOK, filled("ex1", source))
    from_py, from_notebook = check("ex1", tmp_path / "py"), check("ex1", tmp_path)
    assert [(t.status, t.mistake, said(t)) for t in from_notebook.tests] == \
        [(t.status, t.mistake, said(t)) for t in from_py.tests]
    assert any(t.mistake == name for t in from_notebook.tests)


@pytest.mark.slow
def test_a_traceback_names_the_cell_and_the_line_in_it(tmp_path: Path) -> None:
    solution = (SOLUTIONS / FILE).read_text(encoding="utf-8")
    cells = filled("ex1", solution)
    number = next(i for i, (k, s) in enumerate(cells, 1) if s.startswith("def rnn_output"))
    cells[number - 1] = ("code", "def rnn_output(s, V, c):\n    x = 1\n    raise ValueError('boom')")
    write_notebook(tmp_path / NOTEBOOK, cells)
    failed = [t for t in check("ex1", tmp_path).tests if not t.passed]
    assert failed
    assert all(f"at {NOTEBOOK}, cell {number}, line 3, in rnn_output: raise ValueError('boom')" in said(t)
               for t in failed), said(failed[0])
    assert all(".py" not in said(t) for t in failed)


def test_a_syntax_error_names_the_cell(tmp_path: Path) -> None:
    write_notebook(tmp_path / NOTEBOOK, [("markdown", "hi"), ("code", "import numpy as np"),
                                         ("code", "def rnn_output(s, V, c)\n    return s")])
    result = check("ex1", tmp_path)
    assert all(f"{NOTEBOOK}, cell 3, line 1" in said(t) and f"{NOTEBOOK} does not compile" in said(t)
               for t in result.tests), said(result.tests[0])
    assert FILE not in said(result.tests[0])  # the notebook is the student's file, not a .py


def test_a_forbidden_import_in_a_notebook_names_the_cell(tmp_path: Path) -> None:
    write_notebook(tmp_path / NOTEBOOK, [("code", "import numpy as np"), ("code", "x = 1\nimport keras")])
    result = check("ex1", tmp_path)
    assert all(f"{NOTEBOOK}, cell 2, line 2 imports keras" in said(t) for t in result.tests)


@pytest.mark.parametrize("content", ["{not json", '{"cells": 3}', json.dumps(
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []})])
@pytest.mark.slow
def test_a_bad_notebook_fails_every_test_with_the_reason_and_check_exits_2(tmp_path: Path,
                                                                          content: str) -> None:
    """Every test fails with the reason (what grade records); check says it once, exit code 2 (issue 24)."""
    (tmp_path / NOTEBOOK).write_text(content)
    result = check("ex1", tmp_path)
    assert result.score == 0 and all(NOTEBOOK in said(t) and not t.internal_error for t in result.tests)
    run = subprocess.run([sys.executable, "-m", "coursekit", "check", "ex1", str(tmp_path), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 2, run.stderr
    assert NOTEBOOK in json.loads(run.stdout)["error"]


@pytest.mark.slow
def test_with_both_files_the_py_wins_and_the_feedback_says_so(tmp_path: Path) -> None:
    (tmp_path / FILE).write_text((EXERCISES / FILE).read_text(encoding="utf-8"))
    write_notebook(tmp_path / NOTEBOOK, filled("ex1", (SOLUTIONS / FILE).read_text(encoding="utf-8")))
    result = check("ex1", tmp_path)
    assert result.score == 0
    assert any("a .py file wins over the notebook" in words(n) for n in result.notes)
    named = check("ex1", tmp_path / NOTEBOOK)  # naming the notebook grades it
    assert named.score == named.max_score
    assert any(f"{NOTEBOOK} was graded" in words(n) for n in named.notes)


@pytest.mark.slow
def test_ex5_in_a_notebook_imports_ex1_from_its_notebook(tmp_path: Path) -> None:
    ex5 = "from ex1_rnn_forward import rnn_forward\n" + (SOLUTIONS / "ex5_bidirectional.py").read_text()
    write_notebook(tmp_path / "ex5_bidirectional.ipynb", filled("ex5", ex5))
    write_notebook(tmp_path / NOTEBOOK, filled("ex1", (SOLUTIONS / FILE).read_text(encoding="utf-8")))
    (tmp_path / "helper.ipynb").write_text("{broken")  # another notebook that cannot be read: ignored
    result = check("ex5", tmp_path)
    assert result.score == result.max_score, [said(t) for t in result.tests if not t.passed]


# ---- grade -----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_grade_takes_notebooks_from_folders_and_zips(tmp_path: Path) -> None:
    import zipfile

    class_dir = tmp_path / "class"
    solution = (SOLUTIONS / FILE).read_text(encoding="utf-8")
    write_notebook((class_dir / "good").mkdir(parents=True) or class_dir / "good" / NOTEBOOK,
                   filled("ex1", solution))
    write_notebook(tmp_path / NOTEBOOK, filled("ex1", EX1_MISTAKES["bias_missing"][0]))
    with zipfile.ZipFile(class_dir / "zipped.zip", "w") as zf:
        zf.write(tmp_path / NOTEBOOK, f"zipped/{NOTEBOOK}")
    (class_dir / "broken").mkdir()
    (class_dir / "broken" / NOTEBOOK).write_text("{not json")
    options = GradeOptions(exercises=("ex1",), workers=1, timeout_s=10, secret=Secret("s", "test"))
    report = grade_class(class_dir, tmp_path / "out", options)
    grades = {s.student: s.results[0] for s in report.students}
    good, zipped, broken = grades["good"], grades["zipped"], grades["broken"]
    assert good.score == good.max_score > 0
    assert 0 < zipped.score < zipped.max_score
    assert any(t.mistake == "bias_missing" for t in zipped.tests)
    hidden = [t for t in zipped.tests if t.hidden and not t.passed]
    assert hidden and all("Looks like: the bias b was left out" in said(t) for t in hidden)
    assert broken.score == 0 and all("is not valid JSON" in said(t) for t in broken.tests)


def test_gradescope_finds_a_notebook_in_the_submissions_single_folder(tmp_path: Path) -> None:
    from coursekit.batch.single import find_submission_folder

    (tmp_path / "work").mkdir()
    (tmp_path / "work" / NOTEBOOK).write_text("{}")
    assert find_submission_folder(tmp_path) == tmp_path / "work"


def test_a_missing_nbformat_is_said_once_above_the_table(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 24: the command installing nbformat once, not on every test's row (the JSON keeps it on each
    test)."""
    import builtins

    from rich.console import Console
    from typer.testing import CliRunner

    from coursekit.check import check as run_check
    from coursekit.check import load_failure
    from coursekit.cli import app
    from coursekit.render.terminal import show_check

    (tmp_path / "ex1_rnn_forward.ipynb").write_text("{}", encoding="utf-8")
    real_import = builtins.__import__

    def no_nbformat(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "nbformat":
            raise ModuleNotFoundError("No module named 'nbformat'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nbformat)
    result = run_check("ex1", tmp_path)
    runs = {lang: CliRunner().invoke(app, ["check", "ex1", str(tmp_path), "--lang", lang])
            for lang in ("en", "zh")}
    monkeypatch.setattr(builtins, "__import__", real_import)
    assert result.score == 0 and len(result.notes) == 1 and load_failure(result) == result.notes[0]
    for lang, run in runs.items():  # check: one error, exit code 2, in the chosen language
        assert run.exit_code == 2 and run.stdout == "", run.stdout
        assert run.stderr.startswith("错误：" if lang == "zh" else "error:"), run.stderr
        assert run.stderr.count('pip install "nbformat') == 1, run.stderr
    for lang in ("en", "zh"):
        console = Console(record=True, width=80, color_system=None)
        show_check(console, result, lang)
        shown = " ".join(console.export_text().split())
        # the command that adds it (coursekit/install.py: this Python's pip), said once
        assert shown.count('pip install "nbformat') == 1, shown
