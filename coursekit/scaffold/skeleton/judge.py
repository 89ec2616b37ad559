"""The judge of exN: one array compared with tolerance, naming the mistake whose output it matches.

It holds no reference code, so the student handout (``coursekit release``) ships it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coursekit.compare import Verdict, compare_array
from coursekit.exercise import Case
from coursekit.messages import Mistake


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    return compare_array(expected, got, what=case.function, mistakes=mistakes)
