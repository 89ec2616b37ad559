"""The class summary shown after ``coursekit grade``: statistics, histograms, item analysis."""

from __future__ import annotations

import statistics
from collections import Counter

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from coursekit.classresults import ClassReport
from coursekit.classstats import class_stats
from coursekit.i18n import render
from coursekit.messages import Message, in_domain, msg
from coursekit.render.text import key

BAR_WIDTH = 30
BINS = 5


def histogram(scores: list[float], max_score: float) -> Text:
    """Five bins from 0 to the maximum, drawn as bars."""
    counts = [0] * BINS
    for s in scores:
        i = BINS - 1 if max_score <= 0 else min(BINS - 1, int(BINS * s / max_score))
        counts[i] += 1
    top = max(counts) or 1
    text = Text()
    for i, n in enumerate(counts):
        lo, hi = max_score * i / BINS, max_score * (i + 1) / BINS
        bracket = "]" if i == BINS - 1 else ")"
        text.append(f"[{lo:5.1f}, {hi:5.1f}{bracket} ")
        text.append("█" * round(BAR_WIDTH * n / top), style="cyan")
        text.append(f" {n}\n")
    return text


def report_problem(report: ClassReport, student: str) -> Message | None:
    return next((s.problem for s in report.students if s.student == student), None)


def class_summary(report: ClassReport, lang: str, most_failed: int = 8) -> RenderableType:
    stats = Table(title=key("summary.title", lang), title_justify="left")
    for col in ("exercise", "students", "mean", "median", "max_points", "full_marks"):
        stats.add_column(key(f"summary.{col}", lang), justify="left" if col == "exercise" else "right")
    parts: list[RenderableType] = [stats]
    failures: Counter[tuple[str, str]] = Counter()
    attempts: Counter[tuple[str, str]] = Counter()
    for ex in report.exercises:
        results = [r for s in report.students for r in s.results if r.exercise == ex]
        if not results:
            continue
        scores = [r.score for r in results]
        max_score = max(r.max_score for r in results)
        stats.add_row(ex, str(len(scores)), f"{statistics.fmean(scores):.2f}",
                      f"{round(statistics.median(scores), 2):g}", f"{round(max_score, 2):g}",
                      str(sum(r.score == r.max_score for r in results)))
        parts.append(Text("\n" + key("summary.scores", lang, exercise=ex), style="bold"))
        parts.append(histogram(scores, max_score))
        for r in results:
            for t in r.tests:
                attempts[(ex, t.name)] += 1
                if not t.passed:
                    failures[(ex, t.name)] += 1
    if failures:
        items = Table(title=key("summary.most_failed", lang), title_justify="left")
        items.add_column(key("summary.exercise", lang))
        items.add_column(key("summary.test", lang))
        items.add_column(key("summary.failed", lang), justify="right")
        for (ex, name), n in failures.most_common(most_failed):
            items.add_row(ex, escape(render(in_domain(ex, name), lang)), f"{n}/{attempts[(ex, name)]}")
        parts.append(items)
    errors = report.internal_errors()
    if errors:
        table = Table(title=key("summary.internal_errors", lang), title_justify="left", style="yellow")
        table.add_column(key("summary.student", lang))
        table.add_column(key("summary.exercise", lang))
        table.add_column(key("summary.message", lang))
        for student, ex, message in errors[:20]:
            table.add_row(escape(student), ex, escape(render(message, lang)[:200]))
        parts.append(table)
    problems = [(s.student, s.problem) for s in report.students if s.problem]
    for student, problem in problems:
        parts.append(Text(key("summary.refused", lang, student=student, problem=problem), style="yellow"))
    missing: dict[str, list[str]] = {}
    for p in class_stats(report).problems:
        if p.kind == "missing":
            missing.setdefault(p.student, []).append(p.exercise)
        elif p.kind == "ambiguous":
            parts.append(Text(key("summary.note", lang, student=p.student, note=p.message), style="yellow"))
        elif p.kind == "refused" and p.message != report_problem(report, p.student):
            parts.append(Text(key("summary.refused_file", lang, student=p.student, note=p.message),
                              style="yellow"))  # one refused file
    for student, exercises in missing.items():
        parts.append(Text(key("summary.no_file", lang, student=student, exercises=tuple(exercises)),
                          style="yellow"))
    for s in report.students:
        if not s.submitted:
            parts.append(Text(key("summary.no_submission", lang, student=s.student), style="yellow"))
        elif not s.present:
            parts.append(Text(key("summary.departed", lang, student=s.student), style="yellow"))
    if report.submitted_from:
        parts.append(Text(key("summary.submitted_from", lang, source=report.submitted_from)))
    for note in report.skipped:
        parts.append(Text(key("summary.skipped", lang, note=note), style="yellow"))
    for note in report.unwritten:
        parts.append(Text(render(note, lang), style="bold red"))
    # Translators: {students} and {graded} are count.* entries; {reused} gradings came from the gradebook
    # {gradebook}; {grades} and {html} are the paths of grades.csv and report.html.
    parts.append(Text("\n" + key("summary.footer", lang,
                                  students=msg("count.students", n=len(report.students)),
                                  graded=msg("count.gradings", n=report.graded), reused=report.reused,
                                  gradebook=str(report.out_dir / "gradebook.sqlite"),
                                  seconds=report.seconds, grades=str(report.out_dir / "grades.csv"),
                                  html=str(report.out_dir / "report.html")), style="bold"))
    return Group(*parts)
