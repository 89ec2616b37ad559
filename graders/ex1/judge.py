"""The judge of exercise 1: no reference code, so the student handout ships it as it is.

One array compared with tolerance (coursekit/judges.py); besides, an rnn_output with inf or NaN where
Keras's softmax is finite is np.exp overflowing on large logits (softmax_overflow).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from coursekit.compare import Verdict, compare_array
from coursekit.exercise import Case
from coursekit.messages import Mistake
from coursekit.sandbox.report import StudentError

SOFTMAX_OVERFLOW = Mistake("softmax_overflow", None, "ex1")
COLUMN_VECTORS = Mistake("column_vectors", None, "ex1")


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    verdict = compare_array(expected, got, what=case.function, mistakes=mistakes)
    if (not verdict.passed and verdict.mistake is None and case.function == "rnn_output"
            and isinstance(got, np.ndarray) and got.shape == np.shape(expected)
            and np.issubdtype(got.dtype, np.floating) and not np.all(np.isfinite(got))):
        return replace(verdict, mistake=SOFTMAX_OVERFLOW)
    return verdict


def explain_error(case: Case, error: StudentError) -> Mistake | None:
    """The lesson's U x_t (column vectors) as U @ x_t: numpy's matmul refuses the shapes (Keras multiplies
    row vectors, x_t @ kernel)."""
    if case.function in ("rnn_cell_forward", "rnn_forward") and error.type_name == "ValueError" and (
            "matmul" in error.message or "not aligned" in error.message):
        return COLUMN_VECTORS
    return None
