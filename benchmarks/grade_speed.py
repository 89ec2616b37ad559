"""Batch grading speed: N correct students in one run against N one-student runs, and where the time goes.

Measured in one run on this machine, each a fresh ``coursekit grade`` process as an instructor runs it:

- the wall time of a class of one correct student (what grading students one by one costs each), and of
  a class of N copies of that student; their ratio N x one / batch is the speed-up (goal: at least 15);
- the CPU time (user + system) of the whole process tree of each run: (batch - one) / (N - 1) is what
  one more student costs (goal: at most 1 core-second for exercises 1-5);
- the floor under that figure: what the reference solutions' own calls for one student cost in a bare
  forked process, with no coursekit around them (``student_floor.py``);
- the peak resident memory of the whole process tree for a small and a large class (goal: flat);
- the phases of both runs, per exercise (``OUT_DIR/timings.json``, see coursekit/batch/phases.py):
  wall and CPU seconds of staging, worker start-up, Keras references, the student's processes, ex3's
  rebuild and measurement, judging and writing, and per student for the batch.

    python benchmarks/grade_speed.py [--students 40] [--exercises ex1,ex2,ex3,ex4,ex5] [--large 200]
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
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from student_floor import floor, total  # noqa: E402

from coursekit.batch.phases import CLASS, PHASES  # noqa: E402
from coursekit.registry import exercise_ids  # noqa: E402


def tree_rss_kb(pid: int) -> int:
    """The resident memory of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the whole process tree
    peak_kib: int
    timings: dict[str, Any]


def timed_grade(class_dir: Path, exercises: str) -> Run:
    """One ``coursekit grade`` run with a fresh output folder: its wall and CPU time, peak tree RSS and
    the phases it wrote to timings.json."""
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    command = [sys.executable, "-m", "coursekit", "grade", str(class_dir), "--out", str(out)]
    if exercises:
        command += ["--exercises", exercises]
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    # wait4: the CPU of the process and of every descendant it (or they) waited for: the whole tree
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    timings = json.loads((out / "timings.json").read_text()) if (out / "timings.json").exists() else {}
    shutil.rmtree(out)
    if code != 0:
        raise SystemExit(f"coursekit grade failed with exit code {code}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, peak, timings)


def student_cpu(run: Run) -> float:
    """The CPU seconds of the run's student processes (the "student" phases of timings.json)."""
    return sum(cpu for _, phase, _, cpu in run.timings.get("rows", []) if phase == "student")


def make_class(folder: Path, students: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(students):
        student = folder / f"student{i:03d}"
        shutil.copytree(ROOT / "solutions", student, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def phase_table(one: Run, batch: Run, students: int) -> str:
    """Wall and CPU seconds per exercise and phase: the one-student run, the batch, the batch per student."""
    def rows(run: Run) -> dict[tuple[str, str], tuple[float, float]]:
        return {(e, p): (w, c) for e, p, w, c in run.timings.get("rows", [])}

    a, b = rows(one), rows(batch)
    order = {p: n for n, p in enumerate(PHASES)}
    keys = sorted(set(a) | set(b), key=lambda k: (k[0] != CLASS, k[0], order.get(k[1], 99)))
    lines = [f"{'exercise':<9} {'phase':<11} {'one: wall':>10} {'cpu':>7} {'batch: wall':>12} {'cpu':>7} "
             f"{'per student: wall':>18} {'cpu':>7}"]
    for e, p in keys:
        (w1, c1), (wb, cb) = a.get((e, p), (0.0, 0.0)), b.get((e, p), (0.0, 0.0))
        name = "class" if e == CLASS else e
        lines.append(f"{name:<9} {p:<11} {w1:>10.2f} {c1:>7.2f} {wb:>12.2f} {cb:>7.2f} "
                     f"{wb / students:>18.3f} {cb / students:>7.3f}")
    for name, run in (("one", one), ("batch", batch)):
        measured = sum(w for e, p, w, c in run.timings.get("rows", []) if e == CLASS)
        lines.append(f"{name}: run {run.wall:.1f} s wall, {run.cpu:.1f} s CPU; the coordinator's own phases "
                     f"{measured:.1f} s; the workers' phases are summed over workers")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--exercises", default="ex1,ex2,ex3,ex4,ex5",
                        help="comma-separated ids ('' for all; default: the core-second goal's ex1-5)")
    parser.add_argument("--repeat", type=int, default=3, help="one-student runs to take the median of")
    parser.add_argument("--small", type=int, default=10, help="the small class of the memory comparison")
    parser.add_argument("--large", type=int, default=0,
                        help="the large class of the memory comparison (default: --students; the goal "
                             "says 200)")
    args = parser.parse_args()
    os.environ.setdefault("COURSEKIT_SECRET", "benchmark-secret")
    large = args.large or args.students
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        one_class = make_class(Path(tmp) / "one", 1)
        singles = [timed_grade(one_class, args.exercises) for _ in range(args.repeat)]
        one = sorted(singles, key=lambda r: r.wall)[len(singles) // 2]
        single = statistics.median(r.wall for r in singles)
        batch = timed_grade(make_class(Path(tmp) / "many", args.students), args.exercises)
        small = timed_grade(make_class(Path(tmp) / "small", args.small), args.exercises)
        big = batch if large == args.students else \
            timed_grade(make_class(Path(tmp) / "large", large), args.exercises)
    sequential = args.students * single
    per_student_cpu = (batch.cpu - one.cpu) / (args.students - 1)
    print(f"cores: {os.cpu_count()}, exercises: {args.exercises or 'all'}, "
          f"load average before: {load_before:.2f}")
    print(f"one student, one run (median of {args.repeat}): {single:.2f} s wall, {one.cpu:.1f} s CPU")
    print(f"{args.students} one-student runs (estimated): {sequential:.1f} s")
    print(f"{args.students} students in one run: {batch.wall:.1f} s wall, {batch.cpu:.1f} s CPU")
    print(f"speed-up: {sequential / batch.wall:.1f}x (goal: at least 15x)")
    print(f"CPU per added student: ({batch.cpu:.1f} - {one.cpu:.1f}) / {args.students - 1} = "
          f"{per_student_cpu:.2f} core-seconds (goal: at most 1)")
    students_own = (student_cpu(batch) - student_cpu(one)) / (args.students - 1)
    print(f"  of which the students' own processes (their code, as the fork server measured them): "
          f"{students_own:.2f}; coursekit's: {per_student_cpu - students_own:.2f}")
    ids = [e for e in args.exercises.split(",") if e] or exercise_ids()
    bare = floor(ids)
    print(f"  the floor: the solutions' own calls for one student, bare in a forked process with no "
          f"coursekit: {total(bare):.2f} core-seconds ("
          + ", ".join(f"{e} {cpu:.2f}" if cpu is not None else f"{e} not measured" for e, cpu in bare.items())
          + ")")
    print(f"  above the floor (isolation, references, judging, writing: what coursekit could still save): "
          f"{per_student_cpu - total(bare):.2f}")
    peaks = {args.small: small.peak_kib, args.students: batch.peak_kib, large: big.peak_kib}
    print("peak memory of the process tree: "
          + ", ".join(f"{kib / 1024:.0f} MiB for {n} students" for n, kib in sorted(peaks.items()))
          + f" (ratio {big.peak_kib / max(small.peak_kib, 1):.2f} from {args.small} to {large}; "
            "flat is about 1)")
    print()
    print(f"where the time goes (seconds; per student = the {args.students}-student batch over "
          f"{args.students}):")
    print(phase_table(one, batch, args.students))


if __name__ == "__main__":
    main()
