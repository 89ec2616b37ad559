"""The gradebook: one row per (student, exercise), written as each grading finishes.

sqlite3 commits each row atomically, so a batch killed at any moment (SIGKILL included) keeps every
finished row, and a rerun regrades only what is missing or stale: a row counts when the submission's
hash and the grader's version key both match. A second table holds what is known of each student: whether
their entry is still in the class folder, why their submission was refused, when it was submitted and the
intake's notes, stored as messages (JSON: a catalogue key and its parameters) so that they are rendered
in the language of each output; a gradebook written when they were English text is still read (its
lines show as they are). A third table, ``meta``, keeps the course the class was graded with; ``drawings``
the histograms of the last report.html (render/reporthtml.py's ``Drawings``), drawn again only when what
they show changed. Every
output is written from these tables, so a run on some students or exercises
never drops the others.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursekit.messages import Message, verbatim
from coursekit.results import ExerciseResult, result_from_dict, result_to_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    submission TEXT NOT NULL,
    grader TEXT NOT NULL,
    result TEXT NOT NULL,
    graded_at REAL NOT NULL,
    PRIMARY KEY (student, exercise)
);
CREATE TABLE IF NOT EXISTS students (
    student TEXT PRIMARY KEY,
    present INTEGER NOT NULL,
    problem TEXT,
    submitted_at TEXT,
    intake TEXT NOT NULL DEFAULT '[]',
    seen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    submission TEXT NOT NULL,
    grader TEXT NOT NULL,
    result TEXT NOT NULL,
    submitted_at TEXT,
    graded_at REAL NOT NULL,
    PRIMARY KEY (student, exercise, submission, grader)
);
CREATE TABLE IF NOT EXISTS adjustments (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    points REAL NOT NULL,
    reason TEXT NOT NULL,
    made_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (student, exercise)
);
CREATE TABLE IF NOT EXISTS dropped (
    student TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    made_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS drawings (
    key TEXT PRIMARY KEY,
    svg TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Grading:
    """One grading of an exercise, kept with the time of the submission it graded."""

    result: ExerciseResult
    submitted_at: str | None
    graded_at: float


@dataclass(frozen=True)
class Adjustment:
    """A manual change of an exercise's points, with its reason: it survives every rerun."""

    exercise: str
    points: float
    reason: str


@dataclass(frozen=True)
class StudentRecord:
    """What the gradebook knows of a student besides their gradings."""

    student: str
    present: bool
    problem: Message | None = None
    submitted_at: str | None = None
    intake: tuple[Message, ...] = ()


