"""ex7's load_imdb probe: a small imdb.npz for keras.datasets.imdb.load_data, and what load_imdb returned.

Loaded by path by the sandbox's child (``Exercise.probes``): it imports nothing from coursekit or graders.
``prepare`` writes a small data file in imdb.npz's own format (:func:`write_imdb_npz`: object arrays of
word-rank lists, labels 0/1) into the job's working folder and points ``keras.datasets.imdb.load_data`` at it.
load_data takes no folder (its ``path`` is a file name under ``~/.keras/datasets``) and checks the real
file's sha256 before using a cached copy, downloading it again when they differ; so the probe replaces
the ``get_file`` that load_data calls with one that returns the grader's file, and the real load_data
(shuffling, start mark, ``index_from``, ``num_words``, ``maxlen``) runs on it. Nothing is downloaded.
The grader computes the expected values with the same file and the same replacement.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np


def imdb_arrays(seed: int, reviews: int, shortest: int, longest: int, top_rank: int) -> dict[str, np.ndarray]:
    """x_train, y_train, x_test, y_test as imdb.npz holds them: ``reviews`` of each, reviews as lists of
    word ranks in [1, top_rank) of ``shortest`` to ``longest`` words, labels 0/1."""
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    for part in ("train", "test"):
        x = np.empty(reviews, dtype=object)
        for i in range(reviews):
            length = int(rng.integers(shortest, longest + 1))
            x[i] = [int(r) for r in rng.integers(1, top_rank, length)]
        arrays[f"x_{part}"] = x
        arrays[f"y_{part}"] = rng.integers(0, 2, reviews).astype(np.int64)
    return arrays


def write_imdb_npz(folder: str, spec: Mapping[str, int]) -> str:
    """Write imdb.npz for :func:`imdb_arrays` (``spec``: its arguments) in ``folder``; its path."""
    path = os.path.join(folder, "imdb.npz")
    np.savez(path, **imdb_arrays(**spec))  # type: ignore[arg-type]
    return path


def use_file(imdb_module: Any, path: str) -> Any:
    """Make ``imdb_module.load_data`` read ``path``; returns the ``get_file`` it called before."""
    original = imdb_module.get_file

    def get_file(fname: Any = None, origin: Any = None, **kwargs: Any) -> str:
        if str(fname).endswith(".npz"):
            return path
        # Raised in the student's process, where no catalogue is loaded: said in both languages.
        raise OSError(f"评分程序只提供 imdb.npz，没有 {fname}：load_imdb 只需要 "
                      f"keras.datasets.imdb.load_data / the grader provides only imdb.npz, not {fname}: "
                      f"load_imdb needs only keras.datasets.imdb.load_data")

    imdb_module.get_file = get_file
    return original


def prepare(context: Mapping[str, Any]) -> None:
    spec = context["data"].get("imdb")
    if spec is None:
        return
    import keras

    # In the job's own folder: a temporary folder named before the fork server forked this process
    # (tempfile caches it) may not exist in the sandbox.
    path = write_imdb_npz(tempfile.mkdtemp(prefix=".coursekit-imdb-", dir=os.getcwd()), spec)
    use_file(sys.modules[keras.datasets.imdb.load_data.__module__], path)


def _dtypes(value: Any, depth: int = 0) -> Any:
    """The value's structure with each array's dtype name and every other item's type name."""
    if isinstance(value, np.ndarray):
        return str(value.dtype.name)
    if isinstance(value, tuple | list) and depth < 3:
        return [_dtypes(v, depth + 1) for v in value[:4]]
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def probe(value: Any, context: Mapping[str, Any]) -> tuple[Any, Any]:
    """(the value, its dtypes): arrays travel as float64, and an unpadded x (an object array) as its type."""
    return value, _dtypes(value)
