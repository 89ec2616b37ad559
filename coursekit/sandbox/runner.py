"""The runner ``check`` uses: Linux's (``process.run_job``) or the portable one, as ``host.runner_kind``
says (``$COURSEKIT_RUNNER``). Batch grading passes its fork server's runner instead."""

from __future__ import annotations

from pathlib import Path

from coursekit.sandbox import host, portable, process
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Job
from coursekit.sandbox.report import RunReport


def run_job(workspace: Path, job: Job, limits: Limits) -> RunReport:
    """Run ``job`` on a copy of ``workspace`` with the runner this platform (or $COURSEKIT_RUNNER) takes."""
    if host.runner_kind() == "portable":
        return portable.run_job(workspace, job, limits)
    return process.run_job(workspace, job, limits)
