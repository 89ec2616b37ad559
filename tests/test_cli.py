"""``coursekit list`` and ``coursekit check``: tables, --verbose, --json and exit codes, per the contract."""

from __future__ import annotations

import builtins
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXERCISES, SOLUTIONS
from typer.testing import CliRunner, Result

from coursekit.cli import app
from coursekit.registry import exercise_ids, get_exercise

FILE = "ex1_rnn_forward.py"
runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "100", "COURSEKIT_LANG": "en"})


def folder_with(tmp_path: Path, source: str, name: str = "student") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / FILE).write_text(source, encoding="utf-8")
    return folder


NO_BIAS = (SOLUTIONS / FILE).read_text(encoding="utf-8").replace(
    "np.asarray(s_prev) @ W + b)", "np.asarray(s_prev) @ W)")


@pytest.mark.slow
def test_list_shows_every_exercise_with_title_and_points() -> None:
    result = invoke("list")
    assert result.exit_code == 0
    for exercise_id in exercise_ids():
        exercise = get_exercise(exercise_id)
        assert exercise_id in result.stdout and exercise.filename in result.stdout
        assert f"{exercise.public_points():g}" in result.stdout
    assert "forward equations" in result.stdout


@pytest.mark.slow
def test_check_the_solution_passes_with_exit_code_0() -> None:
    result = invoke("check", "ex1", str(SOLUTIONS))
    assert result.exit_code == 0, result.stdout
    assert "ex1: 13/13 points · 13/13 tests passed" in result.stdout
    assert "✗" not in result.stdout


@pytest.mark.slow
def test_check_the_stub_fails_with_exit_code_1() -> None:
    result = invoke("check", "ex1", str(EXERCISES))
    assert result.exit_code == 1
    assert "ex1: 0/13 points" in result.stdout and "rnn_forward is not implemented yet" in result.stdout


@pytest.mark.slow
def test_check_names_the_mistake_and_keeps_the_other_functions_points(tmp_path: Path) -> None:
    result = invoke("check", "ex1", str(folder_with(tmp_path, NO_BIAS) / FILE))
    assert result.exit_code == 1
    assert "Looks like: the bias b was left out." in result.stdout
    assert "4/13 points" in result.stdout  # the four rnn_output tests do not use the cell


@pytest.mark.slow
def test_verbose_shows_arrays_first_difference_largest_error_and_tolerance(tmp_path: Path) -> None:
    quiet = invoke("check", "ex1", str(folder_with(tmp_path, NO_BIAS)))
    result = invoke("check", "ex1", str(tmp_path / "student"), "--verbose")
    assert result.exit_code == 1
    for label in ("expected", "got"):
        assert re.search(rf"│ {label} +│", result.stdout) and not re.search(rf"│ {label} +│", quiet.stdout)
    assert re.search(r"│ \[\[ ?-?\d\.\d+ ", result.stdout), "the array values"
    for words in ("first difference at index (0, 0)", "largest absolute error",
                  "tolerance |got - expected| <= 1e-05 + 0.0001 * |expected|"):
        assert words in result.stdout and words not in quiet.stdout, words


@pytest.mark.slow
def test_verbose_on_a_passing_file_shows_no_arrays() -> None:
    result = invoke("check", "ex1", str(SOLUTIONS), "-v")
    assert result.exit_code == 0 and "first difference" not in result.stdout


@pytest.mark.slow
def test_the_table_is_readable_at_100_columns(tmp_path: Path) -> None:
    result = invoke("check", "ex1", str(folder_with(tmp_path, NO_BIAS)))
    lines = result.stdout.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert len(lines) < 60, "one or two lines a test, not a box per row"


@pytest.mark.parametrize(("folder", "code", "score"), [("solutions", 0, 13.0), ("exercises", 1, 0.0)])
@pytest.mark.slow
def test_json_output_follows_the_contract(folder: str, code: int, score: float) -> None:
    result = invoke("check", "ex1", str(SOLUTIONS if folder == "solutions" else EXERCISES), "--json")
    assert result.exit_code == code
    data = json.loads(result.stdout)
    assert set(data) == {"exercise", "score", "max_score", "tests"}
    assert data["exercise"] == "ex1" and data["score"] == score and data["max_score"] == 13.0
    assert len(data["tests"]) == 13
    for test in data["tests"]:
        assert set(test) == {"name", "status", "score", "max_score", "output", "mistake"}
        assert test["status"] in ("passed", "failed") and isinstance(test["output"], str)
        assert test["mistake"] is None
        assert test["score"] == (test["max_score"] if test["status"] == "passed" else 0)