class Gradebook:
    """``OUT_DIR/gradebook.sqlite``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_current(self, student: str, exercise: str, submission: str, grader: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM results WHERE student=? AND exercise=? AND submission=? AND grader=?",
            (student, exercise, submission, grader)).fetchone()
        return row is not None

    def put(self, student: str, exercise: str, submission: str, grader: str, result: ExerciseResult,
            submitted_at: str | None = None) -> None:
        """The current grading, also kept in the history with its submission's time."""
        text, now = json.dumps(result_to_dict(result)), time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                             (student, exercise, submission, grader, text, now))
            # A regrading of the same files by a changed grader replaces the old grader's verdict on them.
            self._db.execute("DELETE FROM history WHERE student=? AND exercise=? AND submission=? "
                             "AND grader!=?", (student, exercise, submission, grader))
            self._db.execute("INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (student, exercise, submission, grader, text, submitted_at, now))

    def history(self, student: str) -> dict[str, list[Grading]]:
        """Every grading kept of each exercise of ``student``, oldest first."""
        rows = self._db.execute("SELECT exercise, result, submitted_at, graded_at FROM history "
                                "WHERE student=? ORDER BY graded_at", (student,)).fetchall()
        found: dict[str, list[Grading]] = {}
        for exercise, text, at, graded_at in rows:
            found.setdefault(exercise, []).append(Grading(result_from_dict(json.loads(text)), at, graded_at))
        return found

    def adjust(self, student: str, exercise: str, points: float, reason: str) -> None:
        self._db.execute("INSERT INTO adjustments VALUES (?, ?, ?, ?, ?)",
                         (student, exercise, points, reason, time.time()))

    def adjustments(self, student: str) -> list[Adjustment]:
        rows = self._db.execute("SELECT exercise, points, reason FROM adjustments WHERE student=? "
                                "ORDER BY made_at", (student,)).fetchall()
        return [Adjustment(e, float(p), r) for e, p, r in rows]

    def put_source(self, student: str, exercise: str, text: str) -> None:
        """The student's last file of ``exercise``, for the similarity of submissions (never graded from)."""
        self._db.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?)", (student, exercise, text))

    def sources(self, exercise: str) -> dict[str, str]:
        rows = self._db.execute("SELECT student, text FROM sources WHERE exercise=?", (exercise,)).fetchall()
        return dict(rows)

    def drop(self, student: str, reason: str) -> None:
        """Remove ``student`` from every output; a rerun does not grade their entry again."""
        self._db.execute("INSERT OR REPLACE INTO dropped VALUES (?, ?, ?)", (student, reason, time.time()))

    def dropped(self) -> set[str]:
        return {s for (s,) in self._db.execute("SELECT student FROM dropped").fetchall()}

    def get(self, student: str, exercise: str) -> ExerciseResult | None:
        row = self._db.execute("SELECT result FROM results WHERE student=? AND exercise=?",
                               (student, exercise)).fetchone()
        return None if row is None else result_from_dict(json.loads(row[0]))

    def results(self, student: str) -> dict[str, ExerciseResult]:
        rows = self._db.execute("SELECT exercise, result FROM results WHERE student=?", (student,)).fetchall()
        return {exercise: result_from_dict(json.loads(text)) for exercise, text in rows}

    def exercises(self) -> set[str]:
        return {e for (e,) in self._db.execute("SELECT DISTINCT exercise FROM results").fetchall()}

    def put_student(self, record: StudentRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO students VALUES (?, ?, ?, ?, ?, ?)",
            (record.student, int(record.present),
             None if record.problem is None else json.dumps(record.problem.to_dict(), ensure_ascii=False),
             record.submitted_at, json.dumps([m.to_dict() for m in record.intake], ensure_ascii=False),
             time.time()))

    def mark_present(self, present: set[str]) -> None:
        """Students with an entry in the class folder are present; every other known student is not."""
        known = {s for (s,) in self._db.execute("SELECT student FROM students").fetchall()}
        graded = {s for (s,) in self._db.execute("SELECT DISTINCT student FROM results").fetchall()}
        for student in (known | graded) - present:
            if student in known:
                self._db.execute("UPDATE students SET present=0 WHERE student=?", (student,))
            else:
                self.put_student(StudentRecord(student, present=False))
        for student in present - known:
            self.put_student(StudentRecord(student, present=True))
        for student in present & known:
            self._db.execute("UPDATE students SET present=1 WHERE student=?", (student,))

    def put_course(self, data: Mapping[str, Any]) -> None:
        """The course the gradebook was graded with (``Course.to_data()``): a rerun without a course file
        keeps it, and the exports read it."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('course', ?)",
                         (json.dumps(data, ensure_ascii=False),))

    def course(self) -> dict[str, Any] | None:
        row = self._db.execute("SELECT value FROM meta WHERE key='course'").fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def drawings(self) -> dict[str, str]:
        """The histograms the last report.html showed: key -> SVG (checked where they are used)."""
        return {k: v for k, v in self._db.execute("SELECT key, svg FROM drawings").fetchall()
                if isinstance(k, str) and isinstance(v, str)}

    def put_drawings(self, drawings: Mapping[str, str]) -> None:
        """Keep these histograms, and only these: the table holds one report's, whatever was there."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM drawings")
            self._db.executemany("INSERT INTO drawings VALUES (?, ?)", sorted(drawings.items()))

    def students(self) -> list[StudentRecord]:
        """Every student the gradebook knows, by id."""
        rows = self._db.execute("SELECT student, present, problem, submitted_at, intake FROM students "
                                "ORDER BY student").fetchall()
        return [StudentRecord(s, bool(p), None if problem is None else _problem(problem), at,
                              tuple(_message(n) for n in json.loads(intake)))
                for s, p, problem, at, intake in rows]


def _message(stored: object) -> Message:
    """A stored message; a line stored as text (by a coursekit before messages) is shown as it is."""
    if isinstance(stored, dict) and "key" in stored:
        return Message.from_dict(stored)
    return verbatim(str(stored))


def _problem(stored: str) -> Message:
    try:
        data = json.loads(stored) if stored.startswith("{") else stored
    except ValueError:
        data = stored
    return _message(data)
