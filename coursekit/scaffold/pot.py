"""gettext templates (.pot): each catalogue's keys, with what a translator needs, extracted with Babel.

``tools/extract_messages.py`` writes the templates of the repository's catalogues; ``coursekit new``
writes a new exercise's. A translator's tools (Poedit's "Update from POT file", Weblate's template)
read them. The msgids are keys (``compare.shape``), so each entry carries, as extracted comments
(``#.``), what a translator needs to write it:

- the comments the code gives its call (``# Translators: {ids} is ...`` just above the line), found by
  Babel's extractor;
- the English text (``en:``, line by line; ``en[i]:`` for plural form i), the source language;
- the placeholders to keep as they are, each described where the meaning is not plain from its name.

The entries are the keys of the English catalogue: keys built at run time (a case's name, a mistake's
id, ``f"handout.readme.{name}"``) are there and nowhere in the code (tests/test_messages.py checks that
every engine key the code names is in it). The file names (``#:``, without line numbers, so that
editing a file leaves the template current) are where Babel found the key. Needs Babel, imported when
called (the ``test`` extra; ``coursekit new`` needs it too).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from coursekit.i18n import placeholders

COMMENT_TAGS = ("Translators:",)
# The functions whose argument is a key: of the engine's catalogue (msg, coursekit.i18n.error,
# coursekit.render.text.key), and of an exercise's own (Exercise.message and .mistake, a judge's
# _message / _failed helpers, in_domain(domain, key)).
ENGINE_KEYWORDS = {"msg": (1,), "error": (2,), "key": (1,)}
EXERCISE_KEYWORDS = {"message": (1,), "_message": (1,), "_failed": (1,), "mistake": (1,), "in_domain": (2,)}
# What the placeholders that recur across the catalogues stand for; the others are named plainly.
PLACEHOLDERS = {
    "what": "the function or value checked, as code (rnn_forward, the returned tuple's item 0)",
    "got": "what the student's code gave (a value, a shape or its description)",
    "expected": "the expected value or shape",
    "shape": "an array's shape, as (2, 3)",
    "index": "an array index, as (0, 1)",
    "error": "a difference between two numbers, or an error's text",
    "n": "a count; it chooses the plural form",
    "count": "a number of things",
    "case": "a test case's name",
    "exercise": "an exercise id (exN)",
    "file": "a file name",
    "path": "a path of a file or folder",
    "seconds": "a duration in seconds",
    "text": "text shown as it is (a student's output, an exception's message)",
    "advice": "a nested message: what to try",
    "function": "a function's name, as code",
    "name": "a name shown as it is (a file, a layer, a student)",
    "reason": "a nested message: why",
    "limit": "the largest number allowed",
    "lang": "a language code: zh or en",
}


def exercise_sources(folder: Path) -> list[Path]:
    """The Python files whose calls name the domain of an exercise's catalogues in ``folder``: the files of
    its folder, its students' files (mistakes/, course/) left out."""
    return python_files([folder.parent])


def python_files(folders: Iterable[Path]) -> list[Path]:
    """The Python files under ``folders``, students' files (mistakes/, course/, the skeleton) left out."""
    return sorted(p for folder in folders for p in folder.rglob("*.py")
                  if not {"mistakes", "course", "skeleton", "__pycache__"} & set(p.relative_to(folder).parts))


def extracted(sources: Sequence[Path], keywords: Mapping[str, tuple[int, ...]],
              root: Path) -> dict[str, tuple[set[str], list[str]]]:
    """Key -> (the files naming it, relative to ``root``; the translator comments of its calls)."""
    from babel.messages.extract import extract_from_file

    found: dict[str, tuple[set[str], list[str]]] = {}
    for path in sources:
        # Babel says on stderr that it skips f-strings (keys built at run time); they come from the catalogue
        with contextlib.redirect_stderr(io.StringIO()):
            messages = list(extract_from_file("python", str(path), keywords=keywords,
                                              comment_tags=COMMENT_TAGS, strip_comment_tags=True))
        for _, key, comments, _ in messages:
            if not isinstance(key, str) or not key:
                continue
            files, notes = found.setdefault(key, (set(), []))
            files.add(path.relative_to(root).as_posix())
            notes.extend(c for c in comments if c not in notes)
    return found


def template(folder: Path, code: Mapping[str, tuple[set[str], list[str]]]) -> Any:
    """The template (a Babel Catalog) of the domain whose catalogues are in ``folder``, its ``en``
    catalogue the source, ``code`` what :func:`extracted` found."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    (english,) = folder.glob("en/LC_MESSAGES/*.po")
    domain = english.stem
    with english.open("rb") as f:
        source = read_po(f)
    pot = Catalog(domain=domain, charset="utf-8", fuzzy=False)
    keys = {str(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in source if m.id}
    for key in sorted(keys):
        message = keys[key]
        forms = (message.string,) if isinstance(message.string, str) else tuple(message.string or ())
        files, notes = code.get(key, (set(), []))
        comments = [*notes]
        if len(forms) == 1:
            comments.extend(f"en: {line}" for line in forms[0].split("\n"))
        else:
            comments.extend(f"en[{i}]: {line}" for i, form in enumerate(forms) for line in form.split("\n"))
        names = sorted({name for form in forms for name in placeholders(form)})
        if names:
            comments.append("Placeholders, kept as written: " + ", ".join(f"{{{n}}}" for n in names))
            # the glossary's word, unless the code's comment says what this one is
            comments.extend(f"{{{n}}}: {PLACEHOLDERS[n]}" for n in names
                            if n in PLACEHOLDERS and not any(f"{{{n}}}" in note for note in notes))
        plural = isinstance(message.id, tuple)
        pot.add((key, key) if plural else key, ("", "") if plural else "",
                # no python-brace-format flag: a msgid is a key, with no placeholder for a tool to compare
                locations=[(f, 0) for f in sorted(files)], auto_comments=comments)  # no line numbers written
    return pot


HEADER = """\
# coursekit: the template of the {domain} messages, written by tools/extract_messages.py (do not edit).
# The msgids are keys; each entry's comments give its English text (en:) and its placeholders. Plural-Forms
# is each language's own: its catalogue's header says it (zh nplurals=1, en nplurals=2).
msgid ""
msgstr ""
"Project-Id-Version: coursekit\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"

"""


def pot_text(folder: Path, sources: Sequence[Path], keywords: Mapping[str, tuple[int, ...]],
             root: Path) -> str:
    """The text of ``folder``'s template, the keys' calls found in ``sources`` (named relative to ``root``),
    its header written here (Babel's would name its version and placeholder people)."""
    from babel.messages.pofile import write_po

    pot = template(folder, extracted(sources, keywords, root))
    out = io.BytesIO()
    # never wrapped: each comment line is a line of the English text
    write_po(out, pot, width=100_000, omit_header=True, include_lineno=False)
    return HEADER.format(domain=pot.domain) + out.getvalue().decode("utf-8").lstrip("\n")


def pot_path(folder: Path) -> Path:
    (english,) = folder.glob("en/LC_MESSAGES/*.po")
    return folder / f"{english.stem}.pot"
