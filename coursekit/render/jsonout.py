"""The ``check --json`` object of the command-line contract."""

from __future__ import annotations

from typing import Any

from coursekit.results import ExerciseResult


def check_json(result: ExerciseResult) -> dict[str, Any]:
    """The contract's object: ``{"exercise", "score", "max_score", "tests": [...]}``.

    Each test is ``{"name", "status", "score", "max_score", "output"}``, ``status`` passed or failed.
    """
    return {
        "exercise": result.exercise,
        "score": result.score,
        "max_score": result.max_score,
        "tests": [{"name": t.name, "status": t.status, "score": t.score, "max_score": t.max_score,
                   "output": t.output} for t in result.tests],
    }
