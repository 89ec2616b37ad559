"""The judge of a value that is one array: the same code judges in a grader and in the student handout.

A *judge module* holds ``judge(case, got, expected, mistakes) -> Verdict`` and, optionally,
``explain_error(case, error) -> Mistake | None``. It takes the named mistakes with their outputs as an
argument and imports no reference code, so that ``coursekit release`` can ship it: a grader judges with
``judge(case, got, expected, self.mistakes(case))``, where its reference code computes the mistakes'
outputs; the handout judges with the same function, those outputs read from the data that release
computed. This module is the judge module of the exercises whose values are single arrays;
a grader with its own judging keeps its judge module beside it, ``<id>/judge.py`` of its folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from coursekit.compare import Verdict, compare_array
from coursekit.exercise import Case
from coursekit.messages import Mistake


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """One array, compared with tolerance; the first mistake whose output it matches is named."""
    return compare_array(expected, got, what=case.function, mistakes=mistakes)


class LazyMistakes(Sequence[Mistake]):
    """The named mistakes of a case, worked out by ``compute`` the first time they are read.

    A judge reads them only when the value is wrong; for a right value (most of a class), a grader whose
    mistakes' outputs cost a reference run each then computes none of them.
    """

    def __init__(self, compute: Callable[[], Sequence[Mistake]]) -> None:
        self._compute = compute
        self._found: Sequence[Mistake] | None = None

    def _all(self) -> Sequence[Mistake]:
        if self._found is None:
            self._found = self._compute()
        return self._found

    @overload
    def __getitem__(self, index: int) -> Mistake: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mistake]: ...

    def __getitem__(self, index: int | slice) -> Mistake | Sequence[Mistake]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[Mistake]:
        return iter(self._all())
