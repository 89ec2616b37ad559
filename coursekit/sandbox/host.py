"""The one place on the student side that knows the operating system: which runner ``check`` takes, which
limits it can apply, how a child is started and how its processes are killed.

``check`` (and the handout's ``check``) runs on Windows, macOS and Linux. Two runners:

- ``"linux"`` (:func:`coursekit.sandbox.process.run_job`): Linux, where ``resource`` and ``fork`` exist:
  the child's address space (RLIMIT_AS), file size (RLIMIT_FSIZE) and core dumps (RLIMIT_CORE) are
  limited between fork and exec, it leads a new session, and its process group and the rest of its
  session are killed when it ends; its output is read with ``selectors``.
- ``"portable"`` (:func:`coursekit.sandbox.portable.run_job`): what Windows and macOS take, and Linux
  when ``$COURSEKIT_RUNNER`` is ``portable`` (so that the same path runs in the tests here). A spawned
  ``python -I``, a wall-clock limit, the child's output and results read in chunks by threads and
  bounded as they arrive, and the whole process tree killed at the end (its process group on POSIX,
  ``taskkill /T`` on Windows). Memory and file-size limits only where the platform has them: on Linux
  (when ``resource`` is there) both; on macOS the file size only (macOS accepts RLIMIT_AS and does not
  enforce it); on Windows neither (a Job Object would bound memory, which needs the Win32 API beyond the
  standard library). :func:`unapplied_limits` says which; ``check`` tells the student once.

``resource`` is imported here, lazily, and by no other module ``check`` loads. ``coursekit grade``'s
sandbox (``isolation.py``, ``forkserver.py``, ``_isolate.py``, ``_forkserver.py``) is Linux's alone:
the handout does not ship it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from coursekit._exceptions import InvalidOptionError
from coursekit.sandbox.limits import Limits

RUNNER_VARIABLE = "COURSEKIT_RUNNER"
RunnerKind = Literal["linux", "portable"]
RUNNERS: tuple[RunnerKind, ...] = ("linux", "portable")
# The limits beyond time and output (which every runner applies), in the order check names them.
Limit = Literal["memory", "file_size"]
LIMITS: tuple[Limit, ...] = ("memory", "file_size")
FILE_MB = 64
# Windows process-creation flags (subprocess has them only on Windows).
CREATE_NEW_PROCESS_GROUP = 0x00000200
CREATE_NO_WINDOW = 0x08000000


def is_linux() -> bool:
    return sys.platform.startswith("linux")


def is_windows() -> bool:
    return os.name == "nt"


def rlimits() -> ModuleType | None:
    """The ``resource`` module where this platform has it (not on Windows), else None."""
    try:
        import resource
    except ImportError:
        return None
    return resource


def runner_kind(environ: Mapping[str, str] | None = None) -> RunnerKind:
    """The runner ``check`` takes here: ``$COURSEKIT_RUNNER`` (``linux``, ``portable``; empty or ``auto``:
    ``linux`` on Linux with ``resource`` and ``fork``, else ``portable``).

    Raises InvalidOptionError for another value, or ``linux`` where Linux's runner cannot run.
    """
    value = (os.environ if environ is None else environ).get(RUNNER_VARIABLE, "").strip().lower()
    linux_ok = is_linux() and rlimits() is not None and hasattr(os, "fork")
    if value in ("", "auto"):
        return "linux" if linux_ok else "portable"
    if value == "portable":
        return "portable"
    if value == "linux" and linux_ok:
        return "linux"
    from coursekit.i18n import error  # here: the warm child starts before the catalogues load (warm.py)

    raise error(InvalidOptionError, "sandbox.runner_unknown", variable=RUNNER_VARIABLE, value=value,
                expected=RUNNERS)


def forks_workers() -> bool:
    """Whether ``coursekit grade`` forks its local workers from one process that has imported Keras
    (``coursekit/batch/zygote.py``): Linux, with ``fork`` and file descriptors passed over Unix sockets.
    Elsewhere (Windows, macOS, where forking a process that loaded system frameworks is unsafe) each
    worker is spawned, a fresh interpreter that imports what it needs."""
    if not is_linux() or not hasattr(os, "fork"):
        return False
    from multiprocessing import reduction

    return bool(reduction.HAVE_SEND_HANDLE)


def applied_limits(kind: RunnerKind) -> tuple[Limit, ...]:
    """The limits beyond time and output that a run under ``kind`` enforces on this platform."""
    if kind == "linux":
        return LIMITS
    if rlimits() is None or is_windows():
        return ()
    return LIMITS if is_linux() else ("file_size",)


def unapplied_limits(kind: RunnerKind) -> tuple[Limit, ...]:
    """The limits a run under ``kind`` cannot apply here (check says so once)."""
    applied = applied_limits(kind)
    return tuple(limit for limit in LIMITS if limit not in applied)


def limit_resources(limits: Limits, which: tuple[Limit, ...] = LIMITS) -> Callable[[], None] | None:
    """The function the child runs between fork and exec to set its own limits (POSIX), or None when
    there is nothing to set (no ``resource``)."""
    resource = rlimits()
    if resource is None:
        return None

    def apply() -> None:
        if "memory" in which:
            memory = limits.memory_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if "file_size" in which:
            resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_MB << 20, FILE_MB << 20))
        os.umask(0o077)

    return apply


def spawn_options(kind: RunnerKind, limits: Limits) -> dict[str, Any]:
    """Popen's arguments that start the child in a group of its own, under the limits it can have.

    POSIX: a new session (``setsid``, done by subprocess in C: no ``os.fork`` in Python) and the rlimits;
    Windows: a new process group, no console window.
    """
    if os.name == "posix":
        return {"start_new_session": True, "preexec_fn": limit_resources(limits, applied_limits(kind))}
    return {"creationflags": CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW}


# Variables a student process keeps; everything else (the course secret, the instructor's tokens,
# PYTHONPATH...) is dropped. OPENBLAS_CORETYPE/L2_SIZE keep older OpenBLAS builds working here.
KEPT_VARIABLES = ("LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def scrubbed_environment(home: Path) -> dict[str, str]:
    """The whole environment of a student process whose home (and temporary folder) is ``home``."""
    env = {k: os.environ[k] for k in KEPT_VARIABLES if k in os.environ}
    env.update(system_variables(home))
    env.update({
        "HOME": str(home),
        "TMPDIR": str(home),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "KERAS_BACKEND": "tensorflow",
        "KERAS_HOME": str(home / ".keras"),
        "CUDA_VISIBLE_DEVICES": "",
    })
    env.setdefault("LANG", "C.UTF-8")
    return env


def system_variables(home: Path) -> dict[str, str]:
    """The variables a child needs to run at all on this platform (PATH, and Windows' own)."""
    if not is_windows():
        return {"PATH": "/usr/bin:/bin"}
    # Windows: Python and numpy's DLLs need SYSTEMROOT and the PATH (a conda Python finds its libraries
    # through it); temporary files and settings go to the job's folder.
    env = {k: os.environ[k] for k in ("SYSTEMROOT", "WINDIR", "PATH", "PATHEXT", "COMSPEC",
                                      "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE") if k in os.environ}
    env.update({"TEMP": str(home), "TMP": str(home), "USERPROFILE": str(home), "APPDATA": str(home),
                "LOCALAPPDATA": str(home)})
    return env


def kill_tree(pid: int) -> None:
    """Kill the child ``pid`` and what it started: its process group and session (POSIX), its process tree
    (Windows, ``taskkill /T``: a process whose parent has already ended is no longer in the tree)."""
    if os.name == "posix":
        kill_group(pid)
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(pid)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=30)


