"""ex11's grading cost per student in a batch, against ex7's: the two exercises that train a model.

For each exercise, one ``coursekit grade --exercises exN`` of a class of one correct student and one of
``--students`` copies, each a fresh process as an instructor runs it; the CPU time of the whole process
tree (wait4) gives what one more student costs: (batch - one) / (N - 1), split into the students' own
processes (the fork server's count: their training) and coursekit's (references, ex11's sandboxed
evaluation job, judging, writing). Prints both exercises and the ratio ex11 / ex7, measured in one run.

    python benchmarks/grade_ex11.py [--students 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from grade_speed import make_class, student_cpu, timed_grade  # noqa: E402


def per_student(exercise: str, students: int, tmp: Path) -> tuple[float, float, float]:
    """(CPU per added student, of which the students' processes, wall of the batch) for ``exercise``."""
    one = timed_grade(make_class(tmp / f"{exercise}-one", 1), exercise)
    batch = timed_grade(make_class(tmp / f"{exercise}-many", students), exercise)
    added = (batch.cpu - one.cpu) / (students - 1)
    own = (student_cpu(batch) - student_cpu(one)) / (students - 1)
    return added, own, batch.wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=3)
    args = parser.parse_args()
    if args.students < 2:
        raise SystemExit("--students: expected at least 2")
    os.environ.setdefault("COURSEKIT_SECRET", "benchmark-secret")
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    found = {}
    with tempfile.TemporaryDirectory(prefix="bench-ex11-") as tmp:
        for exercise in ("ex7", "ex11"):
            added, own, wall = per_student(exercise, args.students, Path(tmp))
            found[exercise] = added
            print(f"{exercise}: CPU per added student {added:.2f} core-seconds (students' own processes "
                  f"{own:.2f}, coursekit's {added - own:.2f}); {args.students} students took {wall:.1f} s")
    print(f"ex11 / ex7 per added student: {found['ex11'] / found['ex7']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
