"""Finding forbidden imports in a student's source, read as text and never run."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursekit._exceptions import SubmissionRefusedError
from coursekit.imports import find_forbidden

BANNED = ("keras", "tensorflow", "torch", "jax")


def found(tmp_path: Path, source: str, **others: str) -> list[tuple[str, str, int]]:
    (tmp_path / "sub.py").write_text(source, encoding="utf-8")
    for name, text in others.items():
        (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    return [(f.name, f.file, f.line) for f in find_forbidden(tmp_path, "sub.py", BANNED)]


@pytest.mark.parametrize(("source", "name", "line"), [
    ("import keras", "keras", 1),
    ("import numpy as np\nimport tensorflow.keras as tk", "tensorflow", 2),
    ("from torch.nn import functional", "torch", 1),
    ("def f():\n    import jax.numpy as jnp", "jax", 2),
    ("__import__('keras')", "keras", 1),
    ("import importlib\nm = importlib.import_module('torch.nn')", "torch", 2),
    ("from importlib import import_module\nimport_module('jax')", "jax", 2),
    ("try:\n    import keras\nexcept ImportError:\n    pass", "keras", 2),
])
def test_each_way_of_importing_is_found(tmp_path: Path, source: str, name: str, line: int) -> None:
    assert found(tmp_path, source) == [(name, "sub.py", line)]


@pytest.mark.parametrize("source", [
    "import numpy as np\nimport math",
    '"""Equals keras.layers.SimpleRNN; do not import keras."""\n# import tensorflow',
    "from . import keras",
    "import kerastuner_lookalike",
    "x = 'import torch'",
    "def broken(:\n",
])
def test_what_is_not_a_forbidden_import_is_not_reported(tmp_path: Path, source: str) -> None:
    assert found(tmp_path, source) == []


def test_the_students_own_modules_are_followed(tmp_path: Path) -> None:
    result = found(tmp_path, "import helper\nfrom helper2 import f", helper="import numpy",
                   helper2="import other", other="import tensorflow as tf")
    assert result == [("tensorflow", "other.py", 1)]


def test_import_cycles_end(tmp_path: Path) -> None:
    assert found(tmp_path, "import a", a="import b", b="import a\nimport sub") == []


def test_a_linked_module_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.py").write_text("import keras")
    (tmp_path / "helper.py").symlink_to(tmp_path / "elsewhere.py")
    assert found(tmp_path, "import helper") == []


def test_a_file_the_scan_cannot_read_is_the_students_problem_said_so(tmp_path: Path) -> None:
    deep = "x = " + "+".join(["1"] * 20_000)  # RecursionError in ast.parse
    with pytest.raises(SubmissionRefusedError, match=r"helper\.py cannot be read .* nested too deeply"):
        found(tmp_path, "if False:\n    import helper", helper=deep)
