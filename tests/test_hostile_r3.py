"""Hostile submissions, round three: what a student names, nests or trains, replayed (issue 26).

Each test replays one attack of the red-team pass and checks what it must get: the batch completes with
every output written and the correct students' grades untouched, no worker past its limits, a forged
training scoring nothing on the training tests, one-line errors with exit 2. The first round's corpus is
``tests/test_hostile.py`` (with ``tests/hostile/``).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

from coursekit.batch import GradeOptions, grade_class
from coursekit.batch.roster import student_id
from coursekit.batch.secret import Secret
from coursekit.batch.store import Gradebook, StudentRecord
from coursekit.names import MAX_ID_BYTES, folder_name
from coursekit.registry import get_exercise
from coursekit.sandbox.limits import Limits

ROOT = Path(__file__).resolve().parents[1]
EX1 = get_exercise("ex1")
SOLUTION = (ROOT / "solutions" / EX1.filename).read_text()
SECRET = Secret("s3cr3t-for-round-three", "test")
# 127 Chinese characters in GBK: 254 bytes, as a Windows zip of a long Chinese name unpacks on Linux.
LONG_GBK = ("张三李四王五" * 22)[:127].encode("gbk")


def ex1_options(**kwargs: object) -> GradeOptions:
    return GradeOptions(exercises=("ex1",), workers=1, secret=SECRET, lang="en", **kwargs)  # type: ignore[arg-type]


def class_with(tmp_path: Path, names: dict[str | bytes, str]) -> Path:
    """A class folder holding one folder per name (bytes: a raw, maybe non-UTF-8 name) with ``source``."""
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    for name, source in names.items():
        folder = class_dir / (os.fsdecode(name) if isinstance(name, bytes) else name)
        folder.mkdir()
        (folder / EX1.filename).write_text(source)
    return class_dir


def outputs_written(out: Path, students: list[str]) -> None:
    for name in ("grades.csv", "summary.json", "report.html"):
        assert (out / name).is_file(), name
    for student in students:
        for name in ("results.json", "report.md"):
            assert (out / "feedback" / folder_name(student) / name).is_file(), (student, name)


# ---- 1. one folder name stops every output -----------------------------------------------------------

def test_a_long_name_becomes_an_id_bounded_in_bytes_and_unique():
    long_id = student_id(os.fsdecode(LONG_GBK))
    assert len(long_id.encode()) <= MAX_ID_BYTES and long_id.startswith("张三李四")
    assert long_id == student_id(os.fsdecode(LONG_GBK))  # deterministic
    other = student_id(os.fsdecode(LONG_GBK[:-2] + "六".encode("gbk")))  # same first 126 characters
    assert other != long_id and len(other.encode()) <= MAX_ID_BYTES
    utf8 = "长" * 200
    assert len(student_id(utf8).encode()) <= MAX_ID_BYTES and student_id(utf8) != student_id(utf8[:-1])
    assert student_id("ada") == "ada" and student_id("张三") == "张三"  # short readable ids unchanged
    assert "\r" not in student_id("s12_cr\r=1+1") and student_id("s12_cr\r=1+1").isprintable()
    for stored in ("x" * 400, "a/b", "..", "\x1b[2J"):  # ids as an older gradebook may hold them
        name = folder_name(stored)
        assert len(name.encode()) <= MAX_ID_BYTES and "/" not in name and name not in (".", "..")
        assert name.isprintable()


@pytest.fixture(scope="module")
def hostile_names(tmp_path_factory: pytest.TempPathFactory):
    """One class run shared by the tests of what a student names or nests: a long GBK name (254 bytes), a
    name holding a carriage return and a formula, ada's correct .py beside a notebook nested past json's
    recursion, and a correct student. Returns (report, output folder)."""
    tmp_path = tmp_path_factory.mktemp("names")
    class_dir = class_with(tmp_path, {LONG_GBK: SOLUTION, "s12_cr\r=1+1": SOLUTION, "good": SOLUTION,
                                      "ada": SOLUTION})
    (class_dir / "ada" / NOTEBOOK).write_text(deep_notebooks()["past json"])
    out = tmp_path / "out"
    return grade_class(class_dir, out, ex1_options()), out


@pytest.mark.slow
def test_a_long_gbk_folder_name_is_graded_and_every_output_written(hostile_names):
    report, out = hostile_names
    students = [s.student for s in report.students]
    assert len(students) == 4 and all(len(s.encode()) <= MAX_ID_BYTES for s in students)
    assert any(s.startswith("张三李四") for s in students)
    assert all(s.total == EX1.public_points() + EX1.hidden_points() for s in report.students)
    outputs_written(out, students)
    assert report.unwritten == ()


@pytest.mark.slow
def test_an_old_gradebook_holding_a_long_id_does_not_stop_later_runs(tmp_path):
    """A gradebook written before ids were bounded keeps the departed student under the 388-byte id:
    every later run still writes every output (the folder's name is bounded)."""
    class_dir = class_with(tmp_path, {"good": SOLUTION})
    out = tmp_path / "out"
    out.mkdir()
    old_id = LONG_GBK.decode("gbk") + "~abcdef"
    assert len(old_id.encode()) > 255
    with Gradebook(out / "gradebook.sqlite") as book:
        book.put_student(StudentRecord(old_id, True))
    report = grade_class(class_dir, out, ex1_options())
    assert {s.student for s in report.students} == {"good", old_id}
    outputs_written(out, ["good", old_id])


@pytest.mark.slow
def test_one_students_feedback_that_cannot_be_written_stops_no_other_output(tmp_path):
    class_dir = class_with(tmp_path, {"blocked": SOLUTION, "good": SOLUTION})
    out = tmp_path / "out"
    (out / "feedback").mkdir(parents=True)
    (out / "feedback" / "blocked").write_text("a file where the folder goes")
    report = grade_class(class_dir, out, ex1_options())
    outputs_written(out, ["good"])
    assert [m.param("student") for m in report.unwritten] == ["blocked"]
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["unwritten"]) == 1 and "blocked" in summary["unwritten"][0]
    assert "blocked" in (out / "report.html").read_text()
    with open(out / "grades.csv", newline="") as f:
        assert [row[0] for row in csv.reader(f)] == ["student", "max", "blocked", "good"]


