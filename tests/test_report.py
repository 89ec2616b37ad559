"""summary.json and report.html: the class's numbers, and the page that shows them in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from rich.console import Console

from coursekit import results
from coursekit.batch.classbook import report_from_gradebook
from coursekit.batch.outputs import write_outputs
from coursekit.batch.store import Gradebook, StudentRecord
from coursekit.classresults import refused_note
from coursekit.classstats import histogram
from coursekit.course import Course
from coursekit.messages import msg, verbatim
from coursekit.render.classsummary import class_summary

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BAR_BLUE = (0x3B, 0x7D, 0xD8)


def _result(exercise: str, outcomes: str, mistake: str = "bias_missing") -> results.ExerciseResult:
    """One test per character: P passed, F failed with ``mistake``, f failed without a named mistake."""
    tests = tuple(results.TestResult(f"test {i}", "passed" if c == "P" else "failed", float(c == "P"), 1.0,
                                     verbatim("ok" if c == "P" else "wrong"), hidden=i >= 3,
                                     mistake=mistake if c == "F" else None)
                  for i, c in enumerate(outcomes))
    return results.ExerciseResult(exercise, verbatim(exercise), tests)


def _missing(exercise: str) -> results.ExerciseResult:
    return results.ExerciseResult(exercise, verbatim(exercise), tuple(
        results.TestResult(f"test {i}", "failed", 0.0, 1.0,
                           verbatim("ex2_param_count.py was not found in the submission"),
                           failure=results.Failure.NOT_FOUND) for i in range(5)))


@pytest.fixture
def class_out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    rows = {"ada": ("PPPPP", "PPPPP"), "ben": ("PPFPF", None), "chen": ("FFfff", "PPPff"),
            "<script>dana</script>": ("PPPPF", "PfPPP"), "eve": ("PfPPP", "PPPPP")}
    with Gradebook(out / "gradebook.sqlite") as book:
        for student, (ex1, ex2) in rows.items():
            book.put_student(StudentRecord(student, student != "eve",
                                           msg("refused.zip_unreadable", name="chen.zip", detail="BadZipFile")
                                           if student == "chen" else None,
                                           intake=(refused_note("hw13/ex1.py", msg("reason.link"), "ex1"),)
                                           if student == "ada" else ()))
            book.put(student, "ex1", "d", "k", _result("ex1", ex1))
            book.put(student, "ex2", "d", "k", _result("ex2", ex2, "wrong_total") if ex2 else _missing("ex2"))
        report = report_from_gradebook(book, Course(points={"ex1": 10, "ex2": 5}), ("ex1", "ex2"), out,
                                       0, 5, 1.0)
    write_outputs(report, "en")
    return out


def test_histogram_bins_cover_zero_to_max():
    bins = histogram([0, 1, 5, 9.9, 10, 10], 10)
    assert [b.count for b in bins] == [2, 0, 1, 0, 3] and bins[0].low == 0 and bins[-1].high == 10


@pytest.mark.slow
def test_summary_json_counts_the_class(class_out):
    data = json.loads((class_out / "summary.json").read_text())
    ex1 = next(e for e in data["exercises"] if e["exercise"] == "ex1")
    assert ex1["students"] == 5 and ex1["max_points"] == 10
    assert ex1["mean"] == pytest.approx((10 + 6 + 0 + 8 + 8) / 5) and ex1["median"] == 8
    assert sum(b["count"] for b in ex1["histogram"]) == 5
    bias = next(m for m in data["mistakes"] if m["mistake"] == "bias_missing")
    assert bias["exercise"] == "ex1" and bias["students"] == sorted(["<script>dana</script>", "ben", "chen"])
    item = next(i for i in data["items"] if i["exercise"] == "ex1" and i["test"] == "test 0")
    assert item["passed_share"] == 0.8 and item["discrimination"] == 1.0
    kinds = {(p["student"], p["kind"]) for p in data["problems"]}
    assert {("ben", "missing"), ("chen", "refused"), ("eve", "departed"), ("ada", "refused")} <= kinds
    ada = next(p for p in data["problems"] if p["student"] == "ada")
    assert ada["exercise"] == "ex1"
    assert ada["message"] == ("hw13/ex1.py was refused: it is a link; links are refused (submit the file "
                              "itself)")
    link = {s["student"]: s["feedback"] for s in data["students"]}["<script>dana</script>"]
    # an id holding "/" (only a gradebook can hold one) names one folder, never a path: the link finds it
    assert link.startswith("feedback/%3Cscript%3Edana%3C_script%3E~") and "%2F" not in link
    assert (class_out / unquote(link)).is_file()


@pytest.mark.slow
def test_report_html_is_self_contained(class_out):
    page = (class_out / "report.html").read_text()
    assert page.count("<svg") == 2 and "<script>dana" not in page and "&lt;script&gt;dana" in page
    fetches = r"""(src|href)\s*=\s*["']?(https?:)?//|url\((?!#)|@import|<link|<img|<iframe"""
    assert not re.search(fetches, page)
    assert "<script" not in page and "Content-Security-Policy" in page


def _browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--no-first-run", f"--user-data-dir={profile}",
                           *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_report_html_renders_in_chromium(class_out, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    url = (class_out / "report.html").as_uri()
    dom = _chromium(browser, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 2 and "Item analysis" in dom.stdout
    assert "Exercises compared" in dom.stdout and "the bias b was left out" in dom.stdout
    student = _chromium(browser, tmp_path / "profile-student", "--dump-dom",
                        (class_out / "feedback" / "ben" / "report.html").as_uri())
    assert student.returncode == 0 and "✗" in student.stdout
    assert "bias_missing" in dom.stdout and "left the class folder" in dom.stdout
    shot = tmp_path / "report.png"
    run = _chromium(browser, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1200,1400",
                    "--hide-scrollbars", url)
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    from matplotlib.image import imread

    pixels = (imread(shot)[..., :3] * 255).round()
    bars = ((abs(pixels - BAR_BLUE) <= 8).all(axis=-1)).sum()
    assert bars > 500, "the histograms' bars are drawn"


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ("<html lang=\"zh\">", "班级成绩报告", "各练习得分", "需要关注的学生", "已不在班级文件夹中",
            "试题分析", "得分分布", "5 名学生 · 2 道练习 · 本次评分 0 份")),
    ("en", ("<html lang=\"en\">", "Class report", "Scores per exercise", "Students to look at",
            "left the class folder", "Item analysis", "ex1 scores",
            "5 students · 2 exercises · 0 gradings run"))])
