"""``coursekit release OUT_DIR``: the student handout, with no answer in it.

The handout holds every chosen exercise as ``exN_*.py`` and ``exN_*.ipynb``, a README in Chinese and
English, and a package that ``pip install OUT_DIR`` installs: coursekit's ``list`` and ``check`` judging
the public cases from data computed here, from live Keras and the grader code (expected values, and the
output of every named mistake). It holds no solution, no grader, no reference implementation, no hidden
case and no ``grade`` or ``export``. ``release`` also writes ``OUT_DIR.zip``, which pip installs too.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from coursekit import __version__, content
from coursekit._exceptions import CoursekitError, InternalError
from coursekit.i18n import error
from coursekit.registry import content_package, get_exercise
from coursekit.release.data import exercise_data, handed_out
from coursekit.release.notebooks import Lang, stub_notebook
from coursekit.release.package import (
    copy_grader_files,
    copy_package,
    grader_imports,
    module_file,
    write_data,
    write_pyproject,
    write_zip,
)
from coursekit.release.readme import readme

__all__ = ["Handout", "build_handout", "handed_out"]


@dataclass(frozen=True)
class Handout:
    """What ``release`` wrote: the folder, its zip, the exercises and the folder's size in bytes."""

    folder: Path
    archive: Path
    exercises: tuple[str, ...]
    size: int


def build_handout(out_dir: Path, exercise_ids: Sequence[str], lang: Lang, stubs: Path) -> Handout:
    """Write the handout of ``exercise_ids`` into the new or empty folder ``out_dir``.

    ``stubs`` is the folder of the exercise stubs (the repository's ``exercises/``). Raises
    UnknownExerciseError, NotHandedOutError, or CoursekitError when ``out_dir`` holds files.
    """
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise error(CoursekitError, "release.not_empty", path=str(out_dir))
    exercises = [get_exercise(i) for i in exercise_ids]
    missing = [e.filename for e in exercises if not (stubs / e.filename).is_file()]
    if missing:
        raise error(CoursekitError, "release.no_stubs", stubs=tuple(missing), folder=str(stubs))
    data = {e.id: exercise_data(e) for e in exercises}
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        folder = out_dir / "exercises"
        folder.mkdir()
        for e in exercises:
            source = (stubs / e.filename).read_text(encoding="utf-8")
            (folder / e.filename).write_text(source, encoding="utf-8")
            _write_notebook(stub_notebook(source, e.id, e.filename, lang), folder / f"{e.module}.ipynb")
        copy_package(Path(str(resources.files("coursekit"))), out_dir)
        package = content_package()
        root = content.folder(package)
        if root is None:  # content_package() found it
            raise InternalError(f"the content package {package} has no folder")
        probes = {p for d in data.values() for p in d["probes"].values()}
        judges = {f for d in data.values() if (f := module_file(root, package, d["judge_module"]))}
        copy_grader_files(root, package, out_dir, sorted(grader_imports(root, package, probes | judges)))
        write_data(out_dir, data)
        write_pyproject(out_dir, __version__, package)
        (out_dir / "README.md").write_text(readme(exercises, lang), encoding="utf-8")
        archive = out_dir.with_name(out_dir.name + ".zip")
        write_zip(out_dir, archive)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    size = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    return Handout(out_dir, archive, tuple(data), size)


def _write_notebook(notebook: object, path: Path) -> None:
    import nbformat

    nbformat.write(notebook, str(path))  # type: ignore[no-untyped-call]
