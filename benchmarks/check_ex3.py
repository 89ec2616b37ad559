"""`coursekit check ex3` against a bare `python -c "import keras"`, and `check ex2` against `check ex1`.

ex3's public cases build seven Keras models in the student's process; the grader's own process reads the
expected tables and outputs from graders/ex3/cache.json and never imports TensorFlow, so the check pays
for one TensorFlow import, not two. Goal: check ex3 / import keras <= 1.6. ex2 is plain Python, graded
from the cache too: goal check ex2 / check ex1 <= 1.2 (no TensorFlow anywhere).

Each command runs ``--repeat`` times, interleaved, from a temporary folder; medians are compared.

    python benchmarks/check_ex3.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
COMMANDS = {
    "import keras": [sys.executable, "-c", "import keras"],
    "check ex3": [sys.executable, "-m", "coursekit", "check", "ex3", str(SOLUTIONS)],
    "check ex1": [sys.executable, "-m", "coursekit", "check", "ex1", str(SOLUTIONS)],
    "check ex2": [sys.executable, "-m", "coursekit", "check", "ex2", str(SOLUTIONS)],
}
GOALS = (("check ex3", "import keras", 1.6), ("check ex2", "check ex1", 1.2))


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 and command[-3:-1] != ["-c", "import keras"]:
        raise SystemExit(f"{' '.join(command[-3:])} failed with exit code {done.returncode}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (default 5)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        for command in COMMANDS.values():  # one warm-up run each: the page cache, not the figures
            timed(command, Path(tmp))
        for _ in range(args.repeat):
            for name, command in COMMANDS.items():
                times[name].append(timed(command, Path(tmp)))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:>13}: median {medians[name]:.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})")
    failed = False
    for slow, base, goal in GOALS:
        ratio = medians[slow] / medians[base]
        failed |= ratio > goal
        print(f"{slow} / {base} = {ratio:.2f}  (goal <= {goal}) {'ok' if ratio <= goal else 'OVER GOAL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
