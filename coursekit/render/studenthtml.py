"""A student's feedback as one self-contained HTML page (``feedback/<student>/report.html``): what failed
first, each exercise's failed tests above its passed ones, every text escaped, nothing fetched."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from coursekit.i18n import render
from coursekit.messages import Message
from coursekit.render.reporthtml import CSP, STYLE
from coursekit.render.text import key, test_name, test_output_under_notes, title
from coursekit.results import ExerciseResult

PAGE_STYLE = STYLE + ".fail{color:#b00020}.pass{color:#1b7f3b}pre{white-space:pre-wrap;margin:0}\n"


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def student_html(student: str, results: Sequence[ExerciseResult], problem: Message | None,
                 notes: Sequence[str], lang: str) -> str:
    """The page in ``lang``: the notes above the feedback (``notes``, already in ``lang``), then the
    exercises with a failed test first, and in each the failed tests first."""
    total, max_total = sum(r.score for r in results), sum(r.max_score for r in results)
    total_line = key("report.total", lang, score=round(total, 2), max_score=round(max_total, 2))
    parts = ["<!DOCTYPE html>", f"<html lang=\"{escape(lang)}\"><head><meta charset=\"utf-8\">",
             f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">",
             f"<title>{escape(key('report.title', lang, student=student))}</title>",
             f"<style>{PAGE_STYLE}</style></head><body>",
             f"<h1>{escape(key('report.title', lang, student=student))}</h1>",
             f"<p><strong>{escape(total_line)}</strong></p>"]
    parts += [f"<p class=\"warn\">{escape(line)}</p>" for line in notes]
    if problem is not None:
        parts.append(f"<p class=\"warn\">{escape(key('report.problem', lang, problem=problem))}</p>")
    ordered = sorted(results, key=lambda r: all(t.passed for t in r.tests))  # stable: failures first
    for n, r in enumerate(ordered):
        heading = key("report.exercise", lang, exercise=r.exercise, title=title(r, lang),
                      score=round(r.score, 2), max_score=round(r.max_score, 2))
        parts.append(f"<h2 id=\"ex-{n}\">{escape(heading)}</h2>")
        parts += [f"<p class=\"warn\">{escape(render(note, lang))}</p>" for note in r.notes]
        rows = []
        for t in sorted(r.tests, key=lambda t: t.passed):
            mark = "<span class=\"pass\">✓</span>" if t.passed else "<span class=\"fail\">✗</span>"
            name = test_name(r.exercise, t, lang) + (f" ({key('report.hidden', lang)})" if t.hidden else "")
            message = key("ok", lang) if t.passed else test_output_under_notes(t, r.notes, lang)
            rows.append(f"<tr><td>{mark}</td><td>{escape(name)}</td><td class=\"n\">{_points(t.score)}/"
                        f"{_points(t.max_score)}</td><td><pre>{escape(message)}</pre></td></tr>")
        columns = "".join(f"<th>{escape(key(f'report.{c}', lang))}</th>"
                          for c in ("test", "points", "message"))
        parts.append(f"<table><thead><tr><th></th>{columns}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
