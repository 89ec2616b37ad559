"""The students of a class folder, each staged as a private folder of ``.py`` files and notebooks.

A class folder holds one entry per student: a folder of ``exN_*.py`` files (or ``exN_*.ipynb``
notebooks) or a ``.zip`` of them (flat, or inside one folder). The entry's name is the student id. Zips
are read member by member: no entry may land outside its folder, links are refused, and sizes are bounded
whatever the archive's headers claim.

One entry never stops the batch: whatever goes wrong while reading it (a link, a FIFO or device named
``x.zip``, an encrypted or corrupt archive, a name that cannot be decoded) refuses that student only,
with the reason in their feedback.

Student ids are text. An entry name that is not valid UTF-8 (a Chinese name unzipped on Linux from an
archive written on Windows is GBK) is decoded as GB18030 (a superset of GBK), else with each byte that
is not UTF-8 written as ``\\xNN``; either way the id ends in ``~`` and the first six hex digits of the
SHA-256 of the raw name (``张三~1a2b3c``), so that it is readable and no two names give the same id.
The same suffix ends an id cut to ``MAX_ID_BYTES`` bytes of UTF-8 (it names a folder of the output:
``coursekit/names.py``) and an id whose name holds a control character (written as ``\\xNN``, so that no
CSV, terminal or report meets a carriage return or an escape sequence in an id).
Two entries with the same id (``ada`` beside ``ada.zip``) refuse that student, naming both entries.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from coursekit._exceptions import InvalidOptionError, SubmissionRefusedError
from coursekit.batch.intake import IGNORED, Candidate, ignored, plan
from coursekit.classresults import refused_note
from coursekit.i18n import DEFAULT, render
from coursekit.messages import Message, msg
from coursekit.names import readable_id
from coursekit.notebook import MAX_NOTEBOOK_BYTES

MAX_FILES = 100
MAX_FILE_BYTES = 1 << 20
# What is staged: Python files, and notebooks (larger: they may hold outputs, which are never read).
STAGED = {".py": MAX_FILE_BYTES, ".ipynb": MAX_NOTEBOOK_BYTES}
MAX_TOTAL_BYTES = 16 << 20
MAX_ZIP_MEMBERS = 2000


@dataclass(frozen=True)
class Submission:
    """One student's staged files, or why they could not be opened (messages, rendered when shown)."""

    student: str
    folder: Path
    digest: str
    problem: Message | None = None
    notes: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One student of the class folder: their entry, or why it is refused before it is opened."""

    student: str
    path: Path
    problem: Message | None = None


@dataclass(frozen=True)
class Roster:
    """The students of a class folder, sorted by id, and the entries set aside (said in the summary)."""

    entries: tuple[Entry, ...]
    skipped: tuple[Message, ...] = ()


def student_id(name: str) -> str:
    """The student id of an entry name (without ``.zip``): printable text of at most ``MAX_ID_BYTES`` bytes
    (see the module's docstring and ``coursekit/names.py``)."""
    raw = os.fsencode(name)
    try:
        return readable_id(raw.decode("utf-8"), raw)
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="backslashreplace")
    return readable_id(text, raw, exact=False)


def student_entries(class_dir: Path) -> Roster:
    """The students of ``class_dir``. Entries are classified by ``lstat``, never opened here."""
    if not class_dir.is_dir():
        raise InvalidOptionError(f"CLASS_DIR: {class_dir} is not a folder",
                                 message=msg("option.class_dir", path=str(class_dir)))
    found: dict[str, list[tuple[Path, Message | None]]] = {}
    skipped: list[Message] = []
    for entry in sorted(class_dir.iterdir()):
        label = student_id(entry.name)
        try:
            mode = entry.lstat().st_mode
        except OSError as exc:
            skipped.append(msg("skipped.unreadable", name=label, reason=_reason(exc)))
            continue
        is_zip = entry.name.lower().endswith(".zip") and not stat.S_ISDIR(mode)
        if entry.name in IGNORED:
            continue  # an archiver's or Python's own folder (__MACOSX, __pycache__), never a student
        if entry.name.startswith("."):
            if stat.S_ISDIR(mode) or is_zip:
                skipped.append(msg("skipped.hidden", name=label))
            continue
        problem = None
        if stat.S_ISLNK(mode):
            problem = msg("refused.link", name=label)
        elif not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            if not is_zip:
                skipped.append(msg("skipped.not_file", name=label))
                continue
            problem = msg("refused.not_regular", name=label)
        elif not (stat.S_ISDIR(mode) or is_zip):
            continue  # a stray file: README.txt, grades from last year
        found.setdefault(student_id(entry.name[:-4] if is_zip else entry.name), []).append((entry, problem))
    entries = []
    for student, paths in sorted(found.items()):
        if len(paths) > 1:
            names = tuple(student_id(p.name) for p, _ in paths)
            entries.append(Entry(student, paths[0][0], msg("refused.two_entries", names=names)))
        else:
            entries.append(Entry(student, *paths[0]))
    return Roster(tuple(entries), tuple(skipped))


