"""Every mistake id a grader can name has a test that triggers it, and `check` names it in both languages.

Each exercise's test module holds ``MISTAKES``: mistake id -> (a wrong solution, the functions whose tests
it must fail), and checks there that the other functions keep their points; each exercise folder holds
``mistakes/<mistake_id>.py``, one wrong submission per named mistake, which is all an exercise added as a
folder needs (``coursekit new``). This module enumerates the ids each grader lists in ``mistake_ids`` and
fails for one that neither triggers (a new mistake needs its wrong file), and grades each wrong solution's
public cases once, as ``coursekit check`` does, and renders the ``--json`` object (``check_json``, what
the CLI prints) in Chinese and in English: grading does not depend on the language, so one run serves
both. A file is graded through ``graded_once``, which the exercise's own tests share (ex3's and ex7's
files cost a TensorFlow import or a training run each); an exercise that imports others' files (ex5)
through ``check`` itself, in a folder holding the right ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import test_ex1
import test_ex2
import test_ex3
import test_ex4
import test_ex5
import test_ex6
import test_ex7
import test_ex8
import test_ex9
import test_ex10
import test_ex11
from conftest import ROOT, SOLUTIONS
from typer.testing import CliRunner

from coursekit import content
from coursekit.check import check
from coursekit.cli import app
from coursekit.i18n import LANGUAGES, render
from coursekit.messages import Message
from coursekit.registry import all_exercises, exercise_ids, get_exercise
from coursekit.render.jsonout import check_json
from coursekit.results import ExerciseResult

# exercise id -> its MISTAKES table (converted graders; the others join as they are converted)
TABLES: dict[str, dict[str, Any]] = {"ex1": test_ex1.MISTAKES, "ex2": test_ex2.MISTAKES,
                                     "ex3": test_ex3.MISTAKES, "ex4": test_ex4.MISTAKES,
                                     "ex5": test_ex5.MISTAKES, "ex6": test_ex6.MISTAKES,
                                     "ex7": test_ex7.MISTAKES, "ex8": test_ex8.MISTAKES,
                                     "ex9": test_ex9.MISTAKES, "ex10": test_ex10.MISTAKES,
                                     "ex11": test_ex11.MISTAKES}
# (exercise, source) -> check's result, for an exercise that imports others' files (ex5): once per file.
CHECKED: dict[tuple[str, str], ExerciseResult] = {}
CONTENT = content.folder()
assert CONTENT is not None


def folder_mistakes(exercise_id: str) -> dict[str, str]:
    """The exercise folder's wrong files, ``mistakes/<mistake_id>.py``, by mistake id."""
    files = sorted((CONTENT / exercise_id).glob("mistakes/*.py"))
    return {p.stem: p.read_text(encoding="utf-8") for p in files}


# (exercise id, mistake id) -> a wrong source that check must name it for: the exercise's table, else its
# folder's wrong file (the same file where both have one), so that a new exercise is covered from its folder.
SOURCES: dict[tuple[str, str], str] = {
    (ex, mistake): entry[0] if isinstance(entry, tuple) else entry
    for ex, table in TABLES.items() for mistake, entry in table.items()}
for _id in exercise_ids():
    for _mistake, _source in folder_mistakes(_id).items():
        SOURCES.setdefault((_id, _mistake), _source)
TRIGGERS = list(SOURCES)


def test_every_mistake_id_a_grader_can_produce_has_a_test_that_triggers_it() -> None:
    for exercise in all_exercises():
        triggered = {mistake for ex, mistake in TRIGGERS if ex == exercise.id}
        untested = exercise.mistake_ids - triggered
        assert not untested, (f"{exercise.id}: no test triggers {sorted(untested)}: add a wrong file "
                              f"{exercise.id}/mistakes/<mistake_id>.py to its folder")
        assert triggered <= exercise.mistake_ids, f"{exercise.id}: {sorted(triggered - exercise.mistake_ids)}"


