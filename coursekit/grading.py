"""Grade one exercise of one submission: run the cases in a sandbox, judge each value.

This is the code ``check`` and ``grade`` share. A student's mistake, crash or hostility becomes a failed
test with a message; an exception in a grader becomes a test marked as an internal error, never blamed
on the student. Every message is a value (``coursekit.messages``) and every failure has a kind
(``results.Failure``); nothing here is text in a language.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coursekit._exceptions import CoursekitError, SubmissionNotFoundError, SubmissionRefusedError
from coursekit.exercise import Case, Exercise, call_key
from coursekit.imports import find_forbidden
from coursekit.messages import Message, Mistake, in_domain, msg, verbatim
from coursekit.notebook import NotebookCode, NotebookError, as_released, notebook_name, read_notebook
from coursekit.results import ExerciseResult, Failure, TestResult
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Call, Job
from coursekit.sandbox.report import Place, RunReport, StudentError
from coursekit.sandbox.runner import run_job

Runner = Callable[[Path, Job, Limits], RunReport]
# Times a phase of a grading, as ``clock(exercise_id, phase)`` around it (coursekit/batch/phases.py).
Clock = Callable[[str, str], contextlib.AbstractContextManager[None]]


def _no_clock(exercise: str, phase: str) -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext()

MAX_RESTARTS = 4
MAX_OTHER_NOTEBOOKS = 20


def grade_exercise(exercise: Exercise, workspace: Path, cases: Sequence[Case],
                   expected: Mapping[str, Any], *, limits: Limits | None = None,
                   runner: Runner = run_job, remeasure: bool = False,
                   entry: str | None = None, clock: Clock = _no_clock) -> ExerciseResult:
    """Run ``cases`` on the student's ``exercise.filename`` in ``workspace`` and judge every value.

    The file may be the exercise's notebook (``exN_*.ipynb``) instead: it is graded when there is no
    ``.py`` beside it, or when ``entry`` names it (the student named the file). ``remeasure`` (batch
    grading) has the grader recompute what the student process measured itself, through
    :meth:`Exercise.remeasure`, before judging. ``clock`` times remeasuring ("remeasure") and judging
    ("judging").
    """
    started = time.monotonic()
    limits = limits or exercise.limits

    def finish(tests: list[TestResult], output: str = "", notes: tuple[Message, ...] = ()) -> ExerciseResult:
        return ExerciseResult(exercise=exercise.id, title=exercise.title_message(), tests=tuple(tests),
                              output=output, notes=notes, execution_time=time.monotonic() - started)

    try:
        notebooks, found_notes = _notebooks(exercise, workspace, entry)
    except NotebookError as exc:  # nbformat missing, a notebook that is no notebook: said once, above
        unreadable = refusal_message(exc)
        return finish(failed_tests(cases, Failed(Failure.REFUSED, unreadable)), notes=(unreadable,))
    modules = {nb.module_file: nb for nb in notebooks}
    path = workspace / exercise.filename
    if exercise.filename not in modules:
        if path.is_symlink():
            refused = Failed(Failure.REFUSED, msg("failure.link", file=exercise.filename))
            return finish(failed_tests(cases, refused))
        if not path.is_file():
            missing = msg("failure.not_found", file=exercise.filename,
                          notebook=notebook_name(exercise.filename))
            return finish(failed_tests(cases, Failed(Failure.NOT_FOUND, missing)))
    if exercise.forbidden_imports:
        try:
            banned = find_forbidden(workspace, exercise.filename, exercise.forbidden_imports,
                                    {name: nb.source for name, nb in modules.items()})
        except SubmissionRefusedError as exc:  # a file the scan cannot read: the student's, said so
            return finish(failed_tests(cases, Failed(Failure.REFUSED, refusal_message(exc))))
        if banned:
            b = banned[0]
            nb = modules.get(b.file)
            banned_message = msg("failure.forbidden_import", file=b.file, line=b.line, module=b.name,
                                 exercise=exercise.id) if nb is None else \
                msg("failure.forbidden_import_at", place=place_message(nb.place(_line(b.file, b.line))),
                    module=b.name, exercise=exercise.id)
            # every test fails with the same words: kept on each test (data), said once as a note
            return finish(failed_tests(cases, Failed(Failure.FORBIDDEN_IMPORT, banned_message)),
                          notes=(banned_message,))
    try:
        outcomes, output, notes = _run_all(exercise, workspace, cases, limits, runner, measure=not remeasure,
                                           notebooks=notebooks)
    except SubmissionNotFoundError as exc:
        return finish(failed_tests(cases, Failed(Failure.NOT_FOUND, refusal_message(exc))), notes=found_notes)
    except SubmissionRefusedError as exc:
        return finish(failed_tests(cases, Failed(Failure.REFUSED, refusal_message(exc))), notes=found_notes)
    said: list[Message] = []  # the verdicts' notes, each said once
    tests = [_judge(exercise, case, outcomes[case.name], expected.get(case.name), remeasure, said, clock)
             for case in cases]
    return finish(tests, output, (*found_notes, *notes, *said))


def _notebooks(exercise: Exercise, workspace: Path,
               entry: str | None) -> tuple[list[NotebookCode], tuple[Message, ...]]:
    """The notebooks that stand for modules of the submission, and notes on which file was graded.

    The exercise's own notebook counts when its ``.py`` is absent or ``entry`` names the notebook; a
    notebook that is not readable then raises NotebookError. Other notebooks without their ``.py``
    (an exercise importing an earlier one) are converted when they can be, so that the exercise can
    import them. When the
    ``.py`` wins, a note says so, unless the notebook still holds the code release wrote in it (the
    handout's folder holds both: a student who works in the ``.py`` has nothing to be told).
    """
    own = notebook_name(exercise.filename)
    py, nb = workspace / exercise.filename, workspace / own
    has_py = py.is_file() or py.is_symlink()
    has_nb = nb.is_file() or nb.is_symlink()
    notebooks: list[NotebookCode] = []
    notes: tuple[Message, ...] = ()
    if has_nb and (entry == own or not has_py):
        notebooks.append(read_notebook(nb))
        if has_py:
            notes = (msg("note.notebook_graded", notebook=own, file=exercise.filename),)
    elif has_nb and not as_released(nb):  # the notebook release wrote, untouched, is not worth a note
        notes = (msg("note.py_graded", notebook=own, file=exercise.filename, exercise=exercise.id),)
    others = [p for p in sorted(workspace.glob("*.ipynb")) if p.name != own and p.stem.isidentifier()
              and not (workspace / f"{p.stem}.py").exists()]
    for path in others[:MAX_OTHER_NOTEBOOKS]:
        with contextlib.suppress(NotebookError):  # not this exercise's file: its own grading says why
            notebooks.append(read_notebook(path))
    return notebooks, notes


def _line(file: str, line: int) -> Place:
    return Place(file=file, line=line, function="", code="")


@dataclass(frozen=True)
class Failed:
    """A case that failed before its value could be judged: the kind, the message, maybe a named mistake."""

    failure: Failure
    message: Message
    mistake: Mistake | None = None


def refusal_message(exc: CoursekitError) -> Message:
    """What a refusal says: its catalogue message, else its text as it is."""
    return exc.message or verbatim(str(exc))


def failed_tests(cases: Sequence[Case], failed: Failed, *, internal: bool = False) -> list[TestResult]:
    """Every case failed for the same reason (a missing file, a forbidden import, a refused submission)."""
    return [_failed_test(c, failed, internal) for c in cases]


def _failed_test(case: Case, failed: Failed, internal: bool = False) -> TestResult:
    mistake = failed.mistake
    return TestResult(case.name, "failed", 0.0, case.points, failed.message, hidden=case.hidden,
                      mistake=None if mistake is None else mistake.id,
                      hint=None if mistake is None else mistake.hint, failure=failed.failure,
                      internal_error=internal)


# An outcome per case: the decoded value the student's function returned, or why there is none.
Outcome = tuple[str, Any]


def _run_all(exercise: Exercise, workspace: Path, cases: Sequence[Case], limits: Limits,
             runner: Runner, measure: bool = True, notebooks: Sequence[NotebookCode] = (),
             ) -> tuple[dict[str, Outcome], str, tuple[Message, ...]]:
    """Run every case; when the process dies on one, fail it and restart for the others.

    Cases that make the same call share it (:func:`shared_calls`): the call is made once, under the name
    of its first case, and its outcome is every one of its cases'. ``measure`` False (batch grading,
    which remeasures) lets probes skip measurements the grader redoes. ``notebooks`` are written as the
    modules they stand for, and the student's errors on their lines are reported by cell.
    """
    modules = tuple((nb.module_file, nb.source) for nb in notebooks)
    own = _own_files(workspace, notebooks)
    groups = shared_calls(cases)
    outcomes: dict[str, Outcome] = {}
    outputs: list[str] = []
    notes: list[Message] = []
    probes = {name: str(path) for name, path in exercise.probes.items()}
    pending = [sharing[0] for sharing in groups]
    for _ in range(MAX_RESTARTS + 1):
        if not pending:
            break
        calls = tuple(Call(c.name, c.function, tuple(c.args), dict(c.kwargs), c.probe, dict(c.probe_data),
                           c.attribute) for c in pending)
        job = Job(exercise.module, calls, exercise.forbidden_imports, measure, modules=modules, probes=probes,
                  skip_top_level_calls=exercise.skip_top_level_calls)
        report = _by_cell(runner(workspace, job, limits), notebooks)
        skipped = report.top_level_skipped
        if skipped is not None and skipped.where:
            place = skipped.where[0]
            note = msg("note.top_level_skipped", place=place_message(place), code=place.code,
                       more=max(report.top_level_count - 1, 0), file=exercise.filename)
            if note not in notes:
                notes.append(note)
        if report.output:
            outputs.append(report.output)
        if report.forbidden_imports:
            failed = Failed(Failure.FORBIDDEN_IMPORT, msg(
                "failure.forbidden_import_run", file=exercise.filename,
                modules=tuple(report.forbidden_imports), exercise=exercise.id))
            return {c.name: ("failed", failed) for c in cases}, "\n".join(outputs), (failed.message,)
        hidden_run = any(c.hidden for c in pending)  # the process held hidden inputs
        if report.import_error is not None:
            own_syntax = _own_syntax_error(workspace, exercise, notebooks) if hidden_run else None
            graded = notebook_name(exercise.filename) if any(
                nb.module_file == exercise.filename for nb in notebooks) else exercise.filename
            if not hidden_run:
                failed = _import_failure(exercise, report.import_error, graded,
                                         _absent_neighbours(exercise, workspace, notebooks))
            elif own_syntax is not None:
                failed = _import_failure(exercise, own_syntax, graded)
            else:
                failed = _hidden_failure(msg("hidden.import_failed", file=exercise.filename),
                                         Failure.IMPORT_ERROR, report.import_error, limits, own)
            outcomes.update({c.name: ("failed", failed) for c in pending})
            if not hidden_run:  # one failure for the whole file: said once, above the table
                notes.append(failed.message)
            break
        for case in pending:
            got = report.outcomes.get(case.name)
            if got is not None:
                outcomes[case.name] = ("value", got.value) if got.error is None \
                    else ("failed", _call_failure(exercise, case, got.error, limits, own))
        pending = [c for c in pending if c.name not in outcomes]
        if not pending or report.finished:
            break
        kind, ending = _ending(report, limits)
        if hidden_run:  # no exit code, signal or protocol detail: the code could have chosen them
            kind, ending = _hidden_ending(kind, limits)
        if report.in_flight is None and not report.outcomes:
            message = msg("failure.import_stopped", file=exercise.filename, ending=ending)
            outcomes.update({c.name: ("failed", Failed(kind, message)) for c in pending})
            notes.append(message)
            pending = []
            break
        # The process ended early: blame the case in flight, and its function's other cases.
        culprit = next((c for c in pending if c.name == report.in_flight), pending[0])
        outcomes[culprit.name] = ("failed", Failed(kind, msg("failure.stopped", function=culprit.function,
                                                             ending=ending)))
        # Translators: {case} is the test case's name; {ending} how the student's process ended (ending.*).
        notes.append(msg("note.stopped", case=in_domain(exercise.id, culprit.name), ending=ending))
        for case in pending:
            if case.function == culprit.function and case.name not in outcomes:
                outcomes[case.name] = ("failed", Failed(Failure.NOT_RUN, msg(
                    "failure.not_run", function=culprit.function, ending=ending)))
        pending = [c for c in pending if c.name not in outcomes]
    for case in pending:
        outcomes.setdefault(case.name, ("failed", Failed(Failure.NOT_RUN, msg("failure.too_many_restarts"))))
    for first, *others in groups:
        outcomes.setdefault(first.name, ("failed", Failed(Failure.NOT_RUN, msg("failure.no_result"))))
        outcomes.update({case.name: outcomes[first.name] for case in others})
    return outcomes, "\n".join(outputs), tuple(notes)


def _by_cell(report: RunReport, notebooks: Sequence[NotebookCode]) -> RunReport:
    """The report with the student's errors on a notebook's lines named by cell and line in the cell."""
    if not notebooks:
        return report

    def relocate(error: StudentError) -> StudentError:
        for nb in notebooks:
            error = nb.error(error)
        return error

    outcomes = {k: o if o.error is None else replace(o, error=relocate(o.error))
                for k, o in report.outcomes.items()}
    import_error = None if report.import_error is None else relocate(report.import_error)
    skipped = None if report.top_level_skipped is None else relocate(report.top_level_skipped)
    return replace(report, outcomes=outcomes, import_error=import_error, top_level_skipped=skipped)


def shared_calls(cases: Sequence[Case]) -> list[list[Case]]:
    """The cases grouped by the call they make, in order; the first of a group makes the call.

    A call is its function, probe, arguments and probe data (``call_key``); a case's other fields
    (points, hidden, what a grader judges of it) do not change what the student's function is asked.
    """
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(call_key(case), []).append(case)
    return list(groups.values())


def _ending(report: RunReport, limits: Limits) -> tuple[Failure, Message]:
    """Why the process stopped before finishing: its kind, and the words for a student."""
    if report.timed_out:
        return Failure.TIME_LIMIT, msg("ending.timeout", seconds=limits.timeout_s)
    if report.protocol_error:
        return Failure.UNREADABLE, msg("ending.unreadable", error=report.protocol_error)
    code = report.exit_code
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if name in ("SIGKILL", "SIGSEGV", "SIGABRT"):
            return Failure.KILLED, msg("ending.killed_memory", signal=name)
        return Failure.KILLED, msg("ending.killed", signal=name)
    return Failure.EXIT, msg("ending.exit", code=code)


def error_message(error: StudentError) -> Message:
    """A student's exception: its type, its message (if any), and the student's own line that raised it."""
    raised = msg("error.type_message", type=error.type_name, text=error.message) if error.message \
        else msg("error.type", type=error.type_name)
    if not error.where:
        return raised
    p = error.where[-1]
    if p.code:
        return msg("error.at", error=raised, place=place_message(p), code=p.code)
    return msg("error.at_place", error=raised, place=place_message(p))


def place_message(p: Place) -> Message:
    """A line of the student's code: its file (and notebook cell), line and function."""
    where = msg("place", file=p.file, line=p.line) if p.cell is None else \
        msg("place.cell", file=p.file, cell=p.cell, line=p.line)
    return msg("place.in", place=where, function=p.function) if p.function else where


