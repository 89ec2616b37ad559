"""What a run of student code reports, decoded and validated in the grader's process."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from coursekit import wire
from coursekit._exceptions import WireError


@dataclass(frozen=True)
class Place:
    """A line of the student's own code; ``cell`` is the notebook cell it is in, for a notebook's line."""

    file: str
    line: int
    function: str
    code: str
    cell: int | None = None

    def describe(self) -> str:
        cell = f", cell {self.cell}" if self.cell is not None else ""
        return f"{self.file}{cell}, line {self.line}" + (f", in {self.function}" if self.function else "")


@dataclass(frozen=True)
class StudentError:
    """An exception raised by student code, with the frames of the student's own files."""

    type_name: str
    message: str
    where: tuple[Place, ...] = ()

    def describe(self) -> str:
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        if self.where:
            p = self.where[-1]
            text += f"\n  at {p.describe()}" + (f": {p.code}" if p.code else "")
        return text


@dataclass(frozen=True)
class CallOutcome:
    """One call's result: a decoded value, or the error it raised."""

    value: Any = None
    error: StudentError | None = None


@dataclass(frozen=True)
class RunReport:
    """Everything learnt from one student process."""

    outcomes: dict[str, CallOutcome] = field(default_factory=dict)
    in_flight: str | None = None
    import_error: StudentError | None = None
    forbidden_imports: tuple[str, ...] = ()
    # the first top-level statement the child did not run (Job.skip_top_level_calls), and how many
    top_level_skipped: StudentError | None = None
    top_level_count: int = 0
    output: str = ""
    exit_code: int | None = None
    timed_out: bool = False
    protocol_error: str | None = None
    finished: bool = False
    cpu_s: float | None = None  # the CPU seconds of the process and its own, when known (a fork server's)

    def ending(self, timeout_s: float) -> str:
        """Why the process stopped before finishing, in words for a student."""
        if self.timed_out:
            return f"timed out after {timeout_s:g} s (an endless loop?)"
        if self.protocol_error:
            return f"the student process sent data that could not be read: {self.protocol_error}"
        if self.exit_code is not None and self.exit_code < 0:
            import signal

            try:
                name = signal.Signals(-self.exit_code).name
            except ValueError:
                name = f"signal {-self.exit_code}"
            hint = " (out of memory?)" if name in ("SIGKILL", "SIGSEGV", "SIGABRT") else ""
            return f"the process was killed by {name}{hint}"
        return f"the process ended early with exit code {self.exit_code} (os._exit or a crash?)"


def _place(data: Any) -> Place:
    if not isinstance(data, dict):
        raise WireError("expected an object for a code location")
    return Place(file=str(data.get("file", "?"))[:200], line=_int(data.get("line", 0)),
                 function=str(data.get("function", ""))[:100], code=str(data.get("code", ""))[:200])


def _int(x: Any) -> int:
    return x if isinstance(x, int) and not isinstance(x, bool) else 0


def _error(data: Any) -> StudentError:
    if not isinstance(data, dict):
        raise WireError("expected an object for an error")
    where = data.get("where", [])
    if not isinstance(where, list):
        raise WireError("expected a list of places")
    return StudentError(type_name=str(data.get("type", "Exception"))[:100],
                        message=str(data.get("message", ""))[:1000],
                        where=tuple(_place(p) for p in where[:5]))


REPORTED_TWICE = StudentError(
    "ReportedTwice", "this call's result was reported more than once (code that writes to the grader's "
                     "result stream?); a call is judged on one report only")


def parse_events(lines: list[bytes], call_ids: set[str]) -> dict[str, Any]:
    """Decode the child's event lines. Unknown or malformed lines raise WireError.

    A call's first report (a result or an exception) is its outcome; a second report for the same call
    (student code can reach the child's reporter and write to the result pipe) fails that call, for good.
    """
    outcomes: dict[str, CallOutcome] = {}
    state: dict[str, Any] = {"in_flight": None, "import_error": None, "forbidden": [], "done": False}
    for raw in lines:
        try:
            record = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise WireError("a line of the result stream is not JSON") from None
        except RecursionError:
            raise WireError("a line of the result stream is nested too deeply") from None
        if not isinstance(record, dict):
            raise WireError("a result event is not an object")
        event = record.get("event")
        raw_id = record.get("id")
        call_id = raw_id if isinstance(raw_id, str) else ""  # an id that is no string names no call
        if event in ("start", "result", "raised") and call_id not in call_ids:
            raise WireError(f"an event names an unknown call {str(raw_id)[:40]!r}")
        if event == "start":
            state["in_flight"] = call_id
        elif event in ("result", "raised") and call_id in outcomes:
            outcomes[call_id] = CallOutcome(error=REPORTED_TWICE)
            state["in_flight"] = None
        elif event == "result":
            outcomes[call_id] = CallOutcome(value=wire.decode(record.get("value")))
            state["in_flight"] = None
        elif event == "raised":
            outcomes[call_id] = CallOutcome(error=_error(record.get("error")))
            state["in_flight"] = None
        elif event == "import_failed":
            state["import_error"] = _error(record.get("error"))
        elif event == "forbidden_import":
            name = str(record.get("name", "?"))[:40]
            if name not in state["forbidden"]:
                state["forbidden"].append(name)
        elif event == "top_level_skipped":
            state["top_level_skipped"] = _error(record.get("error"))
            state["top_level_count"] = _int(record.get("count", 0))
        elif event == "done":
            state["done"] = True
        elif event not in ("ready", "result", "raised"):
            raise WireError(f"unknown event {str(event)[:40]!r}")
    state["outcomes"] = outcomes
    return state