# ---- 4. a carriage return in a student id splits grades.csv ----------------------------------------------

CONTROL_IDS = ["s12_cr\r=1+1", "lf\n@SUM(1)", "tab\t+2", "esc\x1b[2J-3", "nel\x85=4", "ls\u2028=5"]


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_every_control_character_in_a_csv_cell_is_escaped_and_the_formula_guard_still_applies(tmp_path):
    """grades.csv from a gradebook holding ids with control characters (an older gradebook, or any cell
    coursekit writes): one row per student, no cell holding a control character, none a formula."""
    from coursekit.batch.classbook import report_from_gradebook
    from coursekit.course import Course
    from coursekit.render.csvout import grades_csv, write_csv

    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        for student in CONTROL_IDS:
            book.put_student(StudentRecord(student, True))
        report = report_from_gradebook(book, Course(), ("ex1",), tmp_path, 0, 0, 0.0)
    rows = rows_of(grades_csv(report))
    assert len(rows) == 2 + len(CONTROL_IDS), rows
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if not c.isprintable()], cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "-", "\t", "\r"))], cells
    firsts = [row[0] for row in rows[2:]]
    assert "s12_cr\\r=1+1" in firsts
    assert rows_of(write_csv([["=1\r=2", "\t=x", "a,b\nc"]])) == [["'=1\\r=2", "\\t=x", "a,b\\nc"]]


@pytest.mark.slow
def test_a_folder_named_with_a_carriage_return_keeps_grades_csv_one_row_per_student(hostile_names):
    report, out = hostile_names
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 6 and [r[0] for r in rows[:2]] == ["student", "max"]
    assert all(len(r) == len(rows[0]) for r in rows)
    assert not [c for r in rows for c in r if c.startswith(("=", "+", "@")) or not c.isprintable()]
    scores = {r[0]: r[1:] for r in rows[2:]}
    assert scores["good"] == rows[1][1:]  # full marks, on the right row
    escaped = next(k for k in scores if k.startswith("s12_cr"))
    assert scores[escaped] == rows[1][1:]
    assert {s.student for s in report.students} == set(scores)  # the ids as written, one row each
    outputs_written(out, [s.student for s in report.students])


