"""The wire format: both sides agree, and the grader's side refuses anything that is not plain data."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from coursekit import wire
from coursekit._exceptions import WireError
from coursekit.sandbox.process import CHILD_SCRIPT
from coursekit.sandbox.report import REPORTED_TWICE, parse_events


@pytest.fixture(scope="module")
def child() -> ModuleType:
    """The child script loaded by path, as the student process loads it (it imports no coursekit)."""
    spec = importlib.util.spec_from_file_location("coursekit_child_under_test", CHILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data, allow_nan=False))


def test_child_script_imports_nothing_from_coursekit() -> None:
    source = CHILD_SCRIPT.read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import", "from"))]
    assert imports and not any("coursekit" in line for line in imports)


@pytest.mark.parametrize("dtype", sorted(wire.ARRAY_DTYPES))
def test_arrays_of_every_dtype_come_back_as_float64(child: ModuleType, dtype: str) -> None:
    a = (np.arange(12) % 3).reshape(3, 4).astype(dtype)
    sent = child.decode(through_json(wire.encode(a)))
    assert sent.dtype == np.dtype(dtype) and sent.shape == (3, 4)
    back = wire.decode(through_json(child.encode(sent)))
    assert type(back) is np.ndarray and back.dtype == np.float64
    np.testing.assert_array_equal(back, a.astype(np.float64))


def test_values_round_trip_grader_to_child_and_back(child: ModuleType) -> None:
    value = (1, 2.5, None, True, "s", [1, (2, 3)], {"k": np.float64(1.5), 3: [np.int32(4)]},
             float("nan"), float("inf"), -float("inf"))
    sent = child.decode(through_json(wire.encode(value)))
    back = wire.decode(through_json(child.encode(sent)))
    assert back[:7] == (1, 2.5, None, True, "s", [1, (2, 3)], {"k": 1.5, 3: [4]})
    assert np.isnan(back[7]) and back[8] == float("inf") and back[9] == -float("inf")
    assert type(back[0]) is int and type(back[3]) is bool and type(back[6][3][0]) is int


def test_non_contiguous_and_big_endian_arrays_keep_their_values(child: ModuleType) -> None:
    a = np.arange(24, dtype=">f4").reshape(4, 6)[:, ::2]
    back = wire.decode(through_json(child.encode(child.decode(through_json(wire.encode(a))))))
    np.testing.assert_array_equal(back, a.astype(np.float64))


def test_numpy_scalars_become_plain_numbers(child: ModuleType) -> None:
    assert wire.decode(child.encode(np.float32(0.5))) == 0.5
    assert type(wire.decode(child.encode(np.int64(7)))) is int
    assert type(wire.decode(child.encode(np.bool_(True)))) is bool


class LyingArray(np.ndarray):
    """An ndarray subclass that claims to equal everything and to be something else."""

    def __eq__(self, other: object) -> Any:
        return True

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        return np.ones(self.shape)

    def tobytes(self, *args: Any, **kwargs: Any) -> bytes:
        return np.ones(self.shape).tobytes()


def test_an_ndarray_subclass_is_sent_as_its_raw_values(child: ModuleType) -> None:
    liar = np.zeros((2, 3)).view(LyingArray)
    back = wire.decode(through_json(child.encode(liar)))
    assert type(back) is np.ndarray
    np.testing.assert_array_equal(back, np.zeros((2, 3)))


def test_an_ndarray_subclass_lying_about_its_dtype_is_not_sent_as_numbers(child: ModuleType) -> None:
    class DtypeLiar(np.ndarray):
        @property  # type: ignore[misc]
        def dtype(self) -> np.dtype[Any]:
            return np.dtype("float64")

    liar = np.array([object(), object()], dtype=object).view(DtypeLiar)
    back = wire.decode(through_json(child.encode(liar)))
    assert isinstance(back, wire.Unsupported)


def test_objects_and_subclasses_of_plain_types_are_unsupported(child: ModuleType) -> None:
    class Eq:
        def __eq__(self, other: object) -> bool:
            return True

        def __repr__(self) -> str:
            raise RuntimeError("repr is hostile too")

    class MyFloat(float):
        def __eq__(self, other: object) -> bool:
            return True

    class MyList(list):  # type: ignore[type-arg]
        pass

    for value in (Eq(), MyFloat(1.0), MyList([1]), iter([1]), complex(1, 2), np.array([1j])):
        back = wire.decode(through_json(child.encode(value)))
        assert isinstance(back, wire.Unsupported), value
        assert back != np.zeros(1).tolist()


def test_grader_refuses_to_send_what_it_cannot_encode() -> None:
    with pytest.raises(TypeError):
        wire.encode(object())
    with pytest.raises(TypeError):
        wire.encode(np.array(["a"]))


@pytest.mark.parametrize("data", [
    {"a": 1, "b": 2},
    {"$pickle": "gASVAAAAAAAAAAA="},
    {"$f": "1.0"},
    {"$tuple": "abc"},
    {"$dict": [[[1], 2]]},
    {"$dict": [[{"$tuple": [[1]]}, 2]]},
    {"$dict": [1, 2]},
    {"$array": {"dtype": "object", "shape": [1], "b64": ""}},
    {"$array": {"dtype": "float64", "shape": [2], "b64": "AAAAAAAAAAA="}},
    {"$array": {"dtype": "float64", "shape": [-1], "b64": ""}},
    {"$array": {"dtype": "float64", "shape": [True], "b64": ""}},
    {"$array": {"dtype": "float64", "shape": [0, 10**30], "b64": ""}},
    {"$array": {"dtype": "float64", "shape": [10**9, 10**9], "b64": ""}},
    {"$array": {"dtype": "float64", "shape": [1], "b64": "not base64!"}},
    {"$array": {"dtype": "float64", "shape": [1], "b64": "AAAAAAAAAAA=", "extra": 1}},
    {"$unsupported": {"type": 1, "repr": "x"}},
    10**30,
    [-(10**19)],
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
])
def test_decode_refuses_anything_but_the_format(data: Any) -> None:
    with pytest.raises(WireError):
        wire.decode(data)


def test_decode_keeps_int64_range_ints() -> None:
    assert wire.decode(2**63 - 1) == 2**63 - 1
    assert wire.decode(-(2**63)) == -(2**63)


def event(**record: Any) -> bytes:
    return json.dumps(record).encode()


@pytest.mark.parametrize("line", [
    b"not json",
    b"[1, 2]",
    b"\xff\xfe",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"event": "start", "id": ["unhashable"]}',
    b'{"event": "result", "id": {"a": 1}, "value": 1}',
    b'{"event": "start", "id": "no such call"}',
    b'{"event": "launch_missiles"}',
    b'{"event": "result", "id": "c1", "value": {"$pickle": "x"}}',
    b'{"event": "raised", "id": "c1", "error": "not an object"}',
    b'{"event": "raised", "id": "c1", "error": {"where": [1]}}',
])
def test_parse_events_turns_hostile_lines_into_wire_errors(line: bytes) -> None:
    with pytest.raises(WireError):
        parse_events([line], {"c1"})


def test_parse_events_fails_a_call_reported_twice() -> None:
    """A second report for one call (a forged one, from student code that reached the reporter) fails
    the call, whichever came first; the other calls keep their reports."""
    for second in (event(event="result", id="c1", value=2), event(event="raised", id="c1", error={})):
        state = parse_events([event(event="ready"), event(event="start", id="c1"),
                              event(event="result", id="c1", value=1), second,
                              event(event="start", id="c2"), event(event="result", id="c2", value=3),
                              event(event="done")], {"c1", "c2"})
        assert state["outcomes"]["c1"].error == REPORTED_TWICE and state["outcomes"]["c1"].value is None
        assert state["outcomes"]["c2"].value == 3 and state["done"] and state["in_flight"] is None


def test_the_child_cuts_deep_nesting_to_what_the_grader_accepts(child: ModuleType) -> None:
    nested: Any = 1
    for _ in range(100):
        nested = [nested]
    inner = wire.decode(through_json(child.encode(nested)))
    while isinstance(inner, list):
        inner = inner[0]
    assert isinstance(inner, wire.Unsupported)


@pytest.mark.slow
def test_no_coursekit_module_can_unpickle() -> None:
    import coursekit

    package = Path(coursekit.__file__).parent
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import | ast.ImportFrom) else []
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for name in [*names, module or ""]:
                assert name.partition(".")[0] not in ("pickle", "marshal", "shelve", "dill", "cloudpickle"), \
                    f"{path.name} imports {name}"
            if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                assert isinstance(node.value, ast.Constant) and node.value.value is False, path.name
