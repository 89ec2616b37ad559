"""The stored public cases: each exercise folder's ``cache.json`` holds every public case's inputs with
Keras's answer for them, so that ``coursekit check`` answers from data, the same on every machine, and
never imports TensorFlow.

A grader makes its public cases from a seed (``Exercise.generate_public_cases``), through float maths
whose last bits differ from one CPU to another (``np.linalg.qr``, numpy's vectorised functions), so
regenerated inputs are not the same bits everywhere. The stored inputs are therefore the cases:
:func:`stored_cases` puts them in place of the regenerated ones when a case of that name is stored and
its call (function, probe, arguments, probe data) equals the regenerated one *by value* (floats to a
relative 1e-6), and :func:`load` gives the stored answer of a public case whose inputs equal the stored
ones. A case changed in its grader (other sizes, other values) is neither: it keeps its own inputs and
is computed live until ``python -m coursekit.refcache [<id> ...]`` rewrites the cache (``__main__.py``,
the only part that knows the registry); ``tests/test_refcache.py`` fails meanwhile, and recomputes every
stored answer with live Keras. Nothing is keyed by the bits of a float. Reading the cache needs nothing
of ``coursekit.exercise``: ``Exercise`` uses it, so it must not use ``Exercise`` back (an import cycle).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from coursekit import content, wire
from coursekit._exceptions import InternalError

FORMAT = 2
# Two floats of a call are the same value when they differ by less than this, relatively: far above the
# last bits that differ between CPUs, far below any change a grader makes to a case on purpose.
RTOL = 1e-6
ATOL = 1e-12


class Case(Protocol):
    """What the cache reads of a case (``coursekit.exercise.Case``)."""

    @property
    def name(self) -> str: ...
    @property
    def function(self) -> str: ...
    @property
    def probe(self) -> str: ...
    @property
    def args(self) -> tuple[Any, ...]: ...
    @property
    def kwargs(self) -> Mapping[str, Any]: ...
    @property
    def probe_data(self) -> Mapping[str, Any]: ...
    @property
    def attribute(self) -> bool: ...
    @property
    def hidden(self) -> bool: ...


class Graded(Protocol):
    """What the cache reads of an exercise (``coursekit.exercise.Exercise``)."""

    @property
    def id(self) -> str: ...


C = TypeVar("C", bound=Case)


@dataclasses.dataclass(frozen=True)
class Stored:
    """A stored public case: its call's inputs (arrays of their own dtype) and Keras's answer, as data."""

    function: str
    probe: str
    attribute: bool
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    probe_data: dict[str, Any]
    expected: Any  # in the wire format: decoded for each reader

    def same_call(self, case: Case) -> bool:
        """True when ``case`` makes this call: the same function and probe, inputs equal by value."""
        return (case.function == self.function and case.probe == self.probe
                and bool(case.attribute) == self.attribute and same_value(tuple(case.args), self.args)
                and same_value(dict(case.kwargs), self.kwargs)
                and same_value(dict(case.probe_data), self.probe_data))


def call_data(case: Case) -> dict[str, Any]:
    """What a stored case holds of ``case``'s call, in the wire format (arrays keep their dtype)."""
    return {"function": case.function, "probe": case.probe, "attribute": bool(case.attribute),
            "args": wire.encode(tuple(case.args)), "kwargs": wire.encode(dict(case.kwargs)),
            "probe_data": wire.encode(dict(case.probe_data))}


def same_value(a: Any, b: Any) -> bool:
    """Equal values: arrays of one dtype and shape with floats close (RTOL), everything else equal."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if np.issubdtype(a.dtype, np.inexact):
            return bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, float | np.floating) and isinstance(b, float | np.floating) and not (
            isinstance(a, bool) or isinstance(b, bool)):
        return bool(np.isclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return (isinstance(a, tuple) == isinstance(b, tuple) and len(a) == len(b)
                and all(same_value(x, y) for x, y in zip(a, b, strict=True)))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    return type(a) is type(b) and bool(a == b)


def cache_path(exercise_id: str) -> Path:
    """The exercise folder's ``cache.json`` (``coursekit/content.py``)."""
    path = content.cache_file(exercise_id)
    if path is None:
        raise InternalError(f"{exercise_id}: no content package, so no cache of its public cases")
    return path


def stored(exercise_id: str) -> Mapping[str, Stored]:
    """The stored public cases of ``exercise_id`` by name (empty without a cache file)."""
    path = cache_path(exercise_id)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    return _read(path, stat.st_mtime_ns, stat.st_size)


@cache
def _read(path: Path, mtime_ns: int, size: int) -> Mapping[str, Stored]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        return {}  # an older cache: every case is computed live until it is rewritten
    out = {}
    for name, entry in data["cases"].items():
        call = entry["call"]
        out[name] = Stored(str(call["function"]), str(call["probe"]), bool(call["attribute"]),
                           tuple(wire.decode_inputs(call["args"])), dict(wire.decode_inputs(call["kwargs"])),
                           dict(wire.decode_inputs(call["probe_data"])), entry["expected"])
    return out


def stored_cases(exercise: Graded, cases: Sequence[C]) -> list[C]:
    """``cases`` with the stored inputs in place of the regenerated ones, for every public case stored
    under its name whose call equals the stored one by value; any other case as it is."""
    entries = stored(exercise.id)
    out = []
    for case in cases:
        entry = None if case.hidden else entries.get(case.name)
        if entry is not None and entry.same_call(case):
            case = dataclasses.replace(case, args=entry.args, kwargs=dict(entry.kwargs),  # type: ignore[type-var]
                                       probe_data=dict(entry.probe_data))
        out.append(case)
    return out


def load(exercise: Graded, cases: Sequence[Case]) -> dict[str, Any]:
    """Keras's stored answers of those public ``cases`` that are stored and make the stored call."""
    entries = stored(exercise.id)
    out: dict[str, Any] = {}
    for case in cases:
        entry = None if case.hidden else entries.get(case.name)
        if entry is not None and entry.same_call(case):
            out[case.name] = wire.decode(entry.expected)
    return out
