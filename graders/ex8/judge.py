"""The judge of exercise 8 (BPTT): no reference code, so the student handout ships it as it is.

``graders/ex8/grader.py`` computes the named mistakes' outputs with the wrong versions of
``graders/ex8/bptt.py``
and judges with :func:`judge`; the handout judges with the same function, those outputs read from its
data (see ``coursekit/judges.py``). Its messages are entries of the ex8 catalogue
(``graders/ex8/locale/{en,zh}/LC_MESSAGES/ex8.po``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict, as_array, close, compare_array, describe
from coursekit.exercise import Case
from coursekit.messages import Message, Mistake, Param, in_domain, lines, msg
from coursekit.sandbox.report import StudentError

DOMAIN = "ex8"
KEYS = ("dU", "dW", "db", "dx", "ds0")  # rnn_backward's dict, in the order of graders/ex8/bptt.py
DIVIDED_BY_ZERO = "divided_by_zero_norm"  # the one mistake recognised here rather than by its output


def _message(key: str, /, **params: Param) -> Message:
    return in_domain(DOMAIN, key, **params)


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """rnn_backward's dict and clip_by_global_norm's pair part by part; the norms with what they show."""
    if case.function == "rnn_backward":
        return _judge_backward(case.function, got, expected, mistakes)
    if case.function == "clip_by_global_norm":
        return _judge_clip(case.function, got, expected, mistakes)
    verdict = compare_array(expected, got, what=case.function, mistakes=mistakes)
    # The story is told from the student's numbers only once they are right: wrong numbers tell a wrong one.
    shown = None if case.hidden or not verdict.passed else _what_the_norms_show(as_array(got), expected)
    if shown is None:
        return verdict
    message = shown if verdict.message is None else lines(verdict.message, shown)
    return Verdict(verdict.passed, message, verdict.mistake, verdict.detail)


def _judge_backward(what: str, got: Any, expected: Mapping[str, np.ndarray],
                    mistakes: Sequence[Mistake]) -> Verdict:
    keys = ", ".join(f'"{k}"' for k in KEYS)
    if not isinstance(got, dict):
        return Verdict(False, _message("backward.not_dict", what=what, keys=keys, got=describe(got)))
    missing = [k for k in KEYS if k not in got]
    if missing:
        return Verdict(False, _message("backward.missing", what=what, missing=", ".join(missing), keys=keys))
    return judge_parts(what, expected, {k: got[k] for k in KEYS}, mistakes)


def _judge_clip(what: str, got: Any, expected: tuple[list[np.ndarray], float],
                mistakes: Sequence[Mistake]) -> Verdict:
    clipped, norm = expected
    n = len(clipped)
    if not isinstance(got, tuple | list) or len(got) != 2 or not isinstance(got[0], tuple | list):
        if isinstance(got, tuple | list) and all(isinstance(a, np.ndarray) for a in got):
            return Verdict(False, _message("clip.only_arrays", what=what, count=n, got_count=len(got)))
        return Verdict(False, _message("clip.not_pair", what=what, count=n, got=describe(got)))
    arrays, got_norm = got
    if not isinstance(arrays, tuple | list) or len(arrays) != n:
        return Verdict(False, _message("clip.not_list", what=what, count=n, got=describe(arrays)))
    names = [f"clipped[{i}]" for i in range(n)]
    want = {**dict(zip(names, clipped, strict=True)), "global_norm": np.asarray(norm)}
    parts = {**dict(zip(names, arrays, strict=True)), "global_norm": got_norm}
    verdict = judge_parts(what, want, parts, mistakes)
    if verdict.passed or verdict.mistake or norm != 0:
        return verdict
    returned = [as_array(a) for a in arrays]
    if any(a is not None and not np.all(np.isfinite(a)) for a in returned):
        return Verdict(False, verdict.message, Mistake(DIVIDED_BY_ZERO, None, DOMAIN), verdict.detail)
    return verdict


def explain_error(case: Case, error: StudentError) -> Mistake | None:
    """A ZeroDivisionError in clip_by_global_norm when every gradient is 0."""
    if case.function == "clip_by_global_norm" and error.type_name == "ZeroDivisionError":
        return Mistake(DIVIDED_BY_ZERO, None, DOMAIN)
    return None


def judge_parts(function: str, expected: Mapping[str, np.ndarray], got: Mapping[str, Any],
                mistakes: Sequence[Mistake]) -> Verdict:
    """Judge named parts; name the mistake whose output explains every wrong part.

    A mistake's output maps part names to what the mistake gives there; a part it leaves out (or maps to
    None) may be anything, but at least one wrong part must match one it gives, and every part the
    mistake changes must be wrong the mistake's way: a result right where the mistake would be wrong
    (dU, dW, db and dx right, only ds0 zeros) is not that mistake.
    """
    verdicts = {k: compare_array(np.asarray(e, dtype=np.float64), got[k],
                                 what=msg("compare.part", function=function, part=k))
                for k, e in expected.items()}
    wrong = [k for k, v in verdicts.items() if not v.passed]
    if not wrong:
        return Verdict(True, detail=verdicts[next(iter(verdicts))].detail)
    message = lines(*(m for m in (verdicts[k].message for k in wrong) if m is not None))
    detail = verdicts[wrong[0]].detail
    for mistake in mistakes:
        if not isinstance(mistake.output, Mapping):
            continue
        given = {k: v for k, v in mistake.output.items() if v is not None}
        explained = [k for k in wrong if k in given and _close(given[k], got[k])]
        changed = [k for k in given if not _close(given[k], expected[k])]
        if explained and all(k in explained or k not in given for k in wrong) \
                and all(k in explained for k in changed):
            return Verdict(False, message, mistake, detail)
    return Verdict(False, message, detail=detail)


def _close(expected: Any, got: Any) -> bool:
    want, arr = as_array(expected), as_array(got)
    return want is not None and arr is not None and close(want, arr)


def _what_the_norms_show(norms: np.ndarray | None, expected: np.ndarray) -> Message | None:
    """One sentence on the student's own numbers: do they vanish, explode, or neither, going back?"""
    if norms is None or norms.shape != expected.shape or not np.all(np.isfinite(norms)) or norms.size < 2:
        return None
    first, last, steps = float(norms[0]), float(norms[-1]), norms.size - 1
    if last <= 0:
        return _message("norms.plain", first=first, last=last, steps=steps)
    ratio = first / last
    kind = "vanish" if ratio < 1e-3 else "explode" if ratio > 1e3 else "neither"
    return _message(f"norms.{kind}", first=first, last=last, steps=steps, ratio=ratio)