def _own_syntax_error(workspace: Path, exercise: Exercise,
                      notebooks: Sequence[NotebookCode]) -> StudentError | None:
    """The syntax error of the student's file as the grader itself finds it, parsing without running it.

    A run that held hidden inputs reports its import failure as a kind only (student code could have put
    the inputs into the text). A file that does not even parse ran no code, so the grader's own parse
    gives the real message, which depends on the file alone.
    """
    if notebooks:
        return None
    path = workspace / exercise.filename
    try:
        source = path.read_bytes()
        ast.parse(source, filename=exercise.filename)
    except SyntaxError as exc:
        line = exc.lineno or 0
        return StudentError(type(exc).__name__, str(exc.msg),
                            (Place(exercise.filename, line, "", (exc.text or "").strip()[:200]),))
    except (OSError, ValueError, RecursionError, MemoryError):
        return None
    return None


def _import_failure(exercise: Exercise, error: StudentError, file: str,
                    absent: Sequence[Exercise] = ()) -> Failed:
    """The failure of a student's file that could not be imported; ``file``: the .py or the notebook;
    ``absent``: the exercises whose files the student's file imports and the folder lacks."""
    if error.type_name in ("SyntaxError", "IndentationError", "TabError"):  # in the file it names
        broken = error.where[-1].file if error.where and error.where[-1].file else file
        return Failed(Failure.SYNTAX_ERROR, msg("failure.syntax", file=broken, error=error_message(error)))
    missing = _missing_neighbour(exercise, error)
    if missing is not None:  # without the file of an exercise it imports (``uses``): one clear line
        others = [e for e in absent if e.id != missing.id]
        if others:  # every file it lacks, said at once
            every = (missing, *others)
            return Failed(Failure.IMPORT_ERROR, msg(
                "failure.neighbours_missing", file=file, missing=tuple(e.filename for e in every),
                exercises=tuple(e.id for e in every)))
        # Translators: {file} (the student's file) imports {missing}, the file of the exercise {exercise}.
        return Failed(Failure.IMPORT_ERROR, msg("failure.neighbour_missing", file=file,
                                                missing=missing.filename, exercise=missing.id))
    return Failed(Failure.IMPORT_ERROR, msg("failure.import", file=file, error=error_message(error)))


