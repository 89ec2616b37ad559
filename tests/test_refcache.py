"""The stored public cases: every public case of every exercise is stored with its inputs and Keras's
answer, the grader still makes those inputs (by value), and live Keras agrees with every stored answer.

``coursekit check`` runs the stored inputs and reads the stored answers from ``graders/<id>/cache.json``,
so that it never imports TensorFlow and asks the same on every machine, whatever the last bits of the
grader's seeded float maths there. These tests recompute every stored answer with live Keras (imported
once for the module) and compare by value; when one fails, ``python -m coursekit.refcache <id>``
rewrites the cache.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from coursekit import refcache, wire
from coursekit.registry import exercise_ids, get_exercise

IDS = exercise_ids()


def cached_entries(exercise_id: str) -> dict[str, Any]:
    path = refcache.cache_path(exercise_id)
    assert path.is_file(), f"{path} is missing: run python -m coursekit.refcache {exercise_id}"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["exercise"] == exercise_id
    entries: dict[str, Any] = data["cases"]
    return entries


def assert_same(expected: Any, cached: Any, where: str) -> None:
    """Equal values: arrays to float32 rounding, numbers and structures exactly."""
    if isinstance(expected, np.ndarray) or isinstance(cached, np.ndarray):
        assert isinstance(cached, np.ndarray) and isinstance(expected, np.ndarray), where
        assert cached.shape == expected.shape, where
        np.testing.assert_allclose(cached, expected, rtol=1e-5, atol=1e-6, err_msg=where)
    elif isinstance(expected, list | tuple):
        assert type(cached) is type(expected) and len(cached) == len(expected), where
        for i, (e, c) in enumerate(zip(expected, cached, strict=True)):
            assert_same(e, c, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(cached, dict) and set(cached) == set(expected), where
        for k in expected:
            assert_same(expected[k], cached[k], f"{where}[{k!r}]")
    elif isinstance(expected, float):
        assert cached == pytest.approx(expected, rel=1e-5, abs=1e-6), where
    else:
        assert type(cached) is type(expected) and cached == expected, where


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_public_case_is_stored_with_the_inputs_its_grader_makes(exercise_id: str) -> None:
    exercise = get_exercise(exercise_id)
    entries = cached_entries(exercise_id)
    made = exercise.generate_public_cases()
    assert sorted(entries) == sorted(c.name for c in made), "the cache holds exactly the public cases"
    stored = refcache.stored(exercise_id)
    for case in made:
        assert stored[case.name].same_call(case), \
            f"{case.name}: inputs changed since the cache was written; run python -m coursekit.refcache"
    cases = exercise.public_cases()
    assert [c.name for c in cases] == [c.name for c in made]
    assert set(refcache.load(exercise, cases)) == {c.name for c in cases}


def last_bits_changed(value: Any) -> Any:
    """``value`` with every float moved by one unit in the last place: the grader's inputs as another CPU
    (AVX-512, another OpenBLAS kernel) may compute them."""
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        return np.nextafter(value, np.inf).astype(value.dtype)
    if isinstance(value, float):
        return float(np.nextafter(value, np.inf))
    if isinstance(value, tuple | list):
        return type(value)(last_bits_changed(v) for v in value)
    if isinstance(value, dict):
        return {k: last_bits_changed(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("exercise_id", IDS)
def test_inputs_regenerated_with_other_last_bits_still_run_the_stored_case(exercise_id: str) -> None:
    import dataclasses

    exercise = get_exercise(exercise_id)
    made = exercise.generate_public_cases()
    other_cpu = [dataclasses.replace(c, args=last_bits_changed(c.args), kwargs=last_bits_changed(c.kwargs),
                                     probe_data=last_bits_changed(c.probe_data)) for c in made]
    cases = refcache.stored_cases(exercise, other_cpu)
    stored = refcache.stored(exercise_id)
    for case in cases:  # the stored inputs themselves, bit for bit, and their stored answer
        entry = stored[case.name]
        assert wire.encode(tuple(case.args)) == wire.encode(entry.args), case.name
        assert wire.encode(dict(case.kwargs)) == wire.encode(entry.kwargs), case.name
    assert set(refcache.load(exercise, cases)) == {c.name for c in cases}


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", IDS)
def test_live_keras_agrees_with_the_cache(keras: ModuleType, exercise_id: str) -> None:
    exercise = get_exercise(exercise_id)
    cases = exercise.public_cases()
    cached = refcache.load(exercise, cases)
    live = exercise.expected_values(cases, use_cache=False)
    for case in cases:
        assert_same(live[case.name], cached[case.name], f"{exercise_id} {case.name}")


def test_a_case_whose_inputs_changed_is_not_read_from_the_cache() -> None:
    exercise = get_exercise(IDS[0])
    case = exercise.public_cases()[0]
    changed = type(case)(case.name, case.function, (*case.args[:-1], wire.decode(wire.encode(0.5))),
                         case.kwargs, case.points)
    assert case.name in refcache.load(exercise, [case])
    assert refcache.load(exercise, [changed]) == {}
    assert refcache.stored_cases(exercise, [changed]) == [changed]  # its own inputs, computed live
    hidden = type(case)(case.name, case.function, case.args, case.kwargs, case.points, hidden=True)
    assert refcache.load(exercise, [hidden]) == {}  # a hidden case is never answered from the cache


def test_the_cache_is_plain_json_in_the_wire_format() -> None:
    for exercise_id in IDS:
        for name, entry in cached_entries(exercise_id).items():
            assert set(entry) == {"call", "expected"}, name
            wire.decode(entry["expected"])
            wire.decode_inputs(entry["call"]["args"])