@pytest.mark.slow
def test_json_output_carries_the_mistake_id_the_same_in_both_languages(tmp_path: Path) -> None:
    folder = str(folder_with(tmp_path, NO_BIAS))
    en = json.loads(invoke("check", "ex1", folder, "--json", "--lang", "en").stdout)
    zh = json.loads(invoke("check", "ex1", folder, "--json", "--lang", "zh").stdout)
    assert any("the bias b was left out" in t["output"] for t in en["tests"] if t["status"] == "failed")
    assert any("漏掉了偏置 b" in t["output"] for t in zh["tests"] if t["status"] == "failed")
    ids = [t["mistake"] for t in en["tests"]]
    assert "bias_missing" in ids and ids == [t["mistake"] for t in zh["tests"]]
    assert {t["mistake"] for t in en["tests"] if t["status"] == "passed"} == {None}


@pytest.mark.parametrize("args", [
    ("check", "ex99", str(SOLUTIONS)),
    ("check", "ex1", "/no/such/folder"),
    ("check", "ex1", str(SOLUTIONS / "ex4_lstm_gru.py")),
])
def test_what_cannot_be_found_exits_2_with_a_message(args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr.startswith("error:")


def test_an_unknown_exercise_lists_the_known_ones() -> None:
    assert "expected one of ex1" in invoke("check", "ex99").stderr


def test_a_folder_without_the_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    result = invoke("check", "ex1", str(tmp_path))
    assert result.exit_code == 2 and FILE in result.stderr and result.stdout == ""


def test_with_json_an_error_is_json_too(tmp_path: Path) -> None:
    result = invoke("check", "ex1", str(tmp_path), "--json")
    assert result.exit_code == 2 and FILE in json.loads(result.stdout)["error"]


@pytest.mark.slow
def test_lang_chooses_the_language_of_every_line(tmp_path: Path) -> None:
    zh = invoke("check", "ex1", str(folder_with(tmp_path, NO_BIAS)), "--lang", "zh")
    assert zh.exit_code == 1
    assert "看起来像是：漏掉了偏置 b" in zh.stdout and "ex1：4/13 分" in zh.stdout
    assert "Looks like" not in zh.stdout and "points" not in zh.stdout


@pytest.mark.parametrize(("option", "environment", "expected"), [
    (None, {"COURSEKIT_LANG": "zh"}, "zh"),
    ("en", {"COURSEKIT_LANG": "zh"}, "en"),
    (None, {"LANG": "zh_CN.UTF-8"}, "zh"),
    (None, {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {}, "en"),
])
def test_the_language_is_the_option_then_coursekit_lang_then_the_locale(
        option: str | None, environment: dict[str, str], expected: str) -> None:
    from coursekit.i18n import resolve_language

    assert resolve_language(option, environment) == expected


@pytest.mark.parametrize("written", ["zh_CN", "zh-CN", "zh_TW", "ZH-Hans", "zh_CN.UTF-8"])
@pytest.mark.slow
def test_lang_accepts_chinese_as_people_write_it(tmp_path: Path, written: str) -> None:
    """Issue 24: --lang zh_CN, zh-CN, zh_TW (and $COURSEKIT_LANG so written) give the Chinese feedback."""
    from coursekit.i18n import resolve_language

    assert resolve_language(written, {}) == resolve_language(None, {"COURSEKIT_LANG": written}) == "zh"
    assert resolve_language("en_US", {}) == resolve_language("en-GB", {}) == "en"
    zh = invoke("check", "ex1", str(folder_with(tmp_path, NO_BIAS)), "--lang", written)
    assert zh.exit_code == 1 and "看起来像是：漏掉了偏置 b" in zh.stdout


@pytest.mark.parametrize("args", [("--lang", "fr"), ("--lang", "fr", "--json")])
def test_an_unknown_language_exits_2(args: tuple[str, ...]) -> None:
    result = invoke("check", "ex1", str(SOLUTIONS), *args)
    assert result.exit_code == 2 and "fr" in (result.stdout + result.stderr)


@pytest.mark.slow
def test_without_a_path_check_looks_in_the_current_folder_then_exercises(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("check", "ex1").exit_code == 2
    (tmp_path / "exercises").mkdir()
    shutil.copy(EXERCISES / FILE, tmp_path / "exercises" / FILE)
    assert invoke("check", "ex1").exit_code == 1
    shutil.copy(SOLUTIONS / FILE, tmp_path / FILE)
    assert invoke("check", "ex1").exit_code == 0


def test_a_linked_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / FILE).symlink_to(SOLUTIONS / FILE)
    result = invoke("check", "ex1", str(tmp_path))
    assert result.exit_code == 2 and "link" in result.stderr


def test_student_code_never_runs_in_the_cli_process(tmp_path: Path) -> None:
    source = "import builtins, sys\nbuiltins.COURSEKIT_WAS_HERE = True\nsys.exit(0)\n"
    result = invoke("check", "ex1", str(folder_with(tmp_path, source)))
    # importing the file failed: check's one error (issue 24), naming the line
    assert result.exit_code == 2 and "sys.exit(0)" in result.stderr, result.stdout
    assert not hasattr(builtins, "COURSEKIT_WAS_HERE")
    assert "ex1_rnn_forward" not in sys.modules


@pytest.mark.slow
def test_check_does_not_import_tensorflow() -> None:
    code = ("import sys; from typer.testing import CliRunner; from coursekit.cli import app; "
            "r = CliRunner().invoke(app, ['check', 'ex1', sys.argv[1]]); "
            "print(r.exit_code, sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(SOLUTIONS)], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["0", "[]"]


def test_help_states_the_exit_codes() -> None:
    result = invoke("check", "--help")
    assert result.exit_code == 0 and "2 when the file" in result.stdout


def invoke_at(columns: int, *args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns), "COURSEKIT_LANG": "en"})


@pytest.mark.slow
def test_verbose_shows_python_that_repeats_each_failed_call(tmp_path: Path) -> None:
    result = invoke("check", "ex1", str(folder_with(tmp_path, NO_BIAS)), "--verbose")
    assert result.exit_code == 1
    assert "inputs: these lines repeat the call" in result.stdout
    assert "from ex1_rnn_forward import rnn_cell_forward" in result.stdout
    assert re.search(r"result = rnn_cell_forward\(\w+, \w+, \w+, \w+, \w+\)", result.stdout), result.stdout
    # written whole (issue 24: a shape and its first values did not repeat the call)
    assert "x = np.array(" in result.stdout and "its first values" not in result.stdout
    passing = invoke("check", "ex1", str(SOLUTIONS), "--verbose")
    assert "repeat the call" not in passing.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.slow
def test_verbose_cuts_neither_numbers_nor_the_hints_formula_in_a_narrow_terminal(tmp_path: Path,
                                                                                  lang: str) -> None:
    result = invoke_at(60, "check", "ex1", str(folder_with(tmp_path, NO_BIAS)), "--verbose", "--lang", lang)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any("s_t = tanh(x_t @ U + s_prev @ W + b)" in line for line in lines), "the formula on one line"
    # within the width, rows of numbers wrapped between numbers (the next test compares them number by number)
    from rich.cells import cell_len

    assert all(cell_len(line) <= 60 for line in lines), max(lines, key=cell_len)
    arrays = [line for line in lines if "np.array(" in line or line.lstrip("│ ").startswith("[")]
    assert arrays and all(re.search(r"[\d,)\]…]\s*│\s*$", line) for line in arrays), "whole numbers"
    assert any("dtype=np.float32)" in line for line in lines)


def test_verbose_labels_the_part_of_a_tuple_result() -> None:
    from rich.console import Console

    from coursekit.messages import msg
    from coursekit.render.terminal import show_check
    from coursekit.results import ArrayDetail, ExerciseResult, TestResult

    detail = ArrayDetail(expected="[[1. 2.]]", got="[[1. 3.]]", tolerance="t", what="lstm_forward: c")
    test = TestResult(name="a case", status="failed", score=0, max_score=1,
                      message=msg("failure.wrong_value"), detail=detail)
    console = Console(record=True, width=100)
    show_check(console, ExerciseResult("ex4", msg("ok"), (test,)), "en", verbose=True)
    text = console.export_text()
    assert "expected · lstm_forward: c" in text and "got · lstm_forward: c" in text


@pytest.mark.parametrize(("args", "environment", "chinese"), [
    (("check", "--help"), {"COURSEKIT_LANG": "zh"}, True),
    (("check", "--help"), {"LANG": "zh_CN.UTF-8"}, True),
    (("list", "--help", "--lang", "zh"), {}, True),
    (("--help",), {"COURSEKIT_LANG": "zh-CN"}, True),
    (("check", "--help"), {"LANG": "C.UTF-8"}, False),
])
@pytest.mark.slow
def test_help_is_in_chinese_where_the_locale_or_coursekit_lang_says_chinese(
        args: tuple[str, ...], environment: dict[str, str], chinese: bool) -> None:
    """Issue 24: `coursekit check --help` in the user's language (the student's commands)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items()
           if k not in ("COURSEKIT_LANG", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    run = subprocess.run([sys.executable, "-m", "coursekit", *args], capture_output=True, text=True,
                         timeout=120, env={**env, "COLUMNS": "100", **environment})
    assert run.returncode == 0, run.stderr
    said = " ".join(run.stdout.split())
    if args[0] == "check":
        words = ("用一个练习的公开测试检查你的文件", "反馈的语言") if chinese else \
            ("Run the public tests of one exercise on your file", "The language of the feedback")
    elif args[0] == "list":
        words = ("列出所有练习、标题和分值", "反馈的语言")
    else:
        words = ("循环神经网络一课的练习与自动评分",)
    assert all(w in said for w in words), said


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.slow
def test_in_80_columns_nothing_is_cut_and_a_mistakes_hint_is_given_once(tmp_path: Path, lang: str) -> None:
    """Issue 24: a long Chinese line (no spaces to wrap at) folds instead of ending in "…"; the hint of
    bias_missing is given whole on its first test, then named with "the hint above"."""
    from rich.console import Console

    from coursekit.messages import verbatim
    from coursekit.render.terminal import show_check
    from coursekit.results import ExerciseResult, TestResult

    long = "返回值应该是最后一个时间步的输出而不是所有时间步的输出请检查循环结束后返回的变量" * 2
    test = TestResult(name="一个很长的测试", status="failed", score=0, max_score=1, message=verbatim(long))
    console = Console(record=True, width=80, color_system=None)
    show_check(console, ExerciseResult("ex1", verbatim("t"), (test,)), lang)
    shown = console.export_text()
    assert "…" not in shown and long in "".join(shown.split()), shown
    result = invoke_at(80, "check", "ex1", str(folder_with(tmp_path, NO_BIAS)), "--lang", lang)
    said = result.stdout
    advice = "每个时间步都要加上" if lang == "zh" else "add b at every timestep"
    again = "（见上面的提示）" if lang == "zh" else "(the hint above)"
    failed = sum(1 for line in said.splitlines() if line.lstrip().startswith("✗"))
    assert said.count(advice) == 1 and said.count(again) == failed - 1 > 0, said
    assert "…" not in said


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", ["ex1", "ex8"])
def test_verbose_reproduce_snippet_really_reproduces_the_call(tmp_path: Path, exercise_id: str) -> None:
    """Issue 24: each public case's "reproduce this call" code, executed beside the solution, returns
    what Keras gives (the inputs written whole, to the last bit)."""
    import ast
    import subprocess
    import sys

    import numpy as np

    from coursekit import refcache
    from coursekit.registry import get_exercise
    from coursekit.render.terminal import call_code

    exercise = get_exercise(exercise_id)
    shutil.copy(SOLUTIONS / exercise.filename, tmp_path / exercise.filename)
    tree = ast.parse((SOLUTIONS / exercise.filename).read_text(encoding="utf-8"))
    parameters = {f.name: [a.arg for a in f.args.args] for f in tree.body if isinstance(f, ast.FunctionDef)}
    cases = [c for c in exercise.public_cases() if not c.attribute and c.function != "clip_by_global_norm"]
    expected = refcache.load(exercise, cases)
    for case in cases:
        code = call_code(case, exercise.module, parameters[case.function])
        script = code + ("\nparts = result if isinstance(result, dict) else {'result': result}"
                         "\nnp.savez('out.npz', **parts)\n")
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=tmp_path, timeout=120)
        assert run.returncode == 0, run.stderr.decode()
        with np.load(tmp_path / "out.npz", allow_pickle=False) as got:
            want = expected[case.name]
            for k in (want if isinstance(want, dict) else ["result"]):
                np.testing.assert_allclose(got[k], want[k] if isinstance(want, dict) else want,
                                           rtol=1e-5, atol=1e-6, err_msg=case.name)


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.slow
def test_verbose_panels_fit_the_terminal_and_the_snippet_shown_reproduces_the_call(tmp_path: Path, lang: str,
                                                                                    width: int) -> None:
    """Issue 24: in 80 (and 60) columns no line of --verbose runs past the width, every number of the
    expected and received arrays is shown whole (wrapped between numbers), and the code of the panel, as
    the terminal shows it, run beside the solution gives Keras's answer."""
    import numpy as np
    from rich.cells import cell_len
    from rich.console import Console

    from coursekit import refcache
    from coursekit.check import check
    from coursekit.render.terminal import show_check
    from coursekit.render.text import key

    exercise = get_exercise("ex1")
    wrong = folder_with(tmp_path, NO_BIAS)
    result = check("ex1", wrong)
    cases = {c.name: c for c in exercise.public_cases()}
    console = Console(record=True, width=width, color_system=None)
    show_check(console, result, lang, verbose=True, cases=list(cases.values()), module=exercise.module,
               parameters={"rnn_cell_forward": ("x_t", "s_prev", "U", "W", "b"),
                           "rnn_forward": ("x", "U", "W", "b"), "rnn_output": ("s", "V", "c")})
    shown = console.export_text().splitlines()
    assert all(cell_len(line) <= width for line in shown), max(shown, key=cell_len)
    starts = [i for i, line in enumerate(shown) if line.startswith("╭")]
    failed = [t for t in result.tests if not t.passed]
    assert len(starts) == len(failed) > 0
    solution = tmp_path / "solution"
    solution.mkdir()
    shutil.copy(SOLUTIONS / FILE, solution / FILE)
    labels = {k: key(f"detail.{k}", lang) for k in ("inputs", "expected", "got")}
    labels["first_difference"] = "第一处不同" if lang == "zh" else "first difference"
    for start, t in zip(starts, failed, strict=True):
        end = next(i for i in range(start, len(shown)) if shown[i].startswith("╰"))
        body = [line[2:-2].rstrip() for line in shown[start + 1:end]]
        at = {k: next(i for i, line in enumerate(body) if line.startswith(label))
              for k, label in labels.items()}
        assert t.detail is not None
        assert " ".join(body[at["expected"] + 1:at["got"]]).split() == t.detail.expected.split()
        assert " ".join(body[at["got"] + 1:at["first_difference"]]).split() == t.detail.got.split()
        script = "\n".join(body[at["inputs"] + 1:at["expected"]]) + "\nnp.save('out.npy', result)\n"
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=solution, timeout=60)
        assert run.returncode == 0, script + run.stderr.decode()
        want = refcache.load(exercise, [cases[t.name]])[t.name]
        np.testing.assert_allclose(np.load(solution / "out.npy"), want, rtol=1e-5, atol=1e-6, err_msg=t.name)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.slow
