"""``python -m coursekit.refcache [<id> ...]``: compute every public case with Keras and rewrite the cache."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from coursekit import wire
from coursekit.exercise import Exercise
from coursekit.refcache import FORMAT, cache_path, call_data
from coursekit.registry import all_exercises, get_exercise


def write(exercise: Exercise) -> Path:
    """Compute every public case with Keras and write the cache file (atomically): each case's call, its
    inputs as stored already when they still equal the grader's by value (so a rewrite on another machine
    keeps them), and Keras's answer for them."""
    import keras

    cases = exercise.public_cases()
    data = {
        "exercise": exercise.id,
        "format": FORMAT,
        "keras_version": keras.__version__,
        "cases": {c.name: {"call": call_data(c), "expected": wire.encode(exercise.reference(c))}
                  for c in cases},
    }
    path = cache_path(exercise.id)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def main(argv: Sequence[str]) -> int:
    exercises = [get_exercise(a) for a in argv] if argv else all_exercises()
    for exercise in exercises:
        if exercise.public_cases():
            print(f"wrote {write(exercise)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
