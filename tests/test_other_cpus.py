"""The public cases are the same on another CPU: ``check`` answers them from the stored cases there too.

The grader makes its public cases from a seed through float maths whose last bits depend on the CPU:
numpy's vectorised functions pick their code by the instruction set they find, OpenBLAS its kernels by the
core. Two settings make this machine compute as another one does, each read when numpy loads (so each
runs in a process of its own): numpy's dispatch narrowed to the x86-64-v2 baseline (numpy 2.4's groups
``X86_V3 X86_V4 AVX512_ICL``), and OpenBLAS's SandyBridge kernels (here they change the last bits of ex8's
regenerated inputs). Under each, every public case of every exercise is still answered from its folder's
``cache.json``; ``check`` of the exercises whose students' code needs no Keras gives the same verdicts,
points and named mistakes as without the setting, for the solution and for a wrong file; and the
grader's process imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SOLUTIONS

from coursekit import content
from coursekit.registry import exercise_ids, get_exercise

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform != "linux" or platform.machine() != "x86_64",
                                 reason="the settings name x86-64 instruction sets and OpenBLAS's x86 cores")]

SETTINGS = {
    "numpy dispatch narrowed": {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL"},
    "OpenBLAS on another core": {"OPENBLAS_CORETYPE": "SandyBridge"},
}
HEAVY = ("tensorflow", "keras")
# The exercises whose check runs no Keras at all, grader or student: checked end to end under each setting.
# (The others' students build Keras models, a TensorFlow import and a training run per check; their
# public cases' answers are read from the cache under each setting like every exercise's.)
KERAS_FREE = [i for i in exercise_ids()
              if not {m.partition(".")[0] for m in get_exercise(i).child_imports} & set(HEAVY)]

# Run in a fresh process under the setting: what numpy and OpenBLAS took of it, which public cases the
# cache does not answer, check's verdicts for every folder, and what the process imported.
PROBE = r"""
import ctypes, json, sys
from pathlib import Path

from numpy._core._multiarray_umath import __cpu_features__

from coursekit import refcache
from coursekit.check import check
from coursekit.registry import exercise_ids, get_exercise
from coursekit.render.jsonout import check_json


def openblas_core():
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        if "openblas" in Path(path).name and ".so" in path:
            for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                         "openblas_get_corename"):
                function = getattr(ctypes.CDLL(path), name, None)
                if function is not None:
                    function.restype = ctypes.c_char_p
                    return function().decode()
    return None


out = {"cpu": dict(__cpu_features__), "openblas": openblas_core(), "not_answered": {}, "checked": {}}
for exercise_id in exercise_ids():
    exercise = get_exercise(exercise_id)
    cases = exercise.public_cases()
    answered = refcache.load(exercise, cases)
    out["not_answered"][exercise_id] = [c.name for c in cases if c.name not in answered]
for exercise_id, folder in json.loads(sys.argv[1]):
    tests = check_json(check(exercise_id, Path(folder)), "en")["tests"]
    fields = ("name", "status", "score", "max_score", "mistake")
    out["checked"][folder] = [[t[k] for k in fields] for t in tests]
out["imported"] = sorted(m for m in sys.modules if m.partition(".")[0] in ("tensorflow", "keras"))
print(json.dumps(out))
"""


def submissions(root: Path) -> list[tuple[str, str]]:
    """For each Keras-free exercise, its solution and its folder's first wrong file, each in a folder that
    holds every solution beside it (an exercise may import another's file)."""
    folder = content.folder()
    assert folder is not None
    specs = []
    for exercise_id in KERAS_FREE:
        filename = get_exercise(exercise_id).filename
        wrong = sorted((folder / exercise_id).glob("mistakes/*.py"))[:1]
        for label, source in (("solution", SOLUTIONS / filename), *(("wrong", p) for p in wrong)):
            target = root / exercise_id / label
            shutil.copytree(SOLUTIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(source, target / filename)
            specs.append((exercise_id, str(target)))
    return specs


def probe(specs: list[tuple[str, str]], setting: dict[str, str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE")}
    run = subprocess.run([sys.executable, "-c", PROBE, json.dumps(specs)], env={**env, **setting},
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    found: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    specs = submissions(tmp_path_factory.mktemp("submissions"))
    return specs, probe(specs, {})


def test_without_a_setting_every_public_case_is_answered_from_the_cache(
        plain: tuple[list[tuple[str, str]], dict[str, Any]]) -> None:
    specs, found = plain
    assert KERAS_FREE and len(specs) > len(KERAS_FREE)
    assert found["not_answered"] == {i: [] for i in exercise_ids()}
    assert found["imported"] == []
    for exercise_id, folder in specs:
        tests = found["checked"][folder]
        passed = [t[1] == "passed" for t in tests]
        # the solution passes every test; a wrong file fails one at least, naming its mistake
        assert all(passed) if folder.endswith("solution") else not all(passed), (exercise_id, folder, tests)
        if folder.endswith("wrong"):
            assert any(t[4] is not None for t in tests), (exercise_id, tests)


@pytest.mark.parametrize("setting", SETTINGS.values(), ids=list(SETTINGS))
def test_under_another_cpus_bits_check_answers_the_same_from_the_cache_without_tensorflow(
        plain: tuple[list[tuple[str, str]], dict[str, Any]], setting: dict[str, str]) -> None:
    specs, before = plain
    found = probe(specs, setting)
    # the setting was taken: numpy dispatches on none of the disabled groups, OpenBLAS runs the named core
    for group in setting.get("NPY_DISABLE_CPU_FEATURES", "").split():
        assert not found["cpu"].get(group, False), f"numpy still dispatches on {group}"
    if "OPENBLAS_CORETYPE" in setting and before["openblas"] is not None:
        assert found["openblas"].lower() == setting["OPENBLAS_CORETYPE"].lower(), found["openblas"]
    assert found["not_answered"] == {i: [] for i in exercise_ids()}, "a public case missed the cache"
    assert found["checked"] == before["checked"]  # verdicts, points and named mistakes
    assert found["imported"] == [], f"the grader's process imported {found['imported']}"