@pytest.mark.slow
@pytest.mark.parametrize(("exercise_id", "mistake_id"), TRIGGERS, ids=[f"{e}-{m}" for e, m in TRIGGERS])
def test_check_names_each_mistake_in_both_languages_with_the_same_id(
        tmp_path: Path, exercise_id: str, mistake_id: str,
        graded_once: Callable[[str, str], ExerciseResult]) -> None:
    exercise = get_exercise(exercise_id)
    source = SOURCES[exercise_id, mistake_id]
    folder = tmp_path / "student"
    folder.mkdir()
    for other in SOLUTIONS.iterdir():  # ex5 imports the student's ex1 and ex4: the right ones here
        if other.suffix == ".py":
            (folder / other.name).write_bytes(other.read_bytes())
    (folder / exercise.filename).write_text(source, encoding="utf-8")
    if exercise.uses:
        if (exercise_id, source) not in CHECKED:
            CHECKED[exercise_id, source] = check(exercise_id, folder)
        result = CHECKED[exercise_id, source]
    else:
        result = graded_once(exercise_id, source)
    assert result.score < result.max_score
    # the mistake as the grader named it, with its parameters (ex3's depth_off_by_one: {depth}, {expected})
    found = [t.hint.param("what") for t in result.tests if t.mistake == mistake_id and t.hint is not None]
    assert found, [t.mistake for t in result.tests]
    what = found[0]
    assert isinstance(what, Message) and (what.domain, what.key) == (exercise_id, mistake_id)
    ids = {}
    for lang in LANGUAGES:
        tests = json.loads(json.dumps(check_json(result, lang)))["tests"]
        named = render(what, lang, strict=True)
        assert any(t["mistake"] == mistake_id and named in t["output"] for t in tests), \
            [t["output"] for t in tests if t["status"] == "failed"]
        ids[lang] = [t["mistake"] for t in tests]
    assert ids["zh"] == ids["en"]


# The engine's own named mistakes (coursekit.compare.LAYOUT_MISTAKE_IDS), triggered through ex1.
LAYOUT = {
    "output_transposed": test_ex1.wrong((test_ex1.SOFTMAX[1],
                                         "return (e / e.sum(axis=-1, keepdims=True)).T")),
    "time_major": test_ex1.wrong((test_ex1.RETURN,
                                  "return np.stack(states, axis=0) if return_sequences else s_t")),
}


def test_every_layout_mistake_of_the_engine_has_a_test() -> None:
    from coursekit.compare import LAYOUT_MISTAKE_IDS

    assert set(LAYOUT) == LAYOUT_MISTAKE_IDS


@pytest.mark.slow
@pytest.mark.parametrize("mistake_id", sorted(LAYOUT))
def test_check_names_the_engines_layout_mistakes_in_both_languages(tmp_path: Path, mistake_id: str) -> None:
    from coursekit.messages import Mistake

    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "ex1_rnn_forward.py").write_text(LAYOUT[mistake_id], encoding="utf-8")
    for lang in LANGUAGES:
        out = CliRunner().invoke(app, ["check", "ex1", str(folder), "--json", "--lang", lang])
        tests = json.loads(out.stdout)["tests"]
        named = render(Mistake(mistake_id).what, lang, strict=True)
        assert any(t["mistake"] == mistake_id and named in t["output"] for t in tests), \
            [t["output"] for t in tests if t["status"] == "failed"]


@pytest.mark.slow
def test_ex5_on_the_ex1_stub_says_that_ex1_is_not_implemented(tmp_path: Path) -> None:
    """ex5 built on the student's ex1, whose rnn_forward is still the stub: the message names ex1."""
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "ex1_rnn_forward.py").write_text((ROOT / "exercises" / "ex1_rnn_forward.py").read_text())
    (folder / "ex4_lstm_gru.py").write_text((SOLUTIONS / "ex4_lstm_gru.py").read_text())
    (folder / "ex5_bidirectional.py").write_text(test_ex5.REUSING)
    for lang, words in (("en", "rnn_forward of your ex1_rnn_forward.py, which is not implemented yet"),
                        ("zh", "ex1_rnn_forward.py 里的 rnn_forward，而它还没有实现")):
        out = CliRunner().invoke(app, ["check", "ex5", str(folder), "--json", "--lang", lang])
        simple = [t for t in json.loads(out.stdout)["tests"] if t["name"].startswith("simple_rnn")]
        assert simple and all(words in t["output"] for t in simple), [t["output"] for t in simple]
