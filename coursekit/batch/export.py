"""``coursekit export gradescope``: an autograder zip that runs coursekit on Gradescope's machines.

The zip holds ``setup.sh`` (installs Python 3.11 and this coursekit from the bundled source),
``run_autograder`` (grades /autograder/submission into /autograder/results/results.json), the source of
coursekit and its content package (the exercises), the course secret (the zip goes to Gradescope,
never to students) and ``course.json``: the course's points, language and late policy
(``Course.to_data()`` without its roster and submission times, which Gradescope has no use for),
applied by the same rule as grades.csv.
"""

from __future__ import annotations

import errno
import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import coursekit
from coursekit import content
from coursekit._exceptions import CoursekitError, InternalError
from coursekit.batch.secret import Secret
from coursekit.course import Course
from coursekit.i18n import error
from coursekit.registry import content_package

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


def content_folder() -> Path:
    """The content package's folder (the lesson's exercises: ``coursekit/content.py``)."""
    folder = content.folder(content_package())
    if folder is None:  # content_package() found it
        raise InternalError("the content package has no folder")
    return folder


def shipped_course(course: Course) -> Course:
    """What of ``course`` goes to Gradescope: all but the roster and the submission times."""
    late = None if course.late is None else replace(course.late, submitted_at=None, times={})
    return replace(course, late=late, roster=())


def build_autograder(out: Path, exercises: Sequence[str], secret: Secret,
                     course: Course | None = None) -> list[str]:
    """Write the autograder zip to ``out``; return the names it holds."""
    root = project_root()
    names: list[str] = []
    if out.is_dir():
        raise error(CoursekitError, "export.out_is_folder", path=str(out))
    try:  # a folder named by --out that does not exist yet is made, as `coursekit grade --out` makes its
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    except OSError as exc:
        raise error(CoursekitError, "export.cannot_write", path=str(out),
                    reason=exc.strerror or type(exc).__name__) from None

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
        for folder in (root / "coursekit", content_folder()):
            for path in sorted(folder.rglob("*")):
                shipped = path.suffix in (".py", ".json", ".mo")  # .mo: the compiled message catalogues
                if path.is_file() and "__pycache__" not in path.parts and shipped:
                    name = path.relative_to(folder.parent).as_posix()
                    add(zf, f"coursekit-src/{name}", path.read_bytes())
    tmp.replace(out)
    return names
