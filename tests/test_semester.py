"""A semester of grading: partial re-grades lose nothing, a grader fix regrades, course.toml, bad options."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursekit import results
from coursekit._exceptions import CourseFileError, InvalidOptionError
from coursekit.batch import GradeOptions, grade_class
from coursekit.batch import version as version_module
from coursekit.batch.classbook import report_from_gradebook
from coursekit.batch.secret import Secret
from coursekit.batch.store import Gradebook, StudentRecord
from coursekit.cli import app
from coursekit.course import Course, LatePolicy, example, load_course, parse_course
from coursekit.i18n import render
from coursekit.messages import verbatim
from coursekit.registry import exercise_ids, get_exercise
from coursekit.render.csvout import grades_csv, safe_cell

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = (ROOT / "solutions" / "ex1_rnn_forward.py").read_text()
STUB = (ROOT / "exercises" / "ex1_rnn_forward.py").read_text()
EX6_LIKE = (ROOT / "solutions" / "ex2_param_count.py").read_text()
SECRET = Secret("semester-secret", "test")


def options(**kw: object) -> GradeOptions:
    return GradeOptions(**{"exercises": ("ex1",), "workers": 1, "timeout_s": 5, "secret": SECRET, **kw})


def student(class_dir: Path, name: str, files: dict[str, str]) -> Path:
    folder = class_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


def rows(out: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}


# --- the whole class from the gradebook --------------------------------------------------------------


@pytest.mark.slow
def test_partial_regrades_lose_nothing_and_a_departed_student_is_kept(tmp_path):
    class_dir, out = tmp_path / "class", tmp_path / "out"
    student(class_dir, "ada", {"ex1_rnn_forward.py": SOLUTION, "ex2_param_count.py": EX6_LIKE})
    student(class_dir, "ben", {"ex1_rnn_forward.py": STUB, "ex2_param_count.py": EX6_LIKE})
    student(class_dir, "chen", {"ex1_rnn_forward.py": SOLUTION})
    first = grade_class(class_dir, out, options(exercises=("ex1", "ex2")))
    assert first.graded == 6
    before = rows(out)
    assert list(before) == ["max", "ada", "ben", "chen"]
    assert float(before["ben"]["ex1"]) == 0 and float(before["ben"]["ex2"]) > 0

    # ben fixes ex1; only ben, only ex1 is regraded, and every output still has everyone and ex2.
    (class_dir / "ben" / "ex1_rnn_forward.py").write_text(SOLUTION)
    (class_dir / "ada" / "ex1_rnn_forward.py").write_text(STUB)  # changed, but not asked for
    second = grade_class(class_dir, out, options(exercises=("ex1",), students=("ben",)))
    assert (second.graded, second.reused) == (1, 0)
    after = rows(out)
    assert list(after) == ["max", "ada", "ben", "chen"] and list(after["ada"]) == ["student", "ex1", "ex2",
                                                                                  "total"]
    assert after["ben"]["ex1"] == before["ada"]["ex1"] and after["ben"]["ex2"] == before["ben"]["ex2"]
    assert after["ada"] == before["ada"] and after["chen"] == before["chen"]
    assert "ex2" in (out / "feedback" / "ben" / "report.md").read_text()

    # chen's entry leaves the class folder: chen is kept, with their grades, and marked.
    shutil.rmtree(class_dir / "chen")
    third = grade_class(class_dir, out, options(exercises=("ex2",)))
    # ada's and ben's ex1 files changed since their ex2 was graded, but ex2 reads only its own file (and
    # the students' helpers): both ex2 gradings are reused.
    assert (third.graded, third.reused) == (0, 2)
    chen = next(s for s in third.students if s.student == "chen")
    assert not chen.present and rows(out)["chen"] == before["chen"]
    assert "no longer in the class folder" in (out / "feedback" / "chen" / "report.md").read_text()
    with pytest.raises(InvalidOptionError, match="chen"):
        grade_class(class_dir, out, options(students=("chen",)))


# --- the grader version ------------------------------------------------------------------------------


@pytest.mark.slow
def test_grader_version_follows_shared_grader_modules_in_a_copy(tmp_path):
    dirs = version_module.package_dirs()
    copy = {"graders": tmp_path / "graders", "coursekit": dirs["coursekit"]}
    shutil.copytree(dirs["graders"], copy["graders"], ignore=shutil.ignore_patterns("__pycache__"))
    modules = {e: f"graders.{e}.grader" for e in exercise_ids()}
    files = version_module.source_files(("graders.ex4.grader",), copy)
    assert {"graders.shared.reference.recurrent", "graders.shared.reference.keras_ref",
            "coursekit.compare"} <= set(files)
    before = {e: version_module.code_version(e, m, copy) for e, m in modules.items()}
    with (copy["graders"] / "shared" / "reference" / "recurrent.py").open("a") as f:
        f.write("\n# a fix in a shared grader module\n")
    after = {e: version_module.code_version(e, m, copy) for e, m in modules.items()}
    changed = {e for e in modules if before[e] != after[e]}
    uses = {e for e in modules
            if "graders.shared.reference.recurrent" in version_module.source_files((modules[e],), copy)}
    assert changed == uses and {"ex4", "ex5"} <= changed and "ex1" not in changed
    with (copy["graders"] / "shared" / "reference" / "keras_ref.py").open("a") as f:
        f.write("\n# a fix in the shared Keras reference\n")
    refs = {e for e in modules
            if "graders.shared.reference.keras_ref" in version_module.source_files((modules[e],), copy)}
    assert {"ex1", "ex2", "ex4", "ex5"} <= refs
    assert {e for e, m in modules.items() if version_module.code_version(e, m, copy) != after[e]} == refs
    engine = {"graders": copy["graders"], "coursekit": tmp_path / "coursekit"}
    shutil.copytree(dirs["coursekit"], engine["coursekit"], ignore=shutil.ignore_patterns("__pycache__"))
    before = {e: version_module.code_version(e, m, engine) for e, m in modules.items()}
    with (engine["coursekit"] / "compare.py").open("a") as f:
        f.write("\n# a fix in the comparison\n")
    assert all(version_module.code_version(e, m, engine) != before[e] for e, m in modules.items())


@pytest.mark.slow
def test_a_shared_grader_edit_regrades_the_affected_gradings(tmp_path, monkeypatch):
    dirs = version_module.package_dirs()
    copy = {"graders": tmp_path / "graders", "coursekit": dirs["coursekit"]}
    shutil.copytree(dirs["graders"], copy["graders"], ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(version_module, "package_dirs", lambda: copy)
    class_dir, out = tmp_path / "class", tmp_path / "out"
    student(class_dir, "ada", {"ex1_rnn_forward.py": SOLUTION})
    assert grade_class(class_dir, out, options()).graded == 1
    assert grade_class(class_dir, out, options()).reused == 1
    with (copy["graders"] / "shared" / "reference" / "keras_ref.py").open("a") as f:
        f.write("\n# a fix in the shared Keras reference\n")
    assert grade_class(class_dir, out, options()).graded == 1


# --- course.toml -------------------------------------------------------------------------------------

IDS = exercise_ids()


@pytest.mark.parametrize(("text", "key"), [
    ('lang = "fr"', "lang"),
    ("[points]\nex1 = -3", "points.ex1"),
    ("[points]\nex1 = 0", "points.ex1"),
    ('[points]\nex1 = "ten"', "points.ex1"),
    ("[points]\nex42 = 3", "points.ex42"),
    ('[late]\ndue = "2026-12-15T23:59:00"', "late.due"),
    ('[late]\ndue = "next friday"', "late.due"),
    ("[late]\npenalty_per_day = 0.1", "late.due"),
    ('[late]\ndue = "2026-12-15T23:59:00+08:00"\npenalty_per_day = 1.5', "late.penalty_per_day"),
    ('[late]\ndue = "2026-12-15T23:59:00+08:00"\nmax_penalty = -0.1', "late.max_penalty"),
    ('[late]\ndue = "2026-12-15T23:59:00+08:00"\nzero_after_days = 2.5', "late.zero_after_days"),
    ('[late]\ndue = "2026-12-15T23:59:00+08:00"\nsubmitted_at = "nowhere.csv"', "late.submitted_at"),
    ("colour = 3", "colour"),
    ("lang = ", "not valid TOML"),
])
def test_invalid_course_values_are_refused_with_key_and_reason(tmp_path, text, key):
    path = tmp_path / "course.toml"
    path.write_text(text + "\n")
    with pytest.raises(CourseFileError) as info:
        load_course(path, IDS)
    assert key in str(info.value) and "\n" not in str(info.value).strip()
    assert info.value.message is not None  # the CLI says it in the user's language
    english, chinese = (render(info.value.message, lang, strict=True) for lang in ("en", "zh"))
    assert english == str(info.value) and "\n" not in chinese.strip() and chinese != english
    assert key in chinese or key == "not valid TOML"


def test_submission_times_csv_is_checked_before_grading(tmp_path):
    (tmp_path / "times.csv").write_text("student,submitted_at\nada,yesterday\n")
    (tmp_path / "course.toml").write_text('[late]\ndue = "2026-12-15T23:59:00+08:00"\n'
                                          'submitted_at = "times.csv"\n')
    with pytest.raises(CourseFileError, match="line 2"):
        load_course(None, IDS, cwd=tmp_path)
    assert load_course(None, IDS, cwd=tmp_path / "elsewhere") == Course()


def test_init_course_writes_an_example_that_loads(tmp_path):
    result = CliRunner().invoke(app, ["init-course", str(tmp_path / "course.toml"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    course = load_course(tmp_path / "course.toml", IDS)
    assert course.lang == "en" and course.points == dict.fromkeys(IDS, 10.0) and course.late is not None
    assert CliRunner().invoke(app, ["init-course", str(tmp_path / "course.toml")]).exit_code == 2


@pytest.mark.parametrize(("lang", "words"), [("zh", "反馈的语言"), ("en", "the language of the feedback")])
def test_init_course_comments_in_the_chosen_language_with_the_same_values(tmp_path, lang, words):
    import tomllib

    path = tmp_path / "course.toml"
    result = CliRunner().invoke(app, ["init-course", str(path), "--lang", lang])
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert words in text
    values = tomllib.loads(text)
    assert values.pop("lang") == lang  # the language asked for
    other = tomllib.loads(example("en", exercise_ids()))
    other.pop("lang")
    assert values == other  # the comments differ, never the other values
    assert list(values["points"]) == exercise_ids()
    assert ("已写入" in result.stdout) == (lang == "zh")


def test_late_policy_days_cap_and_zero():
    due = datetime(2026, 12, 15, 15, 59, tzinfo=UTC)
    policy = LatePolicy(due, penalty_per_day=0.1, max_penalty=0.5, zero_after_days=7)
    at = lambda days, hours=0: due.replace(day=15 + days, hour=15 + hours)  # noqa: E731
    assert policy.apply(10, due) == policy.apply(10, None) == policy.apply(10, at(0)) and \
        policy.apply(10, due).days == 0
    assert (policy.apply(10, at(0, 1)).days, policy.apply(10, at(0, 1)).penalty) == (1, 1.0)
    assert policy.apply(10, at(2)).final == 8.0
    assert policy.apply(10, at(6)).penalty == 5.0  # capped at max_penalty
    assert policy.apply(10, at(7)).final == 5.0 and policy.apply(10, at(8)).final == 0.0


def _result(exercise: str, passed: int, failed: int) -> results.ExerciseResult:
    tests = [results.TestResult(f"t{i}", "passed", 1.0, 1.0, verbatim("ok")) for i in range(passed)]
    tests += [results.TestResult(f"f{i}", "failed", 0.0, 1.0, verbatim("wrong"), mistake="bias_missing")
              for i in range(failed)]
    return results.ExerciseResult(exercise, verbatim(exercise), tuple(tests))


def test_course_points_and_late_policy_change_grades_csv_as_documented(tmp_path):
    raw1 = get_exercise("ex1").public_points() + get_exercise("ex1").hidden_points()
    (tmp_path / "times.csv").write_text("student,submitted_at\nada,2026-12-15T23:00:00+08:00\n"
                                        "=cmd|' /C calc'!A0,2026-12-18T10:00:00+08:00\n")
    data = {"points": {"ex1": 10},
            "late": {"due": "2026-12-15T23:59:00+08:00", "penalty_per_day": 0.1, "max_penalty": 0.5,
                     "zero_after_days": 7, "submitted_at": "times.csv"}}
    course = parse_course(data, IDS, tmp_path, "test")
    with Gradebook(tmp_path / "book.sqlite") as book:
        for name in ("ada", "=cmd|' /C calc'!A0"):
            book.put_student(StudentRecord(name, True))
        half = int(raw1) // 2
        book.put("ada", "ex1", "d", "k", _result("ex1", int(raw1), 0))
        book.put("=cmd|' /C calc'!A0", "ex1", "d", "k", _result("ex1", half, int(raw1) - half))
        report = report_from_gradebook(book, course, ("ex1",), tmp_path, 0, 0, 0.0)
    lines = grades_csv(report).splitlines()
    assert lines[0] == "student,ex1,total,late_days,penalty,final"
    assert lines[1] == "max,10,10,,,10"
    assert lines[3] == "ada,10,10,0,0,10"
    scaled = round(10 * half / raw1, 6)  # shown to two decimals, as Gradescope's score is
    penalty = round(scaled * 0.3, 6)
    assert lines[2] == f"'=cmd|' /C calc'!A0,{round(scaled, 2):g},{round(scaled, 2):g},3," \
                       f"{round(penalty, 2):g},{round(scaled - penalty, 2):g}"
    scaled_tests = report.students[1].results[0].tests
    assert sum(t.max_score for t in scaled_tests) == pytest.approx(10)


@pytest.mark.parametrize(("cell", "written"), [
    *((c, "'" + c) for c in ("=1+1", "+1", "-1", "@SUM(A1)")),
    ("\t=1", "\\t=1"), ("\r=1", "\\r=1")])  # a control character is escaped (tests/test_hostile_r3.py)
def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(cell, written):
    assert safe_cell(cell) == written
    assert safe_cell("ada") == "ada" and safe_cell(2.5) == "2.5"


# --- option validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "said"), [
    (["--timeout", "-1"], "--timeout"),
    (["--timeout", "0"], "--timeout"),
    (["--timeout", "nan"], "--timeout"),
    (["--memory", "10"], "--memory"),
    (["--workers", "0"], "--workers"),
    (["--exercises", "ex42"], "ex42"),
    (["--secret-file", "no-such-secret"], "--secret-file"),
    (["--course", "no-such-course.toml"], "--course"),
    (["--students", "nobody"], "--students"),
])
def test_bad_grade_options_are_one_line_and_exit_2(tmp_path, monkeypatch, args, said):
    monkeypatch.delenv("COURSEKIT_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    result = CliRunner().invoke(app, ["grade", "class", "--out", "out", *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = result.output.strip()
    assert said in text and "Traceback" not in text and len(text.splitlines()) == 1, text


@pytest.mark.parametrize(("args", "zh", "en"), [
    (["--timeout", "0"], "错误：--timeout：应为正的秒数，实际为 0.0",
     "error: --timeout: expected a positive number"),
    (["--memory", "10"], "错误：--memory：至少应为", "error: --memory: expected at least"),
    (["--secret-file", "no-such-secret"], "错误：--secret-file：no-such-secret 不存在或为空",
     "error: --secret-file: no-such-secret is missing or empty"),
])
def test_a_bad_grade_option_is_said_in_the_chosen_language(tmp_path, monkeypatch, args, zh, en):
    monkeypatch.delenv("COURSEKIT_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    for lang, said in (("zh", zh), ("en", en)):
        result = CliRunner().invoke(app, ["grade", "class", "--out", "out", "--lang", lang, *args])
        assert result.exit_code == 2 and said in result.output, result.output


def test_a_class_folder_that_does_not_exist_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["grade", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "not a folder" in result.output
    assert len(result.output.strip().splitlines()) == 1


# --- the repository stands alone --------------------------------------------------------------------


def test_the_docs_in_the_repository_say_what_users_need():
    readme = (ROOT / "README.md").read_text()
    assert "shared folder" not in readme and "../shared" not in readme
    exercises = (ROOT / "docs" / "exercises.md").read_text()
    assert all(f"`{get_exercise(e).filename}`" in exercises for e in IDS)
    for e in IDS:  # each exercise's part of the docs is its folder's README, linked from the index
        assert f"(../graders/{e}/README.md)" in exercises
        assert f"`{get_exercise(e).filename}`" in (ROOT / "graders" / e / "README.md").read_text()
    cli = (ROOT / "docs" / "cli.md").read_text()
    for key in ("penalty_per_day", "max_penalty", "zero_after_days", "submitted_at", "[points]", "late_days",
                "`max`", "--students", "--course", "summary.json", "report.html",
                # the semester: roster, history, exports, adjustments, similarity, running Gradescope locally
                "roster", "lms_id", "counts", "best_on_time", "exercise_due", "extensions", "canvas.csv",
                "moodle.csv", "feedback.zip", "coursekit adjust", "coursekit drop", "similarity",
                "AUTOGRADER_ROOT", "course.json", ".tar.gz", "feedback/<student>/report.html"):
        assert key in cli, key


# --- imports flow one way ------------------------------------------------------------------------------


@pytest.mark.slow
def test_coursekit_has_no_import_cycles():
    """Every import, at module level or inside a function, read from the source; no cycle anywhere
    (a package's ``__init__`` importing its own modules is not counted)."""
    import ast

    root = version_module.package_dirs()["coursekit"]
    files = {".".join(p.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"): p
             for p in root.rglob("*.py")}
    graph = {m: {n for n in version_module._imported(m, ast.parse(f.read_bytes()))
                 if n in files and n != m and not m.startswith(n + ".") and not n.startswith(m + ".")}
             for m, f in files.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for n in sorted(graph[module]):
            if state.get(n) == 1:
                cycles.append([*path[path.index(n):], n] if n in path else [module, n])
            elif n not in state:
                visit(n, [*path, n])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.slow
def test_per_exercise_timeouts_are_checked_used_and_change_the_grader_key():
    """GradeOptions.timeouts (one batch, different limits per exercise): each value checked like
    --timeout, each id a known exercise; an exercise not named keeps timeout_s; a change regrades."""
    from coursekit._exceptions import UnknownExerciseError
    from coursekit.batch.run import grader_key

    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(InvalidOptionError):
            GradeOptions(timeouts={"ex1": bad})
    with pytest.raises(UnknownExerciseError):
        GradeOptions(timeouts={"ex42": 5.0})
    options = GradeOptions(timeout_s=5.0, timeouts={"ex3": 60.0})
    assert options.timeout_for("ex3") == 60.0 and options.timeout_for("ex1") == 5.0
    ex1, ex3 = get_exercise("ex1"), get_exercise("ex3")
    assert grader_key(ex3, options) != grader_key(ex3, GradeOptions(timeout_s=5.0))
    assert grader_key(ex1, options) == grader_key(ex1, GradeOptions(timeout_s=5.0))
