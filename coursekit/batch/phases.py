"""Where batch grading's time goes: wall and CPU seconds per exercise and phase.

The coordinator times what it does (staging and hashing the submissions, writing the gradebook and the
outputs); each worker times what it does for a task (starting its fork servers and importing Keras, the
references, the student's processes, a Keras model's rebuild and measurement, judging) and returns the figures
with the result as plain data. ``coursekit grade`` keeps them in ``OUT_DIR/timings.json`` (what this run
cost, for whoever wants to see what is left to speed up; ``benchmarks/grade_speed.py`` prints them).

CPU seconds are the grading process's own (``time.process_time``, all its threads), except the
"student" phase: the wall time a worker waits for a student's process, and that process's CPU as the
fork server measured it (``os.wait4``); the worker's own CPU meanwhile (preparing the job, reading its
output) is "sandbox". Phases of the workers add up over workers running in parallel: their sum can
exceed the run's wall time.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

STAGING = "staging"
STARTUP = "startup"
REFERENCES = "references"
STUDENT = "student"
SANDBOX = "sandbox"
REMEASURE = "remeasure"
JUDGING = "judging"
WRITING = "writing"
# In the order a grading goes through them.
PHASES = (STAGING, STARTUP, REFERENCES, STUDENT, SANDBOX, REMEASURE, JUDGING, WRITING)
CLASS = "*"  # the "exercise" of what the coordinator does for the whole class


@dataclass
class PhaseTimes:
    """Seconds by (exercise, phase): ``wall`` and ``cpu``; ``tasks`` counts the gradings per exercise."""

    wall: dict[tuple[str, str], float] = field(default_factory=dict)
    cpu: dict[tuple[str, str], float] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)

    @contextlib.contextmanager
    def phase(self, exercise: str, name: str) -> Iterator[None]:
        """Add the time spent in the ``with`` block to (``exercise``, ``name``)."""
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(exercise, name, time.perf_counter() - wall, time.process_time() - cpu)

    def add(self, exercise: str, name: str, wall: float, cpu: float = 0.0) -> None:
        key = (exercise, name)
        self.wall[key] = self.wall.get(key, 0.0) + wall
        self.cpu[key] = self.cpu.get(key, 0.0) + cpu

    def count(self, exercise: str) -> None:
        self.tasks[exercise] = self.tasks.get(exercise, 0) + 1

    def merge(self, data: Mapping[str, object]) -> None:
        """Add the figures of :meth:`to_data` (a worker's, for one task)."""
        rows = data.get("rows")
        if isinstance(rows, list):
            for row in rows:
                if isinstance(row, list) and len(row) == 4:
                    exercise, name, wall, cpu = row
                    self.add(str(exercise), str(name), float(wall), float(cpu))
        tasks = data.get("tasks")
        if isinstance(tasks, dict):
            for exercise, n in tasks.items():
                self.tasks[str(exercise)] = self.tasks.get(str(exercise), 0) + int(n)

    def to_data(self) -> dict[str, object]:
        """Plain data (JSON): ``rows`` of [exercise, phase, wall, cpu] in phase order, and ``tasks``."""
        order = {name: n for n, name in enumerate(PHASES)}
        keys = sorted(self.wall, key=lambda k: (k[0] != CLASS, k[0], order.get(k[1], len(order)), k[1]))
        return {"rows": [[e, p, round(self.wall[(e, p)], 4), round(self.cpu.get((e, p), 0.0), 4)]
                         for e, p in keys],
                "tasks": dict(sorted(self.tasks.items()))}
