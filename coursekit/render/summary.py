"""Summary tables in the layout of Keras's ``model.summary()``: the expected one and the student's, side by
side, with the cells that differ marked and the totals under each."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.measure import Measurement
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
        table.add_column(name, justify="right" if name == "Param #" else "left", overflow="fold")
    for i, row in enumerate(rows):
        table.add_row(*(Text(f"{cell} ✗", style=DIFFERS) if (i, j) in marked else Text(cell)
                        for j, cell in enumerate(row)))
    if not rows:
        table.add_row(Text(key("table.no_layers", lang), style="dim"), "", "")
    table.caption = Text(key("table.total", lang, total=total) + (" ✗" if total_differs else ""),
                         style=DIFFERS if total_differs else "bold")
    return table


def side_by_side(detail: TableDetail, lang: str) -> SideBySide:
    """The expected table and the student's next to each other, padded to the same number of rows."""
    length = max(len(detail.expected), len(detail.got))
    expected = list(detail.expected) + [MISSING] * (length - len(detail.expected))
    got = list(detail.got) + [MISSING] * (length - len(detail.got))
    marked = set(detail.differences)
    total_differs = detail.expected_total != detail.got_total
    return SideBySide(summary_table(key("table.expected", lang), expected, detail.expected_total, lang),
                      summary_table(key("table.yours", lang), got, detail.got_total, lang, marked,
                                    total_differs))


class SideBySide:
    """Two tables next to each other where the terminal is wide enough for both, else one above the
    other: a cell is never cut to fit (issue 24: `(None, None…`, `320…` in 80 columns)."""

    def __init__(self, left: Table, right: Table) -> None:
        self.left, self.right = left, right

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        wide = options.update_width(10_000)
        need = sum(Measurement.get(console, wide, t).maximum for t in (self.left, self.right)) + 3
        if need <= options.max_width:
            grid = Table.grid(padding=(0, 3))
            grid.add_row(self.left, self.right)
            yield grid
        else:
            yield self.left
            yield self.right

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        parts = [Measurement.get(console, options, t) for t in (self.left, self.right)]
        return Measurement(max(p.minimum for p in parts), sum(p.maximum for p in parts) + 3)


def table_panel(exercise: str, test: TestResult, lang: str) -> Panel | None:
    """The side-by-side tables of a test that carries them, in a panel titled with the test's name."""
    if test.table is None:
        return None
    mark, style = ("✓", "green") if test.passed else ("✗", "red")
    return Panel(side_by_side(test.table, lang), title=f"{mark} {escape(test_name(exercise, test, lang))}",
                 title_align="left",
                 border_style=style, expand=False)
