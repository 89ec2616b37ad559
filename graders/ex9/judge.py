"""The judge of exercise 9 (NTM addressing): no reference code, so the student handout ships it as it is.

``graders/ex9/grader.py`` computes the named mistakes' outputs with the wrong versions of
``graders/ex9/ntm.py`` and
judges with :func:`judge`; the handout judges with the same function, those outputs read from its data
(see ``coursekit/judges.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict, as_array, compare_array
from coursekit.exercise import Case
from coursekit.messages import Mistake

NO_EPSILON = "cosine_without_epsilon"  # recognised here (a NaN), not by an output


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """One array; a NaN where a zero memory row meets a similarity without its epsilon is named too."""
    verdict = compare_array(expected, got, what=case.function, mistakes=mistakes)
    arr = as_array(got)
    if (case.function == "content_weights" and not verdict.passed and verdict.mistake is None
            and arr is not None and arr.shape == expected.shape and np.isnan(arr).any()
            and not np.linalg.norm(np.asarray(case.args[0], dtype=np.float64), axis=-1).all()):
        return Verdict(False, verdict.message, Mistake(NO_EPSILON, None, "ex9"), verdict.detail)
    return verdict