@pytest.mark.slow
def test_report_html_speaks_the_graders_language(class_out, lang, words):
    from coursekit.classstats import class_stats
    from coursekit.render.reporthtml import report_html

    with Gradebook(class_out / "gradebook.sqlite") as book:
        report = report_from_gradebook(book, Course(points={"ex1": 10, "ex2": 5}), ("ex1", "ex2"), class_out,
                                       0, 5, 1.0)
    page = report_html(report, class_stats(report), lang)
    for word in words:
        assert word in page, word
    if lang == "zh":
        assert "Class report" not in page and "Item analysis" not in page


@pytest.mark.parametrize(("lang", "words", "foreign"), [
    ("zh", {"ada": ("ex1：hw13/ex1.py 没有被接受：它是一个链接", "总分"),
            "eve": ("你的提交已不在班级文件夹中",),
            "chen": ("chen.zip 不是可以读取的 zip 文件（BadZipFile）",)},
     ("was refused", "no longer in the class folder", "not a readable zip")),
    ("en", {"ada": ("ex1: hw13/ex1.py was refused: it is a link", "Total"),
            "eve": ("Your entry is no longer in the class folder",),
            "chen": ("chen.zip is not a readable zip (BadZipFile)",)},
     ("没有被接受", "班级文件夹", "zip 文件"))])
@pytest.mark.slow
def test_every_output_speaks_the_graders_language(class_out, lang, words, foreign):
    """The intake's lines, a refusal and a departed entry are messages: report.md, results.json and
    summary.json say them in the language the outputs are written in."""
    with Gradebook(class_out / "gradebook.sqlite") as book:
        report = report_from_gradebook(book, Course(points={"ex1": 10, "ex2": 5}), ("ex1", "ex2"), class_out,
                                       0, 5, 1.0)
    write_outputs(report, lang)
    for student, expected in words.items():
        page = (class_out / "feedback" / student / "report.md").read_text()
        output = json.loads((class_out / "feedback" / student / "results.json").read_text())["output"]
        for text in (page, output):
            for word in expected[:1]:
                assert word in text, (student, word, text)
            assert not any(f in text for f in foreign), (student, text)
        assert expected[-1] in page
    problems = json.loads((class_out / "summary.json").read_text())["problems"]
    shown = " ".join(p["message"] for p in problems)
    assert {p["kind"] for p in problems} == {"missing", "refused", "departed"}  # kinds stay English
    assert not any(f in shown for f in foreign), shown
    console = Console(record=True, width=300)
    console.print(class_summary(report, lang))
    summary = console.export_text()
    assert words["chen"][0] in summary and "hw13/ex1.py" in summary  # a refused submission, a refused file
    assert not any(f in summary for f in foreign), summary


