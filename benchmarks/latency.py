"""Latency a person feels (issue 28): every row of its table as a ratio measured in this one run.

Each row times what a person waits for against a reference command, both fresh processes, in interleaved
pairs (reference, then measured; ``--repeat`` pairs after one warm-up pair that fills the page cache and
is not counted); the ratio printed is the median of the pairs' ratios, so that a change of the machine's
load between pairs moves both sides of a ratio together. Rows:

- ``check ex1`` (numpy) against ``python -c "import numpy"``; its floor is two interpreters each importing
  numpy, about 2x; (``python -I -c pass`` + ``import numpy``) / ``import numpy`` is measured beside it.
- ``check ex3`` and ``check ex7`` (Keras in the student's process) against ``python -c "import keras"``.
- ``coursekit grade`` of a class of one new student (the reference solutions, ex1-ex9) against
  ``import keras``; its wall and CPU seconds too.
- ``coursekit grade`` again after that student resubmits ex1 (a numpy file), against ``import keras``;
  which exercises the run regraded (timings.json's tasks): ex1, and ex5 which imports ex1.
- a batch: coursekit's CPU per added student above the students' own code, ex1-ex5: (CPU of the whole
  process tree of a class of N copies of the solutions - that of one) / (N - 1), less what the students'
  processes themselves used (timings.json's "student" phases, as the fork servers measured them). The
  machinery is ``grade_speed.py``'s; its floor is 0.

The machine's load average is printed before and after: on a shared machine only the ratios mean
anything, and even they move with the load; the goals are for a quiet machine.

    python benchmarks/latency.py [--repeat 3] [--students 20] [--quick] [--rows check,grade,batch]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from grade_speed import make_class, student_cpu, timed_grade  # noqa: E402

SOLUTIONS = ROOT / "solutions"
PY = sys.executable
IMPORT_NUMPY = [PY, "-c", "import numpy"]
IMPORT_KERAS = [PY, "-c", "import keras"]
BARE = [PY, "-I", "-c", "pass"]
ONE_STUDENT = "ex1,ex2,ex3,ex4,ex5,ex6,ex7,ex8,ex9"
BATCH = "ex1,ex2,ex3,ex4,ex5"
ENV = {**os.environ, "COURSEKIT_SECRET": "benchmark-secret", "TF_CPP_MIN_LOG_LEVEL": "3"}


@dataclass
class Timed:
    wall: float
    cpu: float  # user + system of the process and every descendant it waited for
    timings: dict[str, Any] = field(default_factory=dict)


def run(command: Sequence[str], cwd: Path, codes: tuple[int, ...] = (0,)) -> Timed:
    """One fresh process: its wall time and its tree's CPU (``os.wait4``)."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if code not in codes:
        raise SystemExit(f"{' '.join(command)} exited {code}:\n{err.decode(errors='replace')[-2000:]}")
    return Timed(wall, usage.ru_utime + usage.ru_stime)


def coursekit(*args: str) -> list[str]:
    return [PY, "-m", "coursekit", *args]


@dataclass
class Row:
    what: str
    reference: str
    floor: str
    goal: float
    pairs: list[tuple[float, float]] = field(default_factory=list)  # (reference s, measured s)
    extra: list[str] = field(default_factory=list)

    def ratio(self) -> float:
        return statistics.median(m / r for r, m in self.pairs)

    def lines(self) -> list[str]:
        ref = statistics.median(r for r, _ in self.pairs)
        got = statistics.median(m for _, m in self.pairs)
        ratio = self.ratio()
        verdict = "met" if ratio <= self.goal else "NOT met"
        runs = ", ".join(f"{m / r:.2f}" for r, m in self.pairs)
        return [f"{self.what}: median {got:.2f} s = {ratio:.2f}x {self.reference} (median {ref:.2f} s); "
                f"goal at most {self.goal:g}x: {verdict}",
                f"    pairs' ratios: {runs}; floor: {self.floor}", *(f"    {e}" for e in self.extra)]


def pairs(row: Row, reference: Callable[[], float], measured: Callable[[], float], repeat: int) -> Row:
    reference()  # warm-up pair: the page cache, not the figures
    measured()
    for _ in range(repeat):
        row.pairs.append((reference(), measured()))
    return row


def check_rows(repeat: int, tmp: Path) -> Iterator[Row]:
    numpy_row = Row("check ex1 (numpy)", "`import numpy`", "", 2.5)
    floors: list[float] = []

    def numpy_floor() -> float:  # the reference and, beside it, the floor's bare interpreter
        numpy_s = run(IMPORT_NUMPY, tmp).wall
        floors.append((run(BARE, tmp).wall + numpy_s) / numpy_s)
        return numpy_s

    pairs(numpy_row, numpy_floor, lambda: run(coursekit("check", "ex1", str(SOLUTIONS)), tmp).wall, repeat)
    numpy_row.floor = ("two interpreters each importing numpy (the grader's, which compares arrays, and "
                       "the student's), about 2x unless they overlap; a bare interpreter and numpy: "
                       f"(`python -I -c pass` + `import numpy`) / `import numpy` = "
                       f"{statistics.median(floors[1:]):.2f}x, measured")
    yield numpy_row
    for exercise, floor, goal in (("ex3", "`import keras` and four tiny models", 1.15),
                                  ("ex7", "`import keras` and the small training run", 1.3)):
        row = Row(f"check {exercise} (Keras)", "`import keras`", floor, goal)
        yield pairs(row, lambda: run(IMPORT_KERAS, tmp).wall,
                    lambda e=exercise: run(coursekit("check", e, str(SOLUTIONS)), tmp).wall, repeat)


