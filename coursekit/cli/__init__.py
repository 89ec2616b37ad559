"""The ``coursekit`` command: one typer app (``coursekit.cli.commands``), one small module per command.

A plain ``coursekit check`` command line is run without starting typer (``coursekit.cli.quick``): a student
waits for it after every edit. ``app`` is imported on first use, so importing this package costs nothing.
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    from coursekit.cli.quick import run_plain

    code = run_plain(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from coursekit.cli import help_text
    from coursekit.cli.commands import app

    help_text.command(app)()


def __getattr__(name: str) -> Any:
    if name == "app":
        from coursekit.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
