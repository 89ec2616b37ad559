"""``coursekit check``: a student's public self-test of one exercise."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from coursekit._exceptions import SubmissionNotFoundError, SubmissionRefusedError
from coursekit.exercise import Exercise
from coursekit.grading import grade_exercise
from coursekit.i18n import error
from coursekit.messages import Message, msg
from coursekit.notebook import notebook_name
from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult, Failure
from coursekit.sandbox import host, warm
from coursekit.uses import check_uses


def locate(exercise: Exercise, path: Path | None, cwd: Path) -> tuple[Path, str | None]:
    """The folder holding the student's file: PATH (the file or its folder), else ./ then ./exercises/.

    Also the file's name when PATH names the file itself (the .py or the notebook), else None. A folder
    may hold the exercise's ``.py`` file or its notebook.
    """
    notebook = notebook_name(exercise.filename)
    entry = None
    if path is not None:
        path = path if path.is_absolute() else cwd / path
        if path.is_file() or path.is_symlink():
            if path.name not in (exercise.filename, notebook):
                raise error(SubmissionNotFoundError, "check.wrong_file", path=str(path), exercise=exercise.id,
                            filename=exercise.filename, notebook=notebook)
            folder, entry = path.parent, path.name
        elif path.is_dir():
            folder = path
        else:
            raise error(SubmissionNotFoundError, "check.no_path", path=str(path))
        candidates = [folder]
    else:
        candidates = [cwd, cwd / "exercises"]
    for folder in candidates:
        for name in (entry,) if entry else (exercise.filename, notebook):
            target = folder / name
            if target.is_symlink():
                raise error(SubmissionRefusedError, "check.link", path=str(target))
            if target.is_file():
                return folder, entry
    raise error(SubmissionNotFoundError, "check.not_found", filename=exercise.filename, notebook=notebook,
                folders=tuple(str(f) for f in candidates))


def check(exercise_id: str, path: Path | None = None, cwd: Path | None = None) -> ExerciseResult:
    """Run the public cases of ``exercise_id`` on the student's file and judge them.

    The runner is the one this platform takes (``sandbox/host.py``); the limits it cannot apply here
    are said in the result's first note. Raises UnknownExerciseError, SubmissionNotFoundError,
    SubmissionRefusedError, or InvalidOptionError for a $COURSEKIT_RUNNER it does not know.
    """
    exercise = get_exercise(exercise_id)
    warm.expect(exercise.child_imports, exercise.forbidden_imports)  # Keras, while the rest loads
    unapplied = limits_note(host.runner_kind())
    folder, entry = locate(exercise, path, cwd or Path.cwd())
    cases = exercise.public_cases()
    result = grade_exercise(exercise, folder, cases, exercise.expected_values(cases), entry=entry)
    result = check_uses(exercise, folder, result, grade_exercise)
    return result if unapplied is None else replace(result, notes=(unapplied, *result.notes))


# The failures of a file that could not be loaded at all: it does not compile, importing it raised (a
# missing neighbour file or package), or its notebook cannot be read (nbformat missing).
_NOT_LOADED = frozenset({Failure.SYNTAX_ERROR, Failure.IMPORT_ERROR, Failure.REFUSED})


def load_failure(result: ExerciseResult) -> Message | None:
    """Why no test of ``result`` could run, when the student's file could not be loaded; else None.

    That is one reason for every test, already said once as a note: ``coursekit check`` says it as its one
    error line (exit code 2) instead of a table of tests that all failed for it (issue 24).
    """
    if not result.tests or result.tests[0].message not in result.notes:
        return None
    first = result.tests[0]
    if first.failure not in _NOT_LOADED:
        return None
    same = all(t.failure == first.failure and t.message == first.message for t in result.tests)
    return first.message if same else None


def limits_note(kind: host.RunnerKind) -> Message | None:
    """What check says, once, when the runner ``kind`` cannot apply some limits on this platform."""
    missing = host.unapplied_limits(kind)
    if not missing:
        return None
    return msg("note.limits_not_applied", limits=tuple(msg(f"limit.{limit}") for limit in missing))
