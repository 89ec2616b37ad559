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
import shutil
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
# The handout's own versions of the modules it replaces.
REGISTRY = '''"""The exercises of this handout, by id, judged from the data coursekit release computed."""

from __future__ import annotations

from coursekit.exercise import Exercise
from coursekit.handout import exercise_ids, load


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise ``exercise_id``; raises UnknownExerciseError for an unknown id."""
    return load(exercise_id)


def all_exercises() -> list[Exercise]:
    return [load(i) for i in exercise_ids()]


__all__ = ["all_exercises", "exercise_ids", "get_exercise"]
'''
CLI = '''"""The handout's ``coursekit`` command: ``list`` and ``check``, nothing else. A plain ``check``
command line is run without starting typer (``coursekit.cli.quick``), as in coursekit itself."""

from __future__ import annotations

import sys
from typing import Any


def _app() -> Any:
    import typer

    from coursekit.cli import check_cmd, list_cmd

    app = typer.Typer(name="coursekit", help="Check your exercises of the recurrent-networks lesson.",
                      no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    app.command("list")(list_cmd.list_exercises)
    app.command("check")(check_cmd.check)
    return app


def main() -> None:
    from coursekit.cli.quick import run_plain

    code = run_plain(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from coursekit.cli import help_text

    help_text.command(_app())()


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
'''
PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "coursekit-handout"
version = "{version}"
description = "The student handout of the recurrent-networks lesson: exercises and coursekit check."
readme = "README.md"
requires-python = ">=3.11"
# numpy, typer and rich are all the numpy exercises need; Keras (and matplotlib) is an extra:
# tensorflow-cpu on x86-64 Linux, tensorflow elsewhere (tensorflow-cpu has no macOS wheels).
dependencies = ["numpy>=1.26", "typer>=0.12", "rich>=13"]

[project.optional-dependencies]
keras = {keras}
notebook = {notebook}

[project.scripts]
coursekit = "coursekit.cli:main"

[project.entry-points."coursekit.content"]
handout = "{package}"

[tool.setuptools.packages.find]
include = ["coursekit*", "{package}*"]

[tool.setuptools.package-data]
coursekit = ["locale/*/LC_MESSAGES/*.mo"]
"coursekit.handout_data" = ["*.json"]
"*" = ["locale/*/LC_MESSAGES/*.mo"]
'''


def copy_package(repo_package: Path, dest: Path) -> list[Path]:
    """Copy coursekit into ``dest/coursekit`` without what LEFT_OUT names; write its registry and CLI."""
    target = dest / "coursekit"
    shutil.copytree(repo_package, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in LEFT_OUT:
        path = target / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    (target / "registry.py").write_text(REGISTRY, encoding="utf-8")
    (target / "cli" / "__init__.py").write_text(CLI, encoding="utf-8")
    return sorted(target.rglob("*.py"))


def copy_grader_files(root: Path, package: str, dest: Path, files: Sequence[str]) -> None:
    """The handout's content package ``package``: only ``files`` (probe and judge modules and what they
    import, paths in the package such as ``<id>/judge.py``), the ``__init__.py`` of their folders, and every
    exercise folder's message catalogues (a judge may name another exercise's entries)."""
    target = dest / package
    target.mkdir()
    (target / "__init__.py").write_text(
        '"""Probes, judges and the exercises\' messages: no grader, no reference."""\n',
        encoding="utf-8")
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
                        ignore=shutil.ignore_patterns("__pycache__"))


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
    (folder / "__init__.py").write_text('"""The handout\'s exercises as data (coursekit release)."""\n',
                                        encoding="utf-8")
    (folder / "index.json").write_text(json.dumps({"exercises": list(data)}) + "\n", encoding="utf-8")
    for exercise_id, exercise_data in data.items():
        (folder / f"{exercise_id}.json").write_text(json.dumps(exercise_data, separators=(",", ":")) + "\n",
                                                    encoding="utf-8")


def write_pyproject(dest: Path, version: str, package: str) -> None:
    extras = {name: "[" + ", ".join(json.dumps(r) for r in requirements) + "]"
              for name, requirements in (("keras", KERAS_EXTRA), ("notebook", NOTEBOOK_EXTRA))}
    (dest / "pyproject.toml").write_text(PYPROJECT.format(version=version, package=package, **extras),
                                         encoding="utf-8")


def write_zip(folder: Path, archive: Path) -> None:
    """``archive`` holding ``folder`` as one top folder (pip installs the zip as it installs the folder)."""
    tmp = archive.with_name(archive.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name) / path.relative_to(folder))
    tmp.replace(archive)
