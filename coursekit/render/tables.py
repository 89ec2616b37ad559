"""A student's feedback as Markdown."""

from __future__ import annotations

from collections.abc import Sequence

from coursekit.i18n import render
from coursekit.messages import Message
from coursekit.render.text import key, test_name, test_output_under_notes, title
from coursekit.results import ExerciseResult


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def student_markdown(student: str, results: Sequence[ExerciseResult], problem: Message | None,
                     lang: str) -> str:
    """The feedback ``coursekit check`` shows, as a Markdown page.

    What the student's code printed is left out: in batch grading it ran on the hidden inputs too, and a
    student could print them to learn them.
    """
    total = sum(r.score for r in results)
    max_total = sum(r.max_score for r in results)
    lines = [f"# {key('report.title', lang, student=student)}", "",
             f"**{key('report.total', lang, score=round(total, 2), max_score=round(max_total, 2))}**", ""]
    if problem:
        lines += [f"> {key('report.problem', lang, problem=problem)}", ""]
    columns = " | ".join(key(f"report.{c}", lang) for c in ("test", "points", "message"))
    header = f"| | {columns} |"
    for r in results:
        heading = key("report.exercise", lang, exercise=r.exercise, title=title(r, lang),
                      score=round(r.score, 2), max_score=round(r.max_score, 2))
        lines += [f"## {heading}", ""]
        for note in r.notes:  # about the whole submission: said once, above the table
            lines += ["> " + line for line in render(note, lang).splitlines()] + [""]
        lines += [header, "|---|---|---|---|"]
        for t in r.tests:
            mark = "✓" if t.passed else ("!" if t.internal_error else "✗")
            name = test_name(r.exercise, t, lang) + (f" *{key('report.hidden', lang)}*" if t.hidden else "")
            message = key("ok", lang) if t.passed else test_output_under_notes(t, r.notes, lang)
            points = f"{round(t.score, 2):g}/{round(t.max_score, 2):g}"  # at most two decimals
            lines.append(f"| {mark} | {_cell(name)} | {points} | {_cell(message)} |")
        lines.append("")
    return "\n".join(lines)