# ---- 6. report.md carries injected Markdown and HTML ------------------------------------------------------

INJECTED = ("bad\r| ✓ | forged | 100/100 | ok |\r\n# All tests passed: 100/100\n"
            "<img src=x onerror=alert(1)> <script>alert(2)</script> <iframe src=//evil.example></iframe> "
            "[click](http://evil.example) ![x](http://evil.example/x.png) <http://evil.example> `code` "
            "**bold** _em_ ~~gone~~ &lt;b&gt; $x$ \\| \\`\n- item\n1. item\n===\n> quote\x1b[2J")


def markdown_tokens(text: str) -> list[tuple[str, str]]:
    """(type, tag) of every token a CommonMark renderer with HTML and tables on makes of ``text``."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    found = []
    for token in parser.parse(text):
        found.append((token.type, token.tag))
        found.extend((child.type, child.tag) for child in token.children or [])
    return found


def test_report_md_escapes_everything_a_markdown_renderer_could_act_on(tmp_path):
    """A public case's exception message, a note and a student id carrying table rows, a heading, raw
    HTML, links, images, code and emphasis: rendered, report.md holds one h1, one h2 per exercise, one
    table row per test, and no HTML, link, image, code, list, quote or emphasis of the student's."""
    from coursekit.messages import verbatim
    from coursekit.render.tables import markdown_text, student_markdown
    from coursekit.results import ExerciseResult, Failure, TestResult

    tests = (TestResult("public", "failed", 0.0, 1.0, verbatim(INJECTED), failure=Failure.EXCEPTION),
             TestResult("other", "passed", 1.0, 1.0, verbatim("ok")))
    result = ExerciseResult("ex1", verbatim(INJECTED), tests, notes=(verbatim(INJECTED),))
    page = student_markdown(INJECTED, [result], verbatim(INJECTED), "en")
    kinds = markdown_tokens(page)
    assert [tag for kind, tag in kinds if kind == "heading_open"] == ["h1", "h2"], page
    assert sum(1 for kind, _ in kinds if kind == "tr_open") == 1 + len(tests), page
    acted = {"html_inline", "html_block", "link_open", "image", "code_inline", "code_block", "fence",
             "em_open", "s_open", "bullet_list_open", "ordered_list_open", "hr"}
    assert not [k for k in kinds if k[0] in acted], [k for k in kinds if k[0] in acted]
    assert sum(1 for kind, _ in kinds if kind == "strong_open") == 1  # the total's, ours
    assert sum(1 for kind, _ in kinds if kind == "blockquote_open") == 2  # the problem and the note, ours
    assert "\r" not in page and "\x1b" not in page
    for line in ("- item", "1. item", "# All", "=", "+ x"):  # at the start of a quoted line
        tokens = markdown_tokens("> " + markdown_text(line))
        assert not [k for k in tokens if k[0] in acted | {"heading_open"}], (line, tokens)
    assert markdown_text("a_b __init__ ex1_rnn.py") == "a_b \\_\\_init\\_\\_ ex1_rnn.py"


def test_the_notes_above_a_students_feedback_are_escaped_too(tmp_path):
    from coursekit.batch.classbook import report_from_gradebook
    from coursekit.batch.outputs import write_outputs
    from coursekit.course import Course
    from coursekit.messages import verbatim

    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        book.put_student(StudentRecord("ada", True, intake=(verbatim(INJECTED),)))
        report = report_from_gradebook(book, Course(), ("ex1",), tmp_path, 0, 0, 0.0)
    write_outputs(report, "en")
    page = (tmp_path / "feedback" / "ada" / "report.md").read_text()
    kinds = markdown_tokens(page)
    assert [tag for kind, tag in kinds if kind == "heading_open"] == ["h1"], page
    assert not [k for k in kinds if k[0] in ("html_inline", "html_block", "link_open", "image")]


# ---- 7. and 8. instructor inputs: one line and exit 2 before any grading ---------------------------------

