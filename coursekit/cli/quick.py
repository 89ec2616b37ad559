"""``coursekit check``'s plain command lines without typer.

Starting typer, and the pydantic it reads each parameter's value with, costs more than the rest of
``coursekit check`` of a numpy exercise before the student's code runs. A command line of the plain form
``check EXERCISE [PATH] [--json] [--verbose | -v] [--lang LANG | --lang=LANG]`` (the options anywhere,
each at most once) is read here and run at once; anything else (``--help``, an unknown option, a value
that looks like an option, a missing or extra argument) returns None and goes to typer, which says what
is wrong as it always did. This module imports nothing but the standard library until it has decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FLAGS = {"--json": "as_json", "--verbose": "verbose", "-v": "verbose"}


@dataclass(frozen=True)
class PlainCheck:
    exercise: str
    path: Path | None
    as_json: bool
    verbose: bool
    lang: str | None


def plain_check(argv: Sequence[str]) -> PlainCheck | None:
    """``argv`` (without the program's name) read as a plain ``check`` command line, else None."""
    if len(argv) < 2 or argv[0] != "check":
        return None
    positional: list[str] = []
    flags: set[str] = set()
    lang: str | None = None
    seen_lang = False
    rest = list(argv[1:])
    while rest:
        arg = rest.pop(0)
        if arg in FLAGS:
            if FLAGS[arg] in flags:
                return None
            flags.add(FLAGS[arg])
        elif arg == "--lang" or arg.startswith("--lang="):
            if seen_lang:
                return None
            seen_lang = True
            if arg == "--lang":
                if not rest:
                    return None
                arg = "--lang=" + rest.pop(0)
            lang = arg.partition("=")[2]
            if not lang or lang.startswith("-"):
                return None
        elif arg.startswith("-") or not arg:
            return None
        else:
            positional.append(arg)
    if not 1 <= len(positional) <= 2:
        return None
    return PlainCheck(positional[0], Path(positional[1]) if len(positional) == 2 else None,
                      "as_json" in flags, "verbose" in flags, lang)


def run_plain(argv: Sequence[str]) -> int | None:
    """Run a plain ``check`` command line and return its exit code; None when it is not one."""
    plain = plain_check(argv)
    if plain is None:
        return None
    from coursekit.sandbox.warm import prestarted

    try:
        # the student's interpreter starts (and imports numpy) while this one loads the grader
        with prestarted():
            from coursekit.cli.check_run import run

            return run(plain.exercise, plain.path, as_json=plain.as_json, verbose=plain.verbose,
                       lang=plain.lang)
    except KeyboardInterrupt:  # as typer's click says it
        import sys

        sys.stderr.write("\nAborted!\n")
        return 1
