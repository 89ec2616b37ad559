"""Gradescope's results.json for one student.

Fields per Gradescope's autograder specification: top-level ``score``, ``execution_time``, ``output``,
``output_format``, ``visibility``, ``stdout_visibility`` and ``tests``; each test has ``name``, ``score``,
``max_score``, ``status`` ("passed" or "failed"), ``output`` and ``visibility``. Public cases are
``visible``; hidden cases are ``after_published`` and their output never holds expected values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coursekit.results import ExerciseResult

TEST_FIELDS = ("name", "score", "max_score", "status", "output", "visibility")


def results_json(results: Sequence[ExerciseResult], problem: str | None = None) -> dict[str, Any]:
    tests = [
        {"name": f"{r.exercise} · {t.name}", "score": t.score, "max_score": t.max_score, "status": t.status,
         "output": t.output, "visibility": "after_published" if t.hidden else "visible",
         "tags": [r.exercise] + (["internal-error"] if t.internal_error else [])}
        for r in results for t in r.tests
    ]
    lines = [f"{r.exercise} ({r.title}): {r.score:g}/{r.max_score:g}" for r in results]
    if problem:
        lines.insert(0, f"Your submission could not be opened: {problem}")
    return {
        "score": round(sum(r.score for r in results), 6),
        "execution_time": round(sum(r.execution_time for r in results), 3),
        "output": "\n".join(lines),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
