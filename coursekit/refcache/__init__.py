"""The cache of Keras's answers for the public cases, so that ``check`` never imports TensorFlow.

A cached value counts only for a case whose inputs hash to the key stored with it; any other case is
computed live. ``python -m coursekit.refcache [<id> ...]`` rewrites the cache from Keras (``__main__.py``,
the only part that knows the registry), and ``tests/test_refcache.py`` recomputes every cached value
with Keras and compares. Reading the cache needs nothing of ``coursekit.exercise``: ``Exercise`` uses
it, so it must not use ``Exercise`` back (an import cycle).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from coursekit import content, wire
from coursekit._exceptions import InternalError


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


class Graded(Protocol):
    """What the cache reads of an exercise (``coursekit.exercise.Exercise``)."""

    @property
    def id(self) -> str: ...


def case_key(case: Case) -> str:
    """A hash of what the case computes: its function and its inputs (with the probe's data, if any)."""
    parts: tuple[Any, ...] = (case.function, case.probe, tuple(case.args), dict(case.kwargs))
    if case.probe_data or case.attribute:
        parts += (dict(case.probe_data), case.attribute)
    data = wire.encode(parts)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def cache_path(exercise_id: str) -> Path:
    """The exercise folder's ``cache.json`` (``coursekit/content.py``)."""
    path = content.cache_file(exercise_id)
    if path is None:
        raise InternalError(f"{exercise_id}: no content package, so no cache of its public cases")
    return path


def load(exercise: Graded, cases: Sequence[Case]) -> dict[str, Any]:
    """The cached expected values of those ``cases`` whose inputs match the cache."""
    path = cache_path(exercise.id)
    if not path.is_file():
        return {}
    entries: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    out: dict[str, Any] = {}
    for case in cases:
        entry = entries.get(case.name)
        if entry is not None and entry["key"] == case_key(case):
            out[case.name] = wire.decode(entry["expected"])
    return out
