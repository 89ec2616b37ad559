"""``coursekit grade``: every student, every exercise, public and hidden cases, in parallel, resumable."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from coursekit import __version__, refcache
from coursekit.batch.outputs import write_outputs
from coursekit.batch.roster import Submission, stage, student_entries
from coursekit.batch.secret import DEMO_SECRET, Secret
from coursekit.batch.store import Gradebook
from coursekit.batch.worker import Task, cases_for, grade_task, init_worker, limits_for
from coursekit.exercise import Exercise
from coursekit.registry import exercise_ids, get_exercise
from coursekit.results import ExerciseResult, TestResult, result_from_dict

GRADEBOOK = "gradebook.sqlite"
WORKER_LOG = "workers.log"


@dataclass(frozen=True)
class GradeOptions:
    exercises: tuple[str, ...] = ()
    workers: int = 0
    timeout_s: float | None = None
    memory_mb: int | None = None
    secret: Secret = field(default_factory=lambda: Secret(DEMO_SECRET, "the demo default"))

    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


@dataclass(frozen=True)
class Progress:
    """One finished (student, exercise): sent to ``on_progress`` as grading goes."""

    done: int
    total: int
    student: str
    exercise: str
    score: float
    max_score: float
    reused: bool
    internal_error: bool


@dataclass(frozen=True)
class StudentGrades:
    student: str
    results: tuple[ExerciseResult, ...]
    problem: str | None = None

    @property
    def total(self) -> float:
        return round(sum(r.score for r in self.results), 6)

    @property
    def max_total(self) -> float:
        return round(sum(r.max_score for r in self.results), 6)


@dataclass(frozen=True)
class ClassReport:
    exercises: tuple[str, ...]
    students: tuple[StudentGrades, ...]
    graded: int
    reused: int
    out_dir: Path
    seconds: float
    skipped: tuple[str, ...] = ()  # entries of the class folder that are no student, and why

    def internal_errors(self) -> list[tuple[str, str, str]]:
        """(student, exercise, message) for every grading that hit a bug in a grader."""
        found = []
        for s in self.students:
            for r in s.results:
                if r.internal_error:
                    found.append((s.student, r.exercise, r.internal_error))
                found.extend((s.student, r.exercise, t.output) for t in r.tests if t.internal_error)
        return found


def grader_key(exercise: Exercise, options: GradeOptions) -> str:
    """Changes whenever the grade could change: coursekit, the grader, its cache, the secret, the limits."""
    h = hashlib.sha256(__version__.encode())
    module = sys.modules[type(exercise).__module__]
    if module.__file__:
        h.update(Path(module.__file__).read_bytes())
    cache = refcache.cache_path(exercise.id)
    if cache.is_file():
        h.update(cache.read_bytes())
    h.update(options.secret.fingerprint().encode())
    h.update(repr(limits_for(exercise, options.timeout_s, options.memory_mb)).encode())
    return h.hexdigest()[:20]


def _failed_result(exercise: Exercise, seed: int, message: str, internal: bool = False) -> ExerciseResult:
    tests = tuple(TestResult(c.name, "failed", 0.0, c.points, message, hidden=c.hidden,
                             internal_error=internal) for c in cases_for(exercise, seed))
    return ExerciseResult(exercise.id, exercise.title, tests, internal_error=message if internal else None)


def grade_class(class_dir: Path, out_dir: Path, options: GradeOptions,
                on_progress: Callable[[Progress], None] | None = None) -> ClassReport:
    """Grade every student of ``class_dir`` into ``out_dir``; finished gradings are reused on rerun."""
    started = time.monotonic()
    ids = options.exercises or tuple(exercise_ids())
    exercises = {i: get_exercise(i) for i in ids}
    out_dir.mkdir(parents=True, exist_ok=True)
    roster = student_entries(class_dir)
    keys = {i: grader_key(ex, options) for i, ex in exercises.items()}
    with tempfile.TemporaryDirectory(prefix="coursekit-class-") as staging, \
            Gradebook(out_dir / GRADEBOOK) as book:
        os.chmod(staging, 0o700)
        submissions = [stage(e.student, e.path, Path(staging) / f"s{n}", e.problem)
                       for n, e in enumerate(roster.entries)]
        book.forget_others({s.student for s in submissions})
        todo: list[tuple[Submission, str]] = []
        reused = 0
        total = len(submissions) * len(ids)
        done = 0

        def record(sub: Submission, ex_id: str, result: ExerciseResult, was_reused: bool) -> None:
            nonlocal done
            done += 1
            if not was_reused:
                book.put(sub.student, ex_id, sub.digest, keys[ex_id], result)
            if on_progress is not None:
                on_progress(Progress(done, total, sub.student, ex_id, result.score, result.max_score,
                                     was_reused, result.internal_error is not None
                                     or any(t.internal_error for t in result.tests)))

        for sub in submissions:
            for ex_id in ids:
                if book.is_current(sub.student, ex_id, sub.digest, keys[ex_id]):
                    reused += 1
                    cached = book.get(sub.student, ex_id)
                    if cached is not None:
                        record(sub, ex_id, cached, True)
                        continue
                if sub.problem is not None:
                    seed = options.secret.seed(sub.student, ex_id)
                    record(sub, ex_id, _failed_result(exercises[ex_id], seed, sub.problem), False)
                else:
                    todo.append((sub, ex_id))
        _run_pool(todo, exercises, options, record, out_dir / WORKER_LOG)
        students = tuple(
            StudentGrades(sub.student, tuple(r for i in ids if (r := book.get(sub.student, i)) is not None),
                          sub.problem)
            for sub in submissions)
    report = ClassReport(ids, students, len(todo), reused, out_dir, time.monotonic() - started,
                         roster.skipped)
    write_outputs(report)
    return report


def _run_pool(todo: Sequence[tuple[Submission, str]], exercises: dict[str, Exercise], options: GradeOptions,
              record: Callable[[Submission, str, ExerciseResult, bool], None], log_path: Path) -> None:
    """Grade ``todo`` on a pool of workers; a worker that dies is replaced and its task retried once."""
    if not todo:
        return
    # The heaviest exercises first, so that the last minutes are not one worker grading ex3 alone.
    queue = sorted(todo, key=lambda t: exercises[t[1]].limits.timeout_s, reverse=True)
    attempts: dict[tuple[str, str], int] = {}
    context = multiprocessing.get_context("spawn")
    while queue:
        workers = min(options.worker_count(), len(queue))
        with ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker,
                                 initargs=(str(log_path), os.getpid())) as pool:
            futures: dict[Future[dict[str, object]], tuple[Submission, str]] = {}
            broken = False
            while (queue or futures) and not broken:
                while queue and len(futures) < workers * 2:
                    sub, ex_id = queue.pop(0)
                    task = Task(sub.student, str(sub.folder), ex_id, options.secret.seed(sub.student, ex_id),
                                options.timeout_s, options.memory_mb, options.secret.class_seed(ex_id))
                    futures[pool.submit(grade_task, task)] = (sub, ex_id)
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in finished:
                    sub, ex_id = futures.pop(future)
                    seed = options.secret.seed(sub.student, ex_id)
                    try:
                        record(sub, ex_id, result_from_dict(future.result()), False)
                    except BrokenProcessPool:
                        broken = True
                        key = (sub.student, ex_id)
                        attempts[key] = attempts.get(key, 0) + 1
                        if attempts[key] >= 2:
                            record(sub, ex_id, _failed_result(exercises[ex_id], seed,
                                   "internal error: the grading worker died twice on this submission",
                                   internal=True), False)
                        else:
                            queue.append((sub, ex_id))
                    except Exception as exc:  # a bug in a grader: an internal error, never the student's
                        record(sub, ex_id, _failed_result(exercises[ex_id], seed,
                               f"internal error in the {ex_id} grader: {type(exc).__name__}: {exc}",
                               internal=True), False)
            if broken:
                queue.extend(futures.values())
