"""Student ids as names on a file system: bounded in bytes, printable, unique.

A student id comes from a class-folder entry's name, which a student chooses. It reaches the file system
as a folder of the output (``feedback/<id>/``), and a file name is at most 255 bytes on most file systems
(``NAME_MAX``): a 127-character Chinese name decoded from GBK is 388 bytes of UTF-8. :func:`readable_id`
makes an id from raw name bytes: kept as it is when it is UTF-8, printable and at most
:data:`MAX_ID_BYTES` bytes; otherwise made printable (each control character written as ``\\xNN``),
cut at a character boundary and ended with ``~`` and six hex digits of the SHA-256 of the raw name, so
that the same name always gives the same id and two names do not give one id. :func:`folder_name` applies
the same rule to an id as stored (a gradebook written before this bound may hold longer ids).
"""

from __future__ import annotations

import hashlib

MAX_ID_BYTES = 96  # well under NAME_MAX (255), with room for a temporary file's prefix and suffix
HASH_DIGITS = 6


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, at a character boundary."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def readable_id(text: str, raw: bytes, exact: bool = True) -> str:
    """The id of an entry named ``raw`` whose decoded text is ``text`` (``exact``: the decoding is the name
    itself, not a guess)."""
    shown = _printable(text)
    if exact and shown == text and len(text.encode("utf-8")) <= MAX_ID_BYTES:
        return text
    suffix = f"~{hashlib.sha256(raw).hexdigest()[:HASH_DIGITS]}"
    return _cut(shown, MAX_ID_BYTES - len(suffix)) + suffix


def folder_name(student: str) -> str:
    """The name of the student's folder in the output: the id itself when it is a safe name (every id
    coursekit makes now is), else bounded as :func:`readable_id` bounds a name."""
    if student in ("", ".", "..") or "/" in student or "\\" in student:
        return readable_id(student.replace("/", "_").replace("\\", "_") or "_",
                           student.encode("utf-8", "surrogatepass"), exact=False)
    return readable_id(student, student.encode("utf-8", "surrogatepass"))
