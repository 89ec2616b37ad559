"""What a grader is: an exercise's cases, its Keras reference and its judgement of one value.

Every grader (``<id>/grader.py`` of the content package) subclasses :class:`Exercise`. Cases are plain
data: the student function to call and its arguments (numpy arrays, numbers, strings, tuples).
Expected values come from :meth:`Exercise.reference`, which runs the real Keras layer; for public
cases they are read from the cache in its folder's ``cache.json`` (written by
``python -m coursekit.refcache``) so that a student's ``coursekit check`` never imports TensorFlow.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from coursekit import refcache
from coursekit.compare import Verdict
from coursekit.messages import Message, Mistake, Param, in_domain
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.report import StudentError

NUMERIC_FORBIDDEN = ("keras", "tensorflow", "torch", "jax")


@dataclass(frozen=True)
class Case:
    """One call of a student function, worth ``points``.

    ``probe`` names how the child turns the return value into plain data (``"value"``: as it is; else one
    of ``Exercise.probes``), and ``probe_data`` is plain data the probe reads (its ``context["data"]``).
    ``attribute`` reads the module-level value named ``function`` (``ANSWERS``) instead of calling
    it. Cases that make the same call (function, probe, arguments, probe data) share one call in the
    student's process: a grader judges several aspects of one training run without training twice.
    """

    name: str
    function: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    points: float = 1.0
    hidden: bool = False
    probe: str = "value"
    probe_data: Mapping[str, Any] = field(default_factory=dict)
    attribute: bool = False


def call_key(case: Case) -> str:
    """A hash of the call ``case`` makes: its function, probe, arguments and probe data. Cases with equal
    keys ask the student's function the same thing: it groups the calls of one process, never a stored
    value (coursekit/refcache compares stored inputs by value). Their expected values may still differ
    (a hidden case's own evaluation series): :func:`case_key` keys those."""
    return _digest((case.function, case.probe, case.args, case.kwargs, case.probe_data, case.attribute))


# The fields of a case that neither change its call nor its expected value.
_NOT_EXPECTED = frozenset({"name", "points", "hidden"})


def case_key(case: Case) -> str:
    """A hash of everything a case's expected value may depend on: its call (:func:`call_key`) and every
    field an exercise's case class adds (ex: an evaluation series or a rule drawn per student, which
    never reach the student's process). A memo of expected values is keyed by it, never by the call alone:
    two students' cases can make the same call and expect different answers."""
    extra = sorted((f.name, getattr(case, f.name)) for f in fields(case) if f.name not in _NOT_EXPECTED)
    return _digest((type(case).__qualname__, extra))


def _digest(value: Any) -> str:
    digest = hashlib.sha256()

    def add(value: Any) -> None:
        if isinstance(value, np.ndarray):
            digest.update(f"array {value.dtype.str} {value.shape} ".encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        elif isinstance(value, list | tuple):
            digest.update(f"{type(value).__name__} {len(value)} ".encode())
            for item in value:
                add(item)
        elif isinstance(value, Mapping):
            digest.update(f"map {len(value)} ".encode())
            for k in sorted(value, key=repr):
                add(k)
                add(value[k])
        elif isinstance(value, np.generic):  # as the wire format sends it: np.int64(3) is 3
            add(value.item())
        else:
            digest.update(f"{type(value).__name__} {value!r} ".encode())

    add(value)
    return digest.hexdigest()


class Exercise(ABC):
    """One exercise: its file, its functions, its cases, its reference and its judge."""

    id: ClassVar[str]
    title: ClassVar[str]
    filename: ClassVar[str]
    functions: ClassVar[tuple[str, ...]]
    forbidden_imports: ClassVar[tuple[str, ...]] = NUMERIC_FORBIDDEN
    # What batch grading's fork server imports before forking a child for this exercise.
    child_imports: ClassVar[tuple[str, ...]] = ("numpy",)
    # The packages beyond numpy that the student's own code needs (the handout's check says how to
    # install a missing one).
    requires: ClassVar[tuple[str, ...]] = ()
    # True: the student's top-level statements that call something (the lesson's imdb.load_data(...),
    # model.fit(...)) are not run when the file is loaded; the functions are graded, with a note naming
    # the first such line (sandbox Job.skip_top_level_calls).
    skip_top_level_calls: ClassVar[bool] = False
    limits: ClassVar[Limits] = Limits()
    # The module the grader judges with, when it holds no reference code: ``judge(case, got, expected,
    # mistakes)`` and optionally ``explain_error(case, error)`` (see coursekit/judges.py). The student
    # handout (coursekit release) ships it and judges with it; an exercise without one is not handed out.
    judge_module: ClassVar[str | None] = None
    # The grader's own probes, by the name its cases give in ``Case.probe``: each is a module of the
    # grader's, loaded by path in the student's process, that imports nothing from coursekit and turns a
    # return value into plain data with ``probe(value, context)`` (see the content package's shared/probes/).
    # "value" and "typed" are built in.
    probes: ClassVar[Mapping[str, Path]] = {}
    # Every id of a mistake this grader can name (its own and the engine's generic ones it uses); each has
    # the entries <id> and <id>.try in the grader's catalogue (or the engine's), and a test triggering it.
    mistake_ids: ClassVar[frozenset[str]] = frozenset()
    # True when hidden_cases draws its sizes and structure from ``shape_rng``: batch grading then passes
    # one per class, so that every student of a class gets the same shapes (and the grader's built Keras
    # layers are reused from one student to the next) but values of their own. An exercise whose inputs
    # are sizes alone (parameter counts, model shapes) thus gives a class the same hidden cases, whose
    # references a worker
    # computes once (coursekit/batch/worker.py); a student never sees a hidden case's inputs.
    shapes_per_class: ClassVar[bool] = False
    # The ids of other exercises whose files the student's file may import (ids). When a
    # test fails and the student's file imports one of them, ``check`` says to fix that exercise first if
    # its own public tests of the imported functions fail, and ``grade`` grades again with the course's
    # own file (``course_file``) in its place, keeping the better result (coursekit/uses.py).
    uses: ClassVar[tuple[str, ...]] = ()
    # The course's own implementation of this exercise (a copy of its solution), which ``grade`` puts in
    # place of the student's file when another exercise that ``uses`` this one is graded. Never handed out.
    course_file: ClassVar[Path | None] = None

    @property
    def module(self) -> str:
        return Path(self.filename).stem

    def title_message(self) -> Message:
        """The exercise's title for people: the entry ``title`` of its catalogue."""
        return in_domain(self.id, "title")

    def message(self, key: str, /, **params: Param) -> Message:
        """An entry of this exercise's own catalogue (its folder's ``locale/<lang>/LC_MESSAGES/<id>.po``)."""
        return in_domain(self.id, key, **params)

    def mistake(self, mistake_id: str, output: Any = None, /, **params: Param) -> Mistake:
        """The named mistake ``mistake_id`` of this exercise, which gives ``output``.

        Raises ValueError for an id missing from ``mistake_ids`` (in judge(): an internal error).
        """
        if mistake_id not in self.mistake_ids:
            raise ValueError(f"{self.id}: mistake {mistake_id!r} is not in {type(self).__name__}.mistake_ids")
        return Mistake(mistake_id, output, self.id, tuple(params.items()))

    def public_cases(self) -> list[Case]:
        """The cases ``coursekit check`` (and ``grade``, and the handout) runs, the same on every machine:
        the grader's own (:meth:`generate_public_cases`) with the inputs stored in its folder's
        ``cache.json`` in place of regenerated ones, whose last bits depend on the CPU
        (coursekit/refcache)."""
        return refcache.stored_cases(self, self.generate_public_cases())

    @abstractmethod
    def generate_public_cases(self) -> list[Case]:
        """The public cases as the grader makes them (from a seed): the same list every time, up to the last
        bits of the floats computed on this CPU. Read through :meth:`public_cases`."""

    @abstractmethod
    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        """Cases drawn for batch grading; their names and points never depend on the generators.

        ``rng`` is the student's: every value (weights, inputs, states) comes from it. ``shape_rng``, when
        given, is the class's (see ``shapes_per_class``): sizes, shapes and which optional arguments are
        present come from it. When it is None, they come from ``rng`` too.
        """

    @abstractmethod
    def reference(self, case: Case) -> Any:
        """The expected value of ``case``, computed by Keras (imported here, never at module level)."""

    @abstractmethod
    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        """Compare a student's decoded value with the expected one; name the mistake when one fits."""

    def explain_error(self, case: Case, error: StudentError) -> Mistake | None:
        """The common mistake that explains an exception the student's function raised on ``case``.

        None by default. A grader may name ``bias_none_not_handled`` from a TypeError about NoneType; the test
        then carries that mistake's id and hint, as for a wrong value.
        """
        return None

    def remeasure(self, case: Case, got: Any) -> Any:
        """In batch grading, redo in the grader whatever the student process measured about itself.

        The default trusts nothing because a plain value needs no measuring. A grader whose child probe
        reports measurements (a Keras model's summary and outputs) recomputes them here from the plain
        data the child sent (the model's config and weight shapes), so a hostile process cannot forge
        them.
        """
        return got

    def public_points(self) -> float:
        return sum(c.points for c in self.public_cases())

    def hidden_points(self) -> float:
        return sum(c.points for c in self.hidden_cases(np.random.default_rng(0)))

    def expected_values(self, cases: Sequence[Case], *, use_cache: bool = True) -> dict[str, Any]:
        """The expected value of every case: from the Keras cache when it holds that case, else live."""
        cached: Mapping[str, Any] = refcache.load(self, cases) if use_cache else {}
        return {c.name: cached[c.name] if c.name in cached else self.reference(c) for c in cases}
