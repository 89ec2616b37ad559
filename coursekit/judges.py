"""Judges that take the named mistakes as data: the same code judges in coursekit and in the handout.

A judge is ``judge(case, got, expected, mistakes, options) -> Verdict``. A grader computes the mistakes'
outputs with its reference code (``Exercise.mistakes``) and judges with one of these; the student
handout (``coursekit release``) stores those outputs for the public cases and judges with the same
function, so both give the same verdicts and name the same mistakes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from coursekit.compare import Mistake, Verdict, compare_array
from coursekit.exercise import Case

Judge = Callable[[Case, Any, Any, Sequence[Mistake], Mapping[str, Any]], Verdict]


def array(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake],
          options: Mapping[str, Any]) -> Verdict:
    """One array, compared with tolerance; the first mistake whose output it matches is named."""
    return compare_array(expected, got, what=case.function, mistakes=mistakes)


JUDGES: dict[str, Judge] = {"array": array}
