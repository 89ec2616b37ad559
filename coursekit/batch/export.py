"""``coursekit export gradescope``: an autograder zip that runs coursekit on Gradescope's machines.

The zip holds ``setup.sh`` (installs Python 3.11 and this coursekit from the bundled source),
``run_autograder`` (grades /autograder/submission into /autograder/results/results.json), the source of
coursekit and its content package (the exercises), and the course secret (the zip goes to Gradescope, never
to students).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import coursekit
from coursekit import content
from coursekit._exceptions import InternalError
from coursekit.batch.secret import Secret
from coursekit.registry import content_package

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


def build_autograder(out: Path, exercises: Sequence[str], secret: Secret) -> list[str]:
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
