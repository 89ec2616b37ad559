"""Comparing a student's value with the expected one, and naming the mistake it looks like.

The checks go from "is it there and of the right kind" to "shape" to "finite" to "values"; each failure
says what arrived and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from coursekit.messages import Message, Mistake, Param, msg
from coursekit.results import ArrayDetail, TableDetail
from coursekit.wire import Unsupported

RTOL = 1e-4
ATOL = 1e-5
# Mistakes the engine itself names for any array result, in its own catalogue: the layout is wrong but
# every value is there.
LAYOUT_MISTAKE_IDS = frozenset({"output_transposed", "time_major"})


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing one value: what is wrong (``message``) and the mistake it matches.

    ``note`` is about the submission as a whole rather than this value (a Keras model: "this model has no
    keras.Input"): grading keeps each distinct note once in ``ExerciseResult.notes``, said above the table.
    """

    passed: bool
    message: Message | None = None
    mistake: Mistake | None = None
    detail: ArrayDetail | None = None
    table: TableDetail | None = None
    note: Message | None = None


def describe(value: Any) -> Message:
    """A short description of a received value's kind, for "got X" messages."""
    if isinstance(value, np.ndarray):
        return msg("value.array", shape=tuple(int(n) for n in value.shape))
    if isinstance(value, Unsupported):
        return msg("value.other", type=value.type_name, text=value.text[:80])
    if isinstance(value, tuple):
        return msg("value.tuple", n=len(value))
    if isinstance(value, list):
        return msg("value.list", n=len(value))
    if value is None:
        return msg("value.none")
    return msg("value.other", type=type(value).__name__, text=str(value)[:40])


def as_array(value: Any) -> np.ndarray | None:
    """The value as a float64 array, when it is an array or a (nested) list of numbers.

    Strings and None are not numbers: ``np.asarray(["1.5"], dtype=float)`` would parse the one and turn
    the other into NaN, so the list is first read with the dtype numpy infers and kept only if numeric.
    """
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return np.asarray(float(value))
    if isinstance(value, list | tuple):
        try:
            out = np.asarray(value)
        except (TypeError, ValueError):
            return None
        return out.astype(np.float64) if out.dtype.kind in "biuf" else None
    return None


def close(expected: np.ndarray, got: np.ndarray, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return got.shape == expected.shape and bool(
        np.all(np.isfinite(got)) and np.allclose(got, expected, rtol=rtol, atol=atol))


def slice_text(a: np.ndarray, limit: int = 6, blocks: int = 2, width: int = 100) -> str:
    """A readable slice of an array: its first ``limit`` rows and columns, in its first ``blocks`` blocks,
    in lines of at most ``width`` characters."""
    view = a
    for axis in range(a.ndim):
        keep = limit if axis >= a.ndim - 2 else blocks
        view = view.take(range(min(keep, a.shape[axis])), axis=axis)
    text = np.array2string(view, precision=5, suppress_small=True, max_line_width=width)
    return text + (" …" if view.size < a.size else "")


def compare_array(expected: np.ndarray, got: Any, *, what: Param = "the result",
                  mistakes: Sequence[Mistake] = (), rtol: float = RTOL, atol: float = ATOL) -> Verdict:
    """Compare an array result, and when it is wrong, say how and which mistake it matches.

    ``what`` names the value in the messages: a function name, or a message such as "h_t of the tuple".
    """
    tolerance = f"|got - expected| <= {atol:g} + {rtol:g} * |expected|"
    arr = as_array(got)
    if arr is None:
        return Verdict(False, msg("compare.not_array", what=what, shape=_shape(expected), got=describe(got)))
    same_shape, finite = arr.shape == expected.shape, bool(np.all(np.isfinite(arr)))
    err = np.abs(arr - expected) if same_shape and finite else None
    ok = None if err is None else err <= atol + rtol * np.abs(expected)
    if ok is not None and bool(np.all(ok)):
        return Verdict(True)  # no detail: only a failed test's arrays are shown (and printing them is slow)
    shown = ArrayDetail(expected=slice_text(expected), got=slice_text(arr), tolerance=tolerance,
                        what=what if isinstance(what, str) else "")
    if not same_shape:
        verdict = Verdict(False, msg("compare.shape", what=what, expected=_shape(expected), got=_shape(arr)),
                          detail=shown)
        return _with_mistake(verdict, arr, mistakes, rtol, atol, expected)
    if err is None or ok is None:  # not finite
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        value = "NaN" if np.isnan(arr[bad]) else "inf"
        return Verdict(False, msg("compare.not_finite", what=what, value=value, index=bad),
                       detail=replace(shown, first_difference=bad,
                                      expected_at_difference=float(expected[bad]),
                                      got_at_difference=float(arr[bad])))
    first = tuple(int(i) for i in np.argwhere(~ok)[0])
    detail = replace(shown, first_difference=first, expected_at_difference=float(expected[first]),
                     got_at_difference=float(arr[first]), max_abs_error=float(err.max()))
    # Translators: {index} is the first differing element's index, as (0, 1); {expected} and {got} its
    # values there; {error} the largest absolute difference over the whole array.
    message = msg("compare.values_differ", what=what, index=first, expected=float(expected[first]),
                  got=float(arr[first]), error=float(err.max()))
    return _with_mistake(Verdict(False, message, detail=detail), arr, mistakes, rtol, atol, expected)


def _shape(a: np.ndarray) -> tuple[int, ...]:
    return tuple(int(n) for n in a.shape)


def _with_mistake(verdict: Verdict, got: np.ndarray, mistakes: Sequence[Mistake],
                  rtol: float, atol: float, expected: np.ndarray | None = None) -> Verdict:
    for mistake in mistakes:
        out = as_array(mistake.output)
        if out is not None and close(out, got, rtol, atol):
            return replace(verdict, mistake=mistake)
    if expected is not None:
        layout = layout_mistake(expected, got, rtol, atol)
        if layout is not None:
            return replace(verdict, mistake=layout)
    return verdict


def layout_mistake(expected: np.ndarray, got: np.ndarray, rtol: float = RTOL,
                   atol: float = ATOL) -> Mistake | None:
    """The engine's named mistake when ``got`` holds the expected values in another layout: a 2-D result
    transposed, or a 3-D one time-major (timesteps, batch, ...) instead of batch-major."""
    if expected.ndim == 2 and got.shape == expected.shape[::-1] and close(expected, got.T, rtol, atol):
        return Mistake("output_transposed")
    if expected.ndim == 3 and got.ndim == 3 and expected.shape[0] != expected.shape[1] \
            and close(expected, got.transpose(1, 0, 2), rtol, atol):
        return Mistake("time_major")
    return None