def _absent_neighbours(exercise: Exercise, workspace: Path,
                       notebooks: Sequence[NotebookCode]) -> list[Exercise]:
    """The exercises of ``exercise.uses`` that the student's file imports and whose file (``.py`` or
    notebook) is not in ``workspace``, read from the file's code, never run."""
    if not exercise.uses:
        return []
    from coursekit.imports import names_imported
    from coursekit.registry import get_exercise

    own = next((nb.source for nb in notebooks if nb.module_file == exercise.filename), None)
    if own is None:
        try:
            own = (workspace / exercise.filename).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
    return [used for used in map(get_exercise, exercise.uses)
            if names_imported(own, used.module) and not (workspace / used.filename).exists()
            and not (workspace / notebook_name(used.filename)).exists()]


def _missing_neighbour(exercise: Exercise, error: StudentError) -> Exercise | None:
    """The exercise of ``exercise.uses`` whose module the student's file imports and the folder lacks."""
    if error.type_name != "ModuleNotFoundError" or not exercise.uses:
        return None
    import re

    from coursekit.registry import get_exercise

    found = re.match(r"No module named '([\w.]+)'", error.message)
    if found is None:
        return None
    return next((used for used in map(get_exercise, exercise.uses) if used.module == found.group(1)), None)


def _call_failure(exercise: Exercise, case: Case, error: StudentError, limits: Limits,
                  own_files: Mapping[str, int] | None = None) -> Failed:
    if case.hidden:
        return _hidden_call_failure(exercise, case, error, limits, own_files or {})
    if error.type_name == "MemoryError":
        return Failed(Failure.MEMORY_LIMIT, msg("failure.memory", function=case.function,
                                                limit=limits.memory_mb, error=error_message(error)))
    if error.type_name == "NotImplementedError":
        own = exercise.filename, notebook_name(exercise.filename)
        if error.where and error.where[-1].file not in own:  # a function of another of the student's files
            p = error.where[-1]
            return Failed(Failure.NOT_IMPLEMENTED, msg("failure.not_implemented_imported",
                                                       function=case.function, callee=p.function or "?",
                                                       file=p.file))
        return Failed(Failure.NOT_IMPLEMENTED, msg("failure.not_implemented", function=case.function))
    if error.type_name == "AttributeError" and "defines no function" in error.message:
        return Failed(Failure.NO_FUNCTION, msg("failure.no_function", file=exercise.filename,
                                               function=case.function))
    if error.type_name == "SystemExit":
        return Failed(Failure.EXIT, msg("failure.exit", function=case.function, call=error.message))
    raised = msg("failure.exception", function=case.function, error=error_message(error))
    return Failed(Failure.EXCEPTION, raised, _explained(exercise, case, error))


