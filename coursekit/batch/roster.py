"""The students of a class folder, each staged as a private folder of ``.py`` files and notebooks.

A class folder holds one entry per student: a folder of ``exN_*.py`` files (or ``exN_*.ipynb``
notebooks) or an archive of them (``.zip``, ``.tar.gz``, ``.tgz``, ``.tar``), the files at any depth up
to ``MAX_DEPTH`` folders (LMS downloads nest them: ``Lab13/hw13/...``) or inside an archive the entry
holds (a zip in the zip). The entry's name without its suffix is the student id. Archives are read member
by member: no entry may land outside its folder, links are refused, and sizes are bounded whatever the
archive's headers claim. An archive of another kind (``.rar``, ``.7z``, ...) refuses its student, named;
any other file of the class folder is listed as not graded, with the reason. A member name of a zip
written without the UTF-8 flag (a Chinese name zipped on Windows is GBK) is decoded as folder names are
(below).

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

import contextlib
import hashlib
import io
import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable, Collection, Mapping
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
MAX_DEPTH = 8  # folders below a submission's top where its files are still looked for
MAX_ARCHIVE_BYTES = 256 << 20  # the sizes a tar's headers declare, in total
MAX_NESTED_BYTES = 16 << 20  # an archive inside a submission is opened up to this size
# The archives a student's entry may be, by the end of its name; other archives are refused by name.
ARCHIVES = {".zip": "zip", ".tar.gz": "tar", ".tgz": "tar", ".tar": "tar"}
UNOPENED = (".rar", ".7z", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".gz", ".bz2", ".xz", ".zipx", ".cab",
            ".arj", ".lzh", ".z")


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
        lower = entry.name.lower()
        suffix = "" if stat.S_ISDIR(mode) else next(
            (x for x in sorted((*ARCHIVES, *UNOPENED), key=len, reverse=True) if lower.endswith(x)), "")
        if entry.name in IGNORED:
            continue  # an archiver's or Python's own folder (__MACOSX, __pycache__), never a student
        if entry.name.startswith("."):
            if stat.S_ISDIR(mode) or suffix:
                skipped.append(msg("skipped.hidden", name=label))
            continue
        problem = None
        if stat.S_ISLNK(mode):
            problem = msg("refused.link", name=label)
        elif not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            if not suffix:
                skipped.append(msg("skipped.not_file", name=label))
                continue
            problem = msg("refused.not_regular", name=label)
        elif suffix in UNOPENED:
            problem = msg("refused.archive_format", name=label, kind=suffix)
        elif not (stat.S_ISDIR(mode) or suffix):
            skipped.append(msg("skipped.not_submission", name=label))  # README.txt, last year's grades
            continue
        stem = entry.name[:len(entry.name) - len(suffix)] or entry.name
        found.setdefault(student_id(stem), []).append((entry, problem))
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
            notes = _extract_archive(entry, dest, targets)
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


def exercise_files(exercise_id: str) -> frozenset[str]:
    """The staged names one exercise's grading reads of the exercises' files: its own (``.py`` or
    notebook) and, through ``Exercise.uses``, those of the exercises it imports."""
    from coursekit.registry import get_exercise

    names: set[str] = set()
    todo, seen = [exercise_id], set()
    while todo:
        exercise = get_exercise(todo.pop())
        if exercise.id in seen:
            continue
        seen.add(exercise.id)
        names |= {PurePosixPath(exercise.filename).stem + suffix for suffix in STAGED}
        todo.extend(exercise.uses)
    return frozenset(names)


def exercise_digest(folder: Path, exercise_id: str, every: Collection[str]) -> str:
    """A hash of what grading ``exercise_id`` reads: its files (:func:`exercise_files`) and each staged
    file that is no exercise's (``every``: every exercise's staged names), a student's own helpers. A
    resubmitted file changes its exercise's digest alone, and the digests of the exercises that import it."""
    own = exercise_files(exercise_id)
    h = hashlib.sha256(exercise_id.encode() + b"\0")
    for path in sorted(folder.iterdir()):
        if path.name in own or path.name not in every:
            h.update(os.fsencode(path.name) + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


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


@dataclass(frozen=True)
class _Member:
    """A file of the submission, wherever it sits (a folder, an archive, an archive inside it): its path
    from the submission's top, why it is refused (if it is), its size, and how to read it, bounded."""

    path: PurePosixPath
    refused: Message | None
    size: int
    read: Callable[[int], bytes]


class _Budget:
    """The entries one submission may hold, every folder and archive inside it counted together."""

    def __init__(self, name: str) -> None:
        self.name, self.seen = name, 0

    def take(self, count: int = 1) -> None:
        self.seen += count
        if self.seen > MAX_ZIP_MEMBERS:
            raise refused(msg("refused.too_many_files", name=self.name, count=MAX_ZIP_MEMBERS))


def _member(path: PurePosixPath, refused_for: Message | None, size: int,
            read: Callable[[int], bytes]) -> _Member:
    return _Member(path, refused_for or _too_large(path, size), size, read)


def _folder_members(source: Path, budget: _Budget) -> list[_Member]:
    """The files of ``source`` at any depth up to ``MAX_DEPTH`` folders, by ``lstat``; a file is opened
    only when it is read (never following a link)."""
    found: list[_Member] = []

    def reader(path: Path) -> Callable[[int], bytes]:
        def read(limit: int) -> bytes:
            with _open_regular(path) as src:
                return src.read(limit)
        return read

    def visit(folder: Path, relative: PurePosixPath) -> None:
        for path in sorted(folder.iterdir()):
            budget.take()
            rel = relative / student_id(path.name)
            if ignored(rel):
                continue
            st = path.lstat()
            if stat.S_ISDIR(st.st_mode):
                if len(rel.parts) < MAX_DEPTH:
                    visit(path, rel)
            elif stat.S_ISLNK(st.st_mode):
                found.append(_Member(rel, msg("reason.link"), 0, reader(path)))
            elif stat.S_ISREG(st.st_mode):
                found.append(_member(rel, None, st.st_size, reader(path)))

    visit(source, PurePosixPath())
    return found


def _decoded(raw: bytes, what: str) -> PurePosixPath:
    """An archive member's path, each part decoded as a folder name is (UTF-8, else GB18030 with a tag:
    see :func:`student_id`); refused when it would land outside the submission."""
    text = raw.replace(b"\\", b"/")
    if text.startswith(b"/") or (len(text) > 1 and text[1:2] == b":") or b".." in text.split(b"/"):
        raise refused(msg("refused.zip_escape", entry=repr(what)))
    parts = [part for part in text.split(b"/") if part not in (b"", b".")]
    return PurePosixPath(*(student_id(os.fsdecode(part)) for part in parts))


def _zip_raw_name(info: zipfile.ZipInfo) -> bytes:
    """The member's name as its bytes: zipfile decodes a name without the UTF-8 flag as cp437."""
    if info.flag_bits & 0x800:
        return info.filename.encode("utf-8")
    try:
        return info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename.encode("utf-8")


def _zip_members(zf: zipfile.ZipFile, prefix: PurePosixPath, budget: _Budget) -> list[_Member]:
    infos = zf.infolist()
    budget.take(len(infos))
    found: list[_Member] = []
    seen: set[PurePosixPath] = set()
    for info in infos:
        path = prefix / _decoded(_zip_raw_name(info), info.filename)
        if info.is_dir() or ignored(path) or len(path.parts) > MAX_DEPTH or path in seen or not path.parts:
            continue
        seen.add(path)

        def read(limit: int, info: zipfile.ZipInfo = info) -> bytes:
            with zf.open(info) as src:
                return src.read(limit)

        link = stat.S_ISLNK(info.external_attr >> 16)
        found.append(_member(path, msg("reason.link") if link else None, info.file_size, read))
    return found


def _tar_members(tf: tarfile.TarFile, prefix: PurePosixPath, budget: _Budget) -> list[_Member]:
    """A tar's files: links refused, anything but a regular file or folder refused, the sizes the headers
    declare bounded in total (reading past them is what decompresses a bomb)."""
    found: list[_Member] = []
    seen: set[PurePosixPath] = set()
    declared = 0
    while (info := tf.next()) is not None:
        budget.take()
        declared += max(info.size, 0)
        if declared > MAX_ARCHIVE_BYTES:
            raise refused(msg("refused.archive_too_large", name=budget.name, mib=MAX_ARCHIVE_BYTES >> 20))
        raw = info.name.encode("utf-8", "surrogateescape")
        path = prefix / _decoded(raw, info.name)
        if info.isdir() or ignored(path) or len(path.parts) > MAX_DEPTH or path in seen or not path.parts:
            continue
        seen.add(path)

        def read(limit: int, info: tarfile.TarInfo = info) -> bytes:
            src = tf.extractfile(info)
            return b"" if src is None else src.read(limit)

        if info.issym() or info.islnk():
            found.append(_Member(path, msg("reason.link"), 0, read))
        elif not info.isreg():
            found.append(_Member(path, msg("reason.not_regular"), 0, read))
        else:
            found.append(_member(path, None, info.size, read))
    return found


def archive_kind(name: str) -> str | None:
    """``zip`` or ``tar`` for an archive coursekit opens (by its name), else None."""
    lower = name.lower()
    return next((kind for suffix, kind in ARCHIVES.items() if lower.endswith(suffix)), None)


def _open_archive(kind: str, raw: BinaryIO, prefix: PurePosixPath, budget: _Budget,
                  stack: contextlib.ExitStack) -> list[_Member]:
    if kind == "zip":
        return _zip_members(stack.enter_context(zipfile.ZipFile(raw)), prefix, budget)
    return _tar_members(stack.enter_context(tarfile.open(fileobj=raw, mode="r:*")), prefix, budget)


def _with_nested(members: list[_Member], budget: _Budget, stack: contextlib.ExitStack) -> list[_Member]:
    """``members`` and, for each archive among them (a zip inside the zip), the files it holds under its
    own path (``inner.zip/answer.py``). One level deep, each inner archive bounded in size; one that
    cannot be read stays a file of the listing."""
    found = list(members)
    for m in members:
        kind = archive_kind(m.path.name)
        if kind is None or m.refused is not None or m.size > MAX_NESTED_BYTES:
            continue
        try:
            data = m.read(MAX_NESTED_BYTES + 1)
            if len(data) > MAX_NESTED_BYTES:
                continue
            found += _open_archive(kind, io.BytesIO(data), m.path, budget, stack)
        except SubmissionRefusedError:
            raise
        except Exception:  # a corrupt inner archive: listed as the file it is, never opened
            continue
    return found


def _stage_members(members: list[_Member], dest: Path, targets: Mapping[str, str]) -> tuple[Message, ...]:
    by_path = {m.path: m for m in members}
    chosen = plan([Candidate(m.path, m.refused) for m in members], targets)
    staged = {name: (c, by_path[c.path].read) for name, c in chosen.staged.items()}
    return (*chosen.notes, *_write_staged(dest, staged))


def _stage_folder(source: Path, dest: Path, targets: Mapping[str, str]) -> tuple[Message, ...]:
    with contextlib.ExitStack() as stack:
        budget = _Budget(student_id(source.name))
        members = _with_nested(_folder_members(source, budget), budget, stack)
        return _stage_members(members, dest, targets)


def _extract_archive(archive: Path, dest: Path, targets: Mapping[str, str]) -> tuple[Message, ...]:
    """Stage the ``.py`` files and notebooks of a zip or tar ``archive``, at any depth up to
    ``MAX_DEPTH`` and inside an archive it holds. An entry that would land outside its folder refuses the
    submission; a link or an oversized file refuses that file only. Whatever else reading it raises (a
    corrupt or encrypted archive, an undecodable name, deflate, gzip, bzip2 or lzma errors) refuses the
    submission."""
    name = student_id(archive.name)
    kind = archive_kind(archive.name) or "zip"
    try:
        with _open_regular(archive) as raw, contextlib.ExitStack() as stack:
            budget = _Budget(name)
            members = _with_nested(_open_archive(kind, raw, PurePosixPath(), budget, stack), budget, stack)
            return _stage_members(members, dest, targets)
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
