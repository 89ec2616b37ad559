"""The judge of exercise 4 (LSTM and GRU): no reference code, so the student handout ships it as it is.

``graders/ex4/grader.py`` computes the named mistakes' outputs with its reference code and judges with
:func:`judge`; the handout judges with the same function, those outputs read from its data (see
``coursekit/judges.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict, as_array, close, compare_array, describe
from coursekit.exercise import Case
from coursekit.messages import Mistake, lines, msg
from coursekit.sandbox.report import StudentError

PARTS = {"lstm_cell_forward": ("h_t", "c_t"), "lstm_forward": ("output", "h_last", "c_last")}
BIAS_ARG = {"lstm_cell_forward": 5, "lstm_forward": 3, "gru_cell_forward": 4, "gru_forward": 3}

BIAS_NONE = Mistake("bias_none_not_handled", None, "ex4")
STATE_NONE = Mistake("initial_state_none_not_handled", None, "ex4")


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """An array (GRU), or a tuple judged part by part (LSTM); name the mistake that explains it."""
    parts = PARTS.get(case.function)
    if parts is None:
        return compare_array(expected, got, what=case.function, mistakes=mistakes)
    return judge_parts(case.function, parts, expected, got, mistakes)


def explain_error(case: Case, error: StudentError) -> Mistake | None:
    """A crash on a None argument: bias=None (use_bias=False), or an omitted initial state."""
    if "None" not in error.message:
        return None
    bias_missing = case.args[BIAS_ARG[case.function]] is None
    state_key = {"lstm_forward": "initial_state", "gru_forward": "h0"}.get(case.function)
    state_missing = state_key is not None and case.kwargs.get(state_key) is None
    if state_missing and (not bias_missing or "unpack" in error.message):
        return STATE_NONE
    return BIAS_NONE if bias_missing else None


def judge_parts(function: str, parts: Sequence[str], expected: Sequence[np.ndarray], got: Any,
                mistakes: Sequence[Mistake]) -> Verdict:
    """Judge a tuple result part by part; name every wrong part, and the mistake that explains them."""
    if isinstance(got, np.ndarray) and got.shape == expected[0].shape:
        return Verdict(False, msg("compare.single_array", what=function, parts=tuple(parts),
                                  shape=tuple(int(n) for n in got.shape), n=len(parts)))
    if not isinstance(got, tuple | list) or len(got) != len(parts):
        return Verdict(False, msg("compare.not_tuple", what=function, parts=tuple(parts), got=describe(got)))
    verdicts = [compare_array(e, g, what=msg("compare.part", function=function, part=p))
                for e, g, p in zip(expected, got, parts, strict=True)]
    wrong = [i for i, v in enumerate(verdicts) if not v.passed]
    if not wrong:
        return Verdict(True, detail=verdicts[0].detail)
    message = lines(*(verdicts[i].message or msg("failure.wrong_value") for i in wrong))
    arrays = [as_array(g) for g in got]
    for m in mistakes:
        if not isinstance(m.output, tuple):
            continue
        outs = [as_array(o) for o in m.output]
        if all(_close(outs[i], arrays[i]) for i in wrong):
            return Verdict(False, message, mistake=m, detail=verdicts[wrong[0]].detail)
    return Verdict(False, message, detail=verdicts[wrong[0]].detail)


def _close(expected: np.ndarray | None, got: np.ndarray | None) -> bool:
    return expected is not None and got is not None and close(expected, got)
