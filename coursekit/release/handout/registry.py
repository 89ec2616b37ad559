"""The exercises of this handout, by id, judged from the data coursekit release computed."""

from __future__ import annotations

from coursekit.exercise import Exercise
from coursekit.handout import exercise_ids, load


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise ``exercise_id``; raises UnknownExerciseError for an unknown id."""
    return load(exercise_id)


def all_exercises() -> list[Exercise]:
    return [load(i) for i in exercise_ids()]


__all__ = ["all_exercises", "exercise_ids", "get_exercise"]
