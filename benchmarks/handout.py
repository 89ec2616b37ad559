"""The student handout's figures: its size, its install time, and its check against importing numpy.

Measured in one run on this machine: ``coursekit release`` writes the handout into a temporary folder
(its size and its zip's size are printed); ``python3 -m venv`` makes a fresh environment and
``pip install OUT_DIR`` is timed once (it downloads numpy, typer and rich from the package index unless
pip's cache holds them: say which when you quote it); then, in that environment, fresh processes of
``coursekit check ex1 <the solution>`` and ``python -c "import numpy"``, alternated, several repetitions,
median wall time, and their ratio.

    python benchmarks/handout.py [--repeat 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path, expected_code: int = 0) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != expected_code:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}, expected {expected_code}:\n"
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def size_of(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*")
                                                          if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each command (default 7)")
    parser.add_argument("--keep", type=Path, help="write the handout and its venv here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="coursekit-handout-"))
    work.mkdir(parents=True, exist_ok=True)
    handout, venv = work / "handout", work / "venv"
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "coursekit", "release", str(handout)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        release_s = time.perf_counter() - started
        files = [p for p in handout.rglob("*") if p.is_file()]  # before pip builds in it
        handout_kib = sum(p.stat().st_size for p in files) / 1024
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(handout)]
        install_s = timed(pip, work)
        solution = work / "solution"
        solution.mkdir()
        shutil.copy(ROOT / "solutions" / "ex1_rnn_forward.py", solution)
        check = [str(venv / "bin" / "coursekit"), "check", "ex1", str(solution)]
        numpy = [str(venv / "bin" / "python"), "-c", "import numpy"]
        timed(check, work), timed(numpy, work)  # warm the file cache; not counted
        check_runs, numpy_runs = [], []
        for _ in range(args.repeat):
            check_runs.append(timed(check, work))
            numpy_runs.append(timed(numpy, work))
        check_s, numpy_s = statistics.median(check_runs), statistics.median(numpy_runs)
        print(f"coursekit release (live Keras)        {release_s:7.1f} s")
        print(f"handout folder                        {handout_kib:7.0f} KiB ({len(files)} files)")
        print(f"handout zip                           {size_of(work / 'handout.zip') / 1024:7.0f} KiB")
        print(f"venv site-packages after install      {size_of(venv / 'lib') / 2**20:7.1f} MiB")
        print(f"pip install OUT_DIR (fresh venv)      {install_s:7.1f} s  (one run)")
        print(f"python -c 'import numpy'              {numpy_s:7.3f} s  median of {args.repeat}")
        print(f"coursekit check ex1 (handout venv)    {check_s:7.3f} s  median of {args.repeat}")
        print(f"ratio check ex1 / import numpy        {check_s / numpy_s:7.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