def kill_group(pgid: int) -> None:
    """Kill the child's process group, then whatever else is left in its session (POSIX).

    The child leads a new session whose id is its pid: a grandchild that moved to a process group of
    its own is still in that session. One that starts a session of its own (setsid) escapes; only an
    isolation layer (``coursekit grade``'s sandbox) can contain that.
    """
    killpg = getattr(os, "killpg", None)
    sigkill = getattr(signal, "SIGKILL", None)
    if killpg is None or sigkill is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        killpg(pgid, sigkill)
    for _ in range(10):  # members may fork while they are being killed
        members = session_members(pgid)
        if not members:
            break
        for pid in members:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sigkill)


def session_members(sid: int) -> list[int]:
    """The live processes of session ``sid``, from /proc (empty where there is no /proc)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    members = []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()  # state ppid pgrp session ...
        if len(fields) > 3 and fields[3] == str(sid) and fields[0] not in ("Z", "X"):
            members.append(int(name))
    return members


def remove_tree(root: Path) -> None:
    """Remove a job's folder whatever the student left in it.

    shutil.rmtree recurses once per level: a tree a few thousand folders deep, which a submission can
    build in its working folder in a second, raises RecursionError. ``rm -rf`` (POSIX) or ``rmdir /s``
    (Windows) finishes it; on Windows a file a surviving process holds open stays.
    """
    try:
        shutil.rmtree(root)
    except (OSError, RecursionError):
        command = ["rm", "-rf", "--", str(root)] if os.name == "posix" else \
            ["cmd", "/c", "rmdir", "/s", "/q", str(root)]
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False, timeout=120)
        if os.path.lexists(root):
            with contextlib.suppress(RecursionError):
                shutil.rmtree(root, ignore_errors=True)
