"""summary.json and report.html: the class's numbers, and the page that shows them in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from coursekit import results
from coursekit.batch.classbook import report_from_gradebook
from coursekit.batch.outputs import write_outputs
from coursekit.batch.store import Gradebook, StudentRecord
from coursekit.classstats import histogram
from coursekit.course import Course
from coursekit.messages import verbatim

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
                                           "a.zip is not a readable zip" if student == "chen" else None,
                                           intake=("ex1: hw13/ex1.py was refused: it is a link",)
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
    assert ada["exercise"] == "ex1" and ada["message"] == "hw13/ex1.py was refused: it is a link"
    assert {s["student"]: s["feedback"] for s in data["students"]}["<script>dana</script>"] == \
        "feedback/%3Cscript%3Edana%3C%2Fscript%3E/report.md"


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


def test_report_html_renders_in_chromium(class_out, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    url = (class_out / "report.html").as_uri()
    dom = _chromium(browser, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 2 and "Item analysis" in dom.stdout
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
            "试题分析", "得分分布")),
    ("en", ("<html lang=\"en\">", "Class report", "Scores per exercise", "Students to look at",
            "left the class folder", "Item analysis", "ex1 scores"))])
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
