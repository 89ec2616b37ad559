"""What ``coursekit check`` costs on the newer numpy exercises, against ``coursekit check ex1``.

ex8 (BPTT) and ex9 (NTM addressing) are graded against TensorFlow, but like ex1 their public answers come
from graders/exN/cache.json, so ``check`` should never import TensorFlow and should cost about what ex1 costs.
Measured in one run on this machine, each as a fresh subprocess (as a student runs it), median wall time
of several runs on the reference solutions; prints each time and its ratio to ex1's.

    python benchmarks/check_numpy_exercises.py [--repeat 5] [--exercises ex8,ex9]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from check_speed import median_time

GOAL = 1.5  # "about what check ex1 costs": at most half as long again


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument("--exercises", default="ex8,ex9", help="comma-separated ids (default ex8,ex9)")
    args = parser.parse_args()
    coursekit = Path(sys.executable).with_name("coursekit")
    entry = [str(coursekit)] if coursekit.exists() \
        else [sys.executable, "-c", "from coursekit.cli import main; main()"]
    ids = [e.strip() for e in args.exercises.split(",") if e.strip()]
    times = {e: median_time([*entry, "check", e, "solutions"], args.repeat) for e in ["ex1", *ids]}
    print(f"coursekit check ex1 solutions  median {times['ex1']:6.3f} s  ({args.repeat} runs)")
    met = True
    for e in ids:
        ratio = times[e] / times["ex1"]
        met = met and ratio <= GOAL
        print(f"coursekit check {e} solutions  median {times[e]:6.3f} s  ratio to ex1 {ratio:5.2f}  "
              f"(goal <= {GOAL}: {'met' if ratio <= GOAL else 'NOT met'})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
