"""The exercises coursekit knows, by id: every exercise folder of the content package, by its number.

coursekit names no exercise: it scans the configured content package (``coursekit/content.py``) for its
``ex<N>/grader.py`` modules; each defines ``EXERCISE``, whose id is its folder's name.
"""

from __future__ import annotations

import importlib

from coursekit import content
from coursekit._exceptions import ContentNotFoundError, InternalError, UnknownExerciseError
from coursekit.exercise import Exercise
from coursekit.i18n import error


def content_package() -> str:
    """The configured content package; raises ContentNotFoundError when there is none, or several."""
    found = content.candidates()
    if len(found) > 1:
        raise error(ContentNotFoundError, "content.several", packages=found, variable=content.ENV_VAR)
    name = found[0] if found else None
    if name is None or content.folder(name) is None:
        raise error(ContentNotFoundError, "content.none", package=name or "", variable=content.ENV_VAR,
                    group=content.GROUP)
    return name


def exercise_ids() -> list[str]:
    return list(content.exercise_folders(content.folder(content_package())))


def grader_module(exercise_id: str) -> str:
    """The module of ``exercise_id``'s grader (``<package>.<id>.grader``); the id must be known."""
    return content.grader_module(exercise_id, content_package())


def get_exercise(exercise_id: str) -> Exercise:
    """The grader of ``exercise_id`` (its folder's name); raises UnknownExerciseError for an unknown id."""
    key = exercise_id.strip().lower()
    ids = exercise_ids()
    if key not in ids:
        raise error(UnknownExerciseError, "exercise.unknown", got=repr(exercise_id), exercises=tuple(ids))
    exercise: Exercise = importlib.import_module(grader_module(key)).EXERCISE
    if exercise.id != key:
        raise InternalError(f"{grader_module(key)} defines the exercise {exercise.id!r}, expected {key!r}")
    return exercise


def all_exercises() -> list[Exercise]:
    return [get_exercise(i) for i in exercise_ids()]
