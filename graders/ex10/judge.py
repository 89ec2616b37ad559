"""The judge of exercise 10 (DNC memory addressing): no reference code, so the student handout ships it.

``grader.py`` beside this file computes the named mistakes' outputs with the wrong versions of ``_dnc.py``
and judges with :func:`judge`; the handout judges with the same function, those outputs read from its
data (see ``coursekit/judges.py``). Its messages are entries of the ex10 catalogue
(``locale/{en,zh}/LC_MESSAGES/ex10.po`` beside this file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict, as_array, close, compare_array, describe
from coursekit.exercise import Case
from coursekit.messages import Message, Mistake, in_domain, msg

DOMAIN = "ex10"
PAIR = ("forward", "backward")  # directional_weights returns (forward, backward)


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """One array; directional_weights' pair part by part (``expected`` stacks it: (2, batch, R, N))."""
    if case.function == "directional_weights":
        return _judge_pair(case.function, got, np.asarray(expected, dtype=np.float64), mistakes)
    return compare_array(expected, got, what=case.function, mistakes=mistakes)


def _judge_pair(what: str, got: Any, expected: np.ndarray, mistakes: Sequence[Mistake]) -> Verdict:
    shape = tuple(int(n) for n in expected.shape[1:])
    if not isinstance(got, tuple | list) or len(got) != 2:
        return Verdict(False, in_domain(DOMAIN, "directions.not_pair", what=what, shape=shape,
                                        got=describe(got)))
    for k, name in enumerate(PAIR):
        part: Message = msg("compare.part", function=what, part=in_domain(DOMAIN, f"directions.{name}"))
        verdict = compare_array(expected[k], got[k], what=part)
        if not verdict.passed:
            return Verdict(False, verdict.message, _pair_mistake(got, mistakes), verdict.detail)
    return Verdict(True)


def _pair_mistake(got: Sequence[Any], mistakes: Sequence[Mistake]) -> Mistake | None:
    """The mistake whose stacked (forward, backward) output both returned arrays match."""
    parts = [as_array(g) for g in got]
    for mistake in mistakes:
        out = as_array(mistake.output)
        if out is not None and out.shape[:1] == (2,) and all(
                p is not None and close(out[k], p) for k, p in enumerate(parts)):
            return mistake
    return None
