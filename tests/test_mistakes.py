"""The engine's own named mistakes (coursekit.compare.LAYOUT_MISTAKE_IDS): each has a wrong ex1 that makes
it, and ``coursekit check --json`` names it in both languages.

A grader's own mistakes are each made by a wrong file in its exercise's folder,
``graders/exN/mistakes/<mistake_id>.py``, which tests/test_contract.py grades for every exercise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SOLUTIONS
from test_contract import wrong_files
from typer.testing import CliRunner

from coursekit.cli import app
from coursekit.i18n import LANGUAGES, render
from coursekit.registry import exercise_ids

# exercise id -> mistake id -> its folder's wrong file: a view of graders/exN/mistakes/ (no hand table) for
# tests/test_portable.py, which checks both runners on them
TABLES: dict[str, dict[str, str]] = {
    i: {w.mistake: w.source for w in wrong_files(i) if w.variant is None} for i in exercise_ids()}
EX1 = (SOLUTIONS / "ex1_rnn_forward.py").read_text(encoding="utf-8")


def ex1_with(old: str, new: str) -> str:
    """The ex1 solution with one edit, which must be there."""
    assert old in EX1, old
    return EX1.replace(old, new)


# The engine's own named mistakes (coursekit.compare.LAYOUT_MISTAKE_IDS), triggered through ex1.
LAYOUT = {
    "output_transposed": ex1_with("return e / e.sum(axis=-1, keepdims=True)",
                                  "return (e / e.sum(axis=-1, keepdims=True)).T"),
    "time_major": ex1_with("return np.stack(states, axis=1) if return_sequences else s_t",
                           "return np.stack(states, axis=0) if return_sequences else s_t"),
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
