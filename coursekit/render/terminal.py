"""Results as rich tables in a terminal, in one language."""

from __future__ import annotations

import pprint
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from coursekit.compare import slice_text
from coursekit.exercise import Case, Exercise
from coursekit.i18n import render
from coursekit.messages import msg
from coursekit.render.summary import table_panel
from coursekit.render.text import hint_text, key, test_name, title
from coursekit.results import ArrayDetail, ExerciseResult, TestResult

# Where a line of feedback may break first: after a sentence, a colon or a semicolon (in either language).
_BREAK = re.compile(r"(?<=[。：；])|(?<=[.:;] )")
# An input with at most this many numbers is written out in full, so that the call can be repeated exactly
# (issue 24: a larger one is described, and the snippet says it is not the whole input).
_FULL_INPUT = 1000


class Lines:
    """Text that wraps between sentences and after colons before it wraps between words: the formula of a
    hint (``s_t = tanh(x_t @ U + s_prev @ W + b)``) moves whole to the next line instead of being cut."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text, self.style = text, style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = options.max_width
        for paragraph in self.text.split("\n"):
            line = ""
            for chunk in filter(None, _BREAK.split(paragraph)):
                if line and cell_len(line + chunk.rstrip()) > width:
                    yield Text(line.rstrip(), style=self.style)  # a chunk too long alone wraps as text does
                    line = chunk
                else:
                    line += chunk
            yield Text(line.rstrip(), style=self.style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, Text(self.text))


def _points(x: float) -> str:
    return f"{x:g}"


def exercise_list(exercises: Sequence[Exercise], lang: str) -> Table:
    table = Table(title=key("list.title", lang), title_justify="left", caption=key("list.caption", lang),
                  caption_justify="left")
    table.add_column(key("list.id", lang), style="bold", no_wrap=True)
    table.add_column(key("list.exercise", lang))
    table.add_column(key("list.file", lang), no_wrap=True)
    table.add_column(key("list.public", lang), justify="right", no_wrap=True)
    table.add_column(key("list.hidden", lang), justify="right", no_wrap=True)
    for ex in exercises:
        table.add_row(ex.id, render(ex.title_message(), lang), ex.filename, _points(ex.public_points()),
                      _points(ex.hidden_points()))
    return table


def results_table(result: ExerciseResult, lang: str) -> Table:
    """One row per test: its mark, its points, its name with the message and the hint beneath."""
    table = Table(title=f"{result.exercise} · {escape(title(result, lang))}", title_justify="left",
                  box=box.SIMPLE_HEAD, expand=False, pad_edge=False)
    table.add_column("", width=1, no_wrap=True)
    table.add_column(key("terminal.points", lang), justify="right", no_wrap=True)
    table.add_column(key("terminal.test", lang), overflow="fold")
    hinted: set[Any] = set()  # a mistake's hint is given once, on its first test; later ones point up
    for t in result.tests:
        mark = Text("✓", style="green") if t.passed else Text("✗", style="bold red")
        if t.internal_error:
            mark = Text("!", style="bold yellow")
        name = Text(test_name(result.exercise, t, lang), style="" if t.passed else "bold")
        cell: RenderableType = name
        said_above = t.message in result.notes  # a forbidden import: said once, above the table
        lines: list[RenderableType] = [] if (t.passed and t.message.key == "ok") or said_above else [
            Lines(render(t.message, lang), style="" if t.passed else "red")]
        if not t.passed and t.hint is not None:
            again = t.hint in hinted and t.hint.key == "looks_like"
            hinted.add(t.hint)
            shown = render(msg("looks_like.again", what=t.hint.param("what")), lang) if again else \
                hint_text(t, lang)
            lines.append(Lines(shown, style="yellow" if again else "bold yellow"))
        if lines:
            cell = Group(name, Padding(Group(*lines), (0, 0, 0, 2)))
        table.add_row(mark, f"{_points(t.score)}/{_points(t.max_score)}", cell)
    return table


def score_line(result: ExerciseResult, lang: str) -> Text:
    passed = sum(t.passed for t in result.tests)
    style = "bold green" if result.passed else "bold red"
    return Text.assemble(
        (key("terminal.score", lang, exercise=result.exercise, score=result.score,
             max_score=result.max_score), style),
        # Translators: {passed} of the exercise's {total} public tests passed; {seconds} the time they took.
        " · " + key("terminal.tests_passed", lang, passed=passed, total=len(result.tests),
                    seconds=result.execution_time),
    )


def fit_lines(text: str, width: int) -> str:
    """An array as numpy wrote it, each line longer than ``width`` wrapped between numbers, its continuation
    lines indented under the first number (as numpy wraps a long row): no number is cut or dropped."""
    out = []
    for line in text.splitlines():
        if cell_len(line) <= width:
            out.append(line)
            continue
        body = line.lstrip(" [")
        indent = " " * (len(line) - len(body))
        current = line[:len(line) - len(body)]
        for word in body.split():
            if current.strip(" [") and cell_len(f"{current} {word}") > width:
                out.append(current)
                current = indent
            current = f"{current} {word}" if current.strip(" [") else current + word
        out.append(current)
    return "\n".join(out)


def _input(name: str, value: Any, width: int = 100) -> tuple[list[str], str]:
    """Python that sets ``name`` to an input (in full when it is small, else its shape and first values),
    and how the call passes it; a short value that is not an array is written in the call itself. Lines
    are at most ``width`` characters where a value allows (a line wrapped by the terminal would not run)."""
    if isinstance(value, np.ndarray):
        if value.size > _FULL_INPUT:
            first = slice_text(value, width=max(width - 4, 20)).splitlines()
            return [f"# {name}: shape {tuple(int(n) for n in value.shape)}, {value.dtype}; its first values:",
                    *(f"#   {line}" for line in first)], name
        dtype = "" if value.dtype == np.float64 else f", dtype=np.{value.dtype}"
        body = np.array2string(value, separator=", ", floatmode="unique", max_line_width=width,
                               prefix=f"{name} = np.array(", suffix=f"{dtype})")
        return [f"{name} = np.array({body}{dtype})"], name
    text = repr(value)
    if len(text) <= 40:
        return [], text
    if len(text) > 20_000:  # bounded: said to be cut
        return [f"# {name} = {text[:200]} …"], name
    indent = len(name) + 3
    written = pprint.pformat(value, width=max(width - indent, 20), compact=True).splitlines()  # whole
    return [f"{name} = {written[0]}", *(" " * indent + line for line in written[1:])], name


def call_code(case: Case, module: str, parameters: Sequence[str] = (), width: int = 100) -> str:
    """A few lines of Python that repeat the call of a public case (``parameters``: the function's names),
    in lines of at most ``width`` characters where the values allow."""
    code = ["import numpy as np", f"from {module} import {case.function}", ""]
    passed = []
    for i, value in enumerate(case.args):
        lines, shown = _input(parameters[i] if i < len(parameters) else f"arg{i}", value, width)
        code += lines
        passed.append(shown)
    for name, value in case.kwargs.items():
        lines, shown = _input(name, value, width)
        code += lines
        passed.append(f"{name}={shown}")
    call = f"result = {case.function}({', '.join(passed)})"
    if len(call) > width:  # the arguments on the next lines, as many a line as fit
        rows = [f"result = {case.function}("]
        for i, argument in enumerate(passed):
            argument += ")" if i == len(passed) - 1 else ","
            if len(rows) > 1 and len(f"{rows[-1]} {argument}") <= width:
                rows[-1] += f" {argument}"
            else:
                rows.append(f"    {argument}")
        call = "\n".join(rows)
    code.append(call)
    return "\n".join(code)


def _inputs(t: TestResult, case: Case | None, module: str, parameters: Mapping[str, Sequence[str]],
            lang: str, width: int) -> list[str]:
    if case is None or case.hidden or case.attribute:
        return []
    code = call_code(case, module, parameters.get(case.function, ()), width)
    return [f"[bold]{key('detail.inputs', lang)}[/]", escape(code)]


def _label(name: str, d: ArrayDetail, lang: str) -> str:
    """"expected", or "expected · lstm_forward: c" when the arrays are one part of a tuple result."""
    label = key(name, lang)
    return f"{label} · {d.what}" if ":" in d.what else label


def _detail(exercise: str, t: TestResult, lang: str, case: Case | None = None, module: str = "",
            parameters: Mapping[str, Sequence[str]] | None = None, width: int = 100) -> Panel | None:
    """A failed test's panel: the code that repeats its call and its arrays, in lines that fit ``width``
    (the terminal's: the panel's border and padding take 4 columns)."""
    if t.passed or (t.detail is None and case is None):
        return None
    lines = _inputs(t, case, module, parameters or {}, lang, max(width - 4, 30))
    d = t.detail
    if d is None:
        return Panel("\n".join(lines), title=escape(test_name(exercise, t, lang)), title_align="left",
                     border_style="red", expand=False) if lines else None
    inner = max(width - 4, 30)
    for label, array in (("detail.expected", d.expected), ("detail.got", d.got)):
        lines.append(f"[bold]{escape(_label(label, d, lang))}[/]\n{escape(fit_lines(array, inner))}")
    if d.first_difference is not None:
        index = d.first_difference
        if d.expected_at_difference is not None and d.got_at_difference is not None:
            lines.append(key("detail.first_difference_values", lang, index=index,
                             expected=d.expected_at_difference, got=d.got_at_difference))
        else:
            lines.append(key("detail.first_difference", lang, index=index))
    if d.max_abs_error is not None:
        lines.append(key("detail.max_error", lang, error=d.max_abs_error))
    lines.append(escape(key("detail.tolerance", lang, tolerance=d.tolerance)))
    return Panel("\n".join(lines), title=escape(test_name(exercise, t, lang)), title_align="left",
                 border_style="red", expand=False)


def show_check(console: Console, result: ExerciseResult, lang: str, *, verbose: bool = False,
               cases: Sequence[Case] = (), module: str = "",
               parameters: Mapping[str, Sequence[str]] | None = None) -> None:
    """The results table; with ``verbose``, each failed public case's inputs (``cases``: the public cases,
    ``module`` the student's module) and its expected and received arrays, in the terminal's width: the
    code and the arrays are written in lines that fit it, a longer line wraps (never cut with "…").
    The notes (about the whole submission) are said once, above the table."""
    for note in result.notes:
        console.print(Text(render(note, lang), style="yellow"))
    console.print(results_table(result, lang))
    if verbose:
        by_name = {c.name: c for c in cases}
        for t in result.tests:
            panel = _detail(result.exercise, t, lang, by_name.get(t.name), module, parameters, console.width)
            if panel is not None:
                console.print(panel)
        for table in filter(None, (table_panel(result.exercise, t, lang) for t in result.tests
                                   if not t.passed)):  # the failed tests only
            console.print(table)
    if result.output.strip():
        console.print(Panel(escape(result.output.rstrip()), title=key("terminal.printed", lang),
                            title_align="left", border_style="dim"))
    console.print(score_line(result, lang))
