"""The student commands' ``--help`` in the user's language (issue 24): ``list`` and ``check`` from the
catalogue when ``--lang``, ``$COURSEKIT_LANG`` or the locale says Chinese. The instructor's commands keep
their English help. Shipped in the handout, whose ``coursekit`` has only ``list`` and ``check``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer

from coursekit._exceptions import CoursekitError
from coursekit.i18n import DEFAULT, render, resolve_language
from coursekit.messages import msg

# command -> (its help's entry, {parameter name: its help's entry})
HELP = {"list": ("help.list", {"lang": "help.lang"}),
        "check": ("help.check", {"exercise": "help.check.exercise", "path": "help.check.path",
                                 "as_json": "help.check.json", "verbose": "help.check.verbose",
                                 "lang": "help.lang"})}


def help_language(argv: Sequence[str]) -> str:
    """--lang in the command line, else $COURSEKIT_LANG, else the locale; English when none is valid."""
    option = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--lang"), None)
    option = next((a.partition("=")[2] for a in argv if a.startswith("--lang=")), option)
    for given in (option, None):
        try:
            return resolve_language(given)
        except CoursekitError:
            continue
    return DEFAULT


def command(app: typer.Typer, argv: Sequence[str] | None = None) -> Any:
    """``app`` as a click command, with the student commands' help in the language of ``argv`` (else
    ``sys.argv``) and the environment."""
    group: Any = typer.main.get_command(app)
    lang = help_language(sys.argv[1:] if argv is None else argv)
    if lang == DEFAULT:
        return group
    group.help = render(msg("help.app"), lang)
    for name, (command_help, params) in HELP.items():
        sub = getattr(group, "commands", {}).get(name)
        if sub is None:
            continue
        sub.help = render(msg(command_help), lang)
        for param in sub.params:
            if param.name in params and hasattr(param, "help"):
                param.help = render(msg(params[param.name]), lang)
    return group