def _figures(page: str) -> list[str]:
    return re.findall(r"<figure.*?</figure>", page, flags=re.S)


@pytest.mark.slow  # draws the histograms with matplotlib
def test_a_rerun_draws_again_only_the_histograms_whose_scores_changed(tmp_path, monkeypatch):
    """report.html's histograms are kept in the gradebook: a rerun in which an exercise's scores did not
    change takes its SVG from there (the same page), one whose scores changed is drawn again, and a stored
    drawing that is no SVG is drawn again; the gradebook keeps the last page's drawings only."""
    from coursekit.batch.outputs import write_class_outputs
    from coursekit.render import reporthtml

    out = tmp_path / "out"
    out.mkdir()
    book_path = out / "gradebook.sqlite"
    drawn: list[str] = []
    draw = reporthtml.histogram_svg
    monkeypatch.setattr(reporthtml, "histogram_svg", lambda e, *a, **k: drawn.append(e) or draw(e, *a, **k))

    def rerun(ben_ex1: str, lang: str = "en") -> str:
        with Gradebook(book_path) as book:
            for student, ex1, ex2 in (("ada", "PPPPP", "PPPPP"), ("ben", ben_ex1, "PPFPP")):
                book.put_student(StudentRecord(student, True))
                book.put(student, "ex1", "d", "k", _result("ex1", ex1))
                book.put(student, "ex2", "d", "k", _result("ex2", ex2))
            report = report_from_gradebook(book, Course(), ("ex1", "ex2"), out, 2, 0, 1.0)
        drawn.clear()
        write_class_outputs(report, lang, book_path)
        return (out / "report.html").read_text(encoding="utf-8")

    first = rerun("PPFFF")
    assert drawn == ["ex1", "ex2"]
    assert rerun("PPFFF") == first and drawn == []  # nothing changed: nothing drawn
    changed = rerun("PPPPF")
    assert drawn == ["ex1"] and _figures(changed)[1] == _figures(first)[1] != ""
    assert _figures(changed)[0] != _figures(first)[0]
    with Gradebook(book_path) as book:
        stored = book.drawings()
        assert len(stored) == 2  # this page's two, not the first page's ex1 too
        book.put_drawings({k: "<script>alert(1)</script>" for k in stored})
    assert rerun("PPPPF") == changed and drawn == ["ex1", "ex2"]
    rerun("PPPPF", "zh")  # the labels are the catalogue's: another language is drawn again
    assert drawn == ["ex1", "ex2"]


