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
from pathlib import Path

from coursekit.batch.outputs import student_results, write_atomic
from coursekit.batch.run import GradeOptions
from coursekit.batch.secret import load_secret
from coursekit.batch.single import grade_one
from coursekit.i18n import resolve_language


def student_id(root: Path) -> str:
    path = root / "submission_metadata.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "student"
    users = meta.get("users") or []
    if users and isinstance(users[0], dict) and users[0].get("email"):
        return str(users[0]["email"])
    return str(meta.get("id", "student"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--exercises", default="")
    parser.add_argument("--lang", default=None, help="zh or en (default: $COURSEKIT_LANG, then the locale)")
    args = parser.parse_args(argv)
    root: Path = args.root
    secret = load_secret(root / "source" / "secret.txt")
    ids = tuple(e for e in args.exercises.split(",") if e)
    grades = grade_one(root / "submission", student_id(root), GradeOptions(exercises=ids, secret=secret))
    shown = student_results(grades, resolve_language(args.lang))
    write_atomic(root / "results" / "results.json", json.dumps(shown, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
