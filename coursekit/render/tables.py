"""A student's feedback as Markdown."""

from __future__ import annotations

from collections.abc import Sequence

from coursekit.results import ExerciseResult


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def student_markdown(student: str, results: Sequence[ExerciseResult], problem: str | None = None) -> str:
    """The feedback ``coursekit check`` shows, as a Markdown page.

    What the student's code printed is left out: in batch grading it ran on the hidden inputs too, and a
    student could print them to learn them.
    """
    total = sum(r.score for r in results)
    max_total = sum(r.max_score for r in results)
    lines = [f"# Feedback for {student}", "", f"**Total: {total:g} / {max_total:g}**", ""]
    if problem:
        lines += [f"> Your submission could not be opened: {problem}", ""]
    for r in results:
        lines += [f"## {r.exercise} · {r.title}: {r.score:g} / {r.max_score:g}", "",
                  "| | test | points | message |", "|---|---|---|---|"]
        for t in r.tests:
            mark = "✓" if t.passed else ("!" if t.internal_error else "✗")
            name = t.name + (" *(hidden)*" if t.hidden else "")
            lines.append(f"| {mark} | {_cell(name)} | {t.score:g}/{t.max_score:g} | "
                         f"{_cell(t.output if not t.passed else 'ok')} |")
        lines.append("")
    return "\n".join(lines)