def refused(message: Message) -> SubmissionRefusedError:
    """The error that refuses a submission: its English text, and the message to render."""
    return SubmissionRefusedError(render(message, DEFAULT), message=message)


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def stage(student: str, entry: Path, dest: Path, problem: Message | None = None,
          targets: Mapping[str, str] | None = None) -> Submission:
    """Stage a student's files into the new folder ``dest``, each exercise's under its own name (see
    ``coursekit.batch.intake``; ``targets``: exercise id -> file name, default every registered exercise).
    A file that is refused refuses that file only; any failure to read the entry itself refuses this
    student (``problem`` set), never the batch."""
    dest.mkdir(parents=True)
    if targets is None:
        from coursekit.registry import exercise_ids, get_exercise

        targets = {i: get_exercise(i).filename for i in exercise_ids()}
    try:
        if problem is not None:
            raise refused(problem)
        mode = entry.lstat().st_mode
        if stat.S_ISLNK(mode):
            raise refused(msg("refused.link", name=student_id(entry.name)))
        if stat.S_ISDIR(mode):
            notes = _stage_folder(entry, dest, targets)
        else:
            notes = _extract_zip(entry, dest, targets)
    except (SubmissionRefusedError, OSError) as exc:
        if isinstance(exc, SubmissionRefusedError):
            reason = exc.message or msg("verbatim", text=str(exc))
        else:
            reason = msg("refused.unreadable", name=student_id(entry.name), reason=_reason(exc))
        shutil.rmtree(dest)
        dest.mkdir()
        return Submission(student, dest, "refused", problem=reason)
    return Submission(student, dest, digest_folder(dest), notes=notes)


def _open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file: never follows a link, never blocks on a
    FIFO that replaced the file after it was listed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise refused(msg("refused.cannot_open", name=student_id(path.name), reason=_reason(exc))) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise refused(msg("refused.not_regular_read", name=student_id(path.name)))
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def digest_folder(folder: Path) -> str:
    """A hash of the names and contents of the staged files."""
    h = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        h.update(os.fsencode(path.name) + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _too_large(path: PurePosixPath, size: int) -> Message | None:
    limit = STAGED.get(path.suffix.lower(), MAX_FILE_BYTES)
    if size > limit:
        return msg("reason.too_large", kib=limit >> 10)
    return None


def _folder_candidates(source: Path) -> list[Candidate]:
    """The files at the top of ``source`` and one folder below, by ``lstat``: nothing is opened here."""
    found: list[Candidate] = []
    seen = 0

    def visit(folder: Path, relative: PurePosixPath) -> None:
        nonlocal seen
        for path in sorted(folder.iterdir()):
            seen += 1
            if seen > MAX_ZIP_MEMBERS:
                raise refused(msg("refused.too_many_files", name=student_id(source.name),
                                  count=MAX_ZIP_MEMBERS))
            rel = relative / student_id(path.name)
            if ignored(rel):
                continue
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode):
                if not relative.parts:
                    visit(path, rel)
            elif stat.S_ISLNK(mode):
                found.append(Candidate(rel, msg("reason.link")))
            elif stat.S_ISREG(mode):
                found.append(Candidate(rel, _too_large(rel, path.lstat().st_size)))

    visit(source, PurePosixPath())
    return found


