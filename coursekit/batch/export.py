"""``coursekit export gradescope``: an autograder zip that runs coursekit on Gradescope's machines.

The zip holds ``setup.sh`` (installs Python 3.11 and this coursekit from the bundled source),
``run_autograder`` (grades /autograder/submission into /autograder/results/results.json), the source of
coursekit and its graders, the course secret (the zip goes to Gradescope, never to students) and
``course.json``: the course's points, language and late policy (``Course.to_data()`` without its roster
and submission times, which Gradescope has no use for), applied by the same rule as grades.csv.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import coursekit
from coursekit.batch.secret import Secret
from coursekit.course import Course

COURSE_JSON = "course.json"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
if ! command -v python3.11 >/dev/null 2>&1; then
    apt-get update
    apt-get install -y python3.11 python3.11-venv
fi
python3.11 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install /autograder/source/coursekit-src
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT and COURSEKIT_PYTHON exist for local tests.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{COURSEKIT_PYTHON:-/autograder/venv/bin/python}}"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m coursekit.batch.gradescope_run --root "$ROOT" --exercises "{exercises}"
"""

SOURCE_FILES = ("pyproject.toml", "README.md")


def project_root() -> Path:
    return Path(coursekit.__file__).resolve().parent.parent


def shipped_course(course: Course) -> Course:
    """What of ``course`` goes to Gradescope: all but the roster and the submission times."""
    late = None if course.late is None else replace(course.late, submitted_at=None, times={})
    return replace(course, late=late, roster=())


def build_autograder(out: Path, exercises: Sequence[str], secret: Secret,
                     course: Course | None = None) -> list[str]:
    """Write the autograder zip to ``out``; return the names it holds."""
    root = project_root()
    names: list[str] = []

    def add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)
        names.append(name)

    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        add(zf, "setup.sh", SETUP_SH.encode(), 0o755)
        add(zf, "run_autograder", RUN_AUTOGRADER.format(exercises=",".join(exercises)).encode(), 0o755)
        add(zf, "secret.txt", secret.value.encode() + b"\n", 0o600)
        data = shipped_course(course or Course()).to_data()
        add(zf, COURSE_JSON, json.dumps(data, indent=1, ensure_ascii=False).encode() + b"\n")
        for name in SOURCE_FILES:
            add(zf, f"coursekit-src/{name}", (root / name).read_bytes())
        for package in ("coursekit", "graders"):
            for path in sorted((root / package).rglob("*")):
                shipped = path.suffix in (".py", ".json", ".mo")  # .mo: the compiled message catalogues
                if path.is_file() and "__pycache__" not in path.parts and shipped:
                    add(zf, f"coursekit-src/{path.relative_to(root).as_posix()}", path.read_bytes())
    tmp.replace(out)
    return names
