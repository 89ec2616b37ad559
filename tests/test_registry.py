"""The registry of exercises and the package's public surface."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

import coursekit
from coursekit import UnknownExerciseError
from coursekit.exercise import Exercise
from coursekit.registry import all_exercises, content_package, exercise_ids, get_exercise, grader_module


def test_the_public_surface_is_pinned() -> None:
    assert coursekit.__all__ == ["ContentNotFoundError", "CourseFileError", "CoursekitError", "InternalError",
                                 "InvalidOptionError", "SubmissionNotFoundError", "SubmissionRefusedError",
                                 "UnknownExerciseError", "UnknownLanguageError",
                                 "WireError", "__version__"]
    for name in coursekit.__all__[:-1]:
        assert issubclass(getattr(coursekit, name), coursekit.CoursekitError)


def test_exercises_are_addressed_by_id() -> None:
    assert exercise_ids()[0] == "ex1"
    assert exercise_ids() == sorted(exercise_ids(), key=lambda i: int(i[2:]))
    assert all(grader_module(i) == f"graders.{i}.grader" for i in exercise_ids())
    assert get_exercise("ex1") is get_exercise(" EX1 ")
    assert [e.id for e in all_exercises()] == exercise_ids()


def test_an_unknown_id_says_which_ones_exist() -> None:
    with pytest.raises(UnknownExerciseError, match="unknown exercise 'ex99': expected one of ex1"):
        get_exercise("ex99")


@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_every_grader_is_well_formed(exercise_id: str) -> None:
    exercise = get_exercise(exercise_id)
    assert isinstance(exercise, Exercise) and exercise.id == exercise_id
    assert exercise.filename.startswith(f"{exercise_id}_") and exercise.filename.endswith(".py")
    cases = exercise.public_cases()
    assert cases and len({c.name for c in cases}) == len(cases)
    # A case calls one of the exercise's functions, or reads a module-level value (ex7's ANSWERS).
    assert {c.function for c in cases if not c.attribute} <= set(exercise.functions)
    assert all(c.function.isidentifier() and c.function not in exercise.functions
               for c in cases if c.attribute)
    hidden = exercise.hidden_cases(np.random.default_rng(3))
    assert all(c.hidden for c in hidden) and len({c.name for c in hidden}) == len(hidden)
    assert exercise.public_points() > 0


# An exercise id as text: ex1, ex11, ex5's, ex1_rnn_forward.py (not exN, the skeleton's placeholder).
EXERCISE_ID = re.compile(r"\bex\d+(?!\d)")


def test_coursekit_names_no_exercise_and_not_the_content_package() -> None:
    """coursekit is the engine: none of its files (code, comments and docstrings, catalogues, the skeleton
    that coursekit new writes) names an exercise or the content package, which it finds by configuration
    (coursekit/content.py) and scans for exercise folders (coursekit/registry.py). The .pot template is
    left out: tools/extract_messages.py writes it, with the source files (graders' too) each entry is in."""
    package = re.compile(rf"\b{re.escape(content_package())}\b")
    assert package.search(f"import {content_package()}.ex1") and EXERCISE_ID.search("ex11's ex1_x.py")
    found = []
    for path in sorted((ROOT / "coursekit").rglob("*")):
        if not path.is_file() or path.suffix in (".mo", ".pot", ".pyc"):
            continue
        for n, line in enumerate(path.read_bytes().decode("utf-8", "replace").splitlines(), 1):
            if EXERCISE_ID.search(line) or package.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)


def _dist(root: Path, folder: str, entry_points: str | None) -> None:
    (root / folder).mkdir(parents=True)
    if entry_points is not None:
        (root / folder / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_the_content_package_is_found_as_importlib_metadata_finds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """content.py reads the ``coursekit.content`` entry points straight from each distribution's
    entry_points.txt (check pays no importlib.metadata import): the same packages importlib.metadata
    finds, here and on a made-up path with a shadowed distribution, other groups, comments, an egg-info and
    a distribution without entry points."""
    from importlib import metadata

    from coursekit import content

    def declared() -> tuple[str, ...]:
        content._declared.cache_clear()
        return content._declared()

    by_metadata = tuple(sorted({ep.value.strip() for ep in metadata.entry_points(group=content.GROUP)}))
    assert declared() == by_metadata and content.package() in by_metadata
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(first, "lesson_a-1.0.dist-info", "[console_scripts]\nx = y:z\n\n[coursekit.content]\n"
                                           "# a comment\nlesson = lesson_a_pkg \n")
    _dist(second, "Lesson.A-0.9.dist-info", "[coursekit.content]\nlesson = shadowed_pkg\n")  # same name
    _dist(second, "lesson_b.egg-info", "[coursekit.content]\nb = lesson_b_pkg\n[other]\nc = not_me\n")
    _dist(second, "plain-2.0.dist-info", None)
    monkeypatch.setattr(sys, "path", [str(first), str(second), str(tmp_path / "absent")])
    metadata_now = tuple(sorted({ep.value.strip() for ep in metadata.entry_points(group=content.GROUP)}))
    assert declared() == metadata_now == ("lesson_a_pkg", "lesson_b_pkg")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "lessons.zip")])  # not a folder: importlib.metadata's
    (tmp_path / "lessons.zip").write_bytes(b"")
    assert declared() == ()
    content._declared.cache_clear()