def test_verbose_summary_tables_fit_80_columns_whole_for_the_failed_tests_only(tmp_path: Path,
                                                                                lang: str) -> None:
    """Issue 24: `(None, None…`, `320…` in 80 columns: the two tables stack when they do not fit side by
    side, no cell is cut, and a passed test shows no table."""
    from rich.cells import cell_len

    source = (SOLUTIONS / "ex2_param_count.py").read_text(encoding="utf-8")
    line = 'shape = _recurrent_output(shape, kwargs["units"], kwargs.get("return_sequences", False))'
    assert line in source
    wrong = source.replace(line, 'shape = (None, kwargs["units"])')
    (tmp_path / "ex2_param_count.py").write_text(wrong, encoding="utf-8")
    result = runner.invoke(app, ["check", "ex2", str(tmp_path), "--verbose", "--lang", lang],
                           env={"COLUMNS": "80"})
    said = result.stdout
    assert result.exit_code == 1 and "…" not in said, said
    assert all(cell_len(row) <= 80 for row in said.splitlines()), said
    assert "(None, None, 32)" in said and "Output Shape" in said
    panels = [row for row in said.splitlines() if row.startswith("╭")]
    assert panels and not any("✓" in row for row in panels), panels


LOAD_FAILURES = {  # a file that cannot be loaded at all, what names its place, what the error says
    "syntax": ("def rnn_cell_forward(x_t, s_prev, U, W, b)\n    return x_t\n",
               "def rnn_cell_forward(x_t, s_prev, U, W, b)", {"en": "does not compile", "zh": "无法编译"}),
    "missing package": ("import numpy as np\nimport pandas_not_installed_here\n",
                        "import pandas_not_installed_here", {"en": "importing", "zh": "导入"}),
    "top-level error": ("import numpy as np\nSCALE = np.sqrt(undefined_name)\n",
                        "SCALE = np.sqrt(undefined_name)", {"en": "importing", "zh": "导入"}),
}


