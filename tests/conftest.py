"""Shared helpers: grade a workspace written from strings, the way check and grade do."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from coursekit.grading import grade_exercise
from coursekit.registry import get_exercise
from coursekit.render.text import test_output
from coursekit.results import ExerciseResult, TestResult

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"

GradeFiles = Callable[..., ExerciseResult]


def text(test: TestResult, lang: str = "en") -> str:
    """A test's message and, on its own line, its hint, as a student reads them in ``lang``."""
    return test_output(test, lang)


@pytest.fixture(scope="module")
def keras() -> ModuleType:
    """keras, imported once (about 3.5 s) and only by the test modules that ask for it."""
    import keras

    return keras


@pytest.fixture
def grade_files(tmp_path: Path) -> GradeFiles:
    """grade_files("ex1", {"ex1_rnn_forward.py": source, ...}) -> the public cases' ExerciseResult.

    A value of None for a file copies the reference solution of that name.
    """

    def run(exercise_id: str, files: dict[str, str | None]) -> ExerciseResult:
        ws = tmp_path / f"ws-{len(list(tmp_path.iterdir()))}"
        ws.mkdir()
        for name, source in files.items():
            if source is None:
                shutil.copy(SOLUTIONS / name, ws / name)
            else:
                (ws / name).write_text(source, encoding="utf-8")
        exercise = get_exercise(exercise_id)
        cases = exercise.public_cases()
        return grade_exercise(exercise, ws, cases, exercise.expected_values(cases))

    return run
