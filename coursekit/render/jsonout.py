"""The ``check --json`` object of the command-line contract."""

from __future__ import annotations

from typing import Any

from coursekit.render.text import test_name, test_output
from coursekit.results import ExerciseResult


def check_json(result: ExerciseResult, lang: str) -> dict[str, Any]:
    """The contract's object: ``{"exercise", "score", "max_score", "tests": [...]}``.

    Each test is ``{"name", "status", "score", "max_score", "output", "mistake"}``, ``status`` passed or
    failed, ``mistake`` the named mistake's id (the same in every language) or null.
    """
    return {
        "exercise": result.exercise,
        "score": result.score,
        "max_score": result.max_score,
        "tests": [{"name": test_name(result.exercise, t, lang), "status": t.status, "score": t.score,
                   "max_score": t.max_score, "output": test_output(t, lang), "mistake": t.mistake}
                  for t in result.tests],
    }


def error_json(message: str) -> dict[str, Any]:
    """``check --json`` when there is no result (exit code 2): ``{"error": message}``."""
    return {"error": message}
