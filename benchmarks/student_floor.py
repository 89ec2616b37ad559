"""The floor under batch grading's CPU per student: the reference solutions' own calls, with no coursekit.

For each exercise, a process that has imported what the exercise's fork server imports (numpy, and Keras
for the Keras exercises) forks a child, as the fork server does; the child loads ``solutions/<file>`` and
makes the calls batch grading makes for one student (the public cases and one student's hidden cases,
each distinct call once), then exits. No sandbox, no probe, no wire format, no grader: what is left is what
the student's own code costs on this machine. The child's CPU (user + system, ``os.wait4``) is measured
several times; the median is printed, per exercise and in total. An exercise whose calls need what its
probes set up first (ex7's load_imdb reads a data file the probe writes) fails bare: it is printed as not
measured and left out of the total.

Whatever coursekit does around them, a student's processes cannot cost less than this; ``grade_speed.py``
prints it next to the CPU per added student.

    python benchmarks/student_floor.py [--exercises ex1,ex2,ex3,ex4,ex5] [--repeat 5]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT = "ex1,ex2,ex3,ex4,ex5"


def _calls(exercise: Any) -> list[tuple[str, tuple[Any, ...], dict[str, Any], bool]]:
    """One student's calls: the public cases and the hidden ones of a fixed seed, each distinct call once."""
    import numpy as np

    cases = [*exercise.public_cases(),
             *exercise.hidden_cases(np.random.default_rng(1), np.random.default_rng(2))]
    calls, seen = [], set()
    for case in cases:
        key = repr((case.function, case.args, sorted(case.kwargs.items()), case.attribute,
                    case.probe, sorted(case.probe_data.items())))
        if key not in seen:
            seen.add(key)
            calls.append((case.function, case.args, dict(case.kwargs), case.attribute))
    return calls


def _child(path: Path, calls: list[tuple[str, tuple[Any, ...], dict[str, Any], bool]]) -> None:
    spec = importlib.util.spec_from_file_location("student_solution", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for function, args, kwargs, attribute in calls:
        target = getattr(module, function)
        if not attribute:
            target(*args, **kwargs)


def measure(exercise_id: str, repeat: int) -> float | None:
    """The median CPU seconds of a forked child making one student's calls to the solution (this process
    imports the exercise's ``child_imports`` first, as its fork server does); None when the calls fail
    bare."""
    from coursekit.registry import get_exercise

    exercise = get_exercise(exercise_id)
    for name in exercise.child_imports:
        importlib.import_module(name)
    calls = _calls(exercise)
    path = ROOT / "solutions" / exercise.filename
    times = []
    for _ in range(repeat):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _child(path, calls)
            except BaseException:
                code = 1
            os._exit(code)
        _, status, usage = os.wait4(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        times.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(times)


def floor(exercises: list[str], repeat: int = 5) -> dict[str, float | None]:
    """Each exercise's floor, each measured in a fresh interpreter (so that one exercise's imports do not
    lower another's figure)."""
    found = {}
    for exercise_id in exercises:
        out = subprocess.run([sys.executable, __file__, "--json", "--exercises", exercise_id,
                              "--repeat", str(repeat)], check=True, capture_output=True, text=True,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        found.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exercises", default=DEFAULT, help=f"comma-separated ids (default {DEFAULT})")
    parser.add_argument("--repeat", type=int, default=5, help="children measured per exercise")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    ids = [e.strip() for e in args.exercises.split(",") if e.strip()]
    if args.json:
        print(json.dumps({e: measure(e, args.repeat) for e in ids}))
        return
    found = floor(ids, args.repeat)
    for exercise_id, cpu in found.items():
        shown = "not measured: its calls fail without its probes' setup" if cpu is None \
            else f"{cpu:.3f} core-seconds (median of {args.repeat} children)"
        print(f"{exercise_id}: {shown}")
    measured = [e for e, cpu in found.items() if cpu is not None]
    print(f"total: {total(found):.2f} core-seconds per student for {','.join(measured)}, with no "
          "coursekit around the solutions' own calls")


def total(found: dict[str, float | None]) -> float:
    """The floor of the exercises that could be measured."""
    return sum(cpu for cpu in found.values() if cpu is not None)


if __name__ == "__main__":
    main()
