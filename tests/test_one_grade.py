"""The same grade everywhere: grades.csv and the Gradescope autograder apply one course.toml the same way,
and a rerun of `grade` from a folder without course.toml keeps the course the gradebook was graded with."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursekit.batch import GradeOptions, grade_class
from coursekit.batch.export import build_autograder
from coursekit.batch.secret import Secret
from coursekit.cli import app
from coursekit.course import load_course
from coursekit.registry import exercise_ids

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = (ROOT / "solutions" / "ex1_rnn_forward.py").read_text()
# rnn_output forgets its bias: partial credit, the other functions' tests pass.
PARTIAL = SOLUTION.replace("logits = np.asarray(s) @ V + c", "logits = np.asarray(s) @ V")
SECRET = Secret("one-grade-secret", "test")
TIMES = {"ada@example.edu": "2026-12-15T20:00:00+08:00", "ben@example.edu": "2026-12-17T10:00:00+08:00"}
COURSE = """lang = "zh"
roster = "roster.csv"

[points]
ex1 = 10

[late]
due = "2026-12-15T23:59:00+08:00"
penalty_per_day = 0.1
max_penalty = 0.5
submitted_at = "times.csv"
"""


LATE_ONLY = '[late]\ndue = "2026-12-15T23:59:00+08:00"\nsubmitted_at = "times.csv"\n'


def grades(out: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    base = tmp_path_factory.mktemp("one-grade")
    class_dir, out, course_dir = base / "class", base / "out", base / "course"
    for name, source in (("ada@example.edu", SOLUTION), ("ben@example.edu", PARTIAL)):
        (class_dir / name).mkdir(parents=True)
        (class_dir / name / "ex1_rnn_forward.py").write_text(source)
    course_dir.mkdir()
    (course_dir / "course.toml").write_text(COURSE)
    (course_dir / "times.csv").write_text("student,submitted_at\n" +
                                          "".join(f"{s},{t}\n" for s, t in TIMES.items()))
    (course_dir / "roster.csv").write_text("student,lms_id,name\nada@example.edu,1001,Ada Lovelace\n"
                                           "ben@example.edu,1002,Ben Bitdiddle\n"
                                           "cy@example.edu,1003,Cy D. Fect\n")
    course = load_course(course_dir / "course.toml", exercise_ids())
    grade_class(class_dir, out, GradeOptions(exercises=("ex1",), workers=1, timeout_s=5, secret=SECRET,
                                             course=course, lang="zh"))
    return class_dir, out, course_dir


@pytest.mark.slow
def test_gradescope_gives_the_points_grades_csv_gives(graded, tmp_path):
    from coursekit.batch.gradescope_run import main

    _, out, course_dir = graded
    rows = grades(out)
    assert rows["max"]["ex1"] == "10" and float(rows["ben@example.edu"]["late_days"]) == 2
    assert 0 < float(rows["ben@example.edu"]["final"]) < float(rows["ben@example.edu"]["total"]) < 10
    archive = tmp_path / "autograder.zip"
    build_autograder(archive, ["ex1"], SECRET, load_course(course_dir / "course.toml", exercise_ids()))
    with zipfile.ZipFile(archive) as zf:
        shipped = json.loads(zf.read("course.json"))
        sources = {n: zf.read(n) for n in ("secret.txt", "course.json")}
    assert shipped["points"] == {"ex1": 10} and shipped["lang"] == "zh"
    assert shipped["roster"] == [] and shipped["late"]["times"] == {}  # no student's data goes to Gradescope
    for student, at in TIMES.items():
        root = tmp_path / student
        (root / "source").mkdir(parents=True)
        for name, data in sources.items():
            (root / "source" / name).write_bytes(data)
        (root / "submission").mkdir()
        (root / "submission" / "ex1_rnn_forward.py").write_text(SOLUTION if student.startswith("ada")
                                                                else PARTIAL)
        (root / "submission_metadata.json").write_text(json.dumps(
            {"id": 1, "created_at": at, "users": [{"email": student}]}))
        assert main(["--root", str(root), "--exercises", "ex1"]) == 0
        data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        assert data["score"] == float(rows[student]["final"]), student
        assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(10)
        assert "ex1（" in data["output"]  # the score line in the course's language
        if student.startswith("ben"):
            assert "迟交 2 天" in data["output"]


@pytest.mark.slow
def test_a_rerun_from_another_folder_keeps_the_course(graded, tmp_path, monkeypatch):
    class_dir, out, _ = graded
    before = (out / "grades.csv").read_text()
    monkeypatch.chdir(tmp_path)  # no course.toml here
    monkeypatch.setenv("COURSEKIT_SECRET", SECRET.value)
    monkeypatch.delenv("COURSEKIT_LANG", raising=False)
    result = CliRunner().invoke(app, ["grade", str(class_dir), "--out", str(out), "--exercises", "ex1",
                                      "--workers", "1", "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert "course.toml" in result.output  # the warning names the course kept
    assert (out / "grades.csv").read_text() == before
    report = (out / "feedback" / "ben@example.edu" / "report.md").read_text(encoding="utf-8")
    assert "迟交 2 天" in report  # still the course's language and late policy


@pytest.mark.slow
def test_every_student_of_the_roster_has_a_row(graded):
    _, out, _ = graded
    rows = grades(out)
    assert float(rows["cy@example.edu"]["total"]) == 0 and float(rows["cy@example.edu"]["ex1"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert ("cy@example.edu", "no_submission") in {(p["student"], p["kind"]) for p in summary["problems"]}
    cy = next(s for s in summary["students"] if s["student"] == "cy@example.edu")
    assert cy["submitted"] is False


@pytest.mark.parametrize(("times", "said"), [
    ("student,submitted_at\n ada,2026-12-15T20:00:00+08:00\n", "line 2: the student ' ada' has spaces"),
    ("student,submitted_at\nada,2026-12-15T20:00:00+08:00 \n", "line 2: the submitted_at"),
    ("student,submitted_at\nada,2026-12-15T20:00:00+08:00\nben,2026-12-15T20:00:00+08:00\n"
     "ada,2026-12-16T20:00:00+08:00\n", "line 4: ada is already on line 2"),
])
def test_a_times_csv_with_stray_spaces_or_duplicates_is_refused(tmp_path, times, said):
    from coursekit._exceptions import CourseFileError

    (tmp_path / "times.csv").write_text(times)
    (tmp_path / "course.toml").write_text(LATE_ONLY)
    with pytest.raises(CourseFileError, match=said):
        load_course(tmp_path / "course.toml", exercise_ids())


def test_a_times_csv_naming_nobody_of_the_class_is_one_line_and_exit_2(tmp_path, monkeypatch):
    (tmp_path / "class" / "ada").mkdir(parents=True)
    (tmp_path / "times.csv").write_text("student,submitted_at\nada,2026-12-15T20:00:00+08:00\n"
                                        "adda,2026-12-16T20:00:00+08:00\n")
    (tmp_path / "course.toml").write_text(LATE_ONLY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSEKIT_SECRET", "x")
    result = CliRunner().invoke(app, ["grade", "class", "--out", "out", "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert "adda" in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()  # nothing graded, nothing stored


@pytest.mark.slow
def test_scores_are_shown_to_at_most_two_decimals(graded):
    import re

    _, out, _ = graded
    number = r"-?\d+(?:\.\d{1,2})?"
    assert not re.search(r"\d\.\d{3,}", (out / "grades.csv").read_text())
    feedback = out / "feedback" / "ben@example.edu"
    markdown = (feedback / "report.md").read_text(encoding="utf-8")
    cells = [line.split(" | ")[2] for line in markdown.splitlines() if line.startswith("| ") and "/" in line
             and not line.startswith("| |")]
    assert cells and all(re.fullmatch(f"{number}/{number}", c) for c in cells), cells
    totals = re.findall(r"：([^：\s]+) / (\S+?)(?:\*\*)?$", markdown, flags=re.M)
    assert totals and all(re.fullmatch(number, x) for t in totals for x in t if x), totals
    assert "扣 1.43 分，最终得分 5.71" in markdown  # the late line too
    page = (feedback / "report.html").read_text(encoding="utf-8")
    points = re.findall(r'<td class="n">([^<]*)</td>', page)
    assert points and all(re.fullmatch(f"{number}/{number}", c) for c in points), points
    data = json.loads((feedback / "results.json").read_text(encoding="utf-8"))
    assert round(data["score"], 2) == data["score"] and "5.71" in data["output"]
    shown = [x for t in data["tests"] for x in (t["score"], t["max_score"])]
    assert all(round(x, 2) == x for x in shown)  # each test's points too, the maxima still summing to 10
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(10)
    assert all(0 <= t["score"] <= t["max_score"] for t in data["tests"])


def test_gradescopes_metadata_gives_the_student_and_the_submission_time(tmp_path: Path) -> None:
    """What the autograder reads of Gradescope's ``submission_metadata.json`` (fast lane: no grading)."""
    from datetime import datetime, timedelta, timezone

    from coursekit.batch.gradescope_run import student_id, submitted_at

    meta = tmp_path / "submission_metadata.json"
    assert student_id(tmp_path) == "student" and submitted_at(tmp_path) is None  # no file
    meta.write_text(json.dumps({"id": 7, "created_at": "2026-12-15T20:00:00+08:00",
                                "users": [{"email": "ada@example.edu", "name": "Ada"}]}), encoding="utf-8")
    assert student_id(tmp_path) == "ada@example.edu"
    assert submitted_at(tmp_path) == datetime(2026, 12, 15, 20, tzinfo=timezone(timedelta(hours=8)))
    meta.write_text(json.dumps({"id": 7, "created_at": "2026-12-15T20:00:00", "users": []}), encoding="utf-8")
    assert student_id(tmp_path) == "7" and submitted_at(tmp_path) is None  # a time without its offset
    for broken in ("[1, 2]", "{not json", json.dumps({"created_at": "yesterday"})):
        meta.write_text(broken, encoding="utf-8")
        assert submitted_at(tmp_path) is None
    assert student_id(tmp_path) == "student"
