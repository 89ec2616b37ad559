"""Every command's refusals: one line on stderr (JSON with ``--json``), exit code 2, in the chosen
language (``--lang`` where the command has it, else $COURSEKIT_LANG, else the locale), with the same
facts in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from coursekit.cli import app

runner = CliRunner()
ENGLISH_WORDS = ("expected", "unknown", "not a", "exists", "does not")


def invoke(args: list[str], lang: str, cwd: Path | None = None) -> Result:
    env = {"COLUMNS": "200", "COURSEKIT_LANG": lang, "COURSEKIT_SECRET": "errors-test"}
    if cwd is None:
        return runner.invoke(app, args, env=env)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return runner.invoke(app, args, env=env)


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == "", result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _course(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


CASES = {
    "check: an unknown exercise": (
        lambda tmp: ["check", "ex99"],
        "error: unknown exercise 'ex99': expected one of ex1, ex2",
        "错误：没有练习 'ex99'：应为 ex1、ex2"),
    "check: a path that does not exist": (
        lambda tmp: ["check", "ex1", str(tmp / "nowhere")],
        "does not exist", "不存在"),
    "check: a folder without the file": (
        lambda tmp: ["check", "ex1", str(tmp)],
        "ex1_rnn_forward.py (or ex1_rnn_forward.ipynb) was not found in",
        "中没有找到 ex1_rnn_forward.py（或 ex1_rnn_forward.ipynb）"),
    "grade: a refused course.toml value": (
        lambda tmp: ["grade", str(tmp), "--out", str(tmp / "out"), "--course",
                     str(_course(tmp, "[points]\nex1 = -3"))],
        "error: points.ex1: expected a number between 0 and 1000, got -3",
        "错误：points.ex1：应为 0 到 1000 之间的数，实际为 -3"),
    "grade: a course.toml that is not TOML": (
        lambda tmp: ["grade", str(tmp), "--out", str(tmp / "out"), "--course", str(_course(tmp, "lang = "))],
        "not valid TOML", "不是有效的 TOML 文件"),
    "grade: a late policy without a due date": (
        lambda tmp: ["grade", str(tmp), "--out", str(tmp / "out"), "--course",
                     str(_course(tmp, "[late]\npenalty_per_day = 0.1"))],
        "error: late.due: missing; a late policy needs a due date",
        "错误：late.due：缺少截止时间；设置迟交扣分必须给出截止时间"),
    "grade: an unknown course.toml key": (
        lambda tmp: ["grade", str(tmp), "--out", str(tmp / "out"), "--course",
                     str(_course(tmp, "colour = 3"))],
        "error: colour: unknown key (expected one of lang, points, late, roster, counts)",
        "错误：colour：不认识这个键（可用的键：lang、points、late、roster、counts）"),
    "grade: a course file that is not there": (
        lambda tmp: ["grade", str(tmp), "--out", str(tmp / "out"), "--course", str(tmp / "missing.toml")],
        "error: --course: ", "错误：--course："),
    "export: an unknown exercise": (
        lambda tmp: ["export", "gradescope", "--out", str(tmp / "a.zip"), "--exercises", "ex42"],
        "error: unknown exercise 'ex42'", "错误：没有练习 'ex42'"),
    "init-course: a file that exists": (
        lambda tmp: ["init-course", str(_course(tmp, ""))],
        "already exists; edit it, or remove it first", "已经存在；请直接编辑它，或者先删除它"),
    "release: an unknown exercise": (
        lambda tmp: ["release", str(tmp / "handout"), "--exercises", "ex42"],
        "error: unknown exercise 'ex42'", "错误：没有练习 'ex42'"),
    "release: a folder that holds files": (
        lambda tmp: ["release", str(_course(tmp, "").parent), "--exercises", "ex1"],
        "exists and is not an empty folder", "已经存在且不是空文件夹"),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_refusal_is_one_line_and_exit_2_in_the_chosen_language(tmp_path: Path, case: str,
                                                                  lang: str) -> None:
    args, en, zh = CASES[case]
    line = one_error_line(invoke(args(tmp_path), lang))
    assert (en if lang == "en" else zh) in line, line
    if lang == "zh":
        assert not any(word in line for word in ENGLISH_WORDS), line


def test_lang_overrides_the_environment_and_json_errors_stay_json(tmp_path: Path) -> None:
    line = one_error_line(invoke(["check", "ex99", "--lang", "zh"], "en"))
    assert line.startswith("错误：没有练习 'ex99'")
    result = invoke(["check", "ex1", str(tmp_path), "--json", "--lang", "zh"], "en")
    assert result.exit_code == 2 and result.stderr == ""
    assert json.loads(result.stdout)["error"].startswith("在 ")
    result = invoke(["check", "ex1", str(tmp_path), "--json"], "en")
    assert "was not found in" in json.loads(result.stdout)["error"]


def test_an_unknown_language_is_said_in_english(tmp_path: Path) -> None:
    for args in (["list", "--lang", "fr"], ["check", "ex1", "--lang", "fr"]):
        line = one_error_line(invoke(args, "en"))
        assert line == "error: --lang: unknown language 'fr': expected one of zh, en", line
    line = one_error_line(invoke(["release", str(tmp_path / "h"), "--lang", "fr"], "zh"))
    assert line == "错误：--lang：应为 zh 或 en，实际为 'fr'"


def test_grade_speaks_the_course_files_language_once_it_is_read(tmp_path: Path) -> None:
    """Without --lang or $COURSEKIT_LANG, an error after course.toml was read is in its lang."""
    course = _course(tmp_path, 'lang = "zh"')
    result = runner.invoke(app, ["grade", str(tmp_path / "no-class"), "--out", str(tmp_path / "out"),
                                 "--course", str(course)],
                           env={"COLUMNS": "200", "COURSEKIT_LANG": "", "LANG": "C.UTF-8", "LC_ALL": "",
                                "LANGUAGE": "", "LC_MESSAGES": "", "COURSEKIT_SECRET": "errors-test"})
    line = one_error_line(result)
    assert line.startswith("错误：CLASS_DIR：") and line.endswith("不是文件夹"), line


@pytest.mark.parametrize(("lang", "says"), [
    ("zh", "ex1_rnn_forward.ipynb 不是笔记本：它不是有效的 JSON（是不是没有完整保存？）"),
    ("en", "ex1_rnn_forward.ipynb is not a notebook: it is not valid JSON (was it saved completely?)")])
def test_a_refused_file_is_said_in_the_chosen_language(tmp_path: Path, lang: str, says: str) -> None:
    """A file the grader will not read is check's one error (exit 2, issue 24), in the chosen language."""
    (tmp_path / "ex1_rnn_forward.ipynb").write_text('{"cells": [', encoding="utf-8")
    result = invoke(["check", "ex1", str(tmp_path), "--json"], lang)
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"error": says}, result.stdout
