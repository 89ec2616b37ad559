"""grades.csv, and the one rule every CSV coursekit writes follows: no cell is read as a formula.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) as a
formula, so a student id such as ``=HYPERLINK(...)`` could run in the instructor's spreadsheet. As OWASP's
CSV-injection advice says, such a cell is written with a leading single quote (``'=HYPERLINK(...)``) and
the whole cell quoted; double quotes inside it are doubled by the csv module.

A control character inside a cell is escaped first (``\\r``, ``\\n``, ``\\t``, ``\\x1b``): spreadsheets and
Python's csv start a new row at a bare carriage return, whose first cell the formula guard would never
see, and a quoted line break still splits what a person reads. The formula guard applies to the escaped
text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from coursekit.classresults import ClassReport
from coursekit.render.gradescope import SHOWN_DECIMALS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROW = "max"


def _escaped(text: str) -> str:
    """``text`` with every control character (C0, DEL, C1, and the Unicode line and paragraph
    separators) written as its Python escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def safe_cell(value: object) -> str:
    """The cell as text, control characters escaped, with a leading ``'`` when a spreadsheet would read
    it as a formula."""
    text = value if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
    text = _escaped(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text, every cell through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def grades_csv(report: ClassReport) -> str:
    """Columns ``student``, one per exercise id, ``total`` (and with a late policy ``late_days``,
    ``penalty``, ``final``); first the ``max`` row with the maximum points, then one row per student.

    Every student of the gradebook is there, those whose entry left the class folder included (their
    mark is in summary.json and report.html, so the columns stay the contract's), and every student of
    the course's roster. An exercise not graded for a student counts 0. Points are rounded to two
    decimals, as Gradescope's score is.
    """
    def shown(value: float) -> float:
        return round(float(value), SHOWN_DECIMALS)

    header: list[object] = ["student", *report.exercises, "total"]
    max_total = shown(sum(report.max_points.get(e, 0.0) for e in report.exercises))
    top: list[object] = [MAX_ROW, *(shown(report.max_points.get(e, 0.0)) for e in report.exercises),
                         max_total]
    if report.late_policy:
        header += ["late_days", "penalty", "final"]
        top += ["", "", max_total]
    rows: list[list[object]] = [header, top]
    for s in report.students:
        scores = {r.exercise: r.score for r in s.results}
        row: list[object] = [s.student, *(shown(scores.get(e, 0.0)) for e in report.exercises),
                             shown(s.total)]
        if report.late_policy:
            late_days, penalty = (s.late.days, s.late.penalty) if s.late is not None else (0, 0.0)
            row += [late_days, shown(penalty), shown(s.final)]
        rows.append(row)
    return write_csv(rows)
