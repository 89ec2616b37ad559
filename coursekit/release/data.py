"""What the handout's check needs, computed from live Keras and the grader code when ``release`` runs.

For every public case: its inputs, Keras's expected value, the judge that the grader judges it with, and
the output of every named mistake on those inputs (so that "Looks like: the bias b was left out" still
works without the reference code that computes it). The format is described in ``coursekit/handout.py``.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any

from coursekit import content, wire
from coursekit._exceptions import CoursekitError, InternalError
from coursekit.exercise import Case, Exercise
from coursekit.handout import FORMAT, mistake_to_data
from coursekit.i18n import error

_CASE_FIELDS = frozenset(f.name for f in fields(Case))


class NotHandedOutError(CoursekitError):
    """An exercise that release cannot hand out (its grader's judge needs its reference code)."""


def judge_module(exercise: Exercise) -> str | None:
    """The module the grader judges with (``Exercise.judge_module``; coursekit/judges.py says what one is).
    An exercise without one is refused, rather than handed out with a check that would judge differently
    from the grader's."""
    return exercise.judge_module


def handed_out(exercise_id: str) -> bool:
    from coursekit.registry import get_exercise

    return judge_module(get_exercise(exercise_id)) is not None


def exercise_data(exercise: Exercise) -> dict[str, Any]:
    """The handout's data file of ``exercise``: public cases, expected values (live Keras), mistakes."""
    module = judge_module(exercise)
    if module is None:
        raise error(NotHandedOutError, "release.not_handed_out", exercise=exercise.id)
    importlib.import_module(module)
    cases = exercise.public_cases()
    expected = exercise.expected_values(cases, use_cache=False)
    mistakes_of = getattr(exercise, "mistakes", None)
    out = []
    for case in cases:
        mistakes = mistakes_of(case) if mistakes_of is not None else []
        out.append({
            "name": case.name, "function": case.function, "args": wire.encode(list(case.args)),
            "kwargs": wire.encode(dict(case.kwargs)), "points": case.points, "probe": case.probe,
            "probe_data": wire.encode(dict(case.probe_data)), "attribute": case.attribute,
            "extra": extra_fields(case), "expected": wire.encode(expected[case.name]),
            "mistakes": [mistake_to_data(m) for m in mistakes],
        })
    limits = asdict(exercise.limits)
    return {
        "format": FORMAT, "exercise": exercise.id, "title": exercise.title, "filename": exercise.filename,
        "functions": list(exercise.functions), "forbidden_imports": list(exercise.forbidden_imports),
        "child_imports": list(exercise.child_imports), "requires": list(exercise.requires),
        "limits": {k: limits[k] for k in ("timeout_s", "memory_mb")},
        "hidden_points": exercise.hidden_points(), "judge_module": module,
        "probes": {name: content_path(path) for name, path in exercise.probes.items()}, "cases": out,
        "uses": list(exercise.uses), "skip_top_level_calls": exercise.skip_top_level_calls,
    }


def content_path(path: Path) -> str:
    """``path`` (a file of the content package) as its path in that package: ``<id>/probes/dtype.py``."""
    root = content.folder()
    if root is None:
        raise InternalError(f"{path}: no content package")
    return path.resolve().relative_to(root).as_posix()


def extra_fields(case: Case) -> dict[str, Any]:
    """The fields a grader's own Case class adds (an ``aspect``), which its judge reads."""
    if not is_dataclass(case):
        return {}
    return {f.name: wire.encode(getattr(case, f.name)) for f in fields(case) if f.name not in _CASE_FIELDS}