def cli(args: list[str], lang: str = "en", cwd: Path | None = None) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from coursekit.cli import app

    env = {"COLUMNS": "200", "COURSEKIT_LANG": lang, "COURSEKIT_SECRET": "round-three"}
    with pytest.MonkeyPatch.context() as patch:
        if cwd is not None:
            patch.chdir(cwd)
        result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def refused_in_one_line(args: list[str], english: str, chinese: str) -> None:
    for lang, words in (("en", english), ("zh", chinese)):
        code, out, err = cli(args, lang)
        assert code == 2 and out == "", (code, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], err


def a_class(tmp_path: Path) -> Path:
    class_dir = tmp_path / "class"
    (class_dir / "ada").mkdir(parents=True)
    (class_dir / "ada" / EX1.filename).write_text(SOLUTION)
    return class_dir


@pytest.mark.parametrize("value", ["1e308", "inf", "-inf", "nan", "-3", "1001"])
def test_course_points_must_be_finite_and_sensible(tmp_path, value):
    class_dir = a_class(tmp_path)
    course = tmp_path / "course.toml"
    course.write_text(f"[points]\nex1 = {value}\n")
    args = ["grade", str(class_dir), "--out", str(tmp_path / "out"), "--course", str(course)]
    refused_in_one_line(args, "points.ex1: expected a number", "points.ex1：应为")
    assert not (tmp_path / "out").exists()


def test_grade_out_naming_an_existing_file_is_refused(tmp_path):
    class_dir = a_class(tmp_path)
    (tmp_path / "grades").write_text("last year's")
    refused_in_one_line(["grade", str(class_dir), "--out", str(tmp_path / "grades")],
                        "is a file, not a folder", "是文件，不是文件夹")
    assert (tmp_path / "grades").read_text() == "last year's"


@pytest.mark.parametrize("where", [".", "feedback", "ada/out", "../class/sub"])
def test_grade_out_in_the_class_folder_is_refused_and_nothing_is_written(tmp_path, where):
    class_dir = a_class(tmp_path)
    before = sorted(p.relative_to(class_dir) for p in class_dir.rglob("*"))
    refused_in_one_line(["grade", str(class_dir), "--out", str(class_dir / where)],
                        "inside it", "在它里面")
    assert sorted(p.relative_to(class_dir) for p in class_dir.rglob("*")) == before


def test_a_class_folder_inside_the_outputs_feedback_is_refused(tmp_path):
    out = tmp_path / "out"
    class_dir = a_class(out / "feedback")
    refused_in_one_line(["grade", str(class_dir), "--out", str(out)], "is inside", "feedback 里面")
    assert sorted(p.name for p in out.iterdir()) == ["feedback"]


def test_grade_out_through_a_link_into_the_class_folder_is_refused(tmp_path):
    class_dir = a_class(tmp_path)
    (tmp_path / "link").symlink_to(class_dir)
    refused_in_one_line(["grade", str(class_dir), "--out", str(tmp_path / "link" / "out")],
                        "inside it", "在它里面")
    assert not (class_dir / "out").exists()


def test_grade_out_that_cannot_be_made_is_refused(tmp_path):
    class_dir = a_class(tmp_path)
    (tmp_path / "a-file").write_text("")
    for out in ("/proc/coursekit-out", str(tmp_path / "a-file" / "out")):
        refused_in_one_line(["grade", str(class_dir), "--out", out], "--out: cannot write to",
                            "--out：无法写入")


def test_release_into_a_folder_that_cannot_be_made_is_refused(tmp_path):
    (tmp_path / "a-file").write_text("")
    for out in ("/proc/x", str(tmp_path / "a-file" / "handout")):
        refused_in_one_line(["release", out, "--exercises", "ex1"], "cannot write the handout",
                            "无法把学生练习包写入")
    assert (tmp_path / "a-file").read_text() == ""


