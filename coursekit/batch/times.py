"""When a submission was handed in, when no CSV of submission times says so: its newest file's time.

Folders are read two levels deep (a submission's files sit at its top or in one folder below), zips by
their members' recorded times (which carry no time zone: they are read as this machine's local time),
tars by theirs (in UTC).
Links and the junk that archivers add are not counted. The walk is bounded like the intake.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

IGNORED = ("__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints")
MAX_ENTRIES = 2000
MAX_TAR_BYTES = 256 << 20


def _ignored(name: str) -> bool:
    return name in IGNORED or name.startswith("._")


def newest_file_time(entry: Path) -> datetime | None:
    """The newest modification time of a file in the folder or zip ``entry``, in UTC; None when none."""
    try:
        mode = entry.lstat().st_mode
        if stat.S_ISDIR(mode):
            return _newest_in_folder(entry)
        if not stat.S_ISREG(mode):
            return None  # a link, a pipe or a device is never opened
        if not entry.name.lower().endswith(".zip"):
            return _newest_in_tar(entry)
        with zipfile.ZipFile(entry) as zf:
            stamps = [datetime(*info.date_time).astimezone(UTC) for info in zf.infolist()[:MAX_ENTRIES]
                      if not info.is_dir() and not any(_ignored(p) for p in info.filename.split("/"))]
        return max(stamps, default=None)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, ValueError, EOFError):
        return None


def _newest_in_tar(entry: Path) -> datetime | None:
    """A tar's members' recorded times (in UTC, as tar records them); the first ``MAX_ENTRIES`` only."""
    newest: float | None = None
    declared = 0
    with tarfile.open(entry, mode="r:*") as tf:
        for n, info in enumerate(tf):
            declared += max(info.size, 0)
            if n >= MAX_ENTRIES or declared > MAX_TAR_BYTES:  # reading past them decompresses them
                break
            if info.isreg() and not any(_ignored(p) for p in info.name.split("/")):
                newest = info.mtime if newest is None else max(newest, info.mtime)
    return None if newest is None else datetime.fromtimestamp(newest, UTC)


def _newest_in_folder(folder: Path) -> datetime | None:
    newest: float | None = None
    seen = 0
    for level in (folder, *sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()
                                  and not _ignored(p.name))):
        for path in level.iterdir():
            seen += 1
            if seen > MAX_ENTRIES:
                break
            if _ignored(path.name) or path.is_symlink() or not path.is_file():
                continue
            mtime = path.stat().st_mtime
            newest = mtime if newest is None else max(newest, mtime)
    return None if newest is None else datetime.fromtimestamp(newest, UTC)
