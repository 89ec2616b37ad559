"""What to install for an exercise that needs more than numpy, and the command that installs it here.

One list of requirements (with environment markers) is the source of the handout's ``keras`` extra, the
repository's pyproject.toml (a test compares them) and the command ``check`` names: TensorFlow has no
macOS wheels of ``tensorflow-cpu``, so the CPU-only build is asked for on x86-64 Linux alone and
``tensorflow`` elsewhere. The command is ``python -m pip install ...`` with the very interpreter that
runs coursekit (``sys.executable``: a bare ``pip`` may belong to another Python), quoted so that it runs
as it is in bash/zsh, and on Windows in PowerShell and cmd alike.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Sequence

TENSORFLOW_CPU = "tensorflow-cpu>=2.16; sys_platform == 'linux' and platform_machine == 'x86_64'"
TENSORFLOW = "tensorflow>=2.16; sys_platform != 'linux' or platform_machine != 'x86_64'"
# TensorFlow's last release for Intel Macs is 2.16, which needs numpy 1: said up front, so that pip does
# not try every numpy 2 release before it finds out.
INTEL_MAC_NUMPY = "numpy<2; sys_platform == 'darwin' and platform_machine == 'x86_64'"
# The handout's "keras" extra: what an exercise that builds Keras models (or plots with matplotlib) needs.
KERAS_EXTRA = ("keras>=3.0", TENSORFLOW_CPU, TENSORFLOW, INTEL_MAC_NUMPY, "matplotlib>=3.7")
NOTEBOOK_EXTRA = ("nbformat>=5.7",)
# A path that needs no quotes in bash, zsh, PowerShell or cmd.
PLAIN_PATH = re.compile(r"[\w./\\:+-]+")


def for_this_platform(requirements: Sequence[str], platform: str | None = None,
                      machine: str | None = None) -> tuple[str, ...]:
    """``requirements`` whose markers hold on this platform (or the one given), without their markers.

    Only the markers used above are understood: ``sys_platform`` and ``platform_machine``, ``==``/``!=``,
    joined by ``and`` or by ``or``.
    """
    import platform as platform_module

    env = {"sys_platform": platform or sys.platform,
           "platform_machine": machine or platform_module.machine()}
    kept = []
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        if not marker.strip() or _holds(marker, env):
            kept.append(spec.strip())
    return tuple(kept)


def _holds(marker: str, env: dict[str, str]) -> bool:
    def term(text: str) -> bool:
        m = re.fullmatch(r"\s*(\w+)\s*(==|!=)\s*['\"]([^'\"]*)['\"]\s*", text)
        if m is None:
            raise ValueError(f"a marker this module does not read: {text!r}")
        name, op, value = m.groups()
        return (env[name] == value) == (op == "==")  # as pip compares: Windows' x86-64 is "AMD64"

    if " or " in marker:
        return any(term(t) for t in marker.split(" or "))
    return all(term(t) for t in marker.split(" and "))


def install_command(requirements: Sequence[str], *, executable: str | None = None,
                    windows: bool | None = None) -> str:
    """``python -m pip install "req" ...`` for this interpreter, runnable as it is in this platform's
    shells. Requirements are in double quotes (bash, zsh, PowerShell and cmd all read ``"keras>=3.0"``
    as one word, where a bare ``>`` would redirect). On Windows a path with spaces needs ``& "..."``
    in PowerShell and ``"..."`` in cmd: then both commands are given, each named."""
    executable = executable or sys.executable or "python"
    windows = os.name == "nt" if windows is None else windows
    args = " ".join(f'"{r}"' for r in requirements)
    if PLAIN_PATH.fullmatch(executable):
        return f"{executable} -m pip install {args}"
    if not windows:
        return f"{shlex.quote(executable)} -m pip install {args}"
    return f'(PowerShell) & "{executable}" -m pip install {args}   (cmd) "{executable}" -m pip install {args}'


def keras_command(*, executable: str | None = None, platform: str | None = None,
                  machine: str | None = None) -> str:
    """The one command that adds the Keras exercises' packages to this Python (or to ``executable`` on
    ``platform``, ``sys.platform``'s name, and ``machine``)."""
    windows = None if platform is None else platform == "win32"
    return install_command(for_this_platform(KERAS_EXTRA, platform, machine), executable=executable,
                           windows=windows)


def notebook_command() -> str:
    return install_command(for_this_platform(NOTEBOOK_EXTRA))