@pytest.mark.slow
def test_export_gradescope_makes_the_folder_it_is_told_to_write_into(tmp_path):
    """``--out dist/autograder.zip`` with no dist/: the folder is made, as ``grade --out`` makes its own;
    a folder named as the zip, or a place no folder can be made, is refused in one line."""
    out = tmp_path / "dist" / "new" / "autograder.zip"
    code, said, err = cli(["export", "gradescope", "--out", str(out), "--exercises", "ex1"])
    assert code == 0 and out.is_file(), (said, err)
    refused_in_one_line(["export", "gradescope", "--out", str(tmp_path / "dist")], "is a folder",
                        "是文件夹")
    refused_in_one_line(["export", "gradescope", "--out", "/proc/x/autograder.zip"], "--out: cannot write",
                        "--out：无法写入")


# ---- 5. a deeply nested notebook beside a correct .py ------------------------------------------------------

NOTEBOOK = "ex1_rnn_forward.ipynb"


def deep_notebooks() -> dict[str, str]:
    """A notebook nested past json's recursion (RecursionError in json itself), one within json's reach but
    past the notebook bound (nbformat's validation recursed), and one hiding the depth in its metadata."""
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "x = 1\n"}
    within = {"nbformat": 4, "nbformat_minor": 5, "cells": [cell], "metadata": {"deep": None}}
    deep: object = 1
    for _ in range(500):
        deep = [deep]
    within["metadata"]["deep"] = deep
    return {"past json": '{"nbformat": 4, "metadata": ' + "[" * 200_000 + "]" * 200_000 + ', "cells": []}',
            "past the bound": json.dumps(within),
            "in outputs": json.dumps({**within, "metadata": {},
                                      "cells": [{**cell, "outputs": [{"output_type": "display_data",
                                                                      "metadata": {}, "data": {
                                                                          "application/json": deep}}]}]})}


@pytest.mark.parametrize("kind", ["past json", "past the bound", "in outputs"])
@pytest.mark.slow
def test_a_deep_notebook_beside_a_correct_py_leaves_the_py_graded(tmp_path, kind):
    from coursekit.check import check
    from coursekit.render.text import words

    (tmp_path / EX1.filename).write_text(SOLUTION)
    (tmp_path / NOTEBOOK).write_text(deep_notebooks()[kind])
    result = check("ex1", tmp_path)
    assert result.score == result.max_score and not any(t.internal_error for t in result.tests)
    assert any("a .py file wins over the notebook" in words(n) for n in result.notes)


@pytest.mark.parametrize("kind", ["past json", "past the bound", "in outputs"])
def test_a_deep_notebook_alone_fails_with_a_reason_for_the_student_in_both_languages(tmp_path, kind):
    from coursekit.check import check
    from coursekit.render.text import test_output

    (tmp_path / NOTEBOOK).write_text(deep_notebooks()[kind])
    result = check("ex1", tmp_path)
    assert result.score == 0 and not any(t.internal_error for t in result.tests)
    for t in result.tests:
        assert "levels deep" in test_output(t, "en") and "层" in test_output(t, "zh"), test_output(t, "en")


@pytest.mark.slow
def test_check_and_grade_say_it_without_a_traceback(tmp_path, hostile_names):
    import subprocess
    import sys

    folder = tmp_path / "ada"
    folder.mkdir()
    (folder / EX1.filename).write_text(SOLUTION)
    (folder / NOTEBOOK).write_text(deep_notebooks()["past json"])
    run = subprocess.run([sys.executable, "-m", "coursekit", "check", "ex1", str(folder)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**os.environ, "COURSEKIT_LANG": "en"})
    assert run.returncode == 0 and "Traceback" not in run.stderr + run.stdout, run.stderr[-2000:]
    report, _ = hostile_names  # ada's folder, the same two files, in the names class
    assert report.internal_errors() == []
    ada = next(s for s in report.students if s.student == "ada")
    assert ada.total == EX1.public_points() + EX1.hidden_points()


def test_a_notebook_whose_code_is_larger_than_a_py_may_be_is_refused(tmp_path):
    from coursekit.notebook import NotebookError, notebook_code

    with pytest.raises(NotebookError, match="KiB of code"):
        notebook_code(NOTEBOOK, [("code", "x = 1\n" * 200_000)])


# ---- 2. ex7's model rebuilt and evaluated in the grading worker, unbounded -------------------------------