# ---- hidden cases: only what the grader decides ------------------------------------------------------

# Python's own exception classes: the only type names a hidden case's feedback shows (a class of the
# submission's could be named after the hidden inputs).
BUILTIN_EXCEPTIONS = frozenset(name for name, value in vars(builtins).items()
                               if isinstance(value, type) and issubclass(value, BaseException))


def _own_files(workspace: Path, notebooks: Sequence[NotebookCode]) -> dict[str, int]:
    """The submission's own files and their numbers of lines: a hidden case's feedback names a place
    only in one of them, at a line it has (a file or line made up by the code could carry data)."""
    found: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for path in workspace.iterdir():
            if path.suffix in (".py", ".ipynb") and path.is_file() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    found[path.name] = path.read_bytes().count(b"\n") + 1
    for nb in notebooks:
        found[nb.module_file] = nb.source.count("\n") + 1
    return found


def _hidden_call_failure(exercise: Exercise, case: Case, error: StudentError, limits: Limits,
                         own: Mapping[str, int]) -> Failed:
    """A hidden case's exception: its kind from a fixed list, the student's file and line, nothing the
    code produced (no message, no class of its own, no source line, no function name)."""
    if error.type_name == "NotImplementedError":
        return Failed(Failure.NOT_IMPLEMENTED, msg("failure.not_implemented", function=case.function))
    if error.type_name == "MemoryError":
        return _hidden_failure(msg("hidden.failed", function=case.function), Failure.MEMORY_LIMIT, error,
                               limits, own)
    if error.type_name == "SystemExit":
        return _hidden_failure(msg("hidden.failed", function=case.function), Failure.EXIT, error, limits, own)
    plain = StudentError(error.type_name if error.type_name in BUILTIN_EXCEPTIONS else "Exception", "",
                         error.where)
    return replace(_hidden_failure(msg("hidden.failed", function=case.function), Failure.EXCEPTION, error,
                                   limits, own), mistake=_explained(exercise, case, plain))


