"""A plain ``coursekit check`` command line runs without typer (issue 28: typer and the pydantic it reads
values with cost more than the rest of ``check ex1`` before the student's code runs); everything else
still goes to typer, and the quick path says what typer's says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXERCISES, SOLUTIONS
from typer.testing import CliRunner

from coursekit.cli import app
from coursekit.cli.quick import PlainCheck, plain_check

ENV = {**os.environ, "COLUMNS": "100", "COURSEKIT_LANG": "en"}


@pytest.mark.parametrize(("argv", "read"), [
    (["check", "ex1"], PlainCheck("ex1", None, False, False, None)),
    (["check", "ex1", "some/dir"], PlainCheck("ex1", Path("some/dir"), False, False, None)),
    (["check", "--json", "ex3", "f.py", "-v", "--lang", "zh"],
     PlainCheck("ex3", Path("f.py"), True, True, "zh")),
    (["check", "ex1", "--lang=en", "--verbose"], PlainCheck("ex1", None, False, True, "en")),
])
def test_a_plain_check_command_line_is_read(argv: list[str], read: PlainCheck) -> None:
    assert plain_check(argv) == read


@pytest.mark.parametrize("argv", [
    [], ["check"], ["list"], ["grade", "ex1"], ["check", "--help"], ["check", "ex1", "--help"],
    ["check", "ex1", "a", "b"], ["check", "ex1", "--json", "--json"], ["check", "ex1", "-vv"],
    ["check", "ex1", "--lang"], ["check", "ex1", "--lang", "--json"], ["check", "ex1", "--lang="],
    ["check", "ex1", "--lang", "en", "--lang", "zh"], ["check", "ex1", "--"], ["check", "ex1", "-"],
    ["check", "", "dir"], ["check", "ex1", "--jsonx"], ["check", "--lang", "en"],
])
def test_anything_else_goes_to_typer(argv: list[str]) -> None:
    assert plain_check(argv) is None


@pytest.mark.slow
def test_check_ex1_imports_neither_typer_nor_pydantic_nor_keras() -> None:
    code = ("import sys; sys.argv = ['coursekit', 'check', 'ex1', sys.argv[1], '--json']\n"
            "from coursekit.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "print(code, sorted(m for m in ('typer', 'click', 'pydantic', 'keras', 'tensorflow') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(SOLUTIONS)], capture_output=True, text=True,
                         check=True, env=ENV).stdout
    assert out.splitlines()[-1].split() == ["0", "[]"]


@pytest.mark.parametrize("args", [
    ("check", "ex1", str(SOLUTIONS), "--json"),
    ("check", "ex1", str(EXERCISES), "--json", "--lang", "zh"),
    ("check", "ex99", str(SOLUTIONS), "--json"),
    ("check", "ex1", str(EXERCISES / "nothing-here")),
])
@pytest.mark.slow
def test_the_quick_path_says_what_typers_says(args: tuple[str, ...]) -> None:
    quick = subprocess.run([sys.executable, "-m", "coursekit", *args], capture_output=True, text=True,
                           env=ENV)
    typer = CliRunner().invoke(app, list(args), env={"COLUMNS": "100", "COURSEKIT_LANG": "en"})
    assert quick.returncode == typer.exit_code
    if "--json" in args:
        got, want = json.loads(quick.stdout), json.loads(typer.stdout)
        for value in (got, want):
            value.pop("execution_time", None)
        assert got == want
    else:
        assert quick.stderr.split() == typer.stderr.split() and quick.returncode == 2