def shared_dense_model(keras, calls: int, units: int = 1024):
    """The attack: a functional model calling one Dense(units) ``calls`` times."""
    inputs = keras.Input((units,))
    dense = keras.layers.Dense(units)
    x = inputs
    for _ in range(calls):
        x = dense(x)
    return keras.Model(inputs, x)


@pytest.mark.slow
def test_a_config_is_bounded_by_its_layer_calls_and_their_work(keras):
    from graders.shared.judging import keras_model as km

    for calls, reason in ((150, "too_many_calls"), (60, "too_much_work")):
        config = keras.saving.serialize_keras_object(shared_dense_model(keras, calls))
        with pytest.raises(km.RefusedModel) as info:
            km.check_config(config)
        assert info.value.reason == reason, info.value
    inner = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8)])
    inputs = keras.Input((8,))
    x = inputs
    for _ in range(12):
        x = inner(x)
    looped = keras.saving.serialize_keras_object(keras.Model(inputs, x))
    km.check_config(looped)  # 12 calls of a nested model's layer: within the bounds
    nested = {"class_name": "Functional", "module": "keras.src.models.functional",
              "config": {"layers": [{**looped, "inbound_nodes": [{}] * 12}]}}
    with pytest.raises(km.RefusedModel, match="too_many_calls"):  # 12 x 12 calls, nested
        km.check_config(nested)
    km.check_config(keras.saving.serialize_keras_object(shared_dense_model(keras, 3, 16)))


def lesson_model(keras):
    model = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(100, 16),
                              keras.layers.SimpleRNN(16), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    return model


def ex7_case(aspect: str, hidden: bool = False):
    ex7 = get_exercise("ex7")
    cases = ex7.hidden_cases(np.random.default_rng(3)) if hidden else ex7.public_cases()
    return ex7, next(c for c in cases if c.function == "train_imdb" and getattr(c, "aspect", "") == aspect)


