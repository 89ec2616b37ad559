"""What the Keras references of batch grading cost per student, exercise by exercise.

For each exercise, in one process (as a grading worker does): draw the cases of several students of one
class with ``cases_for`` and time ``exercise.expected_values(cases)``, which reads the public cases from the
cache and computes the hidden ones with live Keras. Keras is imported before timing; the first student of
each exercise is a warm-up (Keras builds and traces its first layers) and is reported on its own; the
table's median is over the other students.

    python benchmarks/grade_references.py [--students 8] [--exercises ex1,ex2,ex4,ex5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from coursekit.batch.secret import Secret
from coursekit.batch.worker import cases_for
from coursekit.registry import get_exercise

SECRET = Secret("benchmark-secret", "benchmark")


def seconds_per_student(exercise_id: str, students: int) -> tuple[float, list[float], int]:
    """(the first student's seconds, the others' seconds, the number of hidden cases)."""
    exercise = get_exercise(exercise_id)
    times = []
    hidden = 0
    for n in range(students):
        student = f"student{n:03d}"
        cases = cases_for(exercise, SECRET.seed(student, exercise_id), SECRET.class_seed(exercise_id))
        hidden = sum(c.hidden for c in cases)
        start = time.perf_counter()
        exercise.expected_values(cases)
        times.append(time.perf_counter() - start)
    return times[0], times[1:], hidden


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8, help="students per exercise (first: warm-up)")
    parser.add_argument("--exercises", default="ex1,ex2,ex4,ex5")
    args = parser.parse_args()
    import keras  # noqa: F401  (imported before timing, as a worker has it already)

    print(f"{'exercise':<9}{'hidden':>7}{'first (s)':>11}{'median (s)':>12}{'min (s)':>9}{'max (s)':>9}")
    for exercise_id in args.exercises.split(","):
        first, rest, hidden = seconds_per_student(exercise_id, max(args.students, 2))
        print(f"{exercise_id:<9}{hidden:>7}{first:>11.3f}{statistics.median(rest):>12.3f}"
              f"{min(rest):>9.3f}{max(rest):>9.3f}")


if __name__ == "__main__":
    main()
