"""The language of the feedback, the gettext catalogues, and the one function that renders a message.

Catalogues are the standard library's gettext ``.mo`` files, compiled from the ``.po`` sources beside
them (``python tools/compile_messages.py``): the engine's domain ``coursekit`` in ``coursekit/locale``,
each exercise's domain (its id) in its folder's ``locale`` (``coursekit/content.py``). Nothing beyond the
standard library is
needed at run time. See docs/messages.md.
"""

from __future__ import annotations

import gettext
import os
import re
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TypeVar

from coursekit import content
from coursekit._exceptions import CoursekitError, UnknownLanguageError
from coursekit.messages import ENGINE, Message, Param, msg

LANGUAGES = ("zh", "en")
DEFAULT = "en"
ENV_VAR = "COURSEKIT_LANG"
# The parameter of a message whose entry has plural forms that gives the count.
COUNT = "n"
ENGINE_LOCALE = Path(__file__).resolve().parent / "locale"


def _language_tag(value: str) -> str:
    """A language as a person writes it, as one of LANGUAGES where it is one: zh_CN, zh-CN, zh_TW, zh-Hans,
    zh_CN.UTF-8 are zh; en_US, en-GB are en; anything else stays as written (and is refused)."""
    lang = value.strip().lower()
    base = re.split(r"[-_.@]", lang, maxsplit=1)[0]
    return base if base in LANGUAGES else lang


def resolve_language(option: str | None = None, environ: Mapping[str, str] | None = None, *,
                     configured: str | None = None) -> str:
    """``--lang``, else ``$COURSEKIT_LANG``, else ``configured`` (course.toml's ``lang``), else ``zh``
    when the locale is Chinese, else ``en``.

    Raises UnknownLanguageError for a ``--lang`` or ``$COURSEKIT_LANG`` that is neither zh nor en.
    """
    env = os.environ if environ is None else environ
    for source, value in (("--lang", option), (ENV_VAR, env.get(ENV_VAR)), ("course.toml lang", configured)):
        if value is not None and value.strip():
            lang = _language_tag(value)
            if lang not in LANGUAGES:
                raise error(UnknownLanguageError, "language.unknown", source=source, got=repr(value),
                            languages=LANGUAGES)
            return lang
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:  # the first one set decides, as gettext reads them
            return "zh" if value.split(":")[0].lower().startswith("zh") else DEFAULT
    return DEFAULT


def locale_dirs() -> tuple[Path, ...]:
    """Where catalogues are looked for: the engine's, then each exercise folder's of the content package
    (found without importing it)."""
    return (ENGINE_LOCALE, *content.locale_folders())


@cache
def catalogue(domain: str, lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``domain`` in ``lang``; Chinese falls back to English entry by entry."""
    found: gettext.NullTranslations = gettext.NullTranslations()
    for folder in locale_dirs():
        path = folder / lang / "LC_MESSAGES" / f"{domain}.mo"
        if path.is_file():
            with path.open("rb") as f:
                found = gettext.GNUTranslations(f)
            break
    if lang != DEFAULT:
        found.add_fallback(catalogue(domain, DEFAULT))
    return found


class MissingMessageError(KeyError):
    """A message whose key is in no catalogue (only raised by ``render(..., strict=True)``, for tests)."""


def _entries(domain: str, lang: str) -> dict[object, str]:
    entries: dict[object, str] = getattr(catalogue(domain, lang), "_catalog", {})
    return entries


def has_entry(domain: str, key: str, lang: str) -> bool:
    """True when the catalogue of ``domain`` in ``lang`` itself holds ``key`` (no fallback), singular or
    with plural forms."""
    entries = _entries(domain, lang)
    return key in entries or (key, 0) in entries


def is_plural(domain: str, key: str, lang: str) -> bool:
    """True when the entry ``key`` has plural forms (``msgid_plural``) in ``lang``'s catalogue, else in
    the English one it falls back to."""
    for where in dict.fromkeys((lang, DEFAULT)):
        entries = _entries(domain, where)
        if (key, 0) in entries:
            return True
        if key in entries:
            return False
    return False


def template(message: Message, lang: str) -> str:
    """The catalogue text of ``message`` in ``lang``. An entry with plural forms says a count: the form
    is chosen by the message's parameter ``n`` with the language's Plural-Forms rule (Chinese has one
    form, English two)."""
    translations = catalogue(message.domain, lang)
    count = message.param(COUNT)
    if is_plural(message.domain, message.key, lang):
        n = count if isinstance(count, int) and not isinstance(count, bool) else 0
        return translations.ngettext(message.key, message.key, n)
    return translations.gettext(message.key)


def render(message: Message, lang: str, *, strict: bool = False) -> str:
    """The text of ``message`` in ``lang``; its parameters that are messages are rendered in ``lang`` too.

    A key missing from the catalogues shows as the key itself (``strict`` raises instead): feedback is
    never lost to a missing translation, and tests check that none is missing.
    """
    if strict and not (has_entry(message.domain, message.key, lang)
                       or has_entry(message.domain, message.key, DEFAULT)):
        raise MissingMessageError(f"{message.domain}: no entry {message.key!r} in {lang}")
    text = template(message, lang)
    values = {name: _value(v, lang, strict) for name, v in message.params}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, TypeError):
        if strict:
            raise
        return text + "".join(f" [{name}: {v}]" for name, v in values.items())


def _value(value: Param, lang: str, strict: bool) -> object:
    if isinstance(value, Message):
        return render(value, lang, strict=strict)
    if isinstance(value, tuple):
        if all(isinstance(v, int | float) for v in value):
            return str(value)  # a shape or an index: (2, 3)
        separator = "、" if lang == "zh" else ", "
        return separator.join(str(_value(v, lang, strict)) for v in value)
    return value


E = TypeVar("E", bound=CoursekitError)


def error(kind: type[E], key: str, /, **params: Param) -> E:
    """An error of ``kind`` that carries the engine's message ``key``: the CLI renders it in the user's
    language; ``str()`` (logs, tracebacks) is its English text."""
    message = msg(key, **params)
    return kind(render(message, DEFAULT), message=message)


def placeholders(template: str) -> set[str]:
    """The names of the ``{placeholders}`` of a catalogue entry."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template)
            if name is not None}


__all__ = ["COUNT", "DEFAULT", "ENGINE", "LANGUAGES", "MissingMessageError", "catalogue", "error",
           "has_entry", "is_plural", "locale_dirs", "placeholders", "render", "resolve_language", "template"]
