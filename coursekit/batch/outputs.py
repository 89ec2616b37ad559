"""Write the class's outputs from the gradebook: grades.csv, summary.json, report.html, and per student
results.json and report.md.

Every file is written to a temporary name in the same folder and renamed into place, so a batch killed
at any moment never leaves a half-written output.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from coursekit.batch.store import Gradebook
from coursekit.bounds import MAX_STUDENT_CHARS, cut
from coursekit.classresults import ClassReport, StudentGrades
from coursekit.classstats import class_stats, summary_data
from coursekit.i18n import render
from coursekit.messages import msg
from coursekit.names import folder_name
from coursekit.render.csvout import grades_csv
from coursekit.render.gradescope import results_json
from coursekit.render.reporthtml import Drawings, load_matplotlib, report_html
from coursekit.render.studenthtml import student_html
from coursekit.render.tables import markdown_text, student_markdown

_drawing_ready = False


def load_drawing() -> threading.Thread:
    """Start loading what report.html's histograms are drawn with (matplotlib and its fonts, seconds), in a
    thread, while the class is graded: the grading processes do the work then and this one waits. Join it
    before :func:`write_outputs`; a failure here is not reported (the drawing itself says what is wrong)."""
    def load() -> None:
        global _drawing_ready
        if not _drawing_ready:
            with contextlib.suppress(Exception):
                load_matplotlib()
                _drawing_ready = True

    thread = threading.Thread(target=load, name="coursekit-load-drawing", daemon=True)
    thread.start()
    return thread


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def feedback_folder(out_dir: Path, student: str) -> Path:
    """``OUT_DIR/feedback/<id>``, the id bounded as a file name (``coursekit/names.py``)."""
    return out_dir / "feedback" / folder_name(student)


def feedback_notes(s: StudentGrades, lang: str) -> list[str]:
    """The lines above a student's feedback: the intake's, a departed entry, a late submission."""
    notes = list(s.intake)
    if not s.submitted:
        notes.append(msg("feedback.no_submission"))
    elif not s.present:
        notes.append(msg("feedback.departed"))
    if s.late is not None and s.late.days:
        notes.append(msg("feedback.late", days=s.late.days, penalty=round(s.late.penalty, 2),
                         final=round(s.late.final, 2)))
    return [render(note, lang) for note in notes]


def student_results(s: StudentGrades, lang: str) -> dict[str, Any]:
    """The student's results.json (Gradescope's format), the notes above their feedback included; its
    score is the final one (after a late penalty), as in grades.csv."""
    return results_json(s.results, s.problem, lang, feedback_notes(s, lang),
                        score=s.final if s.late is not None else None)


def _write_feedback(report: ClassReport, s: StudentGrades, lang: str) -> None:
    folder = feedback_folder(report.out_dir, s.student)
    write_atomic(folder / "results.json",
                 json.dumps(student_results(s, lang), indent=1, ensure_ascii=False) + "\n")
    notes = feedback_notes(s, lang)
    quoted = "".join(f"> {markdown_text(line)}\n" for line in notes) + ("\n" if notes else "")
    markdown = quoted + student_markdown(s.student, s.results, s.problem, lang)
    write_atomic(folder / "report.md", markdown if len(markdown) <= MAX_STUDENT_CHARS
                 else cut(markdown, MAX_STUDENT_CHARS) + "\n")
    # The same feedback as a page, failures first (every result is bounded: coursekit/bounds.py).
    write_atomic(folder / "report.html", student_html(s.student, s.results, s.problem, notes, lang))


def write_outputs(report: ClassReport, lang: str, drawings: Drawings | None = None) -> ClassReport:
    """Each student's results.json and report.md with every test's text in ``lang``, and the class's files
    (report.html's histograms from ``drawings`` where an earlier run drew them).

    A student whose feedback cannot be written (the file system refuses it) is said in the report
    returned (``unwritten``: in the summary, summary.json and report.html); the other students' feedback
    and the class's files are written all the same."""
    unwritten = []
    for s in report.students:
        try:
            _write_feedback(report, s, lang)
        except (OSError, ValueError) as exc:
            reason = (exc.strerror if isinstance(exc, OSError) else None) or type(exc).__name__
            unwritten.append(msg("output.unwritten", student=s.student, reason=reason))
    report = replace(report, unwritten=tuple(unwritten))
    write_atomic(report.out_dir / "grades.csv", grades_csv(report))
    stats = class_stats(report)
    write_atomic(report.out_dir / "summary.json",
                 json.dumps(summary_data(report, stats, lang), indent=1, ensure_ascii=False) + "\n")
    write_atomic(report.out_dir / "report.html", report_html(report, stats, lang, drawings))
    return report


def write_class_outputs(report: ClassReport, lang: str, gradebook: Path) -> ClassReport:
    """:func:`write_outputs`, its histograms taken from ``gradebook`` where the last report.html drew the
    same ones, and this report's kept there for the next (``Drawings``)."""
    drawings = Drawings()
    with contextlib.suppress(sqlite3.Error), Gradebook(gradebook) as book:  # a cache: drawn without it
        drawings = Drawings(book.drawings())
    report = write_outputs(report, lang, drawings)
    with contextlib.suppress(sqlite3.Error), Gradebook(gradebook) as book:
        book.put_drawings(drawings.used)
    return report
