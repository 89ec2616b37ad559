"""``coursekit release OUT_DIR [--exercises ...] [--lang zh|en]``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from coursekit._exceptions import CoursekitError
from coursekit.cli.errors import print_error, print_warning, say
from coursekit.messages import msg

REPOSITORY_STUBS = Path(__file__).resolve().parents[2] / "exercises"


def release(
    out_dir: Annotated[Path, typer.Argument(help="The new folder to write the handout into.")],
    exercises: Annotated[str, typer.Option(help="Comma-separated exercise ids (default: all).")] = "",
    lang: Annotated[str | None, typer.Option(
        help="The language of the notebooks (default: zh) and of the messages (default: $COURSEKIT_LANG, "
             "then the locale): zh or en.")] = None,
    stubs: Annotated[Path | None, typer.Option(
        help="The folder of the exercise stubs (default: the repository's exercises/).")] = None,
) -> None:
    """Write the student handout: exercises (.py and .ipynb), README, and a coursekit without answers.

    Students install it with `pip install OUT_DIR` (or the OUT_DIR.zip written beside it).
    """
    from coursekit.registry import exercise_ids
    from coursekit.release import build_handout, handed_out

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # Keras computes the expected values

    if lang is not None and lang not in ("zh", "en"):
        print_error(msg("option.lang", got=repr(lang)), None)
        raise typer.Exit(code=2)
    ids = [e.strip() for e in exercises.split(",") if e.strip()]
    if not ids:
        ids = [i for i in exercise_ids() if handed_out(i)]
        left = [i for i in exercise_ids() if not handed_out(i)]
        if left:
            print_warning("release.left_out", lang, exercises=tuple(left))
    try:
        handout = build_handout(out_dir, ids, "en" if lang == "en" else "zh", stubs or REPOSITORY_STUBS)
    except CoursekitError as exc:
        print_error(exc, lang)
        raise typer.Exit(code=2) from None
    Console(soft_wrap=True).print(escape(say(
        "release.wrote", lang, exercises=tuple(handout.exercises), folder=str(handout.folder),
        kib=handout.size / 1024, archive=str(handout.archive))))