def _hidden_kind(failure: Failure, error: StudentError | None, limits: Limits) -> tuple[Failure, Message]:
    """The kind of a hidden case's failure, from a fixed list: time limit, memory limit, an exception of
    a built-in type (or "of another type"), or the process ended."""
    if failure == Failure.TIME_LIMIT:
        return failure, msg("hidden.kind.time_limit", seconds=limits.timeout_s)
    if failure == Failure.MEMORY_LIMIT:
        return failure, msg("hidden.kind.memory_limit", limit=limits.memory_mb)
    if failure in (Failure.EXCEPTION, Failure.IMPORT_ERROR) and error is not None:
        if error.type_name in BUILTIN_EXCEPTIONS:
            return failure, msg("hidden.kind.exception", type=error.type_name)
        return failure, msg("hidden.kind.other_exception")
    return Failure.EXIT, msg("hidden.kind.exit")


def _hidden_failure(what: Message, failure: Failure, error: StudentError | None, limits: Limits,
                    own: Mapping[str, int]) -> Failed:
    failure, kind = _hidden_kind(failure, error, limits)
    place = error.where[-1] if error is not None and error.where else None
    if place is not None and place.file in own and 0 < place.line <= own[place.file] \
            and (place.cell is None or 0 < place.cell <= 10_000):
        where = msg("place", file=place.file, line=place.line) if place.cell is None else \
            msg("place.cell", file=place.file, cell=place.cell, line=place.line)
        return Failed(failure, msg("hidden.failure_at", what=what, kind=kind, place=where))
    return Failed(failure, msg("hidden.failure", what=what, kind=kind))


