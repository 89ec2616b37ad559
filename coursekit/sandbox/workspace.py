"""A student's own temporary copy of their files."""

from __future__ import annotations

import shutil
from pathlib import Path

from coursekit._exceptions import SubmissionNotFoundError, SubmissionRefusedError
from coursekit.i18n import error

MAX_FILES = 100
MAX_FILE_BYTES = 1 << 20


def copy_workspace(source: Path, dest: Path) -> list[str]:
    """Copy the regular ``.py`` files at the top of ``source`` into ``dest``; return their names.

    Links are never followed: a ``.py`` file that is a link is refused, so a submission cannot make the
    grader read a file that is not its own.
    """
    if not source.is_dir():
        raise error(SubmissionNotFoundError, "workspace.not_folder", path=str(source))
    copied: list[str] = []
    for path in sorted(source.iterdir()):
        if path.suffix != ".py":
            continue
        if path.is_symlink():
            raise error(SubmissionRefusedError, "workspace.link", name=path.name)
        if not path.is_file():
            continue
        if len(copied) >= MAX_FILES:
            raise error(SubmissionRefusedError, "workspace.too_many", path=str(source), count=MAX_FILES)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise error(SubmissionRefusedError, "workspace.too_large", name=path.name,
                        kib=MAX_FILE_BYTES // 1024)
        shutil.copyfile(path, dest / path.name, follow_symlinks=False)
        copied.append(path.name)
    return copied
