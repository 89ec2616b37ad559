"""What the CLI says on the terminal besides results: errors (one line, exit code 2) and warnings, in the
user's language: ``--lang`` where the command has it, else $COURSEKIT_LANG, else the locale."""

from __future__ import annotations

import codecs
import io
import sys

from rich.console import Console
from rich.markup import escape

from coursekit._exceptions import CoursekitError
from coursekit.i18n import DEFAULT, render, resolve_language
from coursekit.messages import Message, Param, msg


def never_fail_to_print() -> None:
    """Let stdout and stderr replace what their encoding cannot write instead of raising.

    On a Chinese Windows a pipe (Jupyter's ``!coursekit check``) is written in GBK, which has no ``✓``:
    check would stop with UnicodeEncodeError after grading. A UTF-8 stream is left as it is.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and codecs.lookup(stream.encoding).name != "utf-8":
            stream.reconfigure(errors="replace")


def language(lang_option: str | None) -> str:
    """The language of ``--lang`` (else $COURSEKIT_LANG, the locale); English when that itself is wrong."""
    try:
        return resolve_language(lang_option)
    except CoursekitError:
        return DEFAULT


def error_message(exc: CoursekitError, lang: str) -> str:
    """The exception's message in ``lang`` when it carries one, else its (English) text."""
    return str(exc) if exc.message is None else render(exc.message, lang)


def error_text(exc: CoursekitError, lang_option: str | None) -> str:
    """``error: ...`` in the language of ``--lang`` (see :func:`language`)."""
    lang = language(lang_option)
    return render(msg("cli.error", text=error_message(exc, lang)), lang)


def print_error(exc: CoursekitError | Message, lang_option: str | None) -> None:
    """The error's one line on stderr, in red."""
    if isinstance(exc, Message):
        lang = language(lang_option)
        text = render(msg("cli.error", text=exc), lang)
    else:
        text = error_text(exc, lang_option)
    Console(stderr=True, soft_wrap=True).print(f"[bold red]{escape(text)}[/]")


def print_warning(key: str, lang_option: str | None, /, **params: Param) -> None:
    """``warning: ...``: the engine's entry ``key``, on stderr in yellow."""
    text = render(msg("cli.warning", text=msg(key, **params)), language(lang_option))
    Console(stderr=True, soft_wrap=True).print(f"[yellow]{escape(text)}[/]")


def say(key: str, lang_option: str | None, /, **params: Param) -> str:
    """The engine's entry ``key`` in the user's language, for a line the command prints."""
    return render(msg(key, **params), language(lang_option))
