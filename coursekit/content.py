"""The content package: the lesson's exercises, found in it by their folders, none of them named here.

coursekit is the engine; the exercises of a lesson live in a package of their own, which is configured,
not named in coursekit: ``$COURSEKIT_CONTENT`` (a package name) when it is set, else the one package
that an installed distribution declares in the entry point group ``coursekit.content``, e.g. in its
pyproject.toml::

    [project.entry-points."coursekit.content"]
    lesson13 = "<package>"

Every folder ``ex<N>`` of that package holding a ``grader.py`` (which defines ``EXERCISE``) is an
exercise, listed by its number. Such a folder also holds its judge, its probes, its message catalogues
(``locale/``, domain = its id) and its cache of Keras's answers (``cache.json``). Nothing here imports the
content package: its folder is found with ``importlib.util.find_spec``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from functools import cache
from pathlib import Path

ENV_VAR = "COURSEKIT_CONTENT"
GROUP = "coursekit.content"
EXERCISE_FOLDER = re.compile(r"ex(\d+)")
GRADER = "grader.py"
CACHE = "cache.json"


@cache
def _declared() -> tuple[str, ...]:
    """The packages that installed distributions declare in the entry point group ``coursekit.content``.

    What ``importlib.metadata.entry_points(group=...)`` finds, read straight from each distribution's
    ``entry_points.txt``: importing importlib.metadata and reading every distribution's metadata costs
    ``coursekit check`` about 60 ms before the student's code can run. A ``sys.path`` entry that is not a
    folder (a zip) is left to importlib.metadata.
    """
    if not all(os.path.isdir(entry or ".") or not os.path.exists(entry) for entry in sys.path):
        return _declared_by_metadata()
    seen: set[str] = set()
    values: set[str] = set()
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            distribution = _DISTRIBUTION_SEPARATORS.sub("_", stem.partition("-")[0]).lower()
            if distribution in seen:  # the first on sys.path wins, as in importlib.metadata
                continue
            seen.add(distribution)
            values |= _group_values(os.path.join(entry or ".", name, "entry_points.txt"))
    return tuple(sorted(values))


_DISTRIBUTION_SEPARATORS = re.compile(r"[-_.]+")


def _group_values(path: str) -> set[str]:
    """The values of the entries of :data:`GROUP` in an ``entry_points.txt`` (an ini file)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    found: set[str] = set()
    section = None
    for line in lines:
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == GROUP and "=" in line:
            found.add(line.partition("=")[2].strip())
    return found


def _declared_by_metadata() -> tuple[str, ...]:
    from importlib import metadata

    return tuple(sorted({ep.value.strip() for ep in metadata.entry_points(group=GROUP)}))


def candidates() -> tuple[str, ...]:
    """The configured content packages: ``$COURSEKIT_CONTENT`` alone when set, else those declared."""
    chosen = os.environ.get(ENV_VAR, "").strip()
    return (chosen,) if chosen else _declared()


def package() -> str | None:
    """The content package's name; None when none or several are configured (the registry says which)."""
    found = candidates()
    return found[0] if len(found) == 1 else None


@cache
def _folder_of(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def folder(name: str | None = None) -> Path | None:
    """The content package's folder (of ``name``, else of the configured one); None when not found."""
    name = package() if name is None else name
    return None if name is None else _folder_of(name)


def _numbered(root: Path) -> list[tuple[int, Path]]:
    found = []
    for path in root.iterdir() if root.is_dir() else ():
        match = EXERCISE_FOLDER.fullmatch(path.name)
        if match and path.is_dir():
            found.append((int(match.group(1)), path))
    return sorted(found)


def exercise_folders(root: Path | None = None) -> dict[str, Path]:
    """Exercise id -> its folder, for every ``ex<N>/grader.py`` of the content package, by number."""
    root = folder() if root is None else root
    if root is None:
        return {}
    return {path.name: path for _, path in _numbered(root) if (path / GRADER).is_file()}


def locale_folders(root: Path | None = None) -> tuple[Path, ...]:
    """Every ``ex<N>/locale`` of the content package, with a grader or not (the handout ships none)."""
    root = folder() if root is None else root
    if root is None:
        return ()
    return tuple(path / "locale" for _, path in _numbered(root) if (path / "locale").is_dir())


def cache_file(exercise_id: str, root: Path | None = None) -> Path | None:
    """Where the exercise's stored public cases are (``ex<N>/cache.json``); None without a content package."""
    root = folder() if root is None else root
    return None if root is None else root / exercise_id / CACHE


def grader_module(exercise_id: str, name: str | None = None) -> str:
    """The module that defines the exercise's ``EXERCISE``: ``<package>.<id>.grader``."""
    name = package() if name is None else name
    return f"{name}.{exercise_id}.grader"


__all__ = ["ENV_VAR", "GROUP", "cache_file", "candidates", "exercise_folders", "folder", "grader_module",
           "locale_folders", "package"]
