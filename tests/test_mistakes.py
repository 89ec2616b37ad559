"""Every mistake id a grader can name has a test that triggers it, and `check` names it in both languages.

Each exercise's test module holds ``MISTAKES``: mistake id -> (a wrong solution, the functions whose tests
it must fail), and checks there that the other functions keep their points. This module enumerates the
ids each grader lists in ``mistake_ids`` and fails for one that no test triggers (a new mistake needs its
wrong implementation in the exercise's tests), and runs ``coursekit check`` on each wrong solution in
Chinese and English.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import test_ex1
import test_ex5
import test_ex6
from conftest import SOLUTIONS
from typer.testing import CliRunner

from coursekit.cli import app
from coursekit.i18n import LANGUAGES, render
from coursekit.registry import all_exercises, get_exercise

# exercise id -> its MISTAKES table (converted graders; the others join as they are converted)
TABLES: dict[str, dict[str, Any]] = {"ex1": test_ex1.MISTAKES, "ex5": test_ex5.MISTAKES,
                                     "ex6": test_ex6.MISTAKES}


def test_every_mistake_id_a_grader_can_produce_has_a_test_that_triggers_it() -> None:
    for exercise in all_exercises():
        if exercise.id not in TABLES:
            assert not exercise.mistake_ids, f"{exercise.id}: its mistakes have no table in {__name__}"
            continue
        untested = exercise.mistake_ids - set(TABLES[exercise.id])
        assert not untested, f"{exercise.id}: no test triggers {sorted(untested)}"
        assert set(TABLES[exercise.id]) <= exercise.mistake_ids


TRIGGERS = [(ex, mistake) for ex, table in TABLES.items() for mistake in table]


@pytest.mark.parametrize(("exercise_id", "mistake_id"), TRIGGERS, ids=[f"{e}-{m}" for e, m in TRIGGERS])
def test_check_names_each_mistake_in_both_languages_with_the_same_id(
        tmp_path: Path, exercise_id: str, mistake_id: str) -> None:
    exercise = get_exercise(exercise_id)
    entry = TABLES[exercise_id][mistake_id]
    source = entry[0] if isinstance(entry, tuple) else entry
    folder = tmp_path / "student"
    folder.mkdir()
    for other in SOLUTIONS.iterdir():  # ex5 imports the student's ex1 and ex4: the right ones here
        if other.suffix == ".py":
            (folder / other.name).write_bytes(other.read_bytes())
    (folder / exercise.filename).write_text(source, encoding="utf-8")
    ids = {}
    for lang in LANGUAGES:
        out = CliRunner().invoke(app, ["check", exercise_id, str(folder), "--json", "--lang", lang])
        assert out.exit_code == 1, out.stdout
        tests = json.loads(out.stdout)["tests"]
        named = render(exercise.mistake(mistake_id).what, lang, strict=True)
        assert any(t["mistake"] == mistake_id and named in t["output"] for t in tests), \
            [t["output"] for t in tests if t["status"] == "failed"]
        ids[lang] = [t["mistake"] for t in tests]
    assert ids["zh"] == ids["en"]
