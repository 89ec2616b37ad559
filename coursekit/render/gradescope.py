"""Gradescope's results.json for one student.

Fields per Gradescope's autograder specification: top-level ``score``, ``execution_time``, ``output``,
``output_format``, ``visibility``, ``stdout_visibility`` and ``tests``; each test has ``name``, ``score``,
``max_score``, ``status`` ("passed" or "failed"), ``output`` and ``visibility``. Public cases are
``visible``; hidden cases are ``after_published`` and their output never holds expected values.

Bounded like report.md (``coursekit/bounds.py``): each test's output within ``MAX_TEST_CHARS``, the top-level
output within ``MAX_OUTPUT_CHARS``, and the whole file within ``MAX_STUDENT_CHARS`` (each test's output cut
further if it must be), every cut text ending in ``(cut)``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from coursekit.bounds import MAX_STUDENT_CHARS, MAX_TEST_CHARS, cut
from coursekit.i18n import render
from coursekit.messages import Message
from coursekit.render.text import key, test_name, test_output_under_notes, title
from coursekit.results import ExerciseResult

TEST_FIELDS = ("name", "score", "max_score", "status", "output", "visibility")
MAX_OUTPUT_CHARS = MAX_STUDENT_CHARS // 4  # the top-level output: score lines, notes, intake lines
MIN_TEST_CHARS = 100  # the least a test's output is cut to, however many tests there are
SHOWN_DECIMALS = 2  # a score a person reads (here, grades.csv, the reports) has at most two decimals


def shown_points(result: ExerciseResult) -> list[tuple[float, float]]:
    """Each test's (score, max_score) to two decimals, the maxima summing to the exercise's rounded
    maximum (largest remainders get the cents); a full score stays the maximum, a partial one at most it."""
    maxima = [t.max_score for t in result.tests]
    cents = [math.floor(m * 100 + 1e-9) for m in maxima]
    left = round(sum(maxima) * 100) - sum(cents)
    by_remainder = sorted(range(len(maxima)), key=lambda i: -(maxima[i] * 100 - cents[i]))
    for i in by_remainder[:max(0, left)]:
        cents[i] += 1
    shown = []
    for t, c in zip(result.tests, cents, strict=True):
        top = c / 100
        if t.max_score > 0 and t.score >= t.max_score:
            shown.append((top, top))
        else:
            shown.append((min(round(t.score, SHOWN_DECIMALS), top) if t.max_score > 0
                          else round(t.score, SHOWN_DECIMALS), top))
    return shown


def results_json(results: Sequence[ExerciseResult], problem: Message | None, lang: str,
                 notes: Sequence[str] = (), score: float | None = None) -> dict[str, Any]:
    """Gradescope's object, every text in ``lang``; a test's tags hold its exercise and named mistake.

    An exercise's notes are said once in ``output``, under its score line, not in each test's output.
    ``notes`` (the lines above a student's feedback, in ``lang``) open ``output``. ``score``: the
    student's score when it is not the tests' sum (after a late penalty; Gradescope shows the top-level
    score over the tests'), rounded to two decimals as grades.csv rounds it."""
    outputs = [test_output_under_notes(t, r.notes, lang) for r in results for t in r.tests]
    points = [p for r in results for p in shown_points(r)]
    tests = [
        {"name": cut(f"{r.exercise} · {test_name(r.exercise, t, lang)}", 200), "score": points[n][0],
         "max_score": points[n][1], "status": t.status, "output": "",
         "visibility": "after_published" if t.hidden else "visible",
         "tags": [r.exercise] + (["internal-error"] if t.internal_error else [])
                 + ([f"mistake:{cut(t.mistake, 200)}"] if t.mistake else [])}
        for n, (r, t) in enumerate((r, t) for r in results for t in r.tests)
    ]
    lines = []
    for r in results:  # each exercise's notes (about the whole submission) said once, under its line
        lines.append(key("report.line", lang, exercise=r.exercise, title=title(r, lang),
                         score=round(r.score, SHOWN_DECIMALS), max_score=round(r.max_score, SHOWN_DECIMALS)))
        lines += ["  " + line for note in r.notes for line in render(note, lang).splitlines()]
    if problem:
        lines.insert(0, key("report.problem", lang, problem=problem))
    data = {
        "score": round(sum(r.score for r in results) if score is None else score, SHOWN_DECIMALS),
        "execution_time": round(sum(r.execution_time for r in results), 3),
        "output": cut("\n".join((*notes, *lines)), MAX_OUTPUT_CHARS),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    limit = MAX_TEST_CHARS
    while True:
        for test, output in zip(tests, outputs, strict=True):
            test["output"] = cut(output, limit)
        size = len(json.dumps(data, indent=1, ensure_ascii=False))
        if size <= MAX_STUDENT_CHARS or limit <= MIN_TEST_CHARS:
            return data
        limit = max(MIN_TEST_CHARS, limit // 2)
