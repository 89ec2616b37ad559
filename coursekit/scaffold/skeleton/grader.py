"""Grader of exN: a dense layer with tanh, checked against keras.ops (written by ``coursekit new``).

A skeleton to make your own: one public and one hidden case, Keras's answer as the reference, and one
named mistake (``mistakes/bias_missing.py`` is the wrong submission that makes it). Rename the function,
change the cases, the reference and the mistakes; keep the catalogues (``locale/``) in step, run
``python tools/compile_messages.py`` and ``python -m coursekit.refcache exN``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.judges import LazyMistakes
from coursekit.messages import Mistake

from . import judge as exercise_judge

SEED = 20261207


def _inputs(rng: np.random.Generator, batch: int, input_dim: int, units: int) -> tuple[np.ndarray, ...]:
    x = rng.normal(0, 1.0, (batch, input_dim))
    w = rng.normal(0, 0.6, (input_dim, units))
    b = rng.normal(0, 0.3, (units,))
    return x, w, b


class DenseTanh(Exercise):
    id = "exN"
    title = "A dense layer with tanh"
    filename = "exN_dense_tanh.py"
    functions = ("dense_tanh",)
    mistake_ids = frozenset({"bias_missing"})
    judge_module = f"{__package__}.judge"

    def generate_public_cases(self) -> list[Case]:
        rng = np.random.default_rng(SEED)
        return [Case("dense_tanh: batch 2, input_dim 3, units 4", "dense_tanh", _inputs(rng, 2, 3, 4))]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        sizes = rng if shape_rng is None else shape_rng
        batch, input_dim, units = (int(sizes.integers(1, 6)) for _ in range(3))
        return [Case("hidden dense_tanh: random sizes", "dense_tanh", _inputs(rng, batch, input_dim, units),
                     hidden=True)]

    def reference(self, case: Case) -> Any:
        """tanh(x @ w + b) computed by keras.ops (Keras is imported here, never at module level)."""
        from keras import ops

        x, w, b = case.args
        return np.asarray(ops.convert_to_numpy(ops.tanh(ops.matmul(x, w) + b)), dtype=np.float64)

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return exercise_judge.judge(case, got, expected, LazyMistakes(lambda: self.mistakes(case)))

    def mistakes(self, case: Case) -> list[Mistake]:
        """The named mistakes' outputs on ``case``: what each wrong implementation would return."""
        x, w, _ = (np.asarray(a, dtype=np.float64) for a in case.args)
        return [self.mistake("bias_missing", np.tanh(x @ w))]


EXERCISE = DenseTanh()