def _write_staged(dest: Path,
                  staged: Mapping[str, tuple[Candidate, Callable[[int], bytes]]]) -> list[Message]:
    """Write each staged file, bounded; a file that cannot be read or is too large is refused alone."""
    notes: list[Message] = []
    total, count = 0, 0
    for name, (candidate, read) in staged.items():
        where = candidate.path.as_posix()
        if count >= MAX_FILES or total >= MAX_TOTAL_BYTES:
            notes.append(refused_note(where, msg("reason.too_many", files=MAX_FILES,
                                                 mib=MAX_TOTAL_BYTES >> 20)))
            continue
        limit = STAGED.get(PurePosixPath(name).suffix, MAX_FILE_BYTES)
        try:
            data = read(limit + 1)
        except SubmissionRefusedError as exc:
            notes.append(refused_note(where, exc.message or msg("verbatim", text=str(exc))))
            continue
        if len(data) > limit:
            notes.append(refused_note(where, msg("reason.too_large", kib=limit >> 10)))
            continue
        count, total = count + 1, total + len(data)
        (dest / name).write_bytes(data)
    return notes


def _stage_folder(source: Path, dest: Path, targets: Mapping[str, str]) -> tuple[Message, ...]:
    chosen = plan(_folder_candidates(source), targets)

    def reader(candidate: Candidate) -> Callable[[int], bytes]:
        def read(limit: int) -> bytes:
            with _open_regular(source.joinpath(*_raw_parts(source, candidate.path))) as src:
                return src.read(limit)
        return read

    staged = {name: (c, reader(c)) for name, c in chosen.staged.items()}
    return (*chosen.notes, *_write_staged(dest, staged))


def _raw_parts(source: Path, relative: PurePosixPath) -> list[str]:
    """The on-disk names of ``relative``'s parts (ids may have been made readable by ``student_id``)."""
    parts: list[str] = []
    folder = source
    for part in relative.parts:
        name = next((p.name for p in folder.iterdir() if student_id(p.name) == part), part)
        parts.append(name)
        folder = folder / name
    return parts


def _safe_member_name(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts:
        raise refused(msg("refused.zip_escape", entry=repr(info.filename)))
    return path


def _extract_zip(archive: Path, dest: Path, targets: Mapping[str, str]) -> tuple[Message, ...]:
    """Extract the ``.py`` files and notebooks of ``archive`` (its top and one folder below). An entry
    that would land outside its folder refuses the submission; a link or an oversized file refuses that
    file only. Whatever else reading it raises (a corrupt or encrypted archive, an undecodable name,
    deflate, bzip2 or lzma errors) refuses the submission."""
    name = student_id(archive.name)
    try:
        with _open_regular(archive) as raw, zipfile.ZipFile(raw) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise refused(msg("refused.zip_too_many", name=name, count=MAX_ZIP_MEMBERS))
            members: dict[PurePosixPath, zipfile.ZipInfo] = {}
            candidates = []
            for info in infos:
                path = _safe_member_name(info)
                if info.is_dir() or ignored(path) or len(path.parts) > 2 or path in members:
                    continue
                members[path] = info
                link = stat.S_ISLNK(info.external_attr >> 16)
                candidates.append(Candidate(path, msg("reason.link") if link
                                            else _too_large(path, info.file_size)))
            chosen = plan(candidates, targets)

            def reader(info: zipfile.ZipInfo) -> Callable[[int], bytes]:
                def read(limit: int) -> bytes:
                    with zf.open(info) as src:
                        return src.read(limit)
                return read

            staged = {n: (c, reader(members[c.path])) for n, c in chosen.staged.items()}
            return (*chosen.notes, *_write_staged(dest, staged))
    except SubmissionRefusedError:
        raise
    except RuntimeError as exc:
        if "encrypted" not in str(exc):
            raise refused(msg("refused.zip_unreadable", name=name, detail=type(exc).__name__)) from None
        raise refused(msg("refused.zip_encrypted", name=name)) from None
    except Exception as exc:  # any failure to read one archive refuses that student only
        detail = str(exc)[:200] or type(exc).__name__
        raise refused(msg("refused.zip_unreadable", name=name,
                          detail=f"{type(exc).__name__}: {detail}")) from None
