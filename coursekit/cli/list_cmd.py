"""``coursekit list``."""

from __future__ import annotations

from rich.console import Console

from coursekit.registry import all_exercises
from coursekit.render.terminal import exercise_list


def list_exercises() -> None:
    """List the exercises, their titles and points."""
    Console().print(exercise_list(all_exercises()))