def _hidden_ending(failure: Failure, limits: Limits) -> tuple[Failure, Message]:
    """Why a process that held hidden inputs stopped, without its exit code, signal or protocol error."""
    return _hidden_kind(failure, None, limits)


def _explained(exercise: Exercise, case: Case, error: StudentError) -> Mistake | None:
    """The named mistake that explains a student's exception, or None."""
    try:
        return exercise.explain_error(case, error)
    except Exception:  # an optional hint: a grader bug here must not hide the student's own error
        return None


def _judge(exercise: Exercise, case: Case, outcome: Outcome, expected: Any, remeasure: bool,
           notes: list[Message], clock: Clock = _no_clock) -> TestResult:
    """The test's result; a note of the verdict (about the whole submission) is added to ``notes`` once."""
    kind, payload = outcome
    if kind == "failed":
        return _failed_test(case, payload)
    try:
        if remeasure:
            with clock(exercise.id, "remeasure"):
                payload = exercise.remeasure(case, payload)
        with clock(exercise.id, "judging"):
            verdict = exercise.judge(case, payload, expected)
    except Exception as exc:  # a bug in the grader, not the student's fault
        return _failed_test(case, Failed(Failure.INTERNAL_ERROR, msg(
            "failure.internal", exercise=exercise.id, error=f"{type(exc).__name__}: {exc}")), internal=True)
    if verdict.note is not None and verdict.note not in notes:
        notes.append(verdict.note)
    mistake = verdict.mistake
    mistake_id, hint = (None, None) if mistake is None else (mistake.id, mistake.hint)
    if verdict.passed:
        return TestResult(case.name, "passed", case.points, case.points, verdict.message or msg("ok"),
                          hidden=case.hidden, detail=None if case.hidden else verdict.detail,
                          table=None if case.hidden else verdict.table)
    if case.hidden:
        # A hidden case says pass or fail and the kind of mistake, never the expected values.
        return TestResult(case.name, "failed", 0.0, case.points,
                          msg("failure.hidden_mismatch", function=case.function), hidden=True,
                          failure=Failure.WRONG_VALUE, mistake=mistake_id, hint=hint)
    return TestResult(case.name, "failed", 0.0, case.points, verdict.message or msg("failure.wrong_value"),
                      failure=Failure.WRONG_VALUE, mistake=mistake_id, hint=hint, detail=verdict.detail,
                      table=verdict.table)
