"""Results as rich tables in a terminal."""

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
from coursekit.render.summary import table_panel
from coursekit.results import ExerciseResult, TestResult


def _points(x: float) -> str:
    return f"{x:g}"


def exercise_list(exercises: Sequence[Exercise]) -> Table:
    table = Table(title="coursekit exercises · 练习", title_justify="left",
                  caption="points: public (coursekit check) · hidden (batch grading)", caption_justify="left")
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("title")
    table.add_column("file", no_wrap=True)
    table.add_column("public", justify="right", no_wrap=True)
    table.add_column("hidden", justify="right", no_wrap=True)
    for ex in exercises:
        table.add_row(ex.id, ex.title, ex.filename, _points(ex.public_points()), _points(ex.hidden_points()))
    return table


def results_table(result: ExerciseResult) -> Table:
    """One row per test: its mark, its points, its name with the message beneath, which wraps little."""
    table = Table(title=f"{result.exercise} · {escape(result.title)}", title_justify="left",
                  box=box.SIMPLE_HEAD, expand=False, pad_edge=False)
    table.add_column("", width=1, no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("test")
    for t in result.tests:
        mark = Text("✓", style="green") if t.passed else Text("✗", style="bold red")
        if t.internal_error:
            mark = Text("!", style="bold yellow")
        name = Text(t.name, style="" if t.passed else "bold")
        cell: RenderableType = name
        if t.output and t.output != "ok":
            message = Text(t.output, style="" if t.passed else "red")
            if t.mistake:
                message.highlight_words([f"Looks like: {t.mistake}."], style="bold yellow")
            cell = Group(name, Padding(message, (0, 0, 0, 2)))
        table.add_row(mark, f"{_points(t.score)}/{_points(t.max_score)}", cell)
    return table


def score_line(result: ExerciseResult) -> Text:
    passed = sum(t.passed for t in result.tests)
    style = "bold green" if result.passed else "bold red"
    return Text.assemble(
        (f"{result.exercise}: {_points(result.score)}/{_points(result.max_score)} points", style),
        f" · {passed}/{len(result.tests)} tests passed · {result.execution_time:.2f} s",
    )


def _detail(t: TestResult) -> Panel | None:
    d = t.detail
    if d is None or t.passed:
        return None
    lines = [f"[bold]expected[/]\n{escape(d.expected)}", f"[bold]got[/]\n{escape(d.got)}"]
    if d.first_difference is not None:
        diff = f"first difference at index {d.first_difference}"
        if d.expected_at_difference is not None and d.got_at_difference is not None:
            diff += f": expected {d.expected_at_difference:.6g}, got {d.got_at_difference:.6g}"
        lines.append(diff)
    if d.max_abs_error is not None:
        lines.append(f"largest absolute error {d.max_abs_error:.3g}")
    lines.append(f"tolerance {escape(d.tolerance)}")
    return Panel("\n".join(lines), title=escape(t.name), title_align="left", border_style="red")


def show_check(console: Console, result: ExerciseResult, *, verbose: bool = False) -> None:
    console.print(results_table(result))
    if verbose:
        panels = [p for p in (_detail(t) for t in result.tests) if p is not None]
        if panels:
            console.print(Group(*panels))
        for table in filter(None, (table_panel(t) for t in result.tests)):
            console.print(table)
    if result.output.strip():
        console.print(Panel(escape(result.output.rstrip()), title="your code printed · 你的代码输出",
                            title_align="left", border_style="dim"))
    for note in result.notes:
        console.print(Text(note, style="yellow"))
    console.print(score_line(result))
