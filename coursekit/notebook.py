"""A student's notebook (``exN_*.ipynb``) as the Python module it stands for: read, never run.

The notebook is read with nbformat in the grader's process. Its code cells, in order, become the module;
IPython magics (``%...``; a ``%%...`` cell is left out whole) and shell lines (``!...``) are left out,
each such line replaced by ``pass`` so that a block it sat in stays valid. Cells that only display a value
stay: they are code like any other. No output stored in the notebook (results, images) is read. Every
line of the module remembers its cell and its line in that cell, so that a traceback names them and not
a line of a generated file.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from coursekit._exceptions import CoursekitError
from coursekit.i18n import error
from coursekit.sandbox.report import Place, StudentError

SUFFIX = ".ipynb"
MAX_NOTEBOOK_BYTES = 8 << 20
# The notebook metadata key under which ``coursekit release`` records the digest of the code it wrote.
METADATA_KEY = "coursekit"


class NotebookError(CoursekitError):
    """A notebook that cannot stand for a module: not JSON, not a notebook, no code, too large."""


@dataclass(frozen=True)
class NotebookCode:
    """The module a notebook stands for.

    ``origins[i]`` is where line ``i + 1`` of ``source`` comes from: (cell, line in that cell), both
    counted from 1, cells from the top of the notebook with text cells included; None for the blank
    lines between cells.
    """

    notebook: str
    module_file: str
    source: str
    origins: tuple[tuple[int, int] | None, ...]

    def place(self, place: Place) -> Place:
        """``place`` in the notebook's terms when it is a line of this module, else unchanged."""
        if place.file != self.module_file or not 1 <= place.line <= len(self.origins):
            return place
        origin = self.origins[place.line - 1]
        if origin is None:
            return replace(place, file=self.notebook)
        cell, line = origin
        return replace(place, file=self.notebook, cell=cell, line=line)

    def error(self, error: StudentError) -> StudentError:
        """A student's exception with every line of this module named by its cell."""
        return replace(error, where=tuple(self.place(p) for p in error.where))


def notebook_name(module_file: str) -> str:
    """``exN_name.py`` -> ``exN_name.ipynb``."""
    return Path(module_file).stem + SUFFIX


def read_notebook(path: Path) -> NotebookCode:
    """The module that the notebook at ``path`` stands for. Raises NotebookError with the reason."""
    try:
        import nbformat  # only a notebook pays for its import
    except ImportError:  # the student handout installs it only with its "notebook" extra
        raise error(NotebookError, "notebook.no_nbformat", name=path.name) from None
    if path.is_symlink():
        raise error(NotebookError, "notebook.link", name=path.name)
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise error(NotebookError, "notebook.too_large", name=path.name, mib=MAX_NOTEBOOK_BYTES >> 20)
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(NotebookError, "notebook.not_utf8", name=path.name) from None
    except OSError as exc:
        raise error(NotebookError, "notebook.unreadable", name=path.name,
                    reason=exc.strerror or type(exc).__name__) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about fields it fills in (cell ids)
            notebook = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
            nbformat.validate(notebook)
    except nbformat.reader.NotJSONError:
        raise error(NotebookError, "notebook.not_json", name=path.name) from None
    except Exception as exc:  # nbformat raises many kinds on data that is no notebook
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise error(NotebookError, "notebook.invalid", name=path.name, reason=reason) from None
    return notebook_code(path.name, [(c.cell_type, c.source) for c in notebook.cells])


def notebook_code(name: str, cells: list[tuple[str, str]]) -> NotebookCode:
    """The module of a notebook's (cell_type, source) cells; raises NotebookError when no code is left."""
    lines: list[str] = []
    origins: list[tuple[int, int] | None] = []
    for number, (cell_type, source) in enumerate(cells, start=1):
        if cell_type != "code" or source.lstrip().startswith("%%"):
            continue
        cell_lines = [_python_line(line) for line in source.splitlines()]
        if not any(line.strip() and line.strip() != "pass" for line in cell_lines):
            continue
        if lines:
            lines.append("")
            origins.append(None)
        lines.extend(cell_lines)
        origins.extend((number, i) for i in range(1, len(cell_lines) + 1))
    if not lines:
        raise error(NotebookError, "notebook.no_code", name=name)
    return NotebookCode(name, Path(name).stem + ".py", "\n".join(lines) + "\n", tuple(origins))


def _python_line(line: str) -> str:
    """A line magic or shell line becomes ``pass`` at its indentation; any other line stays."""
    stripped = line.lstrip()
    if stripped.startswith(("%", "!")):
        return line[: len(line) - len(stripped)] + "pass"
    return line


def code_digest(cells: Sequence[tuple[str, str]]) -> str:
    """The sha256 of a notebook's code cells, in order: what release records in the notebook it writes."""
    digest = hashlib.sha256()
    for cell_type, source in cells:
        if cell_type == "code":
            digest.update(source.encode("utf-8") + b"\0")
    return digest.hexdigest()


def as_released(path: Path) -> bool:
    """True when the notebook at ``path`` still holds the code ``coursekit release`` wrote in it.

    Read as plain JSON (nbformat is not needed): the code cells' digest against the one release recorded
    in the notebook's metadata. A notebook without that record, changed, or not readable is not as
    released.
    """
    try:
        if path.is_symlink() or path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return False
        notebook = json.loads(path.read_text(encoding="utf-8"))
        recorded = notebook["metadata"][METADATA_KEY]["code_sha256"]
        cells = [(str(c["cell_type"]), c["source"] if isinstance(c["source"], str) else "".join(c["source"]))
                 for c in notebook["cells"]]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return isinstance(recorded, str) and recorded == code_digest(cells)
