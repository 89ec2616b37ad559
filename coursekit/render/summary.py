"""Summary tables in the layout of Keras's ``model.summary()``: the expected one and the student's, side by
side, with the cells that differ marked and the totals under each."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich import box
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from coursekit.render.text import key, test_name
from coursekit.results import TableDetail, TestResult

COLUMNS = ("Layer (type)", "Output Shape", "Param #")
DIFFERS = "bold red"
MISSING = ("—", "—", "—")


def summary_table(title: str, rows: Sequence[tuple[str, str, str]], total: str, lang: str,
                  marked: Collection[tuple[int, int]] = (), total_differs: bool = False) -> Table:
    """One model.summary() table; the cells in ``marked`` (row, column) are shown as differing."""
    table = Table(title=title, title_justify="left", box=box.HEAVY_HEAD, show_lines=True,
                  caption_justify="left")
    for name in COLUMNS:
        table.add_column(name, justify="right" if name == "Param #" else "left", no_wrap=True)
    for i, row in enumerate(rows):
        table.add_row(*(Text(f"{cell} ✗", style=DIFFERS) if (i, j) in marked else Text(cell)
                        for j, cell in enumerate(row)))
    if not rows:
        table.add_row(Text(key("table.no_layers", lang), style="dim"), "", "")
    table.caption = Text(key("table.total", lang, total=total) + (" ✗" if total_differs else ""),
                         style=DIFFERS if total_differs else "bold")
    return table


def side_by_side(detail: TableDetail, lang: str) -> Table:
    """The expected table and the student's next to each other, padded to the same number of rows."""
    length = max(len(detail.expected), len(detail.got))
    expected = list(detail.expected) + [MISSING] * (length - len(detail.expected))
    got = list(detail.got) + [MISSING] * (length - len(detail.got))
    marked = set(detail.differences)
    total_differs = detail.expected_total != detail.got_total
    grid = Table.grid(padding=(0, 3))
    grid.add_row(summary_table(key("table.expected", lang), expected, detail.expected_total, lang),
                 summary_table(key("table.yours", lang), got, detail.got_total, lang, marked, total_differs))
    return grid


def table_panel(exercise: str, test: TestResult, lang: str) -> Panel | None:
    """The side-by-side tables of a test that carries them, in a panel titled with the test's name."""
    if test.table is None:
        return None
    mark, style = ("✓", "green") if test.passed else ("✗", "red")
    return Panel(side_by_side(test.table, lang), title=f"{mark} {escape(test_name(exercise, test, lang))}",
                 title_align="left",
                 border_style=style, expand=False)
