"""The example class graded by the local pool against one and two Dask workers on this machine.

Measured in one run: the wall time of ``grade_class`` on examples/class (all exercises, or
``--exercises``) with the local pool of two worker processes, then on a Dask scheduler with one worker,
then with two workers (``dask worker --nworkers 1 --nthreads 1``, subprocesses on 127.0.0.1, started
and registered before the clock starts; each run starts cold, as the local pool's workers do: Keras is
imported by the first grading of each worker). Printed as ratios to the local pool, with the CPU the
coordinator itself spent per grading (what bounds a very large cluster) and the workers' phases.
Goal: two Dask workers within 15% of the local pool's time on the same 2 cores.

    python benchmarks/grade_cluster.py [--exercises ex1,ex4,ex5] [--rounds 1]

With ``--rounds N`` the three runs are repeated N times, interleaved, and the median is printed. The
machine's load average is printed before and after: on a shared machine the figures are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coursekit.batch import GradeOptions, grade_class  # noqa: E402
from coursekit.batch.cluster import ClusterOptions  # noqa: E402
from coursekit.batch.secret import Secret  # noqa: E402
from coursekit.registry import exercise_ids  # noqa: E402

CLASS = ROOT / "examples" / "class"
HOST = "127.0.0.1"
SECRET = Secret("benchmark-secret", "benchmark")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def dask_cluster(workers: int, folder: Path):
    """A scheduler and ``workers`` one-thread workers, as subprocesses; killed (with all they started)
    on the way out."""
    from distributed import Client

    port = free_port()
    address = f"tcp://{HOST}:{port}"
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], log: str) -> None:
        with (folder / log).open("wb") as out:
            procs.append(subprocess.Popen([sys.executable, "-m", *args], stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, cwd=folder, start_new_session=True))

    try:
        start(["distributed.cli.dask_scheduler", "--host", HOST, "--port", str(port), "--no-dashboard"],
              "scheduler.log")
        for n in range(workers):
            start(["distributed.cli.dask_worker", address, "--host", HOST, "--nworkers", "1",
                   "--nthreads", "1", "--no-nanny", "--no-dashboard", "--death-timeout", "60"],
                  f"worker{n}.log")
        with Client(address, timeout=120, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run(exercises: tuple[str, ...], out: Path, cluster: str | None) -> tuple[float, float, dict[str, object]]:
    """Wall seconds, the coordinator's CPU seconds, and timings.json of one grading of the class."""
    options = GradeOptions(exercises=exercises, workers=None if cluster else 2, secret=SECRET,
                           cluster=None if cluster is None else ClusterOptions(cluster))
    wall, cpu = time.perf_counter(), time.process_time()
    grade_class(CLASS, out, options)
    timings = json.loads((out / "timings.json").read_text())
    return time.perf_counter() - wall, time.process_time() - cpu, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", default=",".join(exercise_ids()))
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    exercises = tuple(e.strip() for e in args.exercises.split(",") if e.strip())
    print(f"examples/class, {len(exercises)} exercises ({', '.join(exercises)}), {os.cpu_count()} cores; "
          f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    kinds = ("local pool, 2 processes", "Dask, 1 worker", "Dask, 2 workers")
    walls: dict[str, list[float]] = {k: [] for k in kinds}
    cpus: dict[str, list[float]] = {k: [] for k in kinds}
    tasks = 0
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-cluster-") as tmp:
        for r in range(args.rounds):
            for kind in kinds:
                folder = Path(tmp) / f"{r}-{kinds.index(kind)}"
                folder.mkdir()
                if kind.startswith("local"):
                    wall, cpu, timings = run(exercises, folder / "out", None)
                else:
                    with dask_cluster(1 if "1 worker" in kind else 2, folder) as address:
                        wall, cpu, timings = run(exercises, folder / "out", address)
                tasks = int(timings["graded"])  # type: ignore[call-overload]
                walls[kind].append(wall)
                cpus[kind].append(cpu)
                load = os.getloadavg()[0]
                print(f"  round {r + 1}: {kind:<24} {wall:7.1f} s  (load {load:.1f})", flush=True)
    base = statistics.median(walls[kinds[0]])
    print(f"\n{tasks} gradings; median of {args.rounds} round(s); "
          f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"{'':<26}{'wall s':>8}{'/ local':>9}{'coordinator CPU ms per grading':>33}")
    for kind in kinds:
        wall = statistics.median(walls[kind])
        per = 1000 * statistics.median(cpus[kind]) / max(tasks, 1)
        print(f"{kind:<26}{wall:8.1f}{wall / base:9.2f}{per:33.1f}")
    one, two = (statistics.median(walls[k]) for k in kinds[1:])
    print(f"\ntwo Dask workers / local pool: {two / base:.2f} (goal: at most 1.15); "
          f"one / two Dask workers: {one / two:.2f}")


if __name__ == "__main__":
    main()
