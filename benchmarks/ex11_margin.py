"""How far the solution's forecaster beats the common-sense baseline on students' hidden series, and how
far untrained models stay from it: the evidence for ex11's margin (graders/ex11/judge.py, MARGIN).

Trains the solution's train_forecaster as grading does (the training probe's seed, the case's windows
and arguments), then measures MAE / baseline MAE on ``--series`` hidden series drawn as batch grading
draws them; and the same for ``--untrained`` fresh models of the asked shape (GRU(16) then Dense(1),
each with another seed), which must stay above 1 (MARGIN is 1.0: the model must beat the baseline).
Prints the extremes.

    python benchmarks/ex11_margin.py [--series 200] [--untrained 20] [--training-seeds 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graders.ex11 import grader  # noqa: E402
from graders.ex11.judge import MARGIN  # noqa: E402
from graders.ex11.probes import training  # noqa: E402


def ratios(model: object, seeds: list[int]) -> np.ndarray:
    out = []
    for seed in seeds:
        found = grader.evaluation_windows(seed)
        p = np.asarray(model.predict(found["x"], batch_size=1024, verbose=0))[:, 0]  # type: ignore[attr-defined]
        out.append(float(np.mean(np.abs(p - found["targets"]))) / found["naive"])
    return np.asarray(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--untrained", type=int, default=20)
    parser.add_argument("--training-seeds", type=int, default=1,
                        help="training runs (the first with the probe's seed, as grading trains)")
    args = parser.parse_args()
    import keras

    spec = importlib.util.spec_from_file_location("ex11_solution", ROOT / "solutions" / "ex11_forecast.py")
    assert spec is not None and spec.loader is not None
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    rng = np.random.default_rng(2026)
    seeds = [int(s) for s in rng.integers(1 << 30, size=args.series)]  # as hidden_cases draws them
    case = next(c for c in grader.EXERCISE.public_cases() if c.function == "train_forecaster")
    worst = 0.0
    for run in range(args.training_seeds):
        keras.utils.set_random_seed(training.SEED + run)
        model, _ = solution.train_forecaster(*case.args, **case.kwargs)
        found = ratios(model, seeds)
        worst = max(worst, float(found.max()))
        print(f"solution, training seed {training.SEED + run}: MAE / baseline over {len(seeds)} series: "
              f"min {found.min():.3f}, median {np.median(found):.3f}, max {found.max():.3f}")
    lowest = np.inf
    for seed in range(args.untrained):
        keras.utils.set_random_seed(100 + seed)
        fresh = keras.Sequential([keras.Input(case.args[0].shape[1:]), keras.layers.GRU(16),
                                  keras.layers.Dense(1)])
        found = ratios(fresh, seeds[:20])
        lowest = min(lowest, float(found.min()))
    print(f"untrained GRU(16) + Dense(1), {args.untrained} seeds x 20 series: lowest MAE / baseline "
          f"{lowest:.3f}")
    # The case passes under MARGIN x the baseline (MARGIN 1.0: beat the baseline); an untrained model must
    # stay above it, and how far (lowest / MARGIN) is the room left for honest models that train worse.
    ok = worst < MARGIN <= 1.0 < lowest
    print(f"margin {MARGIN}: solution's worst {worst:.3f}, untrained's best {lowest:.3f} "
          f"({lowest / MARGIN:.2f} x the margin) -> {'ok' if ok else 'NOT SEPARATED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
