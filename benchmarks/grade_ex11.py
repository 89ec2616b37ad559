"""ex11's grading cost per student in a batch, against ex7's: the two exercises that train a model.

For each exercise, one ``coursekit grade --exercises exN`` of a class of one correct student and one of
``--students`` copies, each a fresh process as an instructor runs it; the CPU time of the whole process
tree (wait4) gives what one more student costs: (batch - one) / (N - 1), split into the students' own
processes (the fork server's count: their training) and coursekit's (references, ex11's sandboxed
evaluation job, judging, writing). Prints both exercises and the ratio ex11 / ex7, measured in one run.

Then, because that figure moves a lot on a loaded machine, the part ex11's grader adds on its own: one
student's solution batch-graded in this process (public and hidden cases, ``remeasure`` on), with the CPU
seconds the fork server counted for each sandboxed job: the student's (training) and the grader's model
evaluation jobs (``graders/ex11/evaluation.py``: the snapshots on the training and validation windows, the
final weights on each evaluation series).

    python benchmarks/grade_ex11.py [--students 3] [--jobs-only]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from grade_speed import make_class, student_cpu, timed_grade  # noqa: E402

from coursekit.sandbox import forkserver  # noqa: E402


def per_student(exercise: str, students: int, tmp: Path) -> tuple[float, float, float]:
    """(CPU per added student, of which the students' processes, wall of the batch) for ``exercise``."""
    one = timed_grade(make_class(tmp / f"{exercise}-one", 1), exercise)
    batch = timed_grade(make_class(tmp / f"{exercise}-many", students), exercise)
    added = (batch.cpu - one.cpu) / (students - 1)
    own = (student_cpu(batch) - student_cpu(one)) / (students - 1)
    return added, own, batch.wall


def job_cpu(repeat: int = 2) -> None:
    """Print the CPU seconds of each sandboxed job of one student's ex11 batch grading, ``repeat`` times."""
    import numpy as np

    from coursekit.grading import grade_exercise
    from coursekit.registry import get_exercise

    runs: list[tuple[str, float]] = []
    original = forkserver.ForkServer.run

    def recorded(self: forkserver.ForkServer, folder: Path, job: object, limits: object) -> object:
        report = original(self, folder, job, limits)  # type: ignore[arg-type]
        runs.append((str(getattr(job, "module", "?")), report.cpu_s or 0.0))
        return report

    forkserver.ForkServer.run = recorded  # type: ignore[assignment,method-assign]
    exercise = get_exercise("ex11")
    cases = exercise.public_cases() + exercise.hidden_cases(np.random.default_rng(7))
    expected = exercise.expected_values(cases)
    with tempfile.TemporaryDirectory(prefix="bench-ex11-jobs-") as tmp, \
            forkserver.ForkServer(exercise.child_imports) as server:
        shutil.copy(ROOT / "solutions" / exercise.filename, tmp)
        for _ in range(repeat):
            runs.clear()
            result = grade_exercise(exercise, Path(tmp), cases, expected, runner=server.run, remeasure=True)
            student = sum(c for m, c in runs if m != "ex11_evaluation")
            evaluation = [c for m, c in runs if m == "ex11_evaluation"]
            print(f"one student, {result.score:g}/{result.max_score:g}: the student's job {student:.2f} "
                  f"core-s, the grader's evaluation jobs {' + '.join(f'{c:.2f}' for c in evaluation)} = "
                  f"{sum(evaluation):.2f} core-s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--jobs-only", action="store_true", help="only the sandboxed jobs of one student")
    args = parser.parse_args()
    if args.students < 2:
        raise SystemExit("--students: expected at least 2")
    os.environ.setdefault("COURSEKIT_SECRET", "benchmark-secret")
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    if args.jobs_only:
        job_cpu()
        return 0
    found = {}
    with tempfile.TemporaryDirectory(prefix="bench-ex11-") as tmp:
        for exercise in ("ex7", "ex11"):
            added, own, wall = per_student(exercise, args.students, Path(tmp))
            found[exercise] = added
            print(f"{exercise}: CPU per added student {added:.2f} core-seconds (students' own processes "
                  f"{own:.2f}, coursekit's {added - own:.2f}); {args.students} students took {wall:.1f} s")
    print(f"ex11 / ex7 per added student: {found['ex11'] / found['ex7']:.2f}")
    job_cpu()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
