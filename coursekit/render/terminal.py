"""Results as rich tables in a terminal, in one language."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from coursekit.exercise import Exercise
from coursekit.i18n import render
from coursekit.render.summary import table_panel
from coursekit.render.text import hint_text, key, test_name, title
from coursekit.results import ExerciseResult, TestResult


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
    table.add_column(key("terminal.test", lang))
    for t in result.tests:
        mark = Text("✓", style="green") if t.passed else Text("✗", style="bold red")
        if t.internal_error:
            mark = Text("!", style="bold yellow")
        name = Text(test_name(result.exercise, t, lang), style="" if t.passed else "bold")
        cell: RenderableType = name
        lines = [] if t.passed and t.message.key == "ok" else [Text(render(t.message, lang),
                                                                        style="" if t.passed else "red")]
        if not t.passed and t.hint is not None:
            lines.append(Text(hint_text(t, lang), style="bold yellow"))
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
        " · " + key("terminal.tests_passed", lang, passed=passed, total=len(result.tests),
                    seconds=result.execution_time),
    )


def _detail(exercise: str, t: TestResult, lang: str) -> Panel | None:
    d = t.detail
    if d is None or t.passed:
        return None
    lines = [f"[bold]{key('detail.expected', lang)}[/]\n{escape(d.expected)}",
             f"[bold]{key('detail.got', lang)}[/]\n{escape(d.got)}"]
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
                 border_style="red")


def show_check(console: Console, result: ExerciseResult, lang: str, *, verbose: bool = False) -> None:
    console.print(results_table(result, lang))
    if verbose:
        panels = [p for p in (_detail(result.exercise, t, lang) for t in result.tests) if p is not None]
        if panels:
            console.print(Group(*panels))
        for table in filter(None, (table_panel(result.exercise, t, lang) for t in result.tests)):
            console.print(table)
    if result.output.strip():
        console.print(Panel(escape(result.output.rstrip()), title=key("terminal.printed", lang),
                            title_align="left", border_style="dim"))
    for note in result.notes:
        console.print(Text(render(note, lang), style="yellow"))
    console.print(score_line(result, lang))
