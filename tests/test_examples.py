"""examples/class: the synthetic class of an instructor's first command stays in step with the solutions."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
from pathlib import Path

import pytest

from coursekit.batch import GradeOptions, grade_class
from coursekit.batch.secret import Secret

ROOT = Path(__file__).resolve().parents[1]
CLASS = ROOT / "examples" / "class"


def _make_class_module():
    spec = importlib.util.spec_from_file_location("make_class", ROOT / "examples" / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_committed_class_is_what_make_class_writes(tmp_path):
    _make_class_module().write_class(tmp_path / "class")
    assert _tree(tmp_path / "class") == _tree(CLASS), "run: python examples/make_class.py"


@pytest.mark.slow
def test_example_class_grades_as_described(tmp_path):
    options = GradeOptions(exercises=("ex1", "ex4", "ex5", "ex6"), workers=2,
                           secret=Secret("examples", "test"))
    grade_class(CLASS, tmp_path / "out", options)
    text = (tmp_path / "out" / "grades.csv").read_text()
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"max", "ada", "ben", "chen", "dana", "eve", "finn", "gao", "hong", "hana"}
    full = {e: float(rows["ada"][e]) for e in options.exercises}
    assert all(v > 0 for v in full.values())
    assert 0 < float(rows["ben"]["ex1"]) < full["ex1"] and float(rows["ben"]["ex5"]) == 0
    assert 0 < float(rows["chen"]["ex1"]) < full["ex1"]
    assert 0 < float(rows["dana"]["ex4"]) < full["ex4"]
    assert float(rows["eve"]["ex1"]) == 0 and float(rows["eve"]["ex5"]) == 0
    assert float(rows["finn"]["ex1"]) == full["ex1"] and float(rows["finn"]["ex5"]) == 0
    assert 0 < float(rows["gao"]["ex6"]) < full["ex6"] and float(rows["gao"]["ex1"]) == full["ex1"]
    chen = (tmp_path / "out" / "feedback" / "chen" / "report.md").read_text()
    assert "the bias b was left out" in chen
    eve = (tmp_path / "out" / "feedback" / "eve" / "report.md").read_text()
    assert "does not compile" in eve and "sys.exit" in eve
    gao = (tmp_path / "out" / "feedback" / "gao" / "report.md").read_text()
    assert "padding at the end by default" in gao


@pytest.mark.slow
def test_the_imdb_student_is_caught_on_ex7(tmp_path):
    """gao's ex7 (graded alone: it is the class's only IMDB student): a model never fitted scores 0 for
    every training test, and the figures have no legend; loading and the other plot tests pass."""
    shutil.copytree(CLASS / "gao", tmp_path / "c" / "gao")
    options = GradeOptions(exercises=("ex7",), workers=1, secret=Secret("examples", "test"))
    grade_class(tmp_path / "c", tmp_path / "out", options)
    data = json.loads((tmp_path / "out" / "feedback" / "gao" / "results.json").read_text())
    scores = {t["name"].partition(" · ")[2]: t["score"] for t in data["tests"]}
    training = [name for name in scores if "train_imdb" in name]
    assert len(training) == 7 and sum(scores[name] for name in training) == 0
    assert all(scores[name] > 0 for name in scores if name.startswith(("load_imdb", "ANSWERS")))
    report = (tmp_path / "out" / "feedback" / "gao" / "report.md").read_text()
    assert "a model that was not fitted" in report and "no legend" in report


@pytest.mark.slow
def test_the_dnc_student_is_caught_on_ex10(tmp_path):
    """hong's ex10 beside ada's: the retention summed over the read heads and the read modes in
    deepmind/dnc's order each cost their functions' points, and the report names both mistakes."""
    for student in ("ada", "hong"):
        shutil.copytree(CLASS / student, tmp_path / "c" / student)
    options = GradeOptions(exercises=("ex10",), workers=1, secret=Secret("examples", "test"))
    grade_class(tmp_path / "c", tmp_path / "out", options)
    grades = (tmp_path / "out" / "grades.csv").read_text()
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(grades))}
    assert float(rows["ada"]["ex10"]) == float(rows["max"]["ex10"]) > float(rows["hong"]["ex10"]) > 0
    data = json.loads((tmp_path / "out" / "feedback" / "hong" / "results.json").read_text())
    lost = {t["name"].partition(" · ")[2].partition(":")[0] for t in data["tests"]
            if t["score"] < t["max_score"]}
    assert lost == {"usage", "read weighting", "hidden usage", "hidden read weighting"}, lost
    report = (tmp_path / "out" / "feedback" / "hong" / "report.md").read_text()
    assert "a sum over the read heads instead of a product" in report
    assert "the read modes in the wrong order" in report


@pytest.mark.slow
def test_the_forecasting_student_is_caught_on_ex11(tmp_path):
    """hana's ex11 (graded alone): statistics over every row and no recurrent layer are named; the
    model is still trained, so the other training tests and the other functions pass."""
    shutil.copytree(CLASS / "hana", tmp_path / "c" / "hana")
    options = GradeOptions(exercises=("ex11",), workers=1, secret=Secret("examples", "test"))
    grade_class(tmp_path / "c", tmp_path / "out", options)
    data = json.loads((tmp_path / "out" / "feedback" / "hana" / "results.json").read_text())
    failed = {t["name"].partition(" · ")[2] for t in data["tests"] if t["score"] < t["max_score"]}
    assert {name.partition(":")[0] for name in failed} <= {"normalize", "hidden normalize",
                                                          "train_forecaster"}, failed
    assert "train_forecaster: a recurrent layer, then Dense(1)" in failed
    report = (tmp_path / "out" / "feedback" / "hana" / "report.md").read_text()
    assert "no recurrent layer" in report and "over all rows" in report
