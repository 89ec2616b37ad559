"""An exercise of the student handout: judged from data that ``coursekit release`` computed.

The handout (``coursekit release``) holds no grader: no reference implementation, no Keras reference,
no hidden cases. For each exercise it holds one JSON file, ``coursekit/handout_data/<id>.json``, with the
public cases' inputs, Keras's expected value of each, and the output of every named mistake on those
inputs, all in the wire format (``coursekit/wire.py``):

    {"format": 1, "exercise": "<id>", "title": ..., "filename": ..., "functions": [...],
     "forbidden_imports": [...], "child_imports": [...], "requires": ["keras"] or [],
     "limits": {"timeout_s": ..., "memory_mb": ...}, "hidden_points": 8.0, "probes": {name: file},
     "judge_module": "coursekit.judges",
     "cases": [{"name", "function", "args", "kwargs", "points", "probe", "probe_data", "attribute",
                "extra": {field: value}, "expected",
                "mistakes": [{"class": "coursekit.compare:Mistake", "fields": {..., "output"}}]}]}

``probes`` names the grader's probe modules (their paths in the handout's content package), ``probe_data``
is the data a case's probe reads (a small data file), ``attribute`` a case that reads a module-level
value (``ANSWERS``), and ``extra`` the fields a grader's own Case class adds (``aspect``), which a
:class:`HandoutCase` offers as attributes, so that the judge module reads them as it does in the grader.

``judge_module`` is the module the exercise's grader judges with (see ``coursekit/judges.py``): the
handout calls the same ``judge`` with the mistakes read from the data instead of computed by reference
code, and its ``explain_error`` when it has one. The full coursekit never reads these files.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from coursekit import content, wire
from coursekit._exceptions import CoursekitError, InternalError, UnknownExerciseError
from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.i18n import error
from coursekit.install import install_command, keras_command
from coursekit.messages import Mistake
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.report import StudentError

FORMAT = 1
DATA_PACKAGE = "coursekit.handout_data"

# What to install for an exercise that needs more than numpy (its ``requires``): the handout's "keras"
# extra (Keras, and matplotlib for plots), as one command for this platform and this Python.
INSTALL = {"keras": keras_command, "matplotlib": keras_command}


class MissingDependencyError(CoursekitError):
    """An exercise that needs a package the student has not installed (Keras, say)."""


@dataclass(frozen=True)
class HandoutCase(Case):
    """A public case with what judging it needs: the expected value and the named mistakes' outputs."""

    expected: Any = None
    mistakes: tuple[Mistake, ...] = ()
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        """A field of the grader's own Case class (``aspect``), read from ``extra``."""
        extra = self.__dict__.get("extra")
        if name.startswith("__") or extra is None or name not in extra:
            raise AttributeError(name)
        return extra[name]


class HandoutExercise(Exercise):
    """An exercise read from its data file; it can judge its public cases and nothing else."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise InternalError(f"handout data of format {data.get('format')!r}, expected {FORMAT}")
        self.id = str(data["exercise"])  # type: ignore[misc]
        self.title = str(data["title"])  # type: ignore[misc]
        self.filename = str(data["filename"])  # type: ignore[misc]
        self.functions = tuple(data["functions"])  # type: ignore[misc]
        self.forbidden_imports = tuple(data["forbidden_imports"])  # type: ignore[misc]
        self.child_imports = tuple(data["child_imports"])  # type: ignore[misc]
        self.limits = Limits(**data["limits"])  # type: ignore[misc]
        self.requires = tuple(data.get("requires", ()))  # type: ignore[misc]
        self.uses = tuple(str(u) for u in data.get("uses", ()))  # type: ignore[misc]
        # the lesson's top-level calls (imdb.load_data, fit) not run, as the full coursekit does
        self.skip_top_level_calls = bool(data.get("skip_top_level_calls", False))  # type: ignore[misc]
        self._hidden_points = float(data["hidden_points"])
        self._judge_module = importlib.import_module(str(data["judge_module"]))
        self.probes = {str(name): _grader_file(str(file))  # type: ignore[misc]
                       for name, file in data.get("probes", {}).items()}
        self._cases = [_case(c) for c in data["cases"]]

    def public_cases(self) -> list[Case]:
        self.ensure_requirements()
        return list(self._cases)

    def generate_public_cases(self) -> list[Case]:
        return list(self._cases)  # the cases are data here, stored when release ran

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        raise InternalError("the student handout has no hidden cases: they are graded by the instructor")

    def hidden_points(self) -> float:
        return self._hidden_points

    def public_points(self) -> float:
        return sum(c.points for c in self._cases)

    def reference(self, case: Case) -> Any:
        raise InternalError("the student handout has no reference: its expected values are data")

    def expected_values(self, cases: Sequence[Case], *, use_cache: bool = True) -> dict[str, Any]:
        return {c.name: c.expected for c in cases if isinstance(c, HandoutCase)}

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        if not isinstance(case, HandoutCase):
            raise InternalError(f"{case.name}: not a case of the handout")
        verdict: Verdict = self._judge_module.judge(case, got, expected, case.mistakes)
        return verdict

    def explain_error(self, case: Case, error: StudentError) -> Mistake | None:
        explain = getattr(self._judge_module, "explain_error", None)
        mistake: Mistake | None = None if explain is None else explain(case, error)
        return mistake

    def ensure_requirements(self) -> None:
        """Raise MissingDependencyError, naming the one command to run, when a package is missing."""
        for package in self.requires:
            if importlib.util.find_spec(package) is None:
                command = INSTALL[package]() if package in INSTALL else install_command([package])
                raise error(MissingDependencyError, "dependency.missing", exercise=self.id, package=package,
                            command=command)


def _case(data: Mapping[str, Any]) -> HandoutCase:
    return HandoutCase(
        name=str(data["name"]), function=str(data["function"]), args=tuple(inputs(data["args"])),
        kwargs=dict(inputs(data["kwargs"])), points=float(data["points"]), probe=str(data["probe"]),
        probe_data=dict(inputs(data.get("probe_data", {"$dict": []}))), attribute=bool(data.get("attribute")),
        extra={str(k): inputs(v) for k, v in data.get("extra", {}).items()},
        expected=wire.decode(data["expected"]),
        mistakes=tuple(mistake_from_data(m) for m in data["mistakes"]))


def _grader_file(name: str) -> Path:
    """A probe module of the handout's content package, by its path in that package (``<id>/probes/x.py``)."""
    root = content.folder()
    parts = name.split("/")
    path = None if root is None else root.joinpath(*parts)
    if (path is None or any(p in ("", ".", "..") for p in parts) or not name.endswith(".py")
            or not path.is_file()):
        raise InternalError(f"a probe {name!r}: expected a file of the handout's content package")
    return path


