"""`coursekit check ex7` on the solution against a bare `python -c "import keras"`, and the solution's
training time inside the sandbox.

ex7's public cases load a small imdb.npz, train the lesson's model once (the six train_imdb tests share
one call), draw two figures and read ANSWERS, all in one student process; the grader's own process reads
the expected values from graders/ex7/cache.json and never imports TensorFlow. Goal: check ex7 / import
keras < 3. The training time is the difference between a sandboxed job that runs train_imdb and one that
only reads ANSWERS (both import Keras), in the same limits as check.

Each command runs ``--repeat`` times, interleaved, from a temporary folder; medians are compared.

    python benchmarks/check_ex7.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coursekit.registry import get_exercise
from coursekit.sandbox.process import Call, Job, run_job

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
COMMANDS = {
    "import keras": [sys.executable, "-c", "import keras"],
    "check ex7": [sys.executable, "-m", "coursekit", "check", "ex7", str(SOLUTIONS)],
}
GOAL = 3.0


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[-3:])} failed with exit code {done.returncode}")
    return elapsed


def sandboxed(train: bool) -> float:
    """Seconds of one sandboxed job on the solution: train_imdb's first case, or ANSWERS only."""
    exercise = get_exercise("ex7")
    case = next(c for c in exercise.public_cases() if c.function == ("train_imdb" if train else "ANSWERS"))
    call = Call(case.name, case.function, tuple(case.args), dict(case.kwargs), case.probe,
                dict(case.probe_data), case.attribute)
    probes = {name: str(path) for name, path in exercise.probes.items()}
    start = time.perf_counter()
    report = run_job(SOLUTIONS, Job(exercise.module, (call,), probes=probes), exercise.limits)
    elapsed = time.perf_counter() - start
    if not report.finished or report.outcomes[case.name].error is not None:
        ending = report.ending(exercise.limits.timeout_s)
        raise SystemExit(f"the sandboxed {case.function} job failed: {ending}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in [*COMMANDS, "job: train_imdb", "job: ANSWERS"]}
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        for command in COMMANDS.values():  # one warm-up run each: the page cache, not the figures
            timed(command, Path(tmp))
        for _ in range(args.repeat):
            for name, command in COMMANDS.items():
                times[name].append(timed(command, Path(tmp)))
            times["job: train_imdb"].append(sandboxed(train=True))
            times["job: ANSWERS"].append(sandboxed(train=False))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:>16}: median {medians[name]:.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})")
    training = medians["job: train_imdb"] - medians["job: ANSWERS"]
    print(f"train_imdb in the sandbox: about {training:.2f} s (a job training it minus a job that does not)")
    ratio = medians["check ex7"] / medians["import keras"]
    print(f"check ex7 / import keras = {ratio:.2f}  (goal < {GOAL}) {'ok' if ratio < GOAL else 'OVER GOAL'}")
    return 0 if ratio < GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
