"""The handout's files: the exercises, a README in both languages, and a package that pip installs.

The package is coursekit without what a student must not have or does not need: no ``batch`` (grading,
hidden cases, the course secret, the Gradescope export), no ``release``, no ``grade`` or ``export``
command, and no grader: the content package holds only the probes the student's process loads, the
judge modules (``coursekit/judges.py`` says what they are), the shared code they import and the message
catalogues, in the same folders as in the repository (``ex<N>/judge.py``, ``ex<N>/probes/``,
``shared/judging/``, ``ex<N>/locale/``). Its registry reads the exercises from ``coursekit/handout_data/``;
its pyproject.toml declares the content package in the entry point group ``coursekit.content``, so that
its coursekit finds the probes and catalogues as the full one does (``coursekit/content.py``).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tomllib
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from coursekit import content
from coursekit.install import KERAS_EXTRA, NOTEBOOK_EXTRA

# Left out of the handout's copy of coursekit (paths relative to the coursekit package). grade's sandbox
# (namespaces, fork server) is Linux's alone and needs resource and fork: the handout runs on Windows and
# macOS too, and its check takes sandbox/process.py or sandbox/portable.py (sandbox/host.py says which).
LEFT_OUT = ("batch", "release", "scaffold", "registry.py", "cli/__init__.py", "cli/commands.py",
            "cli/grade_cmd.py", "cli/export_cmd.py", "cli/release_cmd.py", "cli/new_cmd.py",
            "cli/semester_cmd.py",
            "sandbox/isolation.py", "sandbox/forkserver.py", "sandbox/_isolate.py", "sandbox/_forkserver.py")
# The handout's own files (real modules, which ruff and mypy check): coursekit/release/handout/.
HANDOUT_FILES = Path(__file__).resolve().parent / "handout"
# Where each is copied to, relative to the handout's coursekit package.
REPLACED = {"registry.py": "registry.py", "cli.py": "cli/__init__.py"}
# The template pyproject.toml (read with tomllib, its values set, written with toml_text; its comment
# lines above the first table are its header and carried over) names the content package so.
CONTENT_PACKAGE = "CONTENT_PACKAGE"


def copy_package(repo_package: Path, dest: Path) -> list[Path]:
    """Copy coursekit into ``dest/coursekit`` without what LEFT_OUT names; write its registry and CLI."""
    target = dest / "coursekit"
    shutil.copytree(repo_package, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pot"))
    for name in LEFT_OUT:
        path = target / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for source, name in REPLACED.items():
        shutil.copyfile(HANDOUT_FILES / source, target / name)
    return sorted(target.rglob("*.py"))


def copy_grader_files(root: Path, package: str, dest: Path, files: Sequence[str]) -> None:
    """The handout's content package ``package``: only ``files`` (probe and judge modules and what they
    import, paths in the package such as ``<id>/judge.py``), the ``__init__.py`` of their folders, and every
    exercise folder's message catalogues (a judge may name another exercise's entries)."""
    target = dest / package
    target.mkdir()
    shutil.copyfile(HANDOUT_FILES / "content_init.py", target / "__init__.py")
    for name in files:
        path = target / name
        for folder in reversed(Path(name).parents[:-1]):
            (target / folder).mkdir(exist_ok=True)
            init = target / folder / "__init__.py"
            if not init.exists():
                source = root / folder / "__init__.py"
                init.write_bytes(source.read_bytes() if source.is_file() else b"")
        shutil.copyfile(root / name, path)
    for locale in content.locale_folders(root):
        shutil.copytree(locale, target / locale.relative_to(root),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pot"))


def module_file(root: Path, package: str, module: str) -> str | None:
    """The file of ``module`` in the content package ``package`` (folder ``root``), as a path in it
    (``<id>/judge.py``); None for a module of another package, or none found."""
    if not module.startswith(package + "."):
        return None
    parts = module.split(".")[1:]
    for candidate in (Path(*parts).with_suffix(".py"), Path(*parts) / "__init__.py"):
        if (root / candidate).is_file():
            return candidate.as_posix()
    return None


def grader_imports(root: Path, package: str, names: Iterable[str]) -> set[str]:
    """``names`` (files of the content package, ``<id>/judge.py``) and every module of that package they
    import at module level, absolutely or relatively, transitively.

    A judge module may use shared code (a judge may read a model's config with
    ``shared/judging/``'s allowlist); the handout needs what it imports. Imports under
    ``if TYPE_CHECKING:`` and inside functions are not followed: nothing runs them in the handout.
    """
    found: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        parts = [package, *Path(name).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
            here = parts
        else:
            here = parts[:-1]
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        for node in _module_level(tree.body):
            modules: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = ".".join(here[: len(here) - node.level + 1]) if node.level else ""
                base = ".".join(p for p in (base, node.module or "") if p)
                modules = [base, *(f"{base}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            pending.extend(f for m in modules if (f := module_file(root, package, m)))
    return found


def _module_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        if isinstance(node, ast.Try):
            yield from _module_level([*node.body, *(s for h in node.handlers for s in h.body), *node.orelse])
        elif not isinstance(node, ast.If):
            yield node


def write_data(dest: Path, data: Mapping[str, Mapping[str, Any]]) -> None:
    folder = dest / "coursekit" / "handout_data"
    folder.mkdir()
    shutil.copyfile(HANDOUT_FILES / "data_init.py", folder / "__init__.py")
    (folder / "index.json").write_text(json.dumps({"exercises": list(data)}) + "\n", encoding="utf-8")
    for exercise_id, exercise_data in data.items():
        (folder / f"{exercise_id}.json").write_text(json.dumps(exercise_data, separators=(",", ":")) + "\n",
                                                    encoding="utf-8")


def write_pyproject(dest: Path, version: str, package: str) -> None:
    """The handout's pyproject.toml: the template ``handout/pyproject.toml`` with this release's version,
    the extras of coursekit/install.py and ``package`` as its content package."""
    text = (HANDOUT_FILES / "pyproject.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    above = text.partition("\n[")[0].splitlines(keepends=True)  # the lines above the first table
    header = "".join(line for line in above if line.startswith("#")) + "\n"
    project = data["project"]
    project["version"] = version
    project["optional-dependencies"] = {"keras": list(KERAS_EXTRA), "notebook": list(NOTEBOOK_EXTRA)}
    entry_points = project["entry-points"]["coursekit.content"]
    for name, value in entry_points.items():
        entry_points[name] = value.replace(CONTENT_PACKAGE, package)
    find = data["tool"]["setuptools"]["packages"]["find"]
    find["include"] = [p.replace(CONTENT_PACKAGE, package) for p in find["include"]]
    (dest / "pyproject.toml").write_text(header + toml_text(data), encoding="utf-8")


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_text(data: Mapping[str, Any], path: tuple[str, ...] = ()) -> str:
    """``data`` (tables of strings, numbers, booleans and lists of them) as TOML, tables after the
    values of their parent, in the order given."""
    values = [f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in data.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    out = ""
    if values or (path and not tables):
        out = (f"[{'.'.join(_toml_key(p) for p in path)}]\n" if path else "") + "".join(values)
    for key, table in tables:
        out += ("\n" if out else "") + toml_text(table, (*path, key))
    return out


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return json.dumps(value)  # a JSON string or number is a TOML one (basic string, same escapes)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def write_zip(folder: Path, archive: Path) -> None:
    """``archive`` holding ``folder`` as one top folder (pip installs the zip as it installs the folder)."""
    tmp = archive.with_name(archive.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name) / path.relative_to(folder))
    tmp.replace(archive)
