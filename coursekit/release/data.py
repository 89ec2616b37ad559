"""What the handout's check needs, computed from live Keras and the graders when ``release`` runs.

For every public case: its inputs, Keras's expected value, the judge that the grader judges it with, and
the output of every named mistake on those inputs (so that "Looks like: the bias b was left out" still
works without the reference code that computes it). The format is described in ``coursekit/handout.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from coursekit import wire
from coursekit._exceptions import CoursekitError
from coursekit.exercise import Case, Exercise
from coursekit.handout import FORMAT

# How each exercise's grader judges a case: (judge name, options), with the mistakes of
# Exercise.mistakes(case). An exercise whose grader does not judge through coursekit.judges yet is
# not in this table, and release refuses it rather than hand out a check that judges differently.
JudgeOf = Callable[[Exercise, Case], tuple[str, Mapping[str, Any]]]
JUDGED_BY: dict[str, JudgeOf] = {
    "ex1": lambda exercise, case: ("array", {}),
    "ex5": lambda exercise, case: ("array", {}),
}
# The packages an exercise's own code needs beyond numpy (its check says how to install them).
REQUIRES: dict[str, tuple[str, ...]] = {"ex3": ("keras",), "ex7": ("keras",)}


class NotHandedOutError(CoursekitError):
    """An exercise that release cannot hand out (its grader's judge needs its reference code)."""


def handed_out(exercise_id: str) -> bool:
    return exercise_id in JUDGED_BY


def exercise_data(exercise: Exercise) -> dict[str, Any]:
    """The handout's data file of ``exercise``: public cases, expected values (live Keras), mistakes."""
    judge_of = JUDGED_BY.get(exercise.id)
    if judge_of is None:
        raise NotHandedOutError(f"{exercise.id} cannot be handed out yet: its grader does not judge through "
                                f"coursekit.judges, so its check would need the reference code")
    cases = exercise.public_cases()
    expected = exercise.expected_values(cases, use_cache=False)
    mistakes_of = getattr(exercise, "mistakes", None)
    out = []
    for case in cases:
        judge, options = judge_of(exercise, case)
        mistakes = mistakes_of(case) if mistakes_of is not None else []
        out.append({
            "name": case.name, "function": case.function, "args": wire.encode(list(case.args)),
            "kwargs": wire.encode(dict(case.kwargs)), "points": case.points, "probe": case.probe,
            "judge": judge, "options": wire.encode(dict(options)),
            "expected": wire.encode(expected[case.name]),
            "mistakes": [{"name": m.name, "hint": m.hint, "output": wire.encode(m.output)} for m in mistakes],
        })
    limits = asdict(exercise.limits)
    return {
        "format": FORMAT, "exercise": exercise.id, "title": exercise.title, "filename": exercise.filename,
        "functions": list(exercise.functions), "forbidden_imports": list(exercise.forbidden_imports),
        "child_imports": list(exercise.child_imports), "requires": list(REQUIRES.get(exercise.id, ())),
        "limits": {k: limits[k] for k in ("timeout_s", "memory_mb")},
        "hidden_points": exercise.hidden_points(), "cases": out,
    }
