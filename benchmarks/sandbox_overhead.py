"""What the sandbox costs per job: the same ex1 job through a fork server in each isolation mode.

Runs one call of the reference solution ``--jobs`` times per mode this machine allows ("basic" always;
"namespaces" or "user-namespaces" with and without a cgroup when detected) and prints the milliseconds
per job and the ratio to "basic" (goal: the confined modes stay within a few milliseconds of it, small
beside the ~50 ms a student's ex1 grading takes). In the strongest mode it also runs the job as batch
grading sends it, with ex1's forbidden imports, whose package folders are then masked in the job (two
more mounts), and prints that ratio too. Last, what bounding a graded result costs (issue 12: the worker's
``bound_result`` and the student's results.json, ``render/gradescope.py``), per graded exercise, beside
one job of the strongest mode.

    python benchmarks/sandbox_overhead.py [--jobs 50]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from coursekit.exercise import NUMERIC_FORBIDDEN
from coursekit.sandbox.forkserver import ForkServer
from coursekit.sandbox.isolation import Isolation, detect
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Call, Job

ROOT = Path(__file__).resolve().parents[1]
ARGS = (np.ones((2, 3)), np.zeros((2, 4)), np.ones((3, 4)), np.eye(4), np.zeros(4))
JOB = Job("ex1_rnn_forward", (Call("cell", "rnn_cell_forward", ARGS),))
MASKED = dataclasses.replace(JOB, forbidden_imports=NUMERIC_FORBIDDEN)


def per_job_ms(isolation: Isolation, jobs: int, job: Job = JOB) -> float:
    with ForkServer(("numpy",), isolation=isolation) as server:
        server.run(ROOT / "solutions", job, Limits())
        start = time.perf_counter()
        for _ in range(jobs):
            server.run(ROOT / "solutions", job, Limits())
        return (time.perf_counter() - start) / jobs * 1000


def bounding_ms(isolation: Isolation, repeats: int) -> float:
    """Milliseconds to bound one graded ex1 result (public cases) and write it as results.json's object."""
    from coursekit.bounds import bound_result
    from coursekit.grading import grade_exercise
    from coursekit.registry import get_exercise
    from coursekit.render.gradescope import results_json

    ex1 = get_exercise("ex1")
    cases = ex1.public_cases()
    with ForkServer(("numpy",), isolation=isolation) as server:
        result = grade_exercise(ex1, ROOT / "solutions", cases, ex1.expected_values(cases), runner=server.run)
    start = time.perf_counter()
    for _ in range(repeats):
        results_json([bound_result(result)], None, "en")
    return (time.perf_counter() - start) / repeats * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    jobs = parser.parse_args().jobs
    found = detect()
    modes = [Isolation("basic")]
    if found.mode != "basic":
        modes.append(dataclasses.replace(found, cgroup=False))
        if found.cgroup:
            modes.append(found)
    base = per_job_ms(modes[0], jobs)
    print(f"{'basic':28s} {base:6.1f} ms/job")
    for isolation in modes[1:]:
        ms = per_job_ms(isolation, jobs)
        label = f"{isolation.mode}{' + cgroup' if isolation.cgroup else ''}"
        print(f"{label:28s} {ms:6.1f} ms/job  ratio {ms / base:.2f}  (+{ms - base:.1f} ms)")
    if found.mode in ("namespaces", "user-namespaces"):
        plain, masked = per_job_ms(found, jobs), per_job_ms(found, jobs, MASKED)
        print(f"{'  forbidden packages masked':28s} {masked:6.1f} ms/job  ratio {masked / plain:.2f} to the "
              f"same mode unmasked ({plain:.1f} ms)  (+{masked - plain:.1f} ms)")
    job = per_job_ms(found, jobs)
    bounding = bounding_ms(found, jobs)
    print(f"{'bounding a result':28s} {bounding:6.1f} ms per graded exercise  ratio {bounding / job:.2f} to "
          f"one job ({job:.1f} ms)")


if __name__ == "__main__":
    main()
