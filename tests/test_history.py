"""A semester has a history: each exercise keyed by its own files, every grading kept with its time, which
one counts, late penalties per exercise, manual adjustments and drops that survive reruns, and the exports
to an LMS."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursekit import results
from coursekit.batch import GradeOptions, grade_class
from coursekit.batch.classbook import report_from_gradebook
from coursekit.batch.roster import exercise_digest, exercise_files
from coursekit.batch.secret import Secret
from coursekit.batch.store import Gradebook, StudentRecord
from coursekit.cli import app
from coursekit.course import Course, LatePolicy, RosterRow, load_course
from coursekit.messages import verbatim
from coursekit.registry import exercise_ids

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = {e: (ROOT / "solutions" / n).read_text() for e, n in (("ex1", "ex1_rnn_forward.py"),
                                                                  ("ex8", "ex8_bptt.py"))}
STUB8 = (ROOT / "exercises" / "ex8_bptt.py").read_text()
SECRET = Secret("history-secret", "test")
OPTIONS = GradeOptions(exercises=("ex1", "ex8"), workers=1, timeout_s=10, secret=SECRET)


def grades(out: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}


@pytest.fixture(scope="module")
def semester(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """ada and ben handed in ex1 and ex8; then ben resubmits ex8 (a stub: worse) and the class is regraded."""
    base = tmp_path_factory.mktemp("history")
    class_dir, out = base / "class", base / "out"
    for name in ("ada", "ben"):
        (class_dir / name).mkdir(parents=True)
        (class_dir / name / "ex1_rnn_forward.py").write_text(SOLUTIONS["ex1"])
        (class_dir / name / "ex8_bptt.py").write_text(SOLUTIONS["ex8"])
    first = grade_class(class_dir, out, OPTIONS)
    assert (first.graded, first.reused) == (4, 0)
    (class_dir / "ben" / "ex8_bptt.py").write_text(STUB8)
    second = grade_class(class_dir, out, OPTIONS)
    assert (second.graded, second.reused) == (1, 3)
    return class_dir, out


@pytest.mark.slow
def test_a_resubmitted_ex8_regrades_only_ex8(semester):
    _, out = semester
    timings = json.loads((out / "timings.json").read_text())
    assert timings["tasks"] == {"ex8": 1} and (timings["graded"], timings["reused"]) == (1, 3)
    assert float(grades(out)["ben"]["ex8"]) == 0 and float(grades(out)["ben"]["ex1"]) > 0


@pytest.mark.slow
def test_a_resubmitted_ex1_regrades_ex1_and_ex5_which_imports_it_and_nothing_else(tmp_path):
    """Through grade_class, not only the digests: ex2 (beside them in the class) is reused."""
    class_dir, out = tmp_path / "class", tmp_path / "out"
    student = class_dir / "ada"
    student.mkdir(parents=True)
    for name in ("ex1_rnn_forward.py", "ex2_param_count.py", "ex4_lstm_gru.py", "ex5_bidirectional.py"):
        (student / name).write_text((ROOT / "solutions" / name).read_text())
    options = GradeOptions(exercises=("ex1", "ex2", "ex5"), workers=1, timeout_s=60, secret=SECRET)
    first = grade_class(class_dir, out, options)
    assert (first.graded, first.reused) == (3, 0)
    (student / "ex1_rnn_forward.py").write_text(SOLUTIONS["ex1"] + "\n# resubmitted\n")
    second = grade_class(class_dir, out, options)
    timings = json.loads((out / "timings.json").read_text())
    assert timings["tasks"] == {"ex1": 1, "ex5": 1} and (second.graded, second.reused) == (2, 1)
    assert all(float(grades(out)["ada"][e]) > 0 for e in ("ex1", "ex2", "ex5"))


def test_an_exercise_is_keyed_by_its_files_and_those_it_imports(tmp_path):
    every = frozenset().union(*(exercise_files(e) for e in exercise_ids()))
    assert {"ex5_bidirectional.py", "ex1_rnn_forward.py", "ex4_lstm_gru.py"} <= exercise_files("ex5")
    (tmp_path / "ex1_rnn_forward.py").write_text("A = 1\n")
    (tmp_path / "ex2_param_count.py").write_text("B = 1\n")
    (tmp_path / "ex5_bidirectional.py").write_text("from ex1_rnn_forward import A\n")
    (tmp_path / "helpers.py").write_text("H = 1\n")
    before = {e: exercise_digest(tmp_path, e, every) for e in ("ex1", "ex2", "ex5")}
    (tmp_path / "ex2_param_count.py").write_text("B = 2\n")
    after2 = {e: exercise_digest(tmp_path, e, every) for e in ("ex1", "ex2", "ex5")}
    assert [e for e in before if before[e] != after2[e]] == ["ex2"]
    (tmp_path / "ex1_rnn_forward.py").write_text("A = 2\n")
    after1 = {e: exercise_digest(tmp_path, e, every) for e in ("ex1", "ex2", "ex5")}
    assert [e for e in before if after2[e] != after1[e]] == ["ex1", "ex5"]  # ex5 reads ex1
    (tmp_path / "helpers.py").write_text("H = 2\n")  # a helper any exercise may import: all of them
    assert all(exercise_digest(tmp_path, e, every) != after1[e] for e in after1)


@pytest.mark.slow
def test_every_grading_is_kept_and_the_course_says_which_counts(semester):
    _, out = semester
    with Gradebook(out / "gradebook.sqlite") as book:
        kept = book.history("ben")["ex8"]
        assert [g.result.score > 0 for g in kept] == [True, False] and all(g.submitted_at for g in kept)
        latest = report_from_gradebook(book, Course(), ("ex1", "ex8"), out, 0, 0, 0.0)
        best = report_from_gradebook(book, Course(counts="best", source="t"), ("ex1", "ex8"), out, 0, 0, 0.0)
    score = {r.student: {x.exercise: x.score for x in r.results} for r in latest.students}
    assert score["ben"]["ex8"] == 0
    best_score = {r.student: {x.exercise: x.score for x in r.results} for r in best.students}
    assert best_score["ben"]["ex8"] == best_score["ada"]["ex8"] > 0


def _result(exercise: str, score: float) -> results.ExerciseResult:
    test = results.TestResult("t", "passed" if score else "failed", score, 10.0, verbatim("x"))
    return results.ExerciseResult(exercise, verbatim(exercise), (test,))


def test_late_penalties_per_exercise_with_due_dates_extensions_and_best_on_time(tmp_path):
    due = datetime(2026, 12, 15, 16, tzinfo=UTC)
    policy = LatePolicy(due, penalty_per_day=0.1, exercise_due={"ex2": due + timedelta(days=7)},
                        extensions={"ben": timedelta(days=3)})
    with Gradebook(tmp_path / "book.sqlite") as book:
        for student in ("ada", "ben"):
            book.put_student(StudentRecord(student, True))
            # ex1: on time at 5/10, then resubmitted two days late at 10/10; ex2: 2 days after ex1's due
            book.put(student, "ex1", "a", "k", _result("ex1", 5), (due - timedelta(hours=1)).isoformat())
            book.put(student, "ex1", "b", "k", _result("ex1", 10), (due + timedelta(days=2)).isoformat())
            book.put(student, "ex2", "a", "k", _result("ex2", 10), (due + timedelta(days=2)).isoformat())

        def final(counts: str) -> dict[str, tuple[float, float]]:
            course = Course(late=policy, counts=counts, source="t")
            report = report_from_gradebook(book, course, ("ex1", "ex2"), tmp_path, 0, 0, 0.0)
            return {s.student: (s.total, s.final) for s in report.students}

        # latest: ada's ex1 is 2 days late (-2 of 10), her ex2 is on time (its own due date); ben's
        # extension of 3 days covers both
        assert final("latest") == {"ada": (20, 18), "ben": (20, 20)}
        assert final("best") == {"ada": (20, 18), "ben": (20, 20)}  # 10 - 2 beats 5 on time
        assert final("best_on_time") == {"ada": (15, 15), "ben": (20, 20)}


@pytest.mark.slow
def test_adjustments_and_drops_survive_reruns_and_show(semester, tmp_path_factory):
    class_dir, out = semester
    base = tmp_path_factory.mktemp("adjusted")
    import shutil

    copy = base / "out"
    shutil.copytree(out, copy)  # the other tests read the semester as graded
    before = grades(copy)
    runner = CliRunner()
    result = runner.invoke(app, ["adjust", "ada", "ex1", "-2", "--reason", "copied the bias line",
                                 "--out", str(copy), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert float(grades(copy)["ada"]["ex1"]) == pytest.approx(float(before["ada"]["ex1"]) - 2)
    report = (copy / "feedback" / "ada" / "report.md").read_text()
    assert "copied the bias line" in report
    assert "copied the bias line" in json.dumps(json.loads((copy / "feedback" / "ada" / "results.json")
                                                           .read_text()))
    assert runner.invoke(app, ["drop", "ben", "--out", str(copy), "--reason", "withdrew"]).exit_code == 0
    assert "ben" not in grades(copy)
    rerun = grade_class(class_dir, copy, OPTIONS)
    assert rerun.graded == 0 and [s.student for s in rerun.students] == ["ada"]
    assert float(grades(copy)["ada"]["ex1"]) == pytest.approx(float(before["ada"]["ex1"]) - 2)
    assert "copied the bias line" in (copy / "report.html").read_text()
    for bad in (["nobody", "ex1", "+1", "--reason", "x"], ["ada", "ex42", "+1", "--reason", "x"],
                ["ada", "ex1", "lots", "--reason", "x"], ["ada", "ex1", "+1", "--reason", " "]):
        result = runner.invoke(app, ["adjust", *bad, "--out", str(copy)])
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.slow
def test_canvas_and_moodle_imports_and_the_feedback_zip(semester, tmp_path):
    import shutil

    _, out = semester
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    roster = tmp_path / "roster.csv"
    roster.write_text("student,lms_id,name\nada,501,Ada Lovelace\nben,502,Ben Bitdiddle\ncy,503,Cy Fect\n")
    (tmp_path / "course.toml").write_text('roster = "roster.csv"\n[points]\nex1 = 10\nex8 = 10\n')
    course = load_course(tmp_path / "course.toml", exercise_ids())
    assert course.roster[0] == RosterRow("ada", "501", "Ada Lovelace")
    with Gradebook(copy / "gradebook.sqlite") as book:
        book.put_course(course.to_data())
    runner = CliRunner()
    assert runner.invoke(app, ["export", "canvas", str(copy)]).exit_code == 0
    assert runner.invoke(app, ["export", "moodle", str(copy)]).exit_code == 0
    canvas = list(csv.reader(io.StringIO((copy / "canvas.csv").read_text())))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ex1", "ex8",
                         "coursekit final"]
    assert canvas[1][:1] == ["Points Possible"] and canvas[1][5:] == ["10", "10", "20"]
    rows = {r[1]: r for r in canvas[2:]}
    assert rows["501"][:3] == ["Ada Lovelace", "501", "ada"] and rows["501"][-1] == "20"
    assert rows["503"][-1] == "0"  # on the roster, nothing handed in
    moodle = list(csv.DictReader(io.StringIO((copy / "moodle.csv").read_text())))
    assert [(r["ID number"], r["Student"], r["Total"]) for r in moodle] == [
        ("501", "ada", "20"), ("502", "ben", "10"), ("503", "cy", "0")]
    assert runner.invoke(app, ["export", "feedback", str(copy)]).exit_code == 0
    with zipfile.ZipFile(copy / "feedback.zip") as zf:
        assert {"ada/report.md", "ada/results.json", "ben/report.md"} <= set(zf.namelist())
    assert runner.invoke(app, ["export", "canvas", str(tmp_path / "nowhere")]).exit_code == 2


def test_a_grader_fix_replaces_its_verdict_and_a_dropped_student_stays_dropped(tmp_path):
    with Gradebook(tmp_path / "book.sqlite") as book:
        book.put_student(StudentRecord("ada", True))
        book.put("ada", "ex1", "files-1", "old-grader", _result("ex1", 10))  # a bug gave full marks
        book.put("ada", "ex1", "files-1", "new-grader", _result("ex1", 4))  # the fix, same files
        book.put("ada", "ex1", "files-2", "new-grader", _result("ex1", 6))  # a resubmission
        assert [g.result.score for g in book.history("ada")["ex1"]] == [4, 6]
        best = report_from_gradebook(book, Course(counts="best", source="t"), ("ex1",), tmp_path, 0, 0, 0.0)
        assert best.students[0].total == 6
        book.drop("ada", "withdrew")
        course = Course(roster=(RosterRow("ada"), RosterRow("ben")), source="t")
        report = report_from_gradebook(book, course, ("ex1",), tmp_path, 0, 0, 0.0)
    assert [s.student for s in report.students] == ["ben"]


def _passed(exercise: str, points: float) -> results.ExerciseResult:
    return results.ExerciseResult(exercise, verbatim(exercise), (
        results.TestResult("all", "passed", points, points, verbatim("ok")),))


def test_lms_exports_from_a_gradebook_written_by_hand(tmp_path):
    """The exports read the gradebook alone (no grading here): Canvas and Moodle rows for the roster,
    with what each student has, nothing for one who handed nothing in."""
    out = tmp_path / "out"
    out.mkdir()
    roster = tmp_path / "roster.csv"
    roster.write_text("student,lms_id,name\nada,501,Ada Lovelace\nben,502,Ben Bitdiddle\ncy,503,Cy Fect\n")
    (tmp_path / "course.toml").write_text('roster = "roster.csv"\n[points]\nex1 = 10\nex8 = 10\n')
    course = load_course(tmp_path / "course.toml", exercise_ids())
    with Gradebook(out / "gradebook.sqlite") as book:
        for student, scores in (("ada", {"ex1": 1.0, "ex8": 1.0}), ("ben", {"ex1": 1.0, "ex8": 0.0})):
            book.put_student(StudentRecord(student, True, None))
            for exercise, score in scores.items():
                failed = (results.TestResult("all", "failed", 0.0, 1.0, verbatim("no")),)
                result = _passed(exercise, 1.0) if score else results.ExerciseResult(
                    exercise, verbatim(exercise), failed)
                book.put(student, exercise, "d", "k", result)
        book.put_course(course.to_data())
    runner = CliRunner()
    assert runner.invoke(app, ["export", "canvas", str(out)]).exit_code == 0
    assert runner.invoke(app, ["export", "moodle", str(out)]).exit_code == 0
    canvas = list(csv.reader(io.StringIO((out / "canvas.csv").read_text())))
    assert canvas[1][:1] == ["Points Possible"] and canvas[1][5:] == ["10", "10", "20"]
    rows = {r[1]: r for r in canvas[2:]}
    assert rows["501"][:3] == ["Ada Lovelace", "501", "ada"] and rows["501"][-1] == "20"
    assert rows["503"][-1] == "0"
    moodle = list(csv.DictReader(io.StringIO((out / "moodle.csv").read_text())))
    assert [(r["ID number"], r["Student"], r["Total"]) for r in moodle] == [
        ("501", "ada", "20"), ("502", "ben", "10"), ("503", "cy", "0")]
