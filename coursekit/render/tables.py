"""A student's feedback as Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence

from coursekit.i18n import render
from coursekit.messages import Message
from coursekit.render.text import key, test_name, test_output_under_notes, title
from coursekit.results import ExerciseResult

_BREAK = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Always escaped: what opens code, emphasis, strikethrough, links and images, headings, math, and a
# table's cells; and the backslash itself, so that no text can undo an escape.
_ESCAPED = set("\\`*~[]#|$")
_LOOSE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_BLOCK_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")


def markdown_text(text: str, breaks: str = " ") -> str:
    """``text`` as Markdown that a renderer shows as that text and acts on in no way: no HTML (``<``, ``>``
    and ``&`` as entities), no code span, emphasis, link, image, heading or table cell of its own, no
    list or setext heading at its start, each line break (``\\r`` included) written as ``breaks``, other
    control characters as their escapes. Feedback texts carry a student's exception messages and ids."""
    text = _BREAK.sub("\n", text)
    text = "".join(c if c.isprintable() or c in " \n" else c.encode("unicode_escape").decode("ascii")
                   for c in text)
    out = []
    for c in text:
        if c in _ENTITIES:
            out.append(_ENTITIES[c])
        elif c in _ESCAPED:
            out.append("\\" + c)
        else:
            out.append(c)
    escaped = _LOOSE_UNDERSCORE.sub(r"\\_", "".join(out))
    lines = [_BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if len(m.group(2)) == 1
                              else m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], line)
             for line in escaped.split("\n")]
    return breaks.join(lines)


def _cell(text: str) -> str:
    return markdown_text(text, "<br>")


def student_markdown(student: str, results: Sequence[ExerciseResult], problem: Message | None,
                     lang: str) -> str:
    """The feedback ``coursekit check`` shows, as a Markdown page.

    What the student's code printed is left out: in batch grading it ran on the hidden inputs too, and a
    student could print them to learn them.
    """
    total = sum(r.score for r in results)
    max_total = sum(r.max_score for r in results)
    total_line = key("report.total", lang, score=round(total, 2), max_score=round(max_total, 2))
    lines = [f"# {markdown_text(key('report.title', lang, student=student))}", "",
             f"**{markdown_text(total_line)}**", ""]
    if problem:
        lines += [f"> {markdown_text(key('report.problem', lang, problem=problem))}", ""]
    columns = " | ".join(key(f"report.{c}", lang) for c in ("test", "points", "message"))
    header = f"| | {columns} |"
    for r in results:
        heading = key("report.exercise", lang, exercise=r.exercise, title=title(r, lang),
                      score=round(r.score, 2), max_score=round(r.max_score, 2))
        lines += [f"## {markdown_text(heading)}", ""]
        for note in r.notes:  # about the whole submission: said once, above the table
            lines += ["> " + markdown_text(line) for line in _BREAK.split(render(note, lang))] + [""]
        lines += [header, "|---|---|---|---|"]
        for t in r.tests:
            mark = "✓" if t.passed else ("!" if t.internal_error else "✗")
            name = test_name(r.exercise, t, lang) + (f" *{key('report.hidden', lang)}*" if t.hidden else "")
            message = key("ok", lang) if t.passed else test_output_under_notes(t, r.notes, lang)
            points = f"{round(t.score, 2):g}/{round(t.max_score, 2):g}"  # at most two decimals
            lines.append(f"| {mark} | {_cell(name)} | {points} | {_cell(message)} |")
        lines.append("")
    return "\n".join(lines)