def grade(class_dir: Path, out: Path, exercises: str, *extra: str) -> Timed:
    timed = run(coursekit("grade", str(class_dir), "--out", str(out), "--exercises", exercises, *extra),
                class_dir.parent)
    timed.timings = json.loads((out / "timings.json").read_text())
    return timed


def grade_rows(repeat: int, tmp: Path) -> Iterator[Row]:
    """A class of one new student (ex1-ex9), then that student's resubmitted ex1."""
    class_dir = make_class(tmp / "one-class", 1)
    (student,) = class_dir.iterdir()
    new = Row("grade of one new student, ex1-ex9", "`import keras`",
              "`import keras` once, ex7's training and ex3's builds, on 2 cores", 2.5)
    cpus: list[float] = []
    graded = tmp / "graded"

    def first() -> float:
        out = tmp / f"out-{len(cpus)}"
        timed = grade(class_dir, out, ONE_STUDENT)
        cpus.append(timed.cpu)
        if not graded.exists():
            shutil.copytree(out, graded)
        shutil.rmtree(out)
        return timed.wall

    pairs(new, lambda: run(IMPORT_KERAS, tmp).wall, first, repeat)
    new.extra.append(f"CPU of the run's process tree: median {statistics.median(cpus[1:]):.1f} s")
    yield new

    again = Row("grade after one student resubmits ex1 (numpy)", "`import keras`",
                "`import keras` for that exercise's references", 1.5)
    ex1 = student / "ex1_rnn_forward.py"
    original = ex1.read_text()
    regraded: list[dict[str, int]] = []

    def resubmit() -> float:
        out = tmp / "out-again"
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(graded, out)  # the gradebook of the first grading, before the resubmission
        ex1.write_text(original + f"\n# resubmitted {len(regraded)}\n")
        timed = grade(class_dir, out, ONE_STUDENT)
        regraded.append(timed.timings.get("tasks", {}))
        return timed.wall

    pairs(again, lambda: run(IMPORT_KERAS, tmp).wall, resubmit, repeat)
    shown = sorted({", ".join(sorted(t)) for t in regraded})
    again.extra.append(f"exercises regraded: {' | '.join(shown)} (goal: ex1, and ex5 which imports it)")
    yield again


def batch_row(students: int, repeat: int, tmp: Path) -> Row:
    """coursekit's CPU per added student above the students' own (grade_speed.py's figures)."""
    row = Row(f"batch, ex1-ex5: coursekit's CPU per added student above the students' own ({students} "
              "students against 1)", "", "0", 0.3)
    one_class = make_class(tmp / "batch-one", 1)
    many = make_class(tmp / "batch-many", students)
    found = []
    for _ in range(repeat):
        one, batch = timed_grade(one_class, BATCH), timed_grade(many, BATCH)
        per_student = (batch.cpu - one.cpu) / (students - 1)
        own = (student_cpu(batch) - student_cpu(one)) / (students - 1)
        found.append((per_student, own))
    row.pairs = [(1.0, per - own) for per, own in found]
    row.extra.append("per added student (all, students' own): "
                     + "; ".join(f"{per:.2f}, {own:.2f}" for per, own in found) + " core-s")
    return row


def batch_lines(row: Row) -> list[str]:
    got = row.ratio()
    verdict = "met" if got <= row.goal else "NOT met"
    return [f"{row.what}: median {got:.2f} core-s; floor {row.floor}; goal at most {row.goal:g} core-s: "
            f"{verdict}", *(f"    {e}" for e in row.extra)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed pairs per row (default 3)")
    parser.add_argument("--students", type=int, default=20, help="the batch row's class (default 20)")
    parser.add_argument("--quick", action="store_true",
                        help="one timed pair per row and a batch of 6: a few minutes, a rough figure")
    parser.add_argument("--rows", default="check,grade,batch", help="which rows (default all)")
    args = parser.parse_args()
    os.environ.setdefault("COURSEKIT_SECRET", "benchmark-secret")  # grade_speed's runs
    repeat, students = (1, 6) if args.quick else (args.repeat, args.students)
    chosen = set(args.rows.split(","))
    load = os.getloadavg()
    started = time.perf_counter()
    print(f"cores: {os.cpu_count()}; load average before: {load[0]:.2f} {load[1]:.2f}; {repeat} timed "
          "pair(s) per row", flush=True)

    def show(lines: list[str]) -> None:  # each row as soon as it is measured: a full run is long
        print("\n".join(lines) + f"\n    (load average now {os.getloadavg()[0]:.2f})", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        if "check" in chosen:
            for row in check_rows(repeat, Path(tmp)):
                show(row.lines())
        if "grade" in chosen:
            for row in grade_rows(repeat, Path(tmp)):
                show(row.lines())
        if "batch" in chosen:
            show(batch_lines(batch_row(students, max(1, min(repeat, 2)), Path(tmp))))
    print(f"{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
