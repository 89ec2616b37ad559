"""Grade one exercise of one submission: run the cases in a sandbox, judge each value.

This is the code ``check`` and ``grade`` share. A student's mistake, crash or hostility becomes a failed
test with a message; an exception in a grader becomes a test marked as an internal error, never blamed
on the student.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from coursekit import refcache
from coursekit._exceptions import SubmissionNotFoundError, SubmissionRefusedError
from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.imports import find_forbidden
from coursekit.notebook import NotebookCode, NotebookError, notebook_name, read_notebook
from coursekit.results import ExerciseResult, TestResult
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Call, Job, run_job
from coursekit.sandbox.report import Place, RunReport, StudentError

Runner = Callable[[Path, Job, Limits], RunReport]
MAX_RESTARTS = 4
MAX_OTHER_NOTEBOOKS = 20


def grade_exercise(exercise: Exercise, workspace: Path, cases: Sequence[Case],
                   expected: Mapping[str, Any], *, limits: Limits | None = None,
                   runner: Runner = run_job, remeasure: bool = False,
                   entry: str | None = None) -> ExerciseResult:
    """Run ``cases`` on the student's ``exercise.filename`` in ``workspace`` and judge every value.

    The file may be the exercise's notebook (``exN_*.ipynb``) instead: it is graded when there is no
    ``.py`` beside it, or when ``entry`` names it (the student named the file). ``remeasure`` (batch
    grading) has the grader recompute what the student process measured itself, through
    :meth:`Exercise.remeasure`, before judging.
    """
    started = time.monotonic()
    limits = limits or exercise.limits

    def finish(tests: list[TestResult], output: str = "", notes: tuple[str, ...] = ()) -> ExerciseResult:
        return ExerciseResult(exercise=exercise.id, title=exercise.title, tests=tuple(tests),
                              output=output, notes=notes, execution_time=time.monotonic() - started)

    try:
        notebooks, found_notes = _notebooks(exercise, workspace, entry)
    except NotebookError as exc:
        return finish(_all_failed(cases, str(exc)))
    modules = {nb.module_file: nb for nb in notebooks}
    path = workspace / exercise.filename
    if exercise.filename not in modules:
        if path.is_symlink():
            return finish(_all_failed(cases, f"{exercise.filename} is a link; links are refused"))
        if not path.is_file():
            return finish(_all_failed(cases, f"{exercise.filename} was not found in the submission (nor "
                                             f"{notebook_name(exercise.filename)})"))
    if exercise.forbidden_imports:
        try:
            banned = find_forbidden(workspace, exercise.filename, exercise.forbidden_imports,
                                    {name: nb.source for name, nb in modules.items()})
        except SubmissionRefusedError as exc:  # a file the scan cannot read: the student's, said so
            return finish(_all_failed(cases, str(exc)))
        if banned:
            b = banned[0]
            nb = modules.get(b.file)
            where = f"{b.file} imports {b.name} (line {b.line})" if nb is None else \
                f"{nb.place(_line(b.file, b.line)).describe()} imports {b.name}"
            reason = (f"{where}: {exercise.id} is computed by hand with "
                      f"numpy, so a submission that imports keras, tensorflow, torch or jax scores 0 "
                      f"for this exercise.")
            return finish(_all_failed(cases, reason))
    try:
        outcomes, output, notes = _run_all(exercise, workspace, cases, limits, runner, measure=not remeasure,
                                           notebooks=notebooks)
    except (SubmissionNotFoundError, SubmissionRefusedError) as exc:
        return finish(_all_failed(cases, str(exc)), notes=found_notes)
    tests = [_judge(exercise, case, outcomes[case.name], expected.get(case.name), remeasure)
             for case in cases]
    return finish(tests, output, (*found_notes, *notes))


def _notebooks(exercise: Exercise, workspace: Path,
               entry: str | None) -> tuple[list[NotebookCode], tuple[str, ...]]:
    """The notebooks that stand for modules of the submission, and notes on which file was graded.

    The exercise's own notebook counts when its ``.py`` is absent or ``entry`` names the notebook; a
    notebook that is not readable then raises NotebookError. Other notebooks without their ``.py``
    (ex5 imports ex1) are converted when they can be, so that the exercise can import them.
    """
    own = notebook_name(exercise.filename)
    py, nb = workspace / exercise.filename, workspace / own
    has_py = py.is_file() or py.is_symlink()
    has_nb = nb.is_file() or nb.is_symlink()
    notebooks: list[NotebookCode] = []
    notes: tuple[str, ...] = ()
    if has_nb and (entry == own or not has_py):
        notebooks.append(read_notebook(nb))
        if has_py:
            notes = (f"{own} was graded, as you named it; {exercise.filename} beside it was not",)
    elif has_nb:
        notes = (f"{exercise.filename} was graded: a .py file wins over the notebook {own} beside it",)
    others = [p for p in sorted(workspace.glob("*.ipynb")) if p.name != own and p.stem.isidentifier()
              and not (workspace / f"{p.stem}.py").exists()]
    for path in others[:MAX_OTHER_NOTEBOOKS]:
        with contextlib.suppress(NotebookError):  # not this exercise's file: its own grading says why
            notebooks.append(read_notebook(path))
    return notebooks, notes


def _line(file: str, line: int) -> Place:
    return Place(file=file, line=line, function="", code="")


def _all_failed(cases: Sequence[Case], message: str) -> list[TestResult]:
    return [TestResult(c.name, "failed", 0.0, c.points, message, hidden=c.hidden) for c in cases]


# An outcome per case: ("value", v), ("error", message) from the student, or ("forbidden", message).
Outcome = tuple[str, Any]


def _run_all(exercise: Exercise, workspace: Path, cases: Sequence[Case], limits: Limits,
             runner: Runner, measure: bool = True, notebooks: Sequence[NotebookCode] = (),
             ) -> tuple[dict[str, Outcome], str, tuple[str, ...]]:
    """Run every case; when the process dies on one, fail it and restart for the others.

    Cases that make the same call share it (:func:`shared_calls`): the call is made once, under the name
    of its first case, and its outcome is every one of its cases'. ``measure`` False (batch grading,
    which remeasures) lets probes skip measurements the grader redoes. ``notebooks`` are written as the
    modules they stand for, and the student's errors on their lines are reported by cell.
    """
    modules = tuple((nb.module_file, nb.source) for nb in notebooks)
    groups = shared_calls(cases)
    outcomes: dict[str, Outcome] = {}
    outputs: list[str] = []
    notes: list[str] = []
    probes = {name: str(path) for name, path in exercise.probes.items()}
    pending = [sharing[0] for sharing in groups]
    for _ in range(MAX_RESTARTS + 1):
        if not pending:
            break
        calls = tuple(Call(c.name, c.function, tuple(c.args), dict(c.kwargs), c.probe, dict(c.probe_data),
                           c.attribute) for c in pending)
        job = Job(exercise.module, calls, exercise.forbidden_imports, measure, modules=modules, probes=probes)
        report = _by_cell(runner(workspace, job, limits), notebooks)
        if report.output:
            outputs.append(report.output)
        if report.forbidden_imports:
            reason = (f"{exercise.filename} imported {', '.join(report.forbidden_imports)} while running: "
                      f"{exercise.id} is computed by hand with numpy and scores 0 when it imports keras, "
                      f"tensorflow, torch or jax.")
            return {c.name: ("error", reason) for c in cases}, "\n".join(outputs), ()
        if report.import_error is not None:
            message = _import_failure(exercise, report.import_error)
            outcomes.update({c.name: ("error", message) for c in pending})
            break
        for case in pending:
            got = report.outcomes.get(case.name)
            if got is not None:
                outcomes[case.name] = ("value", got.value) if got.error is None \
                    else ("error", _call_failure(exercise, case, got.error, limits))
        pending = [c for c in pending if c.name not in outcomes]
        if not pending or report.finished:
            break
        ending = report.ending(limits.timeout_s)
        if report.in_flight is None and not report.outcomes:
            message = f"the process stopped while importing {exercise.filename}: {ending}"
            outcomes.update({c.name: ("error", message) for c in pending})
            notes.append(message)
            pending = []
            break
        # The process ended early: blame the case in flight, and its function's other cases.
        culprit = next((c for c in pending if c.name == report.in_flight), pending[0])
        outcomes[culprit.name] = ("error", f"{culprit.function}: {ending}")
        notes.append(f"{culprit.name}: {ending}")
        for case in pending:
            if case.function == culprit.function and case.name not in outcomes:
                outcomes[case.name] = ("error", f"not run: {culprit.function} stopped the process on an "
                                                f"earlier case ({ending})")
        pending = [c for c in pending if c.name not in outcomes]
    for case in pending:
        outcomes.setdefault(case.name, ("error", "not run: the student process stopped too many times"))
    for first, *others in groups:
        outcomes.setdefault(first.name, ("error", "no result was reported for this case"))
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
    return replace(report, outcomes=outcomes, import_error=import_error)


def shared_calls(cases: Sequence[Case]) -> list[list[Case]]:
    """The cases grouped by the call they make, in order; the first of a group makes the call.

    A call is its function, probe, arguments and probe data (``refcache.case_key``); a case's other fields
    (points, hidden, what a grader judges of it) do not change what the student's function is asked.
    """
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(refcache.case_key(case), []).append(case)
    return list(groups.values())


def _import_failure(exercise: Exercise, error: StudentError) -> str:
    if error.type_name in ("SyntaxError", "IndentationError", "TabError"):
        return f"{exercise.filename} does not compile: {error.describe()}"
    return f"importing {exercise.filename} failed: {error.describe()}"


def _call_failure(exercise: Exercise, case: Case, error: StudentError, limits: Limits) -> str:
    if error.type_name == "MemoryError":
        return f"{case.function} ran out of memory (the limit is {limits.memory_mb} MB): {error.describe()}"
    if error.type_name == "NotImplementedError":
        return f"{case.function} is not implemented yet (it still raises NotImplementedError)"
    if error.type_name == "AttributeError" and "defines no function" in error.message:
        return f"{error.message}: expected a function named {case.function}"
    if error.type_name == "SystemExit":
        return f"{case.function} called {error.message}; a function must return its result, not exit"
    if case.hidden:
        # The message could carry the hidden inputs (a student may raise them): type and line only.
        error = StudentError(error.type_name, "", error.where)
    return f"{case.function} raised {error.describe()}{_explained(exercise, case, error)}"


def _explained(exercise: Exercise, case: Case, error: StudentError) -> str:
    """The grader's "Looks like" line for a student's exception, or nothing."""
    try:
        mistake = exercise.explain_error(case, error)
    except Exception:  # an optional hint: a grader bug here must not hide the student's own error
        return ""
    return "" if mistake is None else f"\nLooks like: {mistake.name}. Try: {mistake.hint}"


def _judge(exercise: Exercise, case: Case, outcome: Outcome, expected: Any, remeasure: bool) -> TestResult:
    kind, payload = outcome
    if kind == "error":
        return TestResult(case.name, "failed", 0.0, case.points, payload, hidden=case.hidden)
    try:
        if remeasure:
            payload = exercise.remeasure(case, payload)
        verdict = exercise.judge(case, payload, expected)
    except Exception as exc:  # a bug in the grader, not the student's fault
        return TestResult(case.name, "failed", 0.0, case.points,
                          f"internal error in the {exercise.id} grader ({type(exc).__name__}: {exc}); "
                          f"this is not your mistake, please tell the instructor",
                          hidden=case.hidden, internal_error=True)
    if case.hidden:
        return TestResult(case.name, "passed" if verdict.passed else "failed",
                          case.points if verdict.passed else 0.0, case.points,
                          _hidden_feedback(case, verdict), hidden=True, mistake=verdict.mistake)
    return TestResult(case.name, "passed" if verdict.passed else "failed",
                      case.points if verdict.passed else 0.0, case.points,
                      verdict.message or "ok", hidden=case.hidden, mistake=verdict.mistake,
                      detail=verdict.detail, table=verdict.table)


def _hidden_feedback(case: Case, verdict: Verdict) -> str:
    """A hidden case says pass or fail and the kind of mistake, never the expected values."""
    if verdict.passed:
        return "ok"
    text = f"{case.function}: the result does not match Keras on this hidden case"
    if verdict.mistake:
        hint = verdict.message.rpartition("Looks like: ")[2]
        text += f"\nLooks like: {hint}"
    return text
