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


@pytest.fixture(scope="session")
def graded_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], ExerciseResult]:
    """graded_once(exercise_id, source) -> the public cases' result of ``source`` as the exercise's file,
    as ``coursekit check`` judges it; each (exercise, source) is graded once per test session.

    ex3's and ex7's files each cost a process importing TensorFlow, most of ex7's a training run:
    tests/test_ex7.py and tests/test_release.py (the handout's check against coursekit's) share them.
    """
    results: dict[tuple[str, str], ExerciseResult] = {}

    def run(exercise_id: str, source: str) -> ExerciseResult:
        if (exercise_id, source) not in results:
            exercise = get_exercise(exercise_id)
            ws = tmp_path_factory.mktemp(exercise_id)
            (ws / exercise.filename).write_text(source, encoding="utf-8")
            cases = exercise.public_cases()
            expected = exercise.expected_values(cases)
            results[exercise_id, source] = grade_exercise(exercise, ws, cases, expected)
        return results[exercise_id, source]

    return run
