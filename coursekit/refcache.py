"""The cache of Keras's answers for the public cases, so that ``check`` never imports TensorFlow.

A cached value counts only for a case whose inputs hash to the key stored with it; any other case is
computed live. ``python -m coursekit.refcache [ex1 ...]`` rewrites the cache from Keras, and
``tests/test_refcache.py`` recomputes every cached value with Keras and compares.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursekit import wire

if TYPE_CHECKING:
    from coursekit.exercise import Case, Exercise


def case_key(case: Case) -> str:
    """A hash of what the case computes: its function and its inputs (with the probe's data, if any)."""
    parts: tuple[Any, ...] = (case.function, case.probe, tuple(case.args), dict(case.kwargs))
    if case.probe_data or case.attribute:
        parts += (dict(case.probe_data), case.attribute)
    data = wire.encode(parts)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def cache_path(exercise_id: str) -> Path:
    return Path(str(resources.files("graders"))) / "cache" / f"{exercise_id}.json"


def load(exercise: Exercise, cases: Sequence[Case]) -> dict[str, Any]:
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


def write(exercise: Exercise) -> Path:
    """Compute every public case with Keras and write the cache file (atomically)."""
    import keras

    cases = exercise.public_cases()
    data = {
        "exercise": exercise.id,
        "keras_version": keras.__version__,
        "cases": {c.name: {"key": case_key(c), "expected": wire.encode(exercise.reference(c))}
                  for c in cases},
    }
    path = cache_path(exercise.id)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def main(argv: Sequence[str]) -> int:
    from coursekit.registry import all_exercises, get_exercise

    exercises = [get_exercise(a) for a in argv] if argv else all_exercises()
    for exercise in exercises:
        if exercise.public_cases():
            print(f"wrote {write(exercise)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
