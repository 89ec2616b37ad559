"""The grader version: a hash of everything that decides a grade, so a stored grading is reused only
while none of it changed.

It covers the exercise's grader module and every module it imports from the content package and ``coursekit``,
followed transitively (shared grader modules such as ``shared/reference/recurrent.py`` and
``_keras_ref.py``, the
comparison code in ``coursekit/compare.py``), the engine that runs and judges a case (``grading.py`` and
the child script, with what they import), the cache of Keras's answers, the versions of Keras, TensorFlow
and numpy, coursekit's version, the course secret and the limits. Imports are read from the source with
``ast`` (including those inside functions), never by importing anything.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Mapping
from importlib import metadata, resources
from pathlib import Path

from coursekit import __version__, content
from coursekit.registry import content_package

# The engine's entry points: what runs a case in the student process and judges what came back.
ENGINE_MODULES = ("coursekit.grading", "coursekit.sandbox._child", "coursekit.refcache")
LIBRARIES = ("keras", "numpy", ("tensorflow-cpu", "tensorflow"))


def package_dirs() -> dict[str, Path]:
    """Where the sources of the content package (``coursekit/content.py``) and of coursekit are."""
    package = content_package()
    folder = content.folder(package)
    dirs = {"coursekit": Path(str(resources.files("coursekit")))}
    return dirs if folder is None else {package: folder, **dirs}


def _module_file(module: str, dirs: Mapping[str, Path]) -> Path | None:
    top, _, rest = module.partition(".")
    root = dirs.get(top)
    if root is None:
        return None
    base = root.joinpath(*rest.split(".")) if rest else root
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(module: str, tree: ast.AST) -> set[str]:
    """The module names ``tree`` imports, absolute, including ``from pkg import submodule``."""
    names: set[str] = set()
    package = module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


@functools.lru_cache(maxsize=1024)
def _imports_in(module: str, source: bytes, filename: str) -> frozenset[str] | None:
    """What ``source`` (module ``module``) imports, None if it is not Python; parsed once per text in a
    process: the exercises of a run share most of their modules (the engine's, the content's shared ones),
    and parsing each again for each exercise took about 1.5 s before a run's first grading."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError:
        return None
    return frozenset(_imported(module, tree))


def source_files(roots: tuple[str, ...], dirs: Mapping[str, Path] | None = None) -> dict[str, Path]:
    """Every module of the two packages that ``roots`` import, transitively, with its file."""
    dirs = package_dirs() if dirs is None else dirs
    found: dict[str, Path] = {}
    pending = list(roots)
    while pending:
        module = pending.pop()
        if module in found:
            continue
        path = _module_file(module, dirs)
        if path is None:
            continue
        found[module] = path
        imported = _imports_in(module, path.read_bytes(), str(path))
        if imported is None:
            continue
        parts = module.split(".")
        parents = [".".join(parts[:i]) for i in range(1, len(parts))]
        pending.extend(n for n in (*sorted(imported), *parents) if n not in found)
    return found


def library_versions() -> str:
    versions = []
    for names in LIBRARIES:
        for name in (names,) if isinstance(names, str) else names:
            try:
                versions.append(f"{name}={metadata.version(name)}")
                break
            except metadata.PackageNotFoundError:
                continue
    return ";".join(versions)


def code_version(exercise_id: str, grader_module: str, dirs: Mapping[str, Path] | None = None) -> str:
    """A hash of the code and libraries that decide ``exercise_id``'s grades (not the options)."""
    dirs = package_dirs() if dirs is None else dirs
    h = hashlib.sha256(f"coursekit={__version__};{library_versions()}".encode())
    for module, path in sorted(source_files((grader_module, *ENGINE_MODULES), dirs).items()):
        h.update(b"\0" + module.encode() + b"\0" + path.read_bytes())
    package = grader_module.partition(".")[0]
    cache = content.cache_file(exercise_id, dirs[package]) if package in dirs else None
    if cache is not None and cache.is_file():
        h.update(b"\0cache\0" + cache.read_bytes())
    return h.hexdigest()
