"""The gradebook: one row per (student, exercise), written as each grading finishes.

sqlite3 commits each row atomically, so a batch killed at any moment (SIGKILL included) keeps every
finished row, and a rerun regrades only what is missing or stale: a row counts when the submission's
hash and the grader's version key both match.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

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
)
"""


class Gradebook:
    """``OUT_DIR/gradebook.sqlite``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(SCHEMA)

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

    def put(self, student: str, exercise: str, submission: str, grader: str, result: ExerciseResult) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
            (student, exercise, submission, grader, json.dumps(result_to_dict(result)), time.time()))

    def get(self, student: str, exercise: str) -> ExerciseResult | None:
        row = self._db.execute("SELECT result FROM results WHERE student=? AND exercise=?",
                               (student, exercise)).fetchone()
        return None if row is None else result_from_dict(json.loads(row[0]))

    def forget_others(self, students: set[str]) -> None:
        """Drop rows of students no longer in the class folder."""
        for (student,) in self._db.execute("SELECT DISTINCT student FROM results").fetchall():
            if student not in students:
                self._db.execute("DELETE FROM results WHERE student=?", (student,))
