"""Write the class's outputs: grades.csv, and per student results.json and report.md.

Every file is written to a temporary name in the same folder and renamed into place, so a batch killed
at any moment never leaves a half-written output.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from coursekit.bounds import MAX_STUDENT_CHARS, cut
from coursekit.render.gradescope import results_json
from coursekit.render.tables import grades_csv, student_markdown

if TYPE_CHECKING:
    from coursekit.batch.run import ClassReport


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
    return out_dir / "feedback" / student


def write_outputs(report: ClassReport) -> None:
    rows = [(s.student, {r.exercise: r.score for r in s.results}, s.total) for s in report.students]
    for s in report.students:
        folder = feedback_folder(report.out_dir, s.student)
        write_atomic(folder / "results.json",
                     json.dumps(results_json(s.results, s.problem), indent=1, ensure_ascii=False) + "\n")
        markdown = student_markdown(s.student, s.results, s.problem)
        write_atomic(folder / "report.md", markdown if len(markdown) <= MAX_STUDENT_CHARS
                     else cut(markdown, MAX_STUDENT_CHARS) + "\n")
    write_atomic(report.out_dir / "grades.csv", grades_csv(report.exercises, rows))
