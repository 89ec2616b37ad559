"""What Gradescope's ``run_autograder`` calls: grade /autograder/submission into results.json.

``python -m coursekit.batch.gradescope_run --root /autograder --exercises <id>,<id>``. The student id for
the hidden cases' seed comes from ``submission_metadata.json`` (the first user's email, else the
submission id); the course secret from ``source/secret.txt`` in the autograder zip.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from coursekit.batch.classbook import apply_course
from coursekit.batch.export import COURSE_JSON
from coursekit.batch.outputs import student_results, write_atomic
from coursekit.batch.run import GradeOptions
from coursekit.batch.secret import load_secret
from coursekit.batch.single import grade_one
from coursekit.course import Course, course_from_data
from coursekit.i18n import resolve_language


def metadata(root: Path) -> dict[str, Any]:
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def submitted_at(root: Path) -> datetime | None:
    """The submission's time (the metadata's ``created_at``, ISO 8601 with its offset), else None."""
    try:
        moment = datetime.fromisoformat(str(metadata(root)["created_at"]))
    except (KeyError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def shipped_course(root: Path) -> Course:
    """The course of the autograder zip, or the default Course for a zip exported without one."""
    try:
        return course_from_data(json.loads((root / "source" / COURSE_JSON).read_text(encoding="utf-8")))
    except OSError:
        return Course()


def student_id(root: Path) -> str:
    meta = metadata(root)
    if not meta:
        return "student"
    users = meta.get("users") or []
    if users and isinstance(users[0], dict) and users[0].get("email"):
        return str(users[0]["email"])
    return str(meta.get("id", "student"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--exercises", default="")
    parser.add_argument("--lang", default=None,
                        help="zh or en (default: $COURSEKIT_LANG, then the course's, then the locale)")
    args = parser.parse_args(argv)
    root: Path = args.root
    secret = load_secret(root / "source" / "secret.txt")
    ids = tuple(e for e in args.exercises.split(",") if e)
    course = shipped_course(root)
    grades = grade_one(root / "submission", student_id(root), GradeOptions(exercises=ids, secret=secret))
    grades = apply_course(course, grades, submitted_at(root))
    shown = student_results(grades, resolve_language(args.lang, configured=course.lang))
    write_atomic(root / "results" / "results.json", json.dumps(shown, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
