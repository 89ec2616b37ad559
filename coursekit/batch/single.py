"""Grade one submission in this process's care (Gradescope runs one submission per container)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from coursekit.batch.intake import about
from coursekit.batch.roster import stage
from coursekit.batch.run import GradeOptions
from coursekit.batch.worker import Task, close_servers, grade_task
from coursekit.classresults import StudentGrades
from coursekit.registry import exercise_ids
from coursekit.results import result_from_dict


def find_submission_folder(root: Path) -> Path:
    """The folder holding the ``exN_*.py`` files (or notebooks): ``root`` itself or its single subfolder."""
    if _has_exercises(root):
        return root
    folders = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")]
    if len(folders) == 1 and _has_exercises(folders[0]):
        return folders[0]
    return root


def _has_exercises(folder: Path) -> bool:
    return any(folder.glob("ex*.py")) or any(folder.glob("ex*.ipynb"))


def grade_one(submission: Path, student: str, options: GradeOptions) -> StudentGrades:
    """Grade the submission folder (or zip) ``submission`` as ``student`` on the chosen exercises."""
    ids = options.exercises or tuple(exercise_ids())
    with tempfile.TemporaryDirectory(prefix="coursekit-one-") as tmp:
        entry = find_submission_folder(submission) if submission.is_dir() else submission
        sub = stage(student, entry, Path(tmp) / "s")
        try:
            results = tuple(
                result_from_dict(grade_task(Task(student, str(sub.folder), ex_id,
                                                 options.secret.seed(student, ex_id),
                                                 options.timeout_for(ex_id), options.memory_mb,
                                                 options.secret.class_seed(ex_id)))["result"])
                for ex_id in ids)
        finally:
            close_servers()
    return StudentGrades(student, results, sub.problem,
                         intake=tuple(n for n in sub.notes if about(n, ids, exercise_ids())))
