"""One mistake is charged once: an exercise graded on top of another exercise's file the student wrote.

An exercise may import the student's own files of other exercises (``Exercise.uses``: a bidirectional
exercise imports ``rnn_forward``, ``lstm_forward`` and ``gru_forward`` from two earlier ones). When
such an exercise loses
points and the student's file imports one of those files:

- :func:`check_uses` (``coursekit check``) runs the public cases of the imported functions in the other
  exercise; if some fail, it says "fix exN first" above the table and drops the hints of the failed
  tests, which could blame this exercise for the other's mistake;
- :func:`grade_uses` (``coursekit grade``) does the same test, then grades the exercise again with the
  course's own file (``Exercise.course_file``) in place of each imported file found wrong, and keeps
  that result when it scores more, with a note naming the files replaced. The student's other exercise
  is graded on its own anyway.

Nothing here knows an exercise: each declares what it uses.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from coursekit.exercise import Case, Exercise
from coursekit.imports import names_imported
from coursekit.messages import msg
from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult

Grade = Callable[[Exercise, Path, Sequence[Case], Mapping[str, Any]], ExerciseResult]


def imported(exercise: Exercise, workspace: Path) -> list[tuple[Exercise, frozenset[str]]]:
    """Each exercise of ``exercise.uses`` whose file (present in ``workspace``) the student's file imports,
    with the names it imports from it (``"*"``: the whole module)."""
    path = workspace / exercise.filename
    if not exercise.uses or path.is_symlink() or not path.is_file():
        return []
    try:
        code = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for other in map(get_exercise, exercise.uses):
        own = workspace / other.filename
        names = names_imported(code, other.module)
        if names and own.is_file() and not own.is_symlink():
            found.append((other, names))
    return found


def failing(exercise: Exercise, workspace: Path, grade: Grade) -> list[tuple[Exercise, list[str]]]:
    """Each exercise the student's file imports whose own public tests of the imported functions fail
    on the student's file, with those functions."""
    found = []
    for other, names in imported(exercise, workspace):
        cases = [c for c in other.public_cases() if "*" in names or c.function in names]
        if not cases:
            continue
        theirs = grade(other, workspace, cases, other.expected_values(cases))
        failed = sorted({c.function for c, t in zip(cases, theirs.tests, strict=True) if not t.passed})
        if failed:
            found.append((other, failed))
    return found


def check_uses(exercise: Exercise, workspace: Path, result: ExerciseResult, grade: Grade) -> ExerciseResult:
    """``result`` of ``check``, with "fix exN first" when a function imported from exN fails exN's own
    public tests; the hints of the failed tests are then left out (they could name the wrong mistake)."""
    if result.passed:
        return result
    # Translators: {exercise} imports {functions} from {file}, the student's file of exercise {other}.
    notes = [msg("note.fix_first", exercise=exercise.id, other=other.id, file=other.filename,
                 functions=", ".join(functions)) for other, functions in failing(exercise, workspace, grade)]
    if not notes:
        return result
    tests = tuple(t if t.passed else replace(t, hint=None, mistake=None) for t in result.tests)
    return replace(result, tests=tests, notes=(*result.notes, *notes))


def grade_uses(exercise: Exercise, workspace: Path, cases: Sequence[Case], expected: Mapping[str, Any],
               result: ExerciseResult, grade: Grade) -> ExerciseResult:
    """``result`` of ``grade``, or, when it scores more, the result of grading again with the course's own
    file in place of each imported file whose imported functions fail their own public tests, noted."""
    if result.passed:
        return result
    swapped = [(other, other.course_file) for other, _ in failing(exercise, workspace, grade)
               if other.course_file is not None]
    if not swapped:
        return result
    with tempfile.TemporaryDirectory(prefix="coursekit-uses-") as tmp:
        folder = Path(tmp)
        for path in workspace.iterdir():
            if path.is_file() and not path.is_symlink():
                shutil.copyfile(path, folder / path.name)
        for other, course_file in swapped:
            shutil.copyfile(course_file, folder / other.filename)
        again = grade(exercise, folder, cases, expected)
    if again.score <= result.score:
        return result
    # Translators: {files} are the course's files put in place of the student's, of the exercises {others};
    # {score}/{max_score} what the student's own files scored.
    note = msg("note.graded_with_course_files", exercise=exercise.id,
               files=", ".join(o.filename for o, _ in swapped), others=", ".join(o.id for o, _ in swapped),
               score=result.score, max_score=result.max_score)
    return replace(again, notes=(*again.notes, note))