@pytest.mark.slow
def test_ex7_rebuilds_and_evaluates_the_model_in_a_sandboxed_job(keras, monkeypatch):
    from graders.ex7.probes.training import make_reviews, model_probabilities
    from graders.shared.judging import keras_model as km
    from graders.shared.reference import keras_build as _keras_build

    ex7, case = ex7_case("accuracy")
    model = lesson_model(keras)
    got = {"pair": True, "model": True, "config": keras.saving.serialize_keras_object(model),
           "weights": model.get_weights(), "iterations": 57}
    x = np.asarray(case.args[0])
    here_validation = model_probabilities(model, x[-120:])
    here_evaluation = model_probabilities(model, make_reviews(**dict(case.probe_data["evaluate"]))[0])
    monkeypatch.setattr(km, "rebuild", lambda *a: pytest.fail("rebuilt in the grading process"))
    found = ex7.remeasure(case, got)
    np.testing.assert_allclose(found["validation_probabilities"], here_validation, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(found["evaluation_probabilities"], here_evaluation, rtol=1e-5, atol=1e-6)
    attack = {**got, "config": keras.saving.serialize_keras_object(shared_dense_model(keras, 150)),
              "weights": [np.zeros((1024, 1024), np.float32), np.zeros(1024, np.float32)]}
    refused = ex7.remeasure(case, attack)
    assert refused["refused"]["reason"] == "too_many_calls", refused
    for limits, words in (((0.05, 4096), "build_timed_out"), ((30, 64), "build_stopped|build_error")):
        with pytest.raises(km.RefusedModel, match=words):
            _keras_build.predict_config(got["config"], got["weights"], [x[:4]],
                                        Limits(timeout_s=limits[0], memory_mb=limits[1]))


# ---- 3. ex7 scores full marks without training -----------------------------------------------------------

# The attack: fit is never called. The weights are set by hand from the rule that makes the reviews (it
# ships in the handout's probe), the optimiser's step count is set to epochs x ceil(rows / batch), and the
# history is computed from the model itself. Before the fix: 6/6 training tests in check, and the hidden
# accuracy case in grade (0.988).
FORGED = '''import math

import keras
import numpy as np
from keras import layers


def _model(max_features, embed_dim, units):
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(max_features, embed_dim), layers.SimpleRNN(units),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    return model


def _scores(model, x, y):
    p = np.asarray(model(np.asarray(x, dtype=np.int32), training=False))[:, 0].astype(np.float64)
    q = np.clip(p, 1e-7, 1 - 1e-7)
    loss = float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
    return loss, float(np.mean((p > 0.5) == (y == 1)))


def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    model = _model(max_features, embed_dim, units)
    embedding = np.zeros((max_features, embed_dim), np.float32)
    embedding[3:23, 0], embedding[23:43, 0] = 1.0, -1.0
    kernel = np.zeros((embed_dim, units), np.float32)
    kernel[0, 0] = 0.5
    recurrent = np.zeros((units, units), np.float32)
    recurrent[0, 0] = 1.0
    dense = np.zeros((units, 1), np.float32)
    dense[0, 0] = 8.0
    model.set_weights([embedding, kernel, recurrent, np.zeros(units, np.float32), dense,
                       np.zeros(1, np.float32)])
    train = math.floor(len(x_train) * (1 - validation_split))
    model.optimizer.build(model.trainable_variables)
    model.optimizer.iterations.assign(epochs * math.ceil(train / batch_size))
    y = np.asarray(y_train, dtype=np.float64)
    loss, acc = _scores(model, x_train[:train], y[:train])
    val_loss, val_acc = _scores(model, x_train[train:], y[train:])
    return model, {"acc": [acc] * epochs, "val_acc": [val_acc] * epochs, "loss": [loss] * epochs,
                   "val_loss": [val_loss] * epochs}
'''
# Trained by fit, then the weights replaced by the hand-set ones.
FIT = """    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
              validation_split=validation_split, verbose=0)
"""
SET = "    model.set_weights([embedding"
BUILD = "    model.optimizer.build(model.trainable_variables)\n"
FORGED_AFTER_FIT = FORGED.replace(SET, FIT + SET).replace(BUILD, "")
# Trained by fit as asked, then the step count set again (as if another fit had run).
STEPS_SET = """import keras
from keras import layers


def train_imdb(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2,
               max_features=10000, embed_dim=32, units=32):
    model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                              layers.Embedding(max_features, embed_dim), layers.SimpleRNN(units),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=1024,
                        validation_split=validation_split, verbose=0)
    model.optimizer.iterations.assign(epochs * 15)
    return model, history.history
"""
EX7 = get_exercise("ex7")


def training_tests(result):
    return [t for t in result.tests if t.name.split(":")[0] in ("train_imdb", "hidden train_imdb")]


@pytest.mark.slow
@pytest.mark.parametrize("source", ["FORGED", "FORGED_AFTER_FIT", "STEPS_SET"])
def test_a_forged_training_scores_nothing_on_the_training_tests_in_check(tmp_path, source, ex7_server):
    from conftest import grade_source, text

    # Forked from the module's ex7 server (TensorFlow imported once), as the session's other gradings of
    # ex7 files are: the probe and the judge that catch the forgery are those of check's fresh process.
    result = grade_source("ex7", globals()[source], str(tmp_path), ex7_server)
    train = training_tests(result)
    assert len(train) == 6 and [t for t in train if t.passed] == [], [(t.name, text(t)) for t in train]
    assert not any(t.internal_error for t in result.tests)
    said = {"FORGED": "no call of model.fit was seen", "FORGED_AFTER_FIT": "not those fit left",
            "STEPS_SET": "but fit was seen taking"}[source]
    assert all(said in text(t) for t in train), [text(t) for t in train]


@pytest.fixture(scope="module")
def ex7_server():
    from coursekit.sandbox.forkserver import ForkServer

    with ForkServer(EX7.child_imports) as server:
        yield server


def batch_grade_ex7(server, folder: Path):
    from coursekit.batch.worker import cases_for
    from coursekit.grading import grade_exercise

    cases = cases_for(EX7, seed=20261207, class_seed=7)
    return grade_exercise(EX7, folder, cases, EX7.expected_values(cases), runner=server.run, remeasure=True)


@pytest.mark.slow
def test_a_forged_training_scores_nothing_in_grade_and_honest_training_everything(tmp_path, ex7_server):
    from conftest import text

    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / EX7.filename).write_text(FORGED)
    train = training_tests(batch_grade_ex7(ex7_server, forged))
    assert len(train) == 7 and [t for t in train if t.passed] == [], [(t.name, text(t)) for t in train]
    honest = batch_grade_ex7(ex7_server, ROOT / "solutions")
    assert [(t.name, text(t)) for t in honest.tests if not t.passed] == []
    assert any(t.hidden and t.passed for t in training_tests(honest))