def test_a_gradebook_written_before_messages_is_still_read(tmp_path):
    """A gradebook whose intake lines and refusals were stored as English text (before they were
    messages) is read as it is: a rerun resumes from it and every output shows those lines unchanged."""
    out = tmp_path / "out"
    out.mkdir()
    with Gradebook(out / "gradebook.sqlite") as book:
        book.put("ada", "ex1", "d", "k", _result("ex1", "PPPPP"))
        book.put("ben", "ex1", "d", "k", _result("ex1", "FFFFF"))
        book._db.execute("INSERT INTO students VALUES (?, ?, ?, ?, ?, ?)", (
            "ada", 1, None, None,
            json.dumps(["ex1: hw13/ex1.py was refused: it is a link", "ex2: graded EX2.py (as x.py)"]), 0.0))
        book._db.execute("INSERT INTO students VALUES (?, ?, ?, ?, ?, ?)",
                         ("ben", 1, "ben.zip is encrypted (password-protected)", None, "[]", 0.0))
    with Gradebook(out / "gradebook.sqlite") as book:
        assert book.is_current("ada", "ex1", "d", "k")  # a rerun reuses the grading
        book.mark_present({"ada", "ben"})
        report = report_from_gradebook(book, Course(), ("ex1",), out, 0, 2, 1.0)
    write_outputs(report, "zh")
    ada = (out / "feedback" / "ada" / "report.md").read_text()
    assert "> ex1: hw13/ex1.py was refused: it is a link" in ada
    assert "EX2.py" not in ada  # a line on an exercise not shown is left out, as before
    ben = (out / "feedback" / "ben" / "report.md").read_text()
    assert "ben.zip is encrypted (password-protected)" in ben
    problems = json.loads((out / "summary.json").read_text())["problems"]
    assert {(p["student"], p["kind"], p["exercise"], p["message"]) for p in problems} == {
        ("ada", "refused", "ex1", "hw13/ex1.py was refused: it is a link"),
        ("ben", "refused", "", "ben.zip is encrypted (password-protected)")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_message_every_test_shares_is_said_once_in_report_md_and_results_json(lang: str) -> None:
    """A forbidden import fails every test with one message, which is also the exercise's note: report.md
    and results.json say it once, above the table (under the score line), and each row points there."""
    from coursekit.i18n import render
    from coursekit.messages import msg
    from coursekit.render.gradescope import results_json
    from coursekit.render.tables import student_markdown

    banned = msg("failure.forbidden_import", file="ex1_rnn_forward.py", module="keras", line=3,
                 exercise="ex1")
    tests = tuple(results.TestResult(f"test {i}", "failed", 0.0, 1.0, banned,
                                     failure=results.Failure.FORBIDDEN_IMPORT) for i in range(4))
    result = results.ExerciseResult("ex1", verbatim("ex1"), tests, notes=(banned,))
    said, above = render(banned, lang), render(msg("note.said_above"), lang)
    markdown = student_markdown("ada", [result], None, lang)
    assert markdown.count(said) == 1 and markdown.count(above) == 4
    assert markdown.index(said) < markdown.index("|---|")
    data = results_json([result], None, lang)
    assert data["output"].count(said) == 1
    assert [t["output"] for t in data["tests"]] == [above] * 4


class _Tags(HTMLParser):
    """Every element opened is closed, in order (void elements aside), and every id is said once."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "path", "rect", "use", "stop", "circle",
                      "line", "polyline", "polygon", "ellipse"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id" and v]

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


@pytest.mark.slow
def test_report_html_is_valid_with_unique_ids_and_the_sections_to_teach_from(class_out):
    page = (class_out / "report.html").read_text()
    tags = _Tags()
    tags.feed(page)
    assert tags.errors == [] and tags.stack == []
    repeated = sorted({i for i in tags.ids if tags.ids.count(i) > 1})
    assert repeated == [], repeated[:10]
    data = json.loads((class_out / "summary.json").read_text())
    ex1 = next(e for e in data["exercises"] if e["exercise"] == "ex1")
    assert len(ex1["histogram"]) == 10  # one bin a point: partial credit shows
    # mistakes ranked by how many made them, with what each is, in the report's language
    made = [len(m["students"]) for m in data["mistakes"]]
    assert made == sorted(made, reverse=True)
    assert "the bias b was left out" in page and "Exercises compared" in page
    assert "64 %" in page  # ex1's mean, (10 + 6 + 0 + 8 + 8) / 5 of 10
    shares = [i["passed_share"] for i in data["items"]]
    assert shares == sorted(shares)  # the hardest first
    ben = (class_out / "feedback" / "ben" / "report.html").read_text()
    assert ben.index("✗") < ben.index("✓")  # failures first
    tags = _Tags()
    tags.feed(ben)
    assert tags.errors == [] and tags.stack == []
    assert 'href="feedback/ben/report.html"' in page


def test_students_to_look_at_include_zeros_and_late(tmp_path):
    from datetime import UTC, datetime

    from coursekit.classstats import class_stats
    from coursekit.course import LatePolicy

    with Gradebook(tmp_path / "book.sqlite") as book:
        for name, outcome, at in (("ada", "PPPPP", "2026-12-17T10:00:00+00:00"), ("ben", "ffff", None)):
            book.put_student(StudentRecord(name, True, submitted_at=at))
            book.put(name, "ex1", "d", "k", _result("ex1", outcome), at)
        course = Course(late=LatePolicy(datetime(2026, 12, 15, tzinfo=UTC), penalty_per_day=0.1), source="t")
        report = report_from_gradebook(book, course, ("ex1",), tmp_path, 0, 0, 0.0)
    kinds = {(p.student, p.kind) for p in class_stats(report).problems}
    assert kinds == {("ada", "late"), ("ben", "zero")}
