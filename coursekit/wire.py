"""The plain-data format spoken between the grader and a student process.

Everything that crosses the process boundary is JSON. Arrays travel as their dtype, shape and raw
little-endian bytes in base64; tuples, dicts and non-finite floats are tagged. The grader decodes what a
student process sends with :func:`decode`, which accepts nothing but this format: numeric arrays come
back as float64 ``ndarray`` objects, anything the student returned that has no plain form arrives as an
:class:`Unsupported` description. Nothing is unpickled and nothing is imported.

The child side of the format lives in ``coursekit/sandbox/_child.py``, which must stay free of coursekit
imports; ``tests/test_wire.py`` checks that both sides agree.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit._exceptions import WireError

ARRAY_DTYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "float16", "float32", "float64"}
)
MAX_DEPTH = 32
MAX_ARRAY_ELEMENTS = 50_000_000
INT_RANGE = range(-(2**63), 2**63)  # what the child sends as a plain int; larger ones arrive Unsupported


@dataclass(frozen=True)
class Unsupported:
    """A value a student returned that has no plain-data form (an object, a model, a generator...)."""

    type_name: str
    text: str


def encode(value: Any) -> Any:
    """Encode a grader-side value (inputs for a student call) to JSON-ready data."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _encode_float(float(value))
    if isinstance(value, np.ndarray):
        if value.dtype.name not in ARRAY_DTYPES:
            raise TypeError(f"cannot send an array of dtype {value.dtype} to a student process")
        data = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).tobytes()
        return {"$array": {"dtype": value.dtype.name, "shape": list(value.shape),
                           "b64": base64.b64encode(data).decode("ascii")}}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot send a value of type {type(value).__name__} to a student process")


def _encode_float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"$f": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def decode(data: Any, depth: int = 0) -> Any:
    """Decode data from a student process, validating every part of it.

    Returns None, bool, int, float, str, tuple, list, dict, float64 ``ndarray`` or :class:`Unsupported`.
    Raises :class:`WireError` for anything else.
    """
    if depth > MAX_DEPTH:
        raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
    if data is None or isinstance(data, bool | float | str):
        return data
    if isinstance(data, int):
        if data not in INT_RANGE:
            raise WireError(f"integer outside the 64-bit range, got {_describe(data)}")
        return data
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise WireError(f"expected a tagged object with one key, got {_describe(data)}")
    (tag, body), = data.items()
    if tag == "$f":
        if body not in ("nan", "inf", "-inf"):
            raise WireError(f"expected 'nan', 'inf' or '-inf' after $f, got {_describe(body)}")
        return float(body)
    if tag == "$tuple":
        if not isinstance(body, list):
            raise WireError(f"expected a list after $tuple, got {_describe(body)}")
        return tuple(decode(v, depth + 1) for v in body)
    if tag == "$dict":
        return _decode_dict(body, depth)
    if tag == "$array":
        return _decode_array(body)
    if tag == "$unsupported":
        if not isinstance(body, dict) or not isinstance(body.get("type"), str) \
                or not isinstance(body.get("repr"), str):
            raise WireError("expected {'type': str, 'repr': str} after $unsupported")
        return Unsupported(body["type"][:200], body["repr"][:500])
    raise WireError(f"unknown tag {tag[:40]!r}")


def _decode_dict(body: Any, depth: int) -> dict[Any, Any]:
    if not isinstance(body, list):
        raise WireError(f"expected a list of pairs after $dict, got {_describe(body)}")
    out: dict[Any, Any] = {}
    for pair in body:
        if not isinstance(pair, list) or len(pair) != 2:
            raise WireError("expected [key, value] pairs after $dict")
        key = decode(pair[0], depth + 1)
        if not isinstance(key, str | int | float | bool | tuple) and key is not None:
            raise WireError(f"dictionary key of unusable type {type(key).__name__}")
        try:
            out[key] = decode(pair[1], depth + 1)
        except TypeError as exc:  # an unhashable tuple key
            raise WireError(f"unusable dictionary key: {exc}") from None
    return out


def _decode_array(body: Any) -> np.ndarray:
    if not isinstance(body, dict) or set(body) != {"dtype", "shape", "b64"}:
        raise WireError("expected {'dtype', 'shape', 'b64'} after $array")
    dtype, shape, b64 = body["dtype"], body["shape"], body["b64"]
    if dtype not in ARRAY_DTYPES:
        raise WireError(f"array dtype must be numeric, got {str(dtype)[:40]!r}")
    if not isinstance(shape, list) or len(shape) > MAX_DEPTH or not all(
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_ARRAY_ELEMENTS for n in shape
    ):
        raise WireError(f"array shape must be a list of integers from 0 to {MAX_ARRAY_ELEMENTS}, "
                        f"got {_describe(shape)}")
    size = math.prod(shape)
    if size > MAX_ARRAY_ELEMENTS:
        raise WireError(f"array of {size} elements is larger than {MAX_ARRAY_ELEMENTS}")
    if not isinstance(b64, str):
        raise WireError("array data must be a base64 string")
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise WireError("array data is not valid base64") from None
    dt = np.dtype(dtype).newbyteorder("<")
    if len(raw) != size * dt.itemsize:
        raise WireError(f"array data holds {len(raw)} bytes, shape {tuple(shape)} of {dtype} needs "
                        f"{size * dt.itemsize}")
    return np.frombuffer(raw, dtype=dt).astype(np.float64).reshape(shape)


def decode_inputs(data: Any) -> Any:
    """A case's inputs from the wire format, arrays keeping their dtype (a float32 case stays float32).

    ``wire.decode`` reads what a student process sent and gives every array as float64; inputs are the
    grader's own values, sent to the student as they were drawn.
    """
    if isinstance(data, list):
        return [decode_inputs(v) for v in data]
    if isinstance(data, dict) and len(data) == 1:
        (tag, body), = data.items()
        if tag == "$tuple":
            return tuple(decode_inputs(v) for v in body)
        if tag == "$dict":
            return {decode_inputs(k): decode_inputs(v) for k, v in body}
        if tag == "$array":
            dtype = np.dtype(str(body["dtype"]))
            raw = base64.b64decode(body["b64"])
            return np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype).reshape(body["shape"])
    return decode(data)


def _describe(data: Any) -> str:
    text = repr(data)
    return f"{type(data).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"