@pytest.mark.slow
def test_the_hidden_accuracy_case_follows_a_rule_the_handout_does_not_hold(keras):
    """Weights set by hand from the public rule score 0.99 on the public new reviews and chance on the
    hidden case's, whose rule (a permutation of the token ids) is drawn per student from the secret and
    never sent to the student's process but as the training data itself."""
    from graders.ex7 import judge as ex7_judge
    from graders.ex7.probes.training import make_reviews, model_probabilities

    namespace: dict[str, object] = {}
    exec(compile(FORGED, "forged", "exec"), namespace)
    public = next(c for c in EX7.public_cases() if getattr(c, "aspect", "") == "accuracy")
    model, _ = namespace["train_imdb"](*public.args, **public.kwargs)  # type: ignore[operator]

    def accuracy(case) -> float:
        x, y = make_reviews(**ex7_judge.evaluation(case))
        return float(np.mean((model_probabilities(model, x) > 0.5) == (y == 1)))

    assert accuracy(public) > 0.9
    hidden = [next(c for c in EX7.hidden_cases(np.random.default_rng(seed)) if c.function == "train_imdb")
              for seed in (1, 2, 3)]
    assert len({c.rule for c in hidden}) == 3 and all("evaluate" not in c.probe_data for c in hidden)
    assert all(accuracy(c) < ex7_judge.THRESHOLD for c in hidden), [accuracy(c) for c in hidden]


# ---- 9. ex7's answer digests read off the handout in one line ----------------------------------------------

@pytest.mark.slow
def test_ex7_answer_digests_are_salted_and_not_read_off_in_one_line():
    """The attack: sha256 of each of four letters in the shipped format, compared with the handout's
    expected values. Now each question's digest is salted PBKDF2, so that line finds nothing; the judge
    still says which letter is right, so four tries find it (what SECURITY.md says, and no more)."""
    import hashlib

    from graders.ex7 import judge as ex7_judge

    answers = [c for c in EX7.public_cases() if c.function == "ANSWERS"]
    expected = EX7.expected_values(answers)
    one_line = {hashlib.sha256(f"coursekit ex7 ANSWERS {c.aspect} {letter}".encode()).hexdigest()
                for c in answers for letter in "ABCD"}
    assert not one_line & set(expected.values())
    assert len({value.split("$")[2] for value in expected.values()}) == len(answers)  # a salt each
    for case in answers:
        right = [letter for letter in "ABCD"
                 if ex7_judge.judge(case, {case.aspect: letter}, expected[case.name]).passed]
        assert len(right) == 1  # check tells the right letter in at most four tries, as documented
    costly = "pbkdf2-sha256$1000000000$00$00"  # a digest asking for too much work matches nothing, quickly
    assert not ex7_judge.judge(answers[0], {answers[0].aspect: "A"}, costly).passed
    security = (ROOT / "SECURITY.md").read_text()
    assert "four tries" in security


@pytest.mark.parametrize(("option", "value", "english", "chinese"), [
    ("--memory", str(10**12), "--memory: expected at most", "--memory：最多为"),
    ("--timeout", "1e308", "--timeout: expected at most", "--timeout：最多为"),
    ("--workers", "100000", "--workers: expected at most", "--workers：最多为")])
@pytest.mark.slow
def test_grade_options_beyond_any_sensible_value_are_refused(tmp_path, option, value, english, chinese):
    class_dir = a_class(tmp_path)
    refused_in_one_line(["grade", str(class_dir), "--out", str(tmp_path / "out"), option, value],
                        english, chinese)
    assert not (tmp_path / "out").exists()
