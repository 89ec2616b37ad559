"""ex6's probe: a return value with its type and, for an array, its dtype, run in the student's process.

Loaded by path by the sandbox's child (``Exercise.probes``): it imports nothing from coursekit or graders.
The wire format sends every numeric array back as float64, so a grader that checks the dtype (ex6:
``pad_sequences`` returns int32, as Keras's does) asks for it here: ``(type name, dtype name or None,
value)``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any


def probe(value: Any, context: Mapping[str, Any]) -> tuple[str, str | None, Any]:
    kind = type(value)
    numpy = sys.modules.get("numpy")
    dtype = None
    if numpy is not None and isinstance(value, numpy.ndarray):
        dtype = str(value.dtype.name)
    return f"{kind.__module__}.{kind.__qualname__}", dtype, value
