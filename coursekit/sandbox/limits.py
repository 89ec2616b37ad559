"""The limits a student process runs under."""

from __future__ import annotations

from dataclasses import dataclass

from coursekit._exceptions import InvalidOptionError


@dataclass(frozen=True)
class Limits:
    """Wall-clock seconds, address-space megabytes and how much of a run's output and results is kept.

    ``memory_mb`` bounds the whole address space of the student process, interpreter and libraries
    included: numpy needs about 150 MB of it, TensorFlow about 2 GB.
    """

    timeout_s: float = 10.0
    memory_mb: int = 1024
    output_chars: int = 4000
    output_lines: int = 40
    result_bytes: int = 32 << 20

    def __post_init__(self) -> None:
        if not (self.timeout_s > 0 and self.timeout_s != float("inf")):
            raise InvalidOptionError(f"timeout_s: expected a positive, finite number of seconds, "
                                     f"got {self.timeout_s}")
        if self.memory_mb < 64:
            raise InvalidOptionError(f"memory_mb: expected at least 64 megabytes, got {self.memory_mb}")
