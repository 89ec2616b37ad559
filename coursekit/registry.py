"""The exercises coursekit knows, by id. Each grader module defines ``EXERCISE``."""

from __future__ import annotations

import importlib

from coursekit._exceptions import UnknownExerciseError
from coursekit.exercise import Exercise
from coursekit.i18n import error

GRADER_MODULES: dict[str, str] = {
    "ex1": "graders.ex1",
    "ex2": "graders.ex2",
    "ex3": "graders.ex3",
    "ex4": "graders.ex4",
    "ex5": "graders.ex5",
    "ex6": "graders.ex6",
    "ex7": "graders.ex7",
    "ex8": "graders.ex8",
    "ex9": "graders.ex9",
    "ex11": "graders.ex11.grader",  # an exercise folder (graders/ex11/), ahead of the layout move
}


def exercise_ids() -> list[str]:
    return list(GRADER_MODULES)


def get_exercise(exercise_id: str) -> Exercise:
    """The grader of ``exercise_id`` (``"ex1"``); raises UnknownExerciseError for an unknown id."""
    module_name = GRADER_MODULES.get(exercise_id.strip().lower())
    if module_name is None:
        raise error(UnknownExerciseError, "exercise.unknown", got=repr(exercise_id),
                    exercises=tuple(GRADER_MODULES))
    exercise: Exercise = importlib.import_module(module_name).EXERCISE
    return exercise


def all_exercises() -> list[Exercise]:
    return [get_exercise(i) for i in GRADER_MODULES]
