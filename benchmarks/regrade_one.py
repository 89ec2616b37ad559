"""Re-grading one student of a class: `coursekit grade ... --students s07` against grading the class.

Measured in one run on this machine, each a fresh `coursekit grade` process as an instructor runs it:
the first grading of a class of N students (default 40, every one a copy of the reference solutions),
then one student's file is changed and `--students` re-grades that student alone. Prints both wall
times, their ratio, and the number of gradings each run did (the re-grade must do one per exercise,
never the other N - 1 students'), read from the class summary.

    python benchmarks/regrade_one.py [--students 40] [--exercises ex1,ex4]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def grade(class_dir: Path, out: Path, exercises: str, *extra: str) -> tuple[float, str]:
    env = {**os.environ, "COURSEKIT_SECRET": "benchmark-secret", "COLUMNS": "200"}
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "coursekit", "grade", str(class_dir), "--out", str(out),
                          "--exercises", exercises, *extra], env=env, capture_output=True, text=True,
                         check=True)
    seconds = time.perf_counter() - started
    found = re.search(r"(\d+) gradings run, (\d+) reused", run.stdout)
    return seconds, f"{found.group(1)} run, {found.group(2)} reused" if found else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--exercises", default="ex1,ex4")
    args = parser.parse_args()
    ids = args.exercises.split(",")
    with tempfile.TemporaryDirectory(prefix="coursekit-regrade-") as tmp:
        class_dir, out = Path(tmp) / "class", Path(tmp) / "out"
        files = [p for p in (ROOT / "solutions").glob("ex*.py") if p.name.split("_")[0] in ids]
        for i in range(args.students):
            folder = class_dir / f"s{i:02d}"
            folder.mkdir(parents=True)
            for f in files:
                shutil.copy(f, folder / f.name)
        full, full_counts = grade(class_dir, out, args.exercises)
        changed = class_dir / "s07" / files[0].name
        changed.write_text(changed.read_text() + "\n# changed\n")
        one, one_counts = grade(class_dir, out, args.exercises, "--students", "s07")
    print(f"class of {args.students}, exercises {args.exercises}")
    print(f"  grade the class:         {full:7.1f} s  ({full_counts})")
    print(f"  re-grade s07 alone:      {one:7.1f} s  ({one_counts})")
    print(f"  ratio one / class:       {one / full:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
