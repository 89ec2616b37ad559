"""How long a student waits for ``coursekit check ex1``, against the price of importing Keras.

Measured in one run on this machine, each as a fresh subprocess (the way a student runs them), several
repetitions, median wall time: ``python -c "import keras"`` and ``coursekit check ex1 solutions``.
Prints both and their ratio; the goal is a ratio under 0.5 (check never imports TensorFlow: the Keras
answers of the public cases come from graders/exN/cache.json).

    python benchmarks/check_speed.py [--repeat 5] [--exercise ex1]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.5


def wall_time(command: list[str], expected_code: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != expected_code:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}, expected {expected_code}:\n"
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def median_time(command: list[str], repeat: int, expected_code: int = 0) -> float:
    wall_time(command, expected_code)  # warm the file cache; not counted
    return statistics.median(wall_time(command, expected_code) for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument("--exercise", default="ex1", help="the exercise to check (default ex1)")
    args = parser.parse_args()
    coursekit = Path(sys.executable).with_name("coursekit")
    entry = [str(coursekit)] if coursekit.exists() \
        else [sys.executable, "-c", "from coursekit.cli import main; main()"]
    check = [*entry, "check", args.exercise, "solutions"]

    keras_s = median_time([sys.executable, "-c", "import keras"], args.repeat)
    check_s = median_time(check, args.repeat)
    ratio = check_s / keras_s
    print(f"python -c 'import keras'        median {keras_s:6.3f} s  ({args.repeat} runs)")
    print(f"coursekit check {args.exercise} solutions  median {check_s:6.3f} s  ({args.repeat} runs)")
    verdict = "met" if ratio < GOAL else "NOT met"
    print(f"ratio check / import keras      {ratio:6.3f}  (goal < {GOAL}: {verdict})")
    return 0 if ratio < GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
