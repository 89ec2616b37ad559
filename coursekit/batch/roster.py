"""The students of a class folder, each staged as a private folder of ``.py`` files.

A class folder holds one entry per student: a folder of ``exN_*.py`` files or a ``.zip`` of them (flat,
or inside one folder). The entry's name is the student id. Zips are read member by member: no entry may
land outside its folder, links are refused, and sizes are bounded whatever the archive's headers claim.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from coursekit._exceptions import SubmissionRefusedError

MAX_FILES = 100
MAX_FILE_BYTES = 1 << 20
MAX_TOTAL_BYTES = 16 << 20
MAX_ZIP_MEMBERS = 2000


@dataclass(frozen=True)
class Submission:
    """One student's staged files, or why they could not be opened."""

    student: str
    folder: Path
    digest: str
    problem: str | None = None


def student_entries(class_dir: Path) -> list[tuple[str, Path]]:
    """The (student id, entry) pairs of a class folder, sorted by id; hidden entries are skipped."""
    if not class_dir.is_dir():
        raise FileNotFoundError(f"{class_dir} is not a folder")
    entries: dict[str, Path] = {}
    for entry in sorted(class_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        student = entry.name[:-4] if entry.suffix.lower() == ".zip" and not entry.is_dir() else entry.name
        if entry.is_dir() or entry.suffix.lower() == ".zip" or entry.is_symlink():
            if student in entries:
                raise SubmissionRefusedError(f"two entries for student {student}: {entries[student].name} "
                                             f"and {entry.name}")
            entries[student] = entry
    return sorted(entries.items())


def stage(student: str, entry: Path, dest: Path) -> Submission:
    """Copy (or extract) a student's ``.py`` files into the new folder ``dest``."""
    dest.mkdir(parents=True)
    try:
        if entry.is_symlink():
            raise SubmissionRefusedError(f"{entry.name} is a link; links are refused")
        if entry.is_dir():
            _copy_folder(entry, dest)
        else:
            _extract_zip(entry, dest)
    except SubmissionRefusedError as exc:
        shutil.rmtree(dest)
        dest.mkdir()
        return Submission(student, dest, "refused", problem=str(exc))
    return Submission(student, dest, digest_folder(dest))


def digest_folder(folder: Path) -> str:
    """A hash of the names and contents of the staged files."""
    h = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _copy_folder(source: Path, dest: Path) -> None:
    total, count = 0, 0
    for path in sorted(source.iterdir()):
        if path.suffix != ".py":
            continue
        if path.is_symlink():
            raise SubmissionRefusedError(f"{path.name} is a link; submit the file itself")
        if not path.is_file():
            continue
        size = path.stat().st_size
        count, total = count + 1, total + size
        if size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES or count > MAX_FILES:
            raise SubmissionRefusedError(f"{source.name} holds more Python code than the grader accepts "
                                         f"({MAX_FILES} files, {MAX_FILE_BYTES >> 10} KiB each)")
        shutil.copyfile(path, dest / path.name, follow_symlinks=False)


def _safe_member_name(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts:
        raise SubmissionRefusedError(f"zip entry {info.filename!r} would land outside the submission")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise SubmissionRefusedError(f"zip entry {info.filename!r} is a link; links are refused")
    return path


def _extract_zip(archive: Path, dest: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise SubmissionRefusedError(f"{archive.name} has more than {MAX_ZIP_MEMBERS} entries")
            members = [(info, _safe_member_name(info)) for info in infos]
            files = [(i, p) for i, p in members if not i.is_dir() and p.suffix == ".py"
                     and not any(part.startswith(("__MACOSX", ".")) for part in p.parts)]
            tops = {p.parts[0] for _, p in files if len(p.parts) > 1}
            nested = any(len(p.parts) > 2 for _, p in files)
            mixed = bool(tops) and any(len(p.parts) == 1 for _, p in files)
            if nested or mixed or len(tops) > 1:
                raise SubmissionRefusedError(f"{archive.name}: put the .py files at the top of the zip or "
                                             f"inside one folder")
            if len(files) > MAX_FILES:
                raise SubmissionRefusedError(f"{archive.name} holds more than {MAX_FILES} Python files")
            total = 0
            for info, path in files:
                target = dest / path.name
                if target.exists():
                    raise SubmissionRefusedError(f"{archive.name} holds {path.name} twice")
                with zf.open(info) as src:
                    data = src.read(MAX_FILE_BYTES + 1)
                total += len(data)
                if len(data) > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                    raise SubmissionRefusedError(f"{archive.name}: {path.name} is larger than the grader "
                                                 f"accepts ({MAX_FILE_BYTES >> 10} KiB a file)")
                target.write_bytes(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise SubmissionRefusedError(f"{archive.name} is not a readable zip ({exc})") from None
