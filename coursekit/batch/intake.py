"""Which of a submission's files is which exercise's: forgiving about where and how students name them.

A submission's files are looked for at its top and in folders one level below (``hw13/``). An
exercise's file is, best first: its exact name (``exN_name.py``), the same name in another case,
then a name that starts with the exercise's id (``exN.py``, ``EXN_name.py``, ``ex_N-final.py``,
never ``exN0.py``); at equal names the top wins over a folder. Two equally good candidates are not
guessed between: the feedback names both. A file found under another name or in a folder is staged
under the exercise's name, with a line in the feedback saying which file was used; when nothing matches,
the line lists what was found. Other ``.py`` files are staged under their own names (a student's
helpers). ``__MACOSX``, ``.DS_Store``, ``__pycache__``, ``.ipynb_checkpoints`` and dot files are ignored.
A link or a file over the size limit refuses that file only, with the reason. Each line is a message
(a catalogue key, the exercise, the file names), rendered in the reader's language when it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from coursekit.classresults import exercise_of, refused_note
from coursekit.messages import Message, msg

IGNORED = frozenset({"__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints"})
SUFFIXES = (".py", ".ipynb")
MAX_LISTED = 20


@dataclass(frozen=True)
class Candidate:
    """A file of the submission: its path from the submission's top, and why it is refused, if it is."""

    path: PurePosixPath
    refused: Message | None = None


@dataclass(frozen=True)
class Plan:
    """``staged``: staged name -> the candidate to copy there; ``notes``: lines for the feedback."""

    staged: dict[str, Candidate]
    notes: tuple[Message, ...]
    missing: tuple[str, ...]


def ignored(path: PurePosixPath) -> bool:
    return any(part in IGNORED or part.startswith(".") for part in path.parts)


def _id_pattern(exercise_id: str) -> re.Pattern[str]:
    match = re.fullmatch(r"([a-z]+)0*(\d+)", exercise_id.lower())
    if match is None:
        return re.compile(re.escape(exercise_id.lower()) + r"(?![0-9])")
    prefix, number = match.groups()
    return re.compile(rf"{prefix}[ _-]?0*{number}(?![0-9])")


def _rank(path: PurePosixPath, canonical: str, pattern: re.Pattern[str]) -> tuple[int, int] | None:
    """How well ``path`` stands for ``canonical`` (lower is better), or None when it does not."""
    if path.suffix.lower() != PurePosixPath(canonical).suffix:
        return None
    if path.name == canonical:
        name_rank = 0
    elif path.name.lower() == canonical.lower():
        name_rank = 1
    elif pattern.match(path.stem.lower()):
        name_rank = 2
    else:
        return None
    return name_rank, len(path.parts) - 1


def plan(candidates: Sequence[Candidate], targets: Mapping[str, str]) -> Plan:
    """Match ``candidates`` to ``targets`` (exercise id -> its file name, ``exN_name.py``)."""
    staged: dict[str, Candidate] = {}
    notes: list[Message] = []
    missing: list[str] = []
    taken: set[PurePosixPath] = set()
    files = [c for c in candidates if c.path.suffix.lower() in SUFFIXES]
    for exercise_id, filename in targets.items():
        pattern = _id_pattern(exercise_id)
        matched = False
        for suffix in SUFFIXES:
            canonical = PurePosixPath(filename).stem + suffix
            ranked = sorted((rank, c.path.as_posix(), c) for c in files
                            if (rank := _rank(c.path, canonical, pattern)) is not None)
            if not ranked:
                continue
            matched = True
            best = [c for rank, _, c in ranked if rank == ranked[0][0]]
            if len(best) > 1:
                notes.append(msg("intake.ambiguous", exercise=exercise_id, canonical=canonical,
                                 names=tuple(c.path.as_posix() for c in best)))
                taken.update(c.path for c in best)
                continue
            chosen = best[0]
            taken.add(chosen.path)
            if chosen.refused is not None:
                notes.append(refused_note(chosen.path, chosen.refused, exercise_id))
                continue
            staged[canonical] = chosen
            if chosen.path.as_posix() != canonical:
                notes.append(msg("intake.graded_as", exercise=exercise_id, path=chosen.path.as_posix(),
                                 canonical=canonical))
        if not matched:
            missing.append(exercise_id)
    for c in sorted(files, key=lambda c: (len(c.path.parts), c.path.as_posix())):
        if c.path in taken:
            continue
        if c.refused is not None:
            notes.append(refused_note(c.path, c.refused))
        elif c.path.suffix.lower() == ".py" and c.path.name not in staged:
            staged[c.path.name] = c
    found = sorted(c.path.as_posix() for c in candidates)
    if not found:
        listed = msg("intake.no_files")
    elif len(found) > MAX_LISTED:
        listed = msg("intake.files_more", files=tuple(found[:MAX_LISTED]), more=len(found) - MAX_LISTED)
    else:
        listed = msg("intake.files", files=tuple(found))
    notes.extend(msg("intake.not_found", exercise=e, filename=targets[e], listed=listed) for e in missing)
    return Plan(staged, tuple(notes), tuple(missing))


def about(note: Message, exercises: Sequence[str], every: Sequence[str]) -> bool:
    """Whether a note concerns the shown ``exercises`` (a note on an exercise of ``every`` that is not
    shown is left out; a note on no exercise always counts)."""
    head = exercise_of(note)
    return head is None or head not in every or head in exercises
