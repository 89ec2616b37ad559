"""``coursekit grade``: every student, every exercise, public and hidden cases, in parallel, resumable."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from coursekit._exceptions import InvalidOptionError
from coursekit.batch.classbook import GRADEBOOK, report_from_gradebook, stored_course
from coursekit.batch.cluster import ClusterOptions
from coursekit.batch.outputs import load_drawing, write_atomic, write_class_outputs
from coursekit.batch.phases import CLASS, STAGING, WRITING, PhaseTimes
from coursekit.batch.roster import (
    STAGED,
    Submission,
    exercise_digest,
    exercise_files,
    stage,
    student_entries,
)
from coursekit.batch.secret import DEMO_SECRET, Secret
from coursekit.batch.store import Gradebook, StudentRecord
from coursekit.batch.times import newest_file_time
from coursekit.batch.version import code_version
from coursekit.batch.worker import Task, cases_for, grade_task, init_worker, limits_for
from coursekit.batch.zygote import worker_context, worker_environment
from coursekit.classresults import REFUSED, ClassReport, Progress, exercise_of
from coursekit.course import Course, check_times
from coursekit.exercise import Exercise
from coursekit.grading import Failed, failed_tests
from coursekit.i18n import DEFAULT, render
from coursekit.messages import Message, msg
from coursekit.registry import exercise_ids, get_exercise, grader_module
from coursekit.results import FORMAT, ExerciseResult, Failure, result_from_dict
from coursekit.sandbox.isolation import Isolation, detect

WORKER_LOG = "workers.log"
TIMINGS = "timings.json"
MIN_MEMORY_MB = 64
# Upper bounds of what an instructor may ask for: beyond them a value is a typo, and each would fail later
# (a worker process per student, a time limit select() refuses, an address-space limit setrlimit refuses).
MAX_WORKERS = 256
MAX_TIMEOUT_S = 86_400.0
MAX_MEMORY_MB = 1 << 20


@dataclass(frozen=True)
class GradeOptions:
    """What to grade and how; every value is checked here, before any grading starts.

    ``students``: grade only these students (the others keep their gradings, and every output is still
    the whole class). ``isolation``: the mode detected once for the run; workers use it as it is.
    ``timeouts``: seconds per run for the exercises named, over ``timeout_s`` (which is every exercise's);
    for one batch whose exercises need very different limits. ``cluster``: grade on a Dask cluster's
    workers instead of local worker processes (``coursekit.batch.cluster``).
    """

    exercises: tuple[str, ...] = ()
    workers: int | None = None
    timeout_s: float | None = None
    memory_mb: int | None = None
    secret: Secret = field(default_factory=lambda: Secret(DEMO_SECRET, "the demo default"))
    students: tuple[str, ...] = ()
    course: Course = field(default_factory=Course)
    isolation: Isolation | None = None
    lang: str = DEFAULT  # the language of report.md and results.json
    timeouts: Mapping[str, float] = field(default_factory=dict)
    cluster: ClusterOptions | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.cluster is not None:
            raise InvalidOptionError("--workers: the cluster's workers grade with --cluster",
                                     message=msg("option.workers_cluster"))
        if self.workers is not None and (isinstance(self.workers, bool) or self.workers < 1):
            raise InvalidOptionError(f"--workers: expected a whole number >= 1, got {self.workers}",
                                     message=msg("option.workers", got=str(self.workers)))
        for timeout in (self.timeout_s, *self.timeouts.values()):
            if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
                raise InvalidOptionError(f"--timeout: expected a positive number of seconds, got {timeout}",
                                         message=msg("option.timeout", got=str(timeout)))
        for timeout in (self.timeout_s, *self.timeouts.values()):
            if timeout is not None and timeout > MAX_TIMEOUT_S:
                raise InvalidOptionError(f"--timeout: at most {MAX_TIMEOUT_S:g} seconds, got {timeout}",
                                         message=msg("option.timeout_most", most=MAX_TIMEOUT_S,
                                                     got=str(timeout)))
        if self.workers is not None and self.workers > MAX_WORKERS:
            raise InvalidOptionError(f"--workers: at most {MAX_WORKERS}, got {self.workers}",
                                     message=msg("option.workers_most", most=MAX_WORKERS,
                                                 got=str(self.workers)))
        if self.memory_mb is not None and self.memory_mb > MAX_MEMORY_MB:
            raise InvalidOptionError(f"--memory: at most {MAX_MEMORY_MB} megabytes, got {self.memory_mb}",
                                     message=msg("option.memory_most", most=MAX_MEMORY_MB,
                                                 got=str(self.memory_mb)))
        for exercise in self.timeouts:
            get_exercise(exercise)
        if self.memory_mb is not None and self.memory_mb < MIN_MEMORY_MB:
            raise InvalidOptionError(f"--memory: expected at least {MIN_MEMORY_MB} megabytes, "
                                     f"got {self.memory_mb}",
                                     message=msg("option.memory", minimum=MIN_MEMORY_MB,
                                                 got=str(self.memory_mb)))
        for exercise in self.exercises:
            get_exercise(exercise)

    def timeout_for(self, exercise: str) -> float | None:
        return self.timeouts.get(exercise, self.timeout_s)

    def worker_count(self) -> int:
        return self.workers if self.workers is not None else (os.cpu_count() or 1)


def grader_key(exercise: Exercise, options: GradeOptions) -> str:
    """Changes whenever the grade could change: the code and libraries that decide it (see
    ``coursekit.batch.version``), the secret and the limits."""
    h = hashlib.sha256(code_version(exercise.id, grader_module(exercise.id)).encode())
    h.update(f"results format {FORMAT}".encode())
    h.update(options.secret.fingerprint().encode())
    h.update(repr(limits_for(exercise, options.timeout_for(exercise.id), options.memory_mb)).encode())
    return h.hexdigest()[:20]


def _failed_result(exercise: Exercise, seed: int, failed: Failed) -> ExerciseResult:
    """Every case failed for one reason: a refused submission, or a grading that could not finish."""
    internal = failed.failure is Failure.INTERNAL_ERROR
    tests = tuple(failed_tests(cases_for(exercise, seed), failed, internal=internal))
    return ExerciseResult(exercise.id, exercise.title_message(), tests,
                          internal_error=failed.message if internal else None)


def exercise_files_own(exercise_id: str) -> list[str]:
    stem = PurePosixPath(get_exercise(exercise_id).filename).stem
    return [stem + suffix for suffix in STAGED]


def _explained(sub: Submission) -> dict[str, Failed]:
    """The exercises of ``sub`` with no file staged because the intake refused it or found two: each
    test fails with the intake's own line (a link is said to be a link, never "not found")."""
    found: dict[str, Failed] = {}
    for note in sub.notes:
        exercise = exercise_of(note)
        if exercise is None or exercise in found or exercise not in exercise_ids():
            continue
        staged = any((sub.folder / name).exists() for name in exercise_files_own(exercise))
        if staged:
            continue
        if note.key in REFUSED:
            found[exercise] = Failed(Failure.REFUSED, note)
        elif note.key == "intake.ambiguous":
            found[exercise] = Failed(Failure.NOT_FOUND, note)
    return found


def check_students(class_dir: Path, students: Sequence[str], course: Course | None = None) -> None:
    """Refuse a class folder that is not there, ``--students`` without an entry in it, or a times CSV
    naming a student who is neither in it nor on the roster."""
    if not class_dir.is_dir():
        raise InvalidOptionError(f"CLASS_DIR: {class_dir} is not a folder",
                                 message=msg("option.class_dir", path=str(class_dir)))
    if course is not None:
        check_times(course, [e.student for e in student_entries(class_dir).entries])
    if students:
        present = {e.student for e in student_entries(class_dir).entries}
        unknown = [s for s in students if s not in present]
        if unknown:
            raise InvalidOptionError(f"--students: no entry in {class_dir} for {', '.join(unknown)}",
                                     message=msg("option.students", path=str(class_dir),
                                                 students=", ".join(unknown)))


def check_out(class_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder that is a file, that cannot be written, or that is the class folder or
    inside it (the next run would grade ``feedback/`` as a student, and the gradebook would sit among the
    submissions); then make it (a folder that cannot be made, under ``/proc`` say, is refused too). A
    refused folder is left as it was."""
    out = Path(os.path.abspath(out_dir))
    if out.exists() and not out.is_dir():
        raise InvalidOptionError(f"--out: {out_dir} is a file, not a folder",
                                 message=msg("option.out_is_file", path=str(out_dir)))
    try:
        inside = out.resolve().is_relative_to(class_dir.resolve())
    except (OSError, RuntimeError):
        inside = False
    if inside:
        raise InvalidOptionError(f"--out: {out_dir} is the class folder {class_dir} or inside it",
                                 message=msg("option.out_in_class", path=str(out_dir),
                                             class_dir=str(class_dir)))
    try:
        under_feedback = class_dir.resolve().is_relative_to(out.resolve() / "feedback")
    except (OSError, RuntimeError):
        under_feedback = False
    if under_feedback:  # the feedback would be written among the submissions
        raise InvalidOptionError(f"--out: the class folder {class_dir} is inside {out_dir}/feedback",
                                 message=msg("option.class_in_feedback", path=str(out_dir),
                                             class_dir=str(class_dir)))
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        where = existing if existing is not None else out
        reason = "not a folder" if existing is not None and not existing.is_dir() else "permission denied"
        raise InvalidOptionError(f"--out: cannot write to {out_dir} ({where}: {reason})",
                                 message=msg("option.out_unwritable", path=str(out_dir),
                                             reason=f"{where}: {reason}"))
    _make_out(out_dir)


def _make_out(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".coursekit-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidOptionError(f"--out: cannot write to {out_dir} ({reason})",
                                 message=msg("option.out_unwritable", path=str(out_dir),
                                             reason=reason)) from None


def grade_class(class_dir: Path, out_dir: Path, options: GradeOptions,
                on_progress: Callable[[Progress], None] | None = None,
                on_notice: Callable[[Message], None] | None = None) -> ClassReport:
    """Grade the students of ``class_dir`` (all, or ``options.students``) into ``out_dir``, then write every
    output for the whole class from the gradebook; finished gradings are reused on rerun. ``on_notice``
    hears what the instructor should know while grading goes on (a cluster's worker refused)."""
    started = time.monotonic()
    ids = options.exercises or tuple(exercise_ids())
    exercises = {i: get_exercise(i) for i in ids}
    check_students(class_dir, options.students)
    check_out(class_dir, out_dir)  # and makes it
    roster = student_entries(class_dir)
    entries = {e.student: e for e in roster.entries}
    chosen = [(s, entries[s]) for s in (options.students or sorted(entries))]
    # Without a course file, the course the gradebook was graded with: a rerun elsewhere changes no grade.
    course, _ = stored_course(out_dir, options.course)
    check_times(course, tuple(entries))  # a times CSV naming nobody of the class: refused before grading
    out_dir.mkdir(parents=True, exist_ok=True)
    if options.cluster is None:
        # The zygote imports Keras (seconds) while this process computes the grader keys and stages the
        # class; a run left with nothing to grade ends it unused (zygote.Zygote.stop).
        worker_context(out_dir / WORKER_LOG)
    keys = {i: grader_key(ex, options) for i, ex in exercises.items()}
    times = PhaseTimes()
    drawing = load_drawing()  # while the class is graded
    with tempfile.TemporaryDirectory(prefix="coursekit-class-") as staging, \
            Gradebook(out_dir / GRADEBOOK) as book:
        os.chmod(staging, 0o700)
        book.put_course(course.to_data())
        dropped = book.dropped()  # dropped from the gradebook: their entry is never graded again
        chosen = [(s, e) for s, e in chosen if s not in dropped]
        book.mark_present(set(entries) - dropped)
        listed = course.late.times if course.late is not None else {}
        submitted_at: dict[str, str | None] = {}
        submissions = []
        targets = {i: get_exercise(i).filename for i in exercise_ids()}
        for n, (student, entry) in enumerate(chosen):
            with times.phase(CLASS, STAGING):
                sub = stage(student, entry.path, Path(staging) / f"s{n}", entry.problem, targets)
                submitted = newest_file_time(entry.path) if sub.problem is None else None
                book.put_student(StudentRecord(student, True, sub.problem,
                                               submitted.isoformat() if submitted is not None else None,
                                               sub.notes))
                if sub.problem is None:
                    keep_sources(book, sub)
                at = listed.get(student) or submitted  # kept with each grading in the history
                submitted_at[student] = at.isoformat() if at is not None else None
            submissions.append(sub)
        # Each exercise is keyed by the files its grading reads: a resubmitted file regrades its exercise
        # alone.
        every = frozenset().union(*(exercise_files(i) for i in exercise_ids()))
        digests = {(sub.student, ex_id): sub.digest if sub.problem is not None
                   else exercise_digest(sub.folder, ex_id, every) for sub in submissions for ex_id in ids}
        todo: list[tuple[Submission, str]] = []
        reused = 0
        total = len(submissions) * len(ids)
        done = 0

        def record(sub: Submission, ex_id: str, result: ExerciseResult, was_reused: bool) -> None:
            nonlocal done
            done += 1
            if not was_reused:
                with times.phase(CLASS, WRITING):
                    book.put(sub.student, ex_id, digests[sub.student, ex_id], keys[ex_id], result,
                             submitted_at[sub.student])
            if on_progress is not None:
                on_progress(Progress(done, total, sub.student, ex_id, result.score, result.max_score,
                                     was_reused, result.internal_error is not None
                                     or any(t.internal_error for t in result.tests)))

        for sub in submissions:
            explained = _explained(sub)
            for ex_id in ids:
                if book.is_current(sub.student, ex_id, digests[sub.student, ex_id], keys[ex_id]):
                    reused += 1
                    cached = book.get(sub.student, ex_id)
                    if cached is not None:
                        record(sub, ex_id, cached, True)
                        continue
                if sub.problem is not None:
                    seed = options.secret.seed(sub.student, ex_id)
                    refused = Failed(Failure.REFUSED, msg("failure.refused", reason=sub.problem))
                    record(sub, ex_id, _failed_result(exercises[ex_id], seed, refused), False)
                elif ex_id in explained:  # its file was refused, or two could be it: nothing to run
                    seed = options.secret.seed(sub.student, ex_id)
                    record(sub, ex_id, _failed_result(exercises[ex_id], seed, explained[ex_id]), False)
                else:
                    todo.append((sub, ex_id))
        if options.cluster is None:
            _run_pool(todo, exercises, options, record, out_dir / WORKER_LOG, times)
        else:
            _run_cluster(todo, exercises, options, record, out_dir / WORKER_LOG, times, on_notice)
        drawing.join()
        with times.phase(CLASS, WRITING):
            report = report_from_gradebook(book, course, ids, out_dir, graded=len(todo),
                                           reused=reused, seconds=time.monotonic() - started,
                                           skipped=roster.skipped)
    with times.phase(CLASS, WRITING):
        report = write_class_outputs(report, options.lang, out_dir / GRADEBOOK)
    timings = {"seconds": round(time.monotonic() - started, 3), "students": len(chosen),
               "graded": len(todo), "reused": reused, **times.to_data()}
    write_atomic(out_dir / TIMINGS, json.dumps(timings, indent=1) + "\n")
    return report


def keep_sources(book: Gradebook, sub: Submission) -> None:
    """Keep each exercise's staged .py file of ``sub`` in the gradebook, for the similarity of
    submissions (summary.json, report.html); a file that is not UTF-8 is kept with its bad bytes replaced."""
    for ex_id in exercise_ids():
        path = sub.folder / get_exercise(ex_id).filename
        if path.is_file() and not path.is_symlink():
            book.put_source(sub.student, ex_id, path.read_bytes().decode("utf-8", errors="replace"))


class _Queue:
    """The gradings left, by exercise, the heaviest exercise first; :meth:`take` says which a worker gets.

    A worker pays once for each exercise it grades: Keras's import and a fork server, the Keras layers
    built and traced for the class's hidden shapes (the content package's shared reference), the reference
    models and measurements. So a worker takes a grading of an exercise it has started, else of one no
    other worker has started, else the heaviest left: each exercise is mostly graded by one worker, and a
    worker with nothing of its own left helps with what remains (at the end, the heavy exercises).
    """

    def __init__(self, todo: Sequence[tuple[Submission, str]], weight: Callable[[str], float]) -> None:
        firsts = {ex_id: n for n, (_, ex_id) in reversed(list(enumerate(todo)))}
        self.order = sorted(firsts, key=lambda e: (-weight(e), firsts[e]))
        self.left: dict[str, deque[tuple[Submission, str]]] = {e: deque() for e in self.order}
        for task in todo:
            self.left[task[1]].append(task)

    def __bool__(self) -> bool:
        return any(self.left.values())

    def put_back(self, task: tuple[Submission, str]) -> None:
        self.left[task[1]].appendleft(task)

    def take(self, mine: set[str], others: set[str]) -> tuple[Submission, str]:
        preferred = ([e for e in self.order if e in mine], [e for e in self.order if e not in others],
                     self.order)
        for candidates in preferred:
            for ex_id in candidates:
                if self.left[ex_id]:
                    return self.left[ex_id].popleft()
        raise IndexError("no grading left")


def _task(sub: Submission, ex_id: str, options: GradeOptions) -> Task:
    """One grading as a worker gets it: the student's and the class's seeds, never the secret."""
    return Task(sub.student, str(sub.folder), ex_id, options.secret.seed(sub.student, ex_id),
                options.timeout_for(ex_id), options.memory_mb, options.secret.class_seed(ex_id))


def _run_cluster(todo: Sequence[tuple[Submission, str]], exercises: dict[str, Exercise],
                 options: GradeOptions, record: Callable[[Submission, str, ExerciseResult, bool], None],
                 log_path: Path, times: PhaseTimes, on_notice: Callable[[Message], None] | None) -> None:
    """Grade ``todo`` on the Dask cluster of ``options.cluster`` (see ``coursekit.batch.cluster``), with
    the same queue as the local pool; what it says goes to ``on_notice`` and ``workers.log``."""
    if not todo or options.cluster is None:
        return
    from coursekit.batch.cluster import run_cluster

    def fail(sub: Submission, ex_id: str, failed: Failed) -> None:
        seed = options.secret.seed(sub.student, ex_id)
        record(sub, ex_id, _failed_result(exercises[ex_id], seed, failed), False)

    def notice(message: Message) -> None:
        with log_path.open("a", encoding="utf-8") as log:
            log.write(render(message, DEFAULT) + "\n")
        if on_notice is not None:
            on_notice(message)

    isolation = options.isolation if options.isolation is not None else detect()
    run_cluster(options.cluster, _Queue(todo, lambda ex_id: exercises[ex_id].limits.timeout_s), exercises,
                lambda sub, ex_id: _task(sub, ex_id, options), record, fail, times, isolation, notice)


@dataclass(eq=False)
class _Worker:
    """One worker process (a one-process executor), the exercises it has started and its tasks in flight."""

    pool: ProcessPoolExecutor
    exercises: set[str] = field(default_factory=set)
    running: int = 0


PER_WORKER = 2  # gradings sent to a worker at once: the one it grades, and the next one ready


def _deal(queue: _Queue, workers: Sequence[_Worker]) -> Iterator[tuple[_Worker, tuple[Submission, str]]]:
    """The gradings to send now, and to which worker: one to each worker first, then each its next one.

    Dealt a worker at a time, the first worker got both the heaviest exercise and the next heaviest (two
    Keras exercises: each a fork server importing Keras, then a training or the builds) while the other
    worker graded the light ones, and one student's run waited for both in a row. The caller sends each
    grading (``worker.running`` counts it) before it asks for the next, or stops asking."""
    for slot in range(1, PER_WORKER + 1):
        for worker in workers:
            while queue and worker.running < slot:
                others = set().union(*(w.exercises for w in workers if w is not worker))
                yield worker, queue.take(worker.exercises, others)


def _run_pool(todo: Sequence[tuple[Submission, str]], exercises: dict[str, Exercise], options: GradeOptions,
              record: Callable[[Submission, str, ExerciseResult, bool], None], log_path: Path,
              times: PhaseTimes) -> None:
    """Grade ``todo`` on worker processes (:class:`_Queue` says who grades what); a worker that dies is
    replaced and its task retried once. The workers' figures of where the time went are added to
    ``times``."""
    if not todo:
        return
    queue = _Queue(todo, lambda ex_id: exercises[ex_id].limits.timeout_s)
    attempts: dict[tuple[str, str], int] = {}
    # Forked from the zygote, which has imported Keras once (coursekit/batch/zygote.py), or spawned.
    context = worker_context(log_path)
    isolation = options.isolation if options.isolation is not None else detect()

    def start() -> _Worker:
        return _Worker(ProcessPoolExecutor(1, mp_context=context, initializer=init_worker,
                                           initargs=(str(log_path), os.getpid(), isolation,
                                                     worker_environment())))

    def task(sub: Submission, ex_id: str) -> Task:
        return _task(sub, ex_id, options)

    workers = [start() for _ in range(min(options.worker_count(), len(todo)))]
    futures: dict[Future[dict[str, Any]], tuple[_Worker, Submission, str]] = {}

    def replace_dead(dead: _Worker) -> None:
        """Its other grading in flight goes back, unblamed, and a new worker takes its place."""
        for future, (worker, sub, ex_id) in list(futures.items()):
            if worker is dead:
                del futures[future]
                queue.put_back((sub, ex_id))
        dead.pool.shutdown(wait=True, cancel_futures=True)
        workers[workers.index(dead)] = start()

    try:
        while queue or futures:
            for worker, (sub, ex_id) in _deal(queue, list(workers)):
                try:
                    future = worker.pool.submit(grade_task, task(sub, ex_id))
                except BrokenProcessPool:  # it died between two gradings
                    queue.put_back((sub, ex_id))
                    replace_dead(worker)
                    break
                worker.exercises.add(ex_id)
                worker.running += 1
                futures[future] = (worker, sub, ex_id)
            if not futures:
                continue
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            died: list[_Worker] = []
            for future in finished:
                worker, sub, ex_id = futures.pop(future)
                worker.running -= 1
                seed = options.secret.seed(sub.student, ex_id)
                try:
                    graded = future.result()
                    times.merge(graded["times"])
                    record(sub, ex_id, result_from_dict(graded["result"]), False)
                except BrokenProcessPool:
                    if worker not in died:
                        died.append(worker)
                    key = (sub.student, ex_id)
                    attempts[key] = attempts.get(key, 0) + 1
                    if attempts[key] >= 2:
                        lost = Failed(Failure.INTERNAL_ERROR, msg("failure.worker_died"))
                        record(sub, ex_id, _failed_result(exercises[ex_id], seed, lost), False)
                    else:
                        queue.put_back((sub, ex_id))
                except Exception as exc:  # a bug in a grader: an internal error, never the student's
                    crashed = Failed(Failure.INTERNAL_ERROR, msg(
                        "failure.internal", exercise=ex_id, error=f"{type(exc).__name__}: {exc}"))
                    record(sub, ex_id, _failed_result(exercises[ex_id], seed, crashed), False)
            for worker in died:
                replace_dead(worker)
    finally:
        for worker in workers:
            worker.pool.shutdown(wait=True, cancel_futures=True)
