"""The judge of a value that is one array: the same code judges in a grader and in the student handout.

A *judge module* holds ``judge(case, got, expected, mistakes) -> Verdict`` and, optionally,
``explain_error(case, error) -> Mistake | None``. It takes the named mistakes with their outputs as an
argument and imports no reference code, so that ``coursekit release`` can ship it: a grader judges with
``judge(case, got, expected, self.mistakes(case))``, where its reference code computes the mistakes'
outputs; the handout judges with the same function, those outputs read from the data that release
computed. This module is the judge module of the graders whose values are single arrays (ex1, ex5);
a grader with its own judging keeps its judge module beside it, ``graders/<id>_judge.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coursekit.compare import Verdict, compare_array
from coursekit.exercise import Case
from coursekit.messages import Mistake


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """One array, compared with tolerance; the first mistake whose output it matches is named."""
    return compare_array(expected, got, what=case.function, mistakes=mistakes)
