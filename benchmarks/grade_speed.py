"""Batch grading speed: 40 correct students in one run against 40 one-student runs.

Measured in one run on this machine: the wall time of ``coursekit grade`` on a class of one correct
student (a fresh process each time, as an instructor grading students one by one would pay), and on a
class of N copies of that student. Prints both, the speed-up (goal: at least 8 on 2 cores), and the
peak memory of the whole process tree for a small and a large class (goal: flat in the number of
students).

    python benchmarks/grade_speed.py [--students 40] [--exercises ex1,ex4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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


def timed_grade(class_dir: Path, exercises: str) -> tuple[float, int]:
    """Wall seconds and peak tree RSS (KiB) of one ``coursekit grade`` run with a fresh output folder."""
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    command = [sys.executable, "-m", "coursekit", "grade", str(class_dir), "--out", str(out)]
    if exercises:
        command += ["--exercises", exercises]
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code = proc.wait()
    elapsed = time.perf_counter() - start
    sampler.join()
    shutil.rmtree(out)
    if code != 0:
        raise SystemExit(f"coursekit grade failed with exit code {code}")
    return elapsed, peak


def make_class(folder: Path, students: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(students):
        student = folder / f"student{i:03d}"
        shutil.copytree(ROOT / "solutions", student, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--exercises", default="", help="comma-separated ids (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="one-student runs to take the median of")
    args = parser.parse_args()
    os.environ.setdefault("COURSEKIT_SECRET", "benchmark-secret")
    with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
        one = make_class(Path(tmp) / "one", 1)
        small = make_class(Path(tmp) / "small", max(2, args.students // 4))
        many = make_class(Path(tmp) / "many", args.students)
        singles = [timed_grade(one, args.exercises) for _ in range(args.repeat)]
        single = statistics.median(t for t, _ in singles)
        batch, batch_peak = timed_grade(many, args.exercises)
        _, small_peak = timed_grade(small, args.exercises)
    sequential = args.students * single
    print(f"cores: {os.cpu_count()}, exercises: {args.exercises or 'all'}")
    print(f"one student, one run (median of {args.repeat}): {single:.2f} s")
    print(f"{args.students} one-student runs (estimated): {sequential:.1f} s")
    print(f"{args.students} students in one run: {batch:.1f} s")
    print(f"speed-up: {sequential / batch:.1f}x (goal: at least 8x)")
    print(f"peak memory of the process tree: {small_peak / 1024:.0f} MiB for {max(2, args.students // 4)} "
          f"students, {batch_peak / 1024:.0f} MiB for {args.students} "
          f"(ratio {batch_peak / max(small_peak, 1):.2f}; flat is about 1)")


if __name__ == "__main__":
    main()
