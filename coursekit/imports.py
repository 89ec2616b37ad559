"""Find imports of forbidden packages in a student's source, read as text and never executed.

A file the scan cannot read (an expression nested too deeply for ``ast``, say) is the student's
problem, never an internal error: :func:`find_forbidden` raises ``SubmissionRefusedError`` naming it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from coursekit._exceptions import SubmissionRefusedError
from coursekit.i18n import error
from coursekit.messages import msg


@dataclass(frozen=True)
class ForbiddenImport:
    name: str
    file: str
    line: int


def _imported(tree: ast.AST) -> Iterable[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("__import__", "import_module"):
                yield node.args[0].value, node.lineno


def find_forbidden(workspace: Path, filename: str, forbidden: Iterable[str],
                   modules: Mapping[str, str] | None = None) -> list[ForbiddenImport]:
    """Forbidden imports in ``filename`` and in the workspace's own modules that it imports.

    ``modules`` maps file names to code that stands for them (a notebook's code): it is read instead of
    the workspace's file of that name.

    Raises ``SubmissionRefusedError`` when one of those files cannot be read or parsed by the scan
    (a syntax error is left to the student process, which reports it with its line)."""
    modules = modules or {}
    banned = set(forbidden)
    found: list[ForbiddenImport] = []
    todo, seen = [filename], set()
    while todo:
        name = todo.pop()
        path = workspace / name
        if name in seen or (name not in modules and (not path.is_file() or path.is_symlink())):
            continue
        seen.add(name)
        try:
            code = modules[name] if name in modules else path.read_text(encoding="utf-8", errors="replace")
            tree = ast.parse(code)
            imported = list(_imported(tree))
        except SyntaxError:
            continue
        except Exception as exc:  # RecursionError, MemoryError, ValueError (a NUL byte), OSError, ...
            why = msg("imports.too_deep") if isinstance(exc, RecursionError) else type(exc).__name__
            raise error(SubmissionRefusedError, "imports.unreadable", name=name, why=why) from None
        for module, line in imported:
            top = module.partition(".")[0]
            if top in banned:
                found.append(ForbiddenImport(top, name, line))
            elif f"{top}.py" in modules or (workspace / f"{top}.py").is_file():
                todo.append(f"{top}.py")
    return found


def names_imported(code: str, module: str) -> frozenset[str]:
    """The names ``code`` imports from its sibling ``module`` (``from exN_name import function``);
    ``"*"`` among them when it takes the whole module (``import exN_name``, ``import *``); empty
    when it does not import it or cannot be parsed."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == module for a in node.names):
            found.add("*")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module:
            found.update(a.name for a in node.names)
    return frozenset(found)
