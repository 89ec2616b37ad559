"""Shared helpers: grade a workspace written from strings, the way check and grade do."""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
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


def assert_no_english_only(result: ExerciseResult) -> None:
    """Each test's message renders from both catalogues (strict); the grader's own verdicts are catalogue
    entries, never verbatim text, and a failed one's Chinese is not its English."""
    from coursekit.i18n import render
    from coursekit.results import Failure

    for t in result.tests:
        en, zh = (render(t.message, lang, strict=True) for lang in ("en", "zh"))
        if t.passed or t.failure == Failure.WRONG_VALUE:  # the grader's own verdict, not an exception
            assert t.message.key != "verbatim", (t.name, en)
            assert t.passed or en != zh, (t.name, en)


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


def grade_source(exercise_id: str, source: str, folder: str) -> ExerciseResult:
    """The public cases' result of ``source`` as the exercise's file in the new folder ``folder``."""
    exercise = get_exercise(exercise_id)
    ws = Path(folder)
    (ws / exercise.filename).write_text(source, encoding="utf-8")
    cases = exercise.public_cases()
    return grade_exercise(exercise, ws, cases, exercise.expected_values(cases))


class GradedOnce:
    """graded_once(exercise_id, source) -> the public cases' result of ``source`` as the exercise's file,
    as ``coursekit check`` judges it; each (exercise, source) is graded once per test session.

    ex3's and ex7's files each cost a process importing TensorFlow, most of ex7's a training run:
    tests/test_ex3.py, test_ex7.py, test_mistakes.py and test_release.py (the handout's check against
    coursekit's) share them. ``prefetch`` grades a module's files two at a time, one per core.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.factory = tmp_path_factory
        self.results: dict[tuple[str, str], ExerciseResult] = {}

    def __call__(self, exercise_id: str, source: str) -> ExerciseResult:
        if (exercise_id, source) not in self.results:
            folder = self.factory.mktemp(exercise_id)
            self.results[exercise_id, source] = grade_source(exercise_id, source, str(folder))
        return self.results[exercise_id, source]

    def prefetch(self, exercise_id: str, sources: Iterable[str]) -> None:
        todo = [s for s in dict.fromkeys(sources) if (exercise_id, s) not in self.results]
        if len(todo) < 2:
            return
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {s: pool.submit(grade_source, exercise_id, s, str(self.factory.mktemp(exercise_id)))
                       for s in todo}
            for source, future in futures.items():
                self.results[exercise_id, source] = future.result()


@pytest.fixture(scope="session")
def graded_once(tmp_path_factory: pytest.TempPathFactory) -> GradedOnce:
    return GradedOnce(tmp_path_factory)
