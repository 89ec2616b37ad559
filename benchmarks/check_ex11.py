"""`coursekit check ex11` on the solution against a bare `python -c "import keras"`, and the solution's
training inside the sandbox (wall and CPU seconds).

ex11's public cases read a CSV the probe writes, normalise, cut windows, compute the baseline and train
the forecaster once (the six train_forecaster tests share one call; the probe then runs the recorded
weights), all in one student process; the grader's own process reads the expected values from
graders/ex11/cache.json and never imports TensorFlow. Goal: check ex11 / import keras <= 3. The training
time is the difference between a sandboxed job that runs train_forecaster and one that only runs
load_climate (both import Keras), in the same limits as check; its CPU seconds are the fork server's
count of the job's process (goal: at most 30 s per student).

Each command runs ``--repeat`` times, interleaved, from a temporary folder; medians are compared.

    python benchmarks/check_ex11.py [--repeat 3]
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
from coursekit.sandbox.forkserver import ForkServer
from coursekit.sandbox.process import Call, Job

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
COMMANDS = {
    "import keras": [sys.executable, "-c", "import keras"],
    "check ex11": [sys.executable, "-m", "coursekit", "check", "ex11", str(SOLUTIONS)],
}
GOAL = 3.0


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[-3:])} failed with exit code {done.returncode}")
    return elapsed


def sandboxed(server: ForkServer, train: bool) -> tuple[float, float]:
    """(wall, CPU) seconds of one sandboxed job on the solution: train_forecaster's first case, or
    load_climate's, forked from a server with Keras preloaded (as batch grading runs them)."""
    exercise = get_exercise("ex11")
    function = "train_forecaster" if train else "load_climate"
    case = next(c for c in exercise.public_cases() if c.function == function)
    call = Call(case.name, case.function, tuple(case.args), dict(case.kwargs), case.probe,
                dict(case.probe_data), case.attribute)
    probes = {name: str(path) for name, path in exercise.probes.items()}
    start = time.perf_counter()
    report = server.run(SOLUTIONS, Job(exercise.module, (call,), probes=probes), exercise.limits)
    elapsed = time.perf_counter() - start
    if not report.finished or report.outcomes[case.name].error is not None:
        ending = report.ending(exercise.limits.timeout_s)
        raise SystemExit(f"the sandboxed {case.function} job failed: {ending}")
    return elapsed, report.cpu_s or 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    args = parser.parse_args()
    names = [*COMMANDS, "job: train_forecaster", "job: load_climate", "cpu: train_forecaster"]
    times: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp, \
            ForkServer(get_exercise("ex11").child_imports) as server:
        for command in COMMANDS.values():  # one warm-up run each: the page cache, not the figures
            timed(command, Path(tmp))
        for _ in range(args.repeat):
            for name, command in COMMANDS.items():
                times[name].append(timed(command, Path(tmp)))
            wall, cpu = sandboxed(server, train=True)
            times["job: train_forecaster"].append(wall)
            times["cpu: train_forecaster"].append(cpu)
            times["job: load_climate"].append(sandboxed(server, train=False)[0])
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:>22}: median {medians[name]:.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})")
    training = medians["job: train_forecaster"] - medians["job: load_climate"]
    print(f"train_forecaster in the sandbox: about {training:.2f} s of wall time (a job training it minus a "
          f"job that does not), {medians['cpu: train_forecaster']:.2f} s of CPU (goal <= 30)")
    ratio = medians["check ex11"] / medians["import keras"]
    verdict = "ok" if ratio <= GOAL else "OVER GOAL"
    print(f"check ex11 / import keras = {ratio:.2f}  (goal <= {GOAL}) {verdict}")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
