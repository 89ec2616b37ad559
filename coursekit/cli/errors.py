"""The one line an error of coursekit's becomes on the terminal, in the user's language."""

from __future__ import annotations

from coursekit._exceptions import CoursekitError
from coursekit.i18n import DEFAULT, render, resolve_language
from coursekit.messages import msg


def error_text(exc: CoursekitError, lang_option: str | None) -> str:
    """``error: ...`` in the language of ``--lang`` (else $COURSEKIT_LANG, the locale; English when that
    itself is the error): the exception's message when it carries one, else its English text."""
    try:
        lang = resolve_language(lang_option)
    except CoursekitError:
        lang = DEFAULT
    text = str(exc) if exc.message is None else render(exc.message, lang)
    return render(msg("cli.error", text=text), lang)
