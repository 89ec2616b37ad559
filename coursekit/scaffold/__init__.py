"""``coursekit new exN``: a working skeleton of a new exercise, for a course to make its own.

It writes into the content package (``coursekit/content.py``) and the course's folders beside it::

    <package>/exN/__init__.py, grader.py, judge.py, README.md, cache.json,
                  locale/{en,zh}/LC_MESSAGES/exN.po (+ .mo), locale/exN.pot, mistakes/bias_missing.py
    exercises/exN_dense_tanh.py     the stub, in Chinese and English
    solutions/exN_dense_tanh.py     the solution

and links the README from the index of ``docs/exercises.md`` when there is one. The files are those of
``coursekit/scaffold/skeleton/`` with ``exN`` replaced by the new id: real modules, which ruff and mypy
check with the rest of coursekit. Nothing is overwritten. The catalogues are compiled as
``tools/compile_messages.py`` compiles them (Babel), and the public case's answer is computed with live
Keras (``coursekit.refcache``), so that ``coursekit check exN solutions`` gives full marks at once and
``coursekit check exN`` gives the stub 0.
"""

from __future__ import annotations

import importlib
import io
import re
from datetime import UTC, datetime
from pathlib import Path

from coursekit import content
from coursekit._exceptions import CoursekitError, InvalidOptionError
from coursekit.i18n import LANGUAGES, error
from coursekit.scaffold.pot import EXERCISE_KEYWORDS, exercise_sources, pot_path, pot_text

SKELETON = Path(__file__).resolve().parent / "skeleton"
PLACEHOLDER = "exN"
EXERCISE_ID = re.compile(r"ex[1-9][0-9]{0,3}")
NAME = "dense_tanh"
# skeleton file -> where it goes: "{package}" is the content package's folder, "{root}" the folder that
# holds it (the course repository, with exercises/ and solutions/).
FILES = {
    "__init__.py": "{package}/{id}/__init__.py",
    "grader.py": "{package}/{id}/grader.py",
    "judge.py": "{package}/{id}/judge.py",
    "README.md": "{package}/{id}/README.md",
    "mistakes/bias_missing.py": "{package}/{id}/mistakes/bias_missing.py",
    **{f"locale/{lang}/LC_MESSAGES/{PLACEHOLDER}.po":
       f"{{package}}/{{id}}/locale/{lang}/LC_MESSAGES/{{id}}.po" for lang in LANGUAGES},
    "stub.py": "{root}/exercises/{id}_" + NAME + ".py",
    "solution.py": "{root}/solutions/{id}_" + NAME + ".py",
}
DOCS_INDEX = "docs/exercises.md"
INDEX_HEADING = "## The exercises\n"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


class BabelMissingError(CoursekitError):
    """``coursekit new`` compiles the catalogues with Babel, which is not installed."""


def compiled_catalogue(po: Path) -> bytes:
    """The .mo bytes of the catalogue source ``po``, compiled with Babel at a fixed date (so that the .mo
    is a function of the .po alone). Raises ValueError for a fuzzy or untranslated entry."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError:
        raise error(BabelMissingError, "new.babel") from None
    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parents[1].name, domain=po.stem)
    for message in catalog:
        if message.id and (message.fuzzy or not message.string):
            raise ValueError(f"{po}: entry {message.id!r} is fuzzy or untranslated")
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def targets(exercise_id: str, package: Path) -> dict[str, Path]:
    """Skeleton file -> the file it becomes for ``exercise_id`` in the content package ``package``."""
    return {source: Path(target.format(package=package, root=package.parent, id=exercise_id))
            for source, target in FILES.items()}


def new_exercise(exercise_id: str) -> list[Path]:
    """Write the skeleton of ``exercise_id``; return the files written.

    Raises InvalidOptionError for an id that is not ``ex<N>`` or whose files exist, ContentNotFoundError
    without a content package, BabelMissingError without Babel.
    """
    from coursekit.registry import content_package, get_exercise

    key = exercise_id.strip().lower()
    if not EXERCISE_ID.fullmatch(key):
        raise error(InvalidOptionError, "new.bad_id", got=repr(exercise_id))
    package = content.folder(content_package())
    if package is None:  # content_package() found it
        raise error(InvalidOptionError, "new.bad_id", got=repr(exercise_id))
    files = targets(key, package)
    existing = [str(p) for p in files.values() if p.exists()]
    if (package / key).exists():
        existing.insert(0, str(package / key))
    if existing:
        raise error(InvalidOptionError, "new.exists", exercise=key, paths=tuple(existing))
    written = []
    for source, target in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (SKELETON / source).read_text(encoding="utf-8").replace(PLACEHOLDER, key)
        target.write_text(text, encoding="utf-8")
        written.append(target)
        if target.suffix == ".po":
            target.with_suffix(".mo").write_bytes(compiled_catalogue(target))
            written.append(target.with_suffix(".mo"))
    locale = package / key / "locale"  # its translation template, as tools/extract_messages.py writes it
    pot_path(locale).write_text(pot_text(locale, exercise_sources(locale), EXERCISE_KEYWORDS, package.parent),
                                encoding="utf-8")
    written.append(pot_path(locale))
    docs = package.parent / DOCS_INDEX
    if docs.is_file() and INDEX_HEADING in docs.read_text(encoding="utf-8"):
        written.append(_link_from_index(docs, key, package))
    importlib.invalidate_caches()
    from coursekit.refcache.__main__ import write

    written.append(write(get_exercise(key)))
    return written


def _link_from_index(docs: Path, exercise_id: str, package: Path) -> Path:
    """Add ``exercise_id``'s README to the list under the index heading of ``docs/exercises.md``."""
    readme = (SKELETON / "README.md").read_text(encoding="utf-8").replace(PLACEHOLDER, exercise_id)
    heading = readme.splitlines()[0].removeprefix("# ")
    link = f"- [{heading}](../{package.name}/{exercise_id}/README.md)\n"
    text = docs.read_text(encoding="utf-8")
    start = text.index(INDEX_HEADING) + len(INDEX_HEADING)
    end = text.find("\n## ", start)
    end = len(text) if end < 0 else end + 1
    section = text[start:end]
    lines = section.rstrip("\n").split("\n")
    last_item = max((i for i, line in enumerate(lines) if line.startswith("- ")), default=len(lines) - 1)
    lines.insert(last_item + 1, link.rstrip("\n"))
    docs.write_text(text[:start] + "\n".join(lines) + "\n\n" + text[end:].lstrip("\n"), encoding="utf-8")
    return docs
