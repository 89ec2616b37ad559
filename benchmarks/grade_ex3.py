"""Batch grading of ex3, per student: expected values, the student's process, and remeasure.

Grades copies of the reference solution in this process through the worker's code path
(``coursekit.batch.worker.grade_task`` with a ``Task``: the fork server, ``grade_exercise`` with
``remeasure=True``), one seed per student and the class's seed for the hidden sizes, as ``coursekit
grade`` passes them, after one warm-up student that starts the fork server and imports Keras here. The
three parts are timed by wrapping the exercise's ``expected_values`` and ``remeasure`` and the fork
server's ``run``; "other" is the rest (cases, judging, copying files). Prints each part's median over
the students, and checks every student got full marks.

    python benchmarks/grade_ex3.py [--students 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from coursekit.batch import worker  # after the environment that TensorFlow reads
from coursekit.registry import get_exercise
from coursekit.sandbox.forkserver import ForkServer

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "ex3_stacked_rnn.py"
PARTS = ("expected values", "child run", "remeasure", "other", "total")


def timing(spent: dict[str, float], part: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - start

    return timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=7,
                        help="students timed after the warm-up (default 7)")
    args = parser.parse_args()
    exercise = get_exercise("ex3")
    spent: dict[str, float] = defaultdict(float)
    # Instance attributes shadow the methods for this process only; grade_task finds them through
    # get_exercise, which returns this same object.
    exercise.expected_values = timing(spent, "expected values", exercise.expected_values)  # type: ignore[method-assign]
    exercise.remeasure = timing(spent, "remeasure", exercise.remeasure)  # type: ignore[method-assign]
    ForkServer.run = timing(spent, "child run", ForkServer.run)  # type: ignore[method-assign]
    figures: dict[str, list[float]] = {part: [] for part in PARTS}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ex3-") as tmp:
            for n in range(args.students + 1):
                folder = Path(tmp) / f"student{n}"
                folder.mkdir()
                shutil.copy(SOLUTION, folder / SOLUTION.name)
                task = worker.Task(f"student{n}", str(folder), "ex3", seed=1000 + n, class_seed=7)
                spent.clear()
                start = time.perf_counter()
                result = worker.grade_task(task)["result"]
                total = time.perf_counter() - start
                scored = sum(t["score"] for t in result["tests"])
                possible = sum(t["max_score"] for t in result["tests"])
                if scored != possible:
                    failed = [t["output"] for t in result["tests"] if t["score"] != t["max_score"]]
                    raise SystemExit(f"student{n} scored {scored}/{possible}: {failed[:2]}")
                if n == 0:  # the warm-up: the fork server's start and this process's Keras import
                    print(f"warm-up student: {total:.2f} s")
                    continue
                parts = {"expected values": spent["expected values"], "child run": spent["child run"],
                         "remeasure": spent["remeasure"], "total": total}
                parts["other"] = total - sum(v for k, v in parts.items() if k != "total")
                for part in PARTS:
                    figures[part].append(parts[part])
    finally:
        worker.close_servers()
    print(f"ex3, per student, median of {args.students} (full marks each, {len(result['tests'])} cases):")
    for part in PARTS:
        runs = ", ".join(f"{v:.2f}" for v in figures[part])
        print(f"  {part:>15}: {statistics.median(figures[part]):.2f} s  ({runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
