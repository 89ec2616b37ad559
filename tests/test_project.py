"""The project's shape: the package metadata, the README's two commands and the CI script that runs them."""

from __future__ import annotations

import os
import re
import tomllib

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = ROOT / ".ci" / "run"


def test_pyproject_installs_the_console_script_and_the_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"] == {"coursekit": "coursekit.cli:main"}
    names = {re.split(r"[<>=\[ ]", d)[0] for d in project["dependencies"]}
    assert {"numpy", "typer", "rich", "keras"} <= names and names & {"tensorflow", "tensorflow-cpu"}
    assert any(d.startswith("keras>=3") for d in project["dependencies"])
    test_extra = project["optional-dependencies"]["test"]
    assert {"pytest", "ruff", "mypy"} <= {re.split(r"[<>= ]", d)[0] for d in test_extra}


def test_the_top_level_layout_is_there() -> None:
    for name in ("pyproject.toml", "README.md", "coursekit", "exercises", "solutions", "graders", "tests",
                 "benchmarks", ".ci/run"):
        assert (ROOT / name).exists(), name


def test_the_readme_has_one_setup_command_a_test_command_and_a_fast_lane() -> None:
    setup = [line for line in README.splitlines() if line.startswith("python3 -m venv .venv && ")]
    tests = [line for line in README.splitlines() if line.startswith(".venv/bin/python -m pytest")]
    assert setup == ['python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && '
                     '.venv/bin/coursekit check ex1']
    # the first is the test command (.ci/run takes the first); the second, the fast lane without ruff and mypy
    assert len(tests) == 2 and "ruff check" in tests[0] and "mypy" in tests[0] and "slow" not in tests[0]
    assert tests[1] == '.venv/bin/python -m pytest -m "not slow" -q -n auto --dist loadfile'
    # both spread the test files over a worker per core (pytest-xdist), a file's tests in one worker
    assert all("-n auto --dist loadfile" in line for line in tests)
    assert "exits with code 1" in README and "Grading a class" in README
    assert "coursekit grade CLASS_DIR --out OUT_DIR" in README
    assert "python -m coursekit.refcache" in README and "benchmarks/check_speed.py" in README


def test_ci_runs_the_readmes_commands_and_is_executable() -> None:
    text = CI.read_text(encoding="utf-8")
    assert os.access(CI, os.X_OK) and text.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in text
    assert "grep -m1 '^python3 -m venv \\.venv && ' README.md" in text
    assert "grep -m1 '^\\.venv/bin/python -m pytest' README.md" in text
