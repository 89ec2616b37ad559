"""The judge of exercise 6 (padding and decoding): no reference code, so the student handout ships it.

``graders/ex6/grader.py`` computes the named mistakes' outputs with its numpy padding and the lesson's
decoding
and judges with :func:`judge`; the handout judges with the same function, those outputs read from its
data (see ``coursekit/judges.py``). ``pad_sequences`` arrives through the ``dtype`` probe as ``(type,
dtype, value)``. A ``wrong_index_from`` mistake's output is ``{"index_from": used, "text": decoded}``:
the review as the lesson decodes it with that other ``index_from``. Its messages are entries of the ex6
catalogue (``graders/ex6/locale/{en,zh}/LC_MESSAGES/ex6.po``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from coursekit.compare import Verdict, compare_array, describe
from coursekit.exercise import Case
from coursekit.messages import Message, Mistake, Param, in_domain, msg

DOMAIN = "ex6"
NO_PADDING = "maxlen_none_no_padding"
FLOAT_ARRAY = "float_array"
WRONG_INDEX_FROM = "wrong_index_from"
PADDING_NOT_SKIPPED = "padding_not_skipped"


def _message(key: str, /, **params: Param) -> Message:
    return in_domain(DOMAIN, key, **params)


def _mistake(mistake_id: str) -> Mistake:
    return Mistake(mistake_id, None, DOMAIN)


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """pad_sequences' array, its values then its dtype; decode_review's string."""
    if case.function == "decode_review":
        return _judge_decode(case, got, expected, mistakes)
    return _judge_pad(case, got, expected, mistakes)


def _judge_pad(case: Case, got: Any, expected: Mapping[str, Any], mistakes: Sequence[Mistake]) -> Verdict:
    what = "pad_sequences"
    values = np.asarray(expected["values"], dtype=np.float64)
    want: dict[str, Param] = {"what": what, "dtype": str(expected["dtype"]),
                              "shape": tuple(int(n) for n in values.shape)}
    if not (isinstance(got, tuple) and len(got) == 3):
        return Verdict(False, msg("compare.unreadable", what=what, got=describe(got)))
    kind, dtype, value = got
    no_padding = case.kwargs.get("maxlen") is None
    if kind != "numpy.ndarray":
        if isinstance(value, list | tuple) and _same_values(value, values):
            # padded right, only not an array: not the maxlen mistake (issue 24)
            return Verdict(False, _message("pad.list_not_array", kind=str(kind), **want))
        if no_padding and isinstance(value, list | tuple) and not _rectangular(value, values.shape):
            return Verdict(False, _message("pad.not_array", kind=str(kind), **want),
                           mistake=_mistake(NO_PADDING))
        return Verdict(False, _message("pad.not_array_build", kind=str(kind), **want))
    empty = isinstance(value, np.ndarray) and value.size == 0 < values.size
    if no_padding and (dtype == "object" or empty):
        return Verdict(False, _message("pad.no_padding", got=describe(value), kind=str(dtype), **want),
                       mistake=_mistake(NO_PADDING))
    verdict = compare_array(values, value, what=what, mistakes=mistakes, rtol=0, atol=0)
    if not verdict.passed:
        return verdict
    if dtype != expected["dtype"]:
        if dtype is not None and np.dtype(dtype).kind == "f":
            return Verdict(False, _message("pad.dtype", got=str(dtype), **want),
                           mistake=_mistake(FLOAT_ARRAY))
        return Verdict(False, _message("pad.dtype_int", got=str(dtype), **want))
    return Verdict(True, _message("pad.ok", **want))


def _as_numbers(value: Any) -> np.ndarray | None:
    """A (nested) list as a float array, or None when it is ragged or holds something else."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    return array


def _rectangular(value: Any, shape: tuple[int, ...]) -> bool:
    array = _as_numbers(value)
    return array is not None and array.shape == shape


def _same_values(value: Any, values: np.ndarray) -> bool:
    array = _as_numbers(value)
    return array is not None and array.shape == values.shape and bool(np.array_equal(array, values))


def _judge_decode(case: Case, got: Any, expected: str, mistakes: Sequence[Mistake]) -> Verdict:
    what = "decode_review"
    if not isinstance(got, str):
        return Verdict(False, _message("decode.not_str", what=what, got=describe(got)))
    if got == expected:
        return Verdict(True, _message("decode.ok"))
    index_from = int(case.kwargs.get("index_from", 3))
    shown_got, shown_expected = _first_difference(got, expected)
    for mistake in mistakes:
        if isinstance(mistake.output, Mapping) and mistake.id == PADDING_NOT_SKIPPED \
                and _padding_decoded(got, str(mistake.output["text"]), case.args[0]):
            return Verdict(False, _message("decode.differs", what=what, expected=shown_expected,
                                           got=shown_got), mistake=mistake)
        if isinstance(mistake.output, Mapping) and got == mistake.output["text"]:
            shifted = _message("decode.differs_shift", what=what, expected=shown_expected, got=shown_got,
                               used=int(mistake.output["index_from"]), right=index_from)
            return Verdict(False, shifted, mistake=mistake)
    return Verdict(False, _message("decode.differs", what=what, expected=shown_expected, got=shown_got))


def _padding_decoded(got: str, unskipped: str, ids: Any) -> bool:
    """``got`` is the review decoded with each padding id (0) written as a word, whatever word: '?' (as
    ``unskipped`` has it), '<PAD>', or '' (a space more). Every other word is the expected one."""
    if got == unskipped:
        return True
    try:
        padding = [int(i) == 0 for i in ids]
    except (TypeError, ValueError, OverflowError):
        return False
    words, wanted = got.split(" "), unskipped.split(" ")
    if not any(padding) or not len(words) == len(wanted) == len(padding):
        return False
    if any(w != u for w, u, pad in zip(words, wanted, padding, strict=True) if not pad):
        return False
    return len({w for w, pad in zip(words, padding, strict=True) if pad}) == 1


SHOWN_CHARS = 1000  # a decoded review is shown whole up to this many characters, then "…"


def _first_difference(got: str, expected: str) -> tuple[str, str]:
    """The two reviews whole (issue 24: eight words were too few to see the mistake), each bounded to
    SHOWN_CHARS with "…" where it is cut."""
    return _bounded(got), _bounded(expected)


def _bounded(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + " …"