@pytest.mark.parametrize("kind", LOAD_FAILURES)
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.slow
def test_a_file_that_cannot_be_loaded_is_one_error_with_exit_code_2(tmp_path: Path, lang: str,
                                                                      kind: str) -> None:
    """Issue 24: a syntax error or a failed import is one error naming the file and the line (exit code 2),
    not a table of tests that all failed for it; --json says it as {"error": ...}."""
    source, code, says = LOAD_FAILURES[kind]
    (tmp_path / FILE).write_text(source, encoding="utf-8")
    result = runner.invoke(app, ["check", "ex1", str(tmp_path), "--lang", lang], env={"COLUMNS": "80"})
    said = " ".join(result.stderr.split())
    line = source.splitlines().index(code) + 1
    where = f"{FILE} 第 {line} 行" if lang == "zh" else f"{FILE}, line {line}"
    assert result.exit_code == 2 and result.stdout == "", result.stdout
    assert said.startswith("错误：" if lang == "zh" else "error:") and says[lang] in said, said
    assert said.count(code) == 1 and where in said, said
    as_json = runner.invoke(app, ["check", "ex1", str(tmp_path), "--lang", lang, "--json"])
    assert as_json.exit_code == 2 and code in json.loads(as_json.stdout)["error"]


@pytest.mark.slow
def test_a_file_that_fails_a_test_at_run_time_still_gets_its_table(tmp_path: Path) -> None:
    """Only a file that cannot be loaded is exit code 2: one whose function raises is a failed test."""
    (tmp_path / FILE).write_text("def rnn_cell_forward(x_t, s_prev, U, W, b):\n    return undefined_name\n",
                                 encoding="utf-8")
    result = runner.invoke(app, ["check", "ex1", str(tmp_path), "--lang", "en"], env={"COLUMNS": "80"})
    assert result.exit_code == 1 and "ex1: 0/13 points" in result.stdout, result.stdout


def test_the_student_commands_help_takes_the_language_of_lang_then_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast lane's look at ``cli/help_text.py`` (the slow test above runs the command itself): the help
    of ``list`` and ``check`` comes from the catalogue in the language asked for; the instructor's commands
    and an unknown language keep the English help."""
    from coursekit.cli.help_text import command, help_language
    from coursekit.i18n import render
    from coursekit.messages import msg

    for name in ("COURSEKIT_LANG", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert help_language(["check", "--help", "--lang", "zh"]) == "zh"
    assert help_language(["check", "--lang=zh", "--help"]) == "zh"
    assert help_language(["check", "--lang", "klingon"]) == "en"
    monkeypatch.setenv("COURSEKIT_LANG", "zh")
    assert help_language(["list"]) == "zh"
    chinese = command(app, ["check", "--help"])
    assert chinese.help == render(msg("help.app"), "zh")
    check = chinese.commands["check"]
    assert check.help == render(msg("help.check"), "zh")
    assert {p.name: p.help for p in check.params}["lang"] == render(msg("help.lang"), "zh")
    monkeypatch.delenv("COURSEKIT_LANG")
    english = command(app, ["check", "--help"])
    assert english.commands["check"].help != render(msg("help.check"), "zh")
