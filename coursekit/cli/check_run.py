"""What ``coursekit check`` does once its command line is read, without typer: the typer command
(``check_cmd``) and the plain command line's quick path (``quick``) both call :func:`run`."""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.text import Text

from coursekit._exceptions import CoursekitError
from coursekit.check import check as run_check
from coursekit.check import load_failure, locate
from coursekit.cli.errors import error_message, never_fail_to_print, print_error
from coursekit.cli.errors import language as message_language
from coursekit.exercise import Case
from coursekit.i18n import render, resolve_language
from coursekit.registry import get_exercise
from coursekit.render.jsonout import check_json, error_json
from coursekit.render.terminal import show_check


def run(exercise: str, path: Path | None, *, as_json: bool = False, verbose: bool = False,
        lang: str | None = None) -> int:
    """Check ``exercise`` on the student's file and print the result; returns the exit code: 0 when every
    test passed, 1 when any failed, 2 when the file or the exercise is not found or the file cannot be
    loaded (a syntax error, a failed import, a notebook that cannot be read)."""
    never_fail_to_print()
    console = Console()
    try:
        language = resolve_language(lang)
        result = run_check(exercise, path)
    except CoursekitError as exc:  # an unknown exercise or language, a file not found or refused: exit 2
        if as_json:
            _echo(json.dumps(error_json(error_message(exc, message_language(lang))), ensure_ascii=False))
        else:
            print_error(exc, lang)
        return 2
    failure = load_failure(result)
    if failure is not None:  # the file could not be loaded (syntax, import, notebook): one error, exit 2
        if as_json:
            _echo(json.dumps(error_json(render(failure, language)), ensure_ascii=False))
        else:
            for note in result.notes:  # which file was graded, say; not the limits of this platform
                if note != failure and note.key != "note.limits_not_applied":
                    console.print(Text(render(note, language), style="yellow"))
            print_error(failure, lang)
        return 2
    if as_json:
        _echo(json.dumps(check_json(result, language), ensure_ascii=False))
    elif verbose:
        ex = get_exercise(exercise)
        cases: Sequence[Case] = ex.public_cases()
        show_check(console, result, language, verbose=True, cases=cases, module=ex.module,
                   parameters=_parameters(_student_file(exercise, path), {c.function for c in cases}))
    else:
        show_check(console, result, language)
    return 0 if result.passed else 1


def _echo(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _student_file(exercise: str, path: Path | None) -> Path | None:
    ex = get_exercise(exercise)
    try:
        folder, entry = locate(ex, path, Path.cwd())
    except CoursekitError:
        return None
    return folder / (entry or ex.filename)


def _parameters(file: Path | None, functions: set[str]) -> dict[str, tuple[str, ...]]:
    """The parameter names of the student's functions, read (never run) from their .py file, so that the
    verbose call reads ``rnn_forward(x, s0, U, W, b)``; nothing for a notebook or a file that does not
    parse."""
    if file is None or file.suffix != ".py":
        return {}
    try:
        tree = ast.parse(file.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    return {node.name: tuple(a.arg for a in (*node.args.posonlyargs, *node.args.args))
            for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in functions}
