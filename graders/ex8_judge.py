"""The judge of exercise 8 (BPTT): no reference code, so the student handout ships it as it is.

``graders/ex8.py`` computes the named mistakes' outputs with the wrong versions of ``graders/_bptt.py``
and judges with :func:`judge`; the handout judges with the same function, those outputs read from its
data (see ``coursekit/judges.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict, as_array, close, compare_array, describe, untranslated
from coursekit.exercise import Case
from coursekit.messages import Mistake, lines, msg, verbatim
from coursekit.sandbox.report import StudentError

KEYS = ("dU", "dW", "db", "dx", "ds0")  # rnn_backward's dict, in the order of graders/_bptt.py
DIVIDED_BY_ZERO = ("divided by a global norm of 0",
                   "when every gradient is 0 the global norm is 0 and nothing needs clipping: scale by "
                   "clip_norm / max(global_norm, clip_norm), which is 1 here")


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """rnn_backward's dict and clip_by_global_norm's pair part by part; the norms with what they show."""
    if case.function == "rnn_backward":
        return _judge_backward(got, expected, mistakes)
    if case.function == "clip_by_global_norm":
        return _judge_clip(got, expected, mistakes)
    verdict = compare_array(expected, got, what=case.function, mistakes=mistakes)
    shown = _what_the_norms_show(as_array(got), expected)
    said = [m for m in (verdict.message, verbatim(shown) if shown else None) if m is not None]
    return Verdict(verdict.passed, lines(*said) if said else None, verdict.mistake, verdict.detail)

def _judge_backward(got: Any, expected: Mapping[str, np.ndarray], mistakes: Sequence[Mistake]) -> Verdict:
    keys = ", ".join(f'"{k}"' for k in KEYS)
    if not isinstance(got, dict):
        return Verdict(False, msg("compare.not_dict", what="rnn_backward", keys=keys, got=describe(got)))
    missing = [k for k in KEYS if k not in got]
    if missing:
        return Verdict(False, verbatim(f"rnn_backward: the dict has no {', '.join(missing)}; expected the "
                                       f"keys {keys}"))
    return judge_parts("rnn_backward", expected, {k: got[k] for k in KEYS}, mistakes)

def _judge_clip(got: Any, expected: tuple[list[np.ndarray], float], mistakes: Sequence[Mistake]) -> Verdict:
    clipped, norm = expected
    n = len(clipped)
    what = f"a tuple (a list of {n} clipped arrays, the global norm)"
    if not isinstance(got, tuple | list) or len(got) != 2 or not isinstance(got[0], tuple | list):
        if isinstance(got, tuple | list) and all(isinstance(a, np.ndarray) for a in got):
            return Verdict(False, verbatim(f"clip_by_global_norm: expected {what}, got only {len(got)} "
                                           "arrays; return the global norm too: (clipped, global_norm)"))
        return Verdict(False, msg("compare.not_tuple", what="clip_by_global_norm",
                                  parts=(f"a list of {n} clipped arrays", "the global norm"),
                                  got=describe(got)))
    arrays, got_norm = got
    if not isinstance(arrays, tuple | list) or len(arrays) != n:
        return Verdict(False, msg("compare.not_list", what="clip_by_global_norm", n=n, got=describe(arrays)))
    names = [f"clipped[{i}]" for i in range(n)]
    want = {**dict(zip(names, clipped, strict=True)), "global_norm": np.asarray(norm)}
    parts = {**dict(zip(names, arrays, strict=True)), "global_norm": got_norm}
    verdict = judge_parts("clip_by_global_norm", want, parts, mistakes)
    if verdict.passed or verdict.mistake or norm != 0:
        return verdict
    returned = [as_array(a) for a in arrays]
    if any(a is not None and not np.all(np.isfinite(a)) for a in returned):
        return Verdict(False, verdict.message, untranslated(*DIVIDED_BY_ZERO), verdict.detail)
    return verdict

def explain_error(case: Case, error: StudentError) -> Mistake | None:
    """A ZeroDivisionError in clip_by_global_norm when every gradient is 0."""
    if case.function == "clip_by_global_norm" and error.type_name == "ZeroDivisionError":
        return untranslated(*DIVIDED_BY_ZERO)
    return None


def judge_parts(function: str, expected: Mapping[str, np.ndarray], got: Mapping[str, Any],
                mistakes: Sequence[Mistake]) -> Verdict:
    """Judge named parts; name the mistake whose output explains every wrong part.

    A mistake's output maps part names to what the mistake gives there; a part it leaves out (or maps to
    None) may be anything, but at least one wrong part must match one it gives.
    """
    verdicts = {k: compare_array(np.asarray(e, dtype=np.float64), got[k], what=f"{function}: {k}")
                for k, e in expected.items()}
    wrong = [k for k, v in verdicts.items() if not v.passed]
    if not wrong:
        return Verdict(True, detail=verdicts[next(iter(verdicts))].detail)
    message = lines(*(verdicts[k].message or msg("failure.wrong_value") for k in wrong))
    detail = verdicts[wrong[0]].detail
    for mistake in mistakes:
        given = {k: v for k, v in mistake.output.items() if v is not None}
        explained = [k for k in wrong if k in given and _close(given[k], got[k])]
        if explained and all(k in explained or k not in given for k in wrong):
            return Verdict(False, message, mistake=mistake, detail=detail)
    return Verdict(False, message, detail=detail)


def _close(expected: Any, got: Any) -> bool:
    want, arr = as_array(expected), as_array(got)
    return want is not None and arr is not None and close(want, arr)


def _what_the_norms_show(norms: np.ndarray | None, expected: np.ndarray) -> str:
    """One sentence on the student's own numbers: do they vanish, explode, or neither, going back?"""
    if norms is None or norms.shape != expected.shape or not np.all(np.isfinite(norms)) or norms.size < 2:
        return ""
    first, last, steps = float(norms[0]), float(norms[-1]), norms.size - 1
    text = (f"What your numbers show: the norm is {last:.3g} at the last timestep and {first:.3g} at "
            f"t = 0, {steps} steps earlier")
    if last <= 0:
        return text + "."
    ratio = first / last
    if ratio < 1e-3:
        return (text + f": {ratio:.1e} times as large. The gradient vanishes: the first inputs hardly "
                       f"change s_T, which is why the simple RNN forgets long contexts (and why LSTM and "
                       f"GRU exist).")
    if ratio > 1e3:
        return (text + f": {ratio:.1e} times as large. The gradient explodes: one update step would be "
                       f"huge, which is what clip_by_global_norm is for.")
    return text + f": within a factor 1000 ({ratio:.3g}), neither vanishing nor exploding over this length."
