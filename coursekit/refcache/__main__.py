"""``python -m coursekit.refcache [<id> ...]``: compute every public case with Keras and rewrite the cache."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from coursekit import wire
from coursekit.exercise import Exercise
from coursekit.refcache import cache_path, case_key
from coursekit.registry import all_exercises, get_exercise


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
    exercises = [get_exercise(a) for a in argv] if argv else all_exercises()
    for exercise in exercises:
        if exercise.public_cases():
            print(f"wrote {write(exercise)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
