"""Gradescope's results.json for one student.

Fields per Gradescope's autograder specification: top-level ``score``, ``execution_time``, ``output``,
``output_format``, ``visibility``, ``stdout_visibility`` and ``tests``; each test has ``name``, ``score``,
``max_score``, ``status`` ("passed" or "failed"), ``output`` and ``visibility``. Public cases are
``visible``; hidden cases are ``after_published`` and their output never holds expected values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coursekit.i18n import render
from coursekit.messages import Message
from coursekit.render.text import key, test_name, test_output_under_notes, title
from coursekit.results import ExerciseResult

TEST_FIELDS = ("name", "score", "max_score", "status", "output", "visibility")


def results_json(results: Sequence[ExerciseResult], problem: Message | None, lang: str) -> dict[str, Any]:
    """Gradescope's object, every text in ``lang``; a test's tags hold its exercise and named mistake.

    An exercise's notes are said once in ``output``, under its score line, not in each test's output."""
    tests = [
        {"name": f"{r.exercise} · {test_name(r.exercise, t, lang)}", "score": t.score,
         "max_score": t.max_score, "status": t.status, "output": test_output_under_notes(t, r.notes, lang),
         "visibility": "after_published" if t.hidden else "visible",
         "tags": [r.exercise] + (["internal-error"] if t.internal_error else [])
                 + ([f"mistake:{t.mistake}"] if t.mistake else [])}
        for r in results for t in r.tests
    ]
    lines = []
    for r in results:  # each exercise's notes (about the whole submission) said once, under its line
        lines.append(key("report.line", lang, exercise=r.exercise, title=title(r, lang), score=r.score,
                         max_score=r.max_score))
        lines += ["  " + line for note in r.notes for line in render(note, lang).splitlines()]
    if problem:
        lines.insert(0, key("report.problem", lang, problem=problem))
    return {
        "score": round(sum(r.score for r in results), 6),
        "execution_time": round(sum(r.execution_time for r in results), 3),
        "output": "\n".join(lines),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
