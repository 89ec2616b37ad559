"""``coursekit release OUT_DIR [--exercises ...] [--lang zh|en]``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit._exceptions import CoursekitError

REPOSITORY_STUBS = Path(__file__).resolve().parents[2] / "exercises"


def release(
    out_dir: Annotated[Path, typer.Argument(help="The new folder to write the handout into.")],
    exercises: Annotated[str, typer.Option(help="Comma-separated exercise ids (default: all).")] = "",
    lang: Annotated[str, typer.Option(help="The notebooks' language: zh or en.")] = "zh",
    stubs: Annotated[Path | None, typer.Option(
        help="The folder of the exercise stubs (default: the repository's exercises/).")] = None,
) -> None:
    """Write the student handout: exercises (.py and .ipynb), README, and a coursekit without answers.

    Students install it with `pip install OUT_DIR` (or the OUT_DIR.zip written beside it).
    """
    from coursekit.registry import exercise_ids
    from coursekit.release import build_handout, handed_out

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # Keras computes the expected values

    err = Console(stderr=True, soft_wrap=True)
    if lang not in ("zh", "en"):
        err.print(f"[bold red]error:[/] --lang: expected zh or en, got {escape(lang)!r}")
        raise typer.Exit(code=2)
    ids = [e.strip() for e in exercises.split(",") if e.strip()]
    if not ids:
        ids = [i for i in exercise_ids() if handed_out(i)]
        left = [i for i in exercise_ids() if not handed_out(i)]
        if left:
            err.print(f"[yellow]warning:[/] {', '.join(left)} cannot be handed out yet (their graders judge "
                      f"with reference code) and are left out; students check them with the full coursekit")
    try:
        handout = build_handout(out_dir, ids, "zh" if lang == "zh" else "en", stubs or REPOSITORY_STUBS)
    except CoursekitError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(code=2) from None
    Console(soft_wrap=True).print(
        f"wrote the handout of {', '.join(handout.exercises)} to [bold]{escape(str(handout.folder))}[/] "
        f"({handout.size / 1024:.0f} KiB) and {escape(str(handout.archive))}: students install it with "
        f"pip install {escape(str(handout.folder))}")
