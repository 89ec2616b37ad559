"""Hostile class-folder entries: what the coordinator meets before any student code runs.

Each builder makes one entry in a class folder (zips are built here byte by byte rather than stored, a
FIFO and a GBK name cannot live in git) and returns what the batch must make of it: ``("graded", id)``
for a student graded under that id, ``("refused", id, words)`` for a student refused with ``words`` in
their feedback, ``("failed", id, words)`` for a student graded 0 with ``words`` in their feedback,
``("skipped", words)`` for an entry named in the summary's notes. None of them may stop,
hang or fail the batch, or change how the other students are graded.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

FILENAME = "ex1_rnn_forward.py"
Outcome = tuple[str, ...]


def _zip(path: Path, source: str, compression: int = zipfile.ZIP_STORED, name: str = FILENAME) -> bytes:
    with zipfile.ZipFile(path, "w", compression) as zf:
        zf.writestr(name, source)
    return path.read_bytes()


def _flag_bits(data: bytes, bits: int) -> bytes:
    """Set general-purpose flag ``bits`` in every local and central header of a zip."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(signature)
        while at >= 0:
            (flags,) = struct.unpack_from("<H", out, at + offset)
            struct.pack_into("<H", out, at + offset, flags | bits)
            at = out.find(signature, at + 4)
    return bytes(out)


def _garble_data(data: bytes, keep: int = 0) -> bytes:
    """Overwrite the first entry's compressed data (after ``keep`` bytes of it) with 0xff bytes."""
    name_len, extra_len = struct.unpack_from("<HH", data, 26)
    start = 30 + name_len + extra_len + keep
    (size,) = struct.unpack_from("<I", data, 18)
    return data[:start] + b"\xff" * (size - keep) + data[start + size - keep:]


def encrypted_zip(class_dir: Path, source: str) -> Outcome:
    """A zip whose entry claims encryption: zipfile raises RuntimeError ("password required")."""
    path = class_dir / "encrypted.zip"
    path.write_bytes(_flag_bits(_zip(path, source), 0x1))
    return ("refused", "encrypted", "encrypted")


def utf8_flag_bad_name_zip(class_dir: Path, source: str) -> Outcome:
    """An entry name flagged UTF-8 (bit 11) whose bytes are not UTF-8: ZipFile() raises
    UnicodeDecodeError while reading the central directory."""
    path = class_dir / "bad-name.zip"
    data = _zip(path, source, name="ex1_\u00ff.py")  # zipfile writes it as UTF-8 and sets the flag
    path.write_bytes(data.replace("\u00ff".encode(), b"\xff\xfe"))
    return ("refused", "bad-name", "not a readable zip")


def corrupt_deflate_zip(class_dir: Path, source: str) -> Outcome:
    """Deflate data that is not deflate: zlib.error while extracting."""
    path = class_dir / "bad-deflate.zip"
    path.write_bytes(_garble_data(_zip(path, source, zipfile.ZIP_DEFLATED)))
    return ("refused", "bad-deflate", "not a readable zip")


def corrupt_lzma_zip(class_dir: Path, source: str) -> Outcome:
    """LZMA data with valid properties and a garbage stream: lzma.LZMAError while extracting."""
    path = class_dir / "bad-lzma.zip"
    path.write_bytes(_garble_data(_zip(path, source, zipfile.ZIP_LZMA), keep=9))
    return ("refused", "bad-lzma", "not a readable zip")


def fifo_named_zip(class_dir: Path, source: str) -> Outcome:
    """A FIFO named mallory.zip: opening it would block the coordinator forever."""
    os.mkfifo(class_dir / "mallory.zip")
    return ("refused", "mallory", "not a regular file")


def folder_beside_its_zip(class_dir: Path, source: str) -> Outcome:
    """``ada/`` beside ``ada.zip``: two entries for one id refuse that student, not the batch."""
    (class_dir / "ada").mkdir()
    (class_dir / "ada" / FILENAME).write_text(source)
    _zip(class_dir / "ada.zip", source)
    return ("refused", "ada", "two entries")


def gbk_folder_name(class_dir: Path, source: str) -> Outcome:
    """A folder named 张三 in GBK (unzipping a Chinese archive on Linux): not valid UTF-8, so not
    storable in sqlite as text. Graded under a readable id: 张三 decoded as GB18030, ~ and a hash."""
    raw = "张三".encode("gbk")
    folder = class_dir / os.fsdecode(raw)
    folder.mkdir()
    (folder / FILENAME).write_text(source)
    return ("graded", f"张三~{hashlib.sha256(raw).hexdigest()[:6]}")


def dot_named_folder(class_dir: Path, source: str) -> Outcome:
    """A student folder named ``.eve``: not graded (hidden entries are skipped) but said in the summary."""
    (class_dir / ".eve").mkdir()
    (class_dir / ".eve" / FILENAME).write_text(source)
    return ("skipped", ".eve")


def deep_helper(class_dir: Path, source: str) -> Outcome:
    """A correct ex1 that imports, under ``if False:``, a helper holding a 20,000-term expression: the
    grader's static import scan hits RecursionError in ``ast.parse``. The student is told which file the
    scan cannot read (score 0), never "internal error"."""
    folder = class_dir / "deep-helper"
    folder.mkdir()
    (folder / FILENAME).write_text(source + "\nif False:\n    import helper\n")
    (folder / "helper.py").write_text("x = " + "+".join(["1"] * 20_000) + "\n")
    return ("failed", "deep-helper", "helper.py cannot be read by the check for forbidden imports")


def formula_named_folder(class_dir: Path, source: str) -> Outcome:
    """A student folder named like a spreadsheet formula: graded, and written to every CSV escaped
    (``'=HYPERLINK(...)``), never as a formula a spreadsheet would run."""
    name = '=HYPERLINK("evil.example","grades")'
    (class_dir / name).mkdir()
    (class_dir / name / FILENAME).write_text(source)
    return ("graded", name)


BUILDERS: list[Callable[[Path, str], Outcome]] = [
    encrypted_zip, utf8_flag_bad_name_zip, corrupt_deflate_zip, corrupt_lzma_zip, fifo_named_zip,
    folder_beside_its_zip, gbk_folder_name, dot_named_folder, deep_helper, formula_named_folder]