def mistake_to_data(mistake: Mistake) -> dict[str, Any]:
    """A named mistake as data: its class (one of coursekit's) and its fields, ``output`` in wire format."""
    cls = type(mistake)
    return {"class": f"{cls.__module__}:{cls.__qualname__}",
            "fields": {f.name: wire.encode(getattr(mistake, f.name)) if f.name == "output"
                       else _plain(getattr(mistake, f.name)) for f in dataclasses.fields(mistake)}}


def mistake_from_data(data: Mapping[str, Any]) -> Mistake:
    module, _, name = str(data["class"]).partition(":")
    if not module.startswith("coursekit."):
        raise InternalError(f"a mistake of class {data['class']!r}: expected one of coursekit's")
    cls = getattr(importlib.import_module(module), name)
    fields = {k: wire.decode(v) if k == "output" else _from_plain(v) for k, v in data["fields"].items()}
    mistake: Mistake = cls(**fields)
    return mistake


def _plain(value: Any) -> Any:
    """A mistake's field as JSON: text and numbers, tuples, and messages (``to_dict``)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return {"$tuple": [_plain(v) for v in value]}
    if hasattr(value, "to_dict") and hasattr(type(value), "from_dict"):
        cls = type(value)
        return {"$message": [f"{cls.__module__}:{cls.__qualname__}", value.to_dict()]}
    raise InternalError(f"a mistake's field of type {type(value).__name__} cannot be stored")


def _from_plain(value: Any) -> Any:
    if isinstance(value, dict) and "$tuple" in value:
        return tuple(_from_plain(v) for v in value["$tuple"])
    if isinstance(value, dict) and "$message" in value:
        path, body = value["$message"]
        module, _, name = str(path).partition(":")
        if not module.startswith("coursekit."):
            raise InternalError(f"a message of class {path!r}: expected one of coursekit's")
        return getattr(importlib.import_module(module), name).from_dict(body)
    return value


def inputs(data: Any) -> Any:
    """A case's inputs from the wire format, arrays keeping their dtype (``wire.decode_inputs``)."""
    return wire.decode_inputs(data)


def data_folder() -> Path:
    return Path(str(resources.files(DATA_PACKAGE)))


def exercise_ids() -> list[str]:
    index = json.loads((data_folder() / "index.json").read_text(encoding="utf-8"))
    return [str(i) for i in index["exercises"]]


def load(exercise_id: str) -> HandoutExercise:
    """The handout's exercise ``exercise_id``; raises UnknownExerciseError for one it does not hold."""
    ids = exercise_ids()
    key = exercise_id.strip().lower()
    if key not in ids:
        raise error(UnknownExerciseError, "exercise.unknown", got=repr(exercise_id), exercises=tuple(ids))
    return HandoutExercise(json.loads((data_folder() / f"{key}.json").read_text(encoding="utf-8")))
