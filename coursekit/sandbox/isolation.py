"""Which confinement this machine allows for student code, and which guarantees hold under it.

:func:`detect` tries each mode, strongest first, in a throw-away child (``_isolate.py --probe``) that
enters it exactly as a graded child would and reports what it can still see; the first mode whose probe
comes back confined is used. The result is plain data: ``coursekit grade`` prints :meth:`summary` before
grading, and :class:`~coursekit.sandbox.forkserver.ForkServer` sends :meth:`Isolation.settings` with
every job. SECURITY.md explains each mode.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from coursekit.i18n import DEFAULT, render
from coursekit.messages import Message, msg
from coursekit.sandbox.host import scrubbed_environment

Mode = Literal["namespaces", "user-namespaces", "uid", "basic"]

ISOLATE_SCRIPT = Path(__file__).with_name("_isolate.py")
# Each job runs as UID_BASE + the host pid of its forked child: unique among running jobs, above the
# ranges distributions and systemd-nspawn hand out, below the 2**31 that some tools treat as negative.
UID_BASE = 1_900_000_000
# Processes and threads of one job (RLIMIT_NPROC, cgroup pids.max). TensorFlow sizes its thread pools by
# the machine's cores, so big machines get more room.
MAX_PROCESSES = max(128, 8 * (os.cpu_count() or 1))
CPUS_PER_JOB = 1  # with a cgroup: a job's processes together get at most this many CPUs
SCRATCH_MB = 64  # the job's tmpfs: its copy of the files, /tmp and /dev/shm together
SCRATCH_INODES = 4096
FILE_MB = 64  # RLIMIT_FSIZE
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
PROBE_TIMEOUT_S = 60

GUARANTEES = (
    "a score comes only from the grader's own comparison",
    "no submission can stop, slow or kill the batch",
    "no process a submission starts outlives its grading",
    "a submission reads and changes only its own copy",
    "no network from student code",
)
# Each guarantee's entry in the engine's catalogue, in the order of GUARANTEES.
GUARANTEE_KEYS = ("sandbox.guarantee.score", "sandbox.guarantee.batch", "sandbox.guarantee.survive",
                  "sandbox.guarantee.files", "sandbox.guarantee.network")


@dataclass(frozen=True)
class Guarantee:
    """One of the guarantees of SECURITY.md (``name``, as it reads there), whether it holds here, and why
    (a message: the summary is said in the grader's language)."""

    name: str
    holds: bool
    how: Message


@dataclass(frozen=True)
class Isolation:
    """The mode student code runs in on this machine, and what was refused on the way.

    ``binds``: folders a job sees read-only (namespace modes); ``hide``: paths masked inside them;
    ``refused``: why each stronger mode was not used; ``cgroup``: whether each job gets a cgroup.
    """

    mode: Mode
    binds: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    cgroup: bool = False

    def settings(self, root: Path) -> dict[str, Any]:
        """What ``_isolate.enter`` needs for a job whose folder is ``root``."""
        return {"mode": self.mode, "root": str(root), "uid_base": UID_BASE, "binds": list(self.binds),
                "hide": list(self.hide), "processes": MAX_PROCESSES, "scratch_mb": SCRATCH_MB,
                "scratch_inodes": SCRATCH_INODES, "file_mb": FILE_MB, "cgroup": self.cgroup,
                "cpus": CPUS_PER_JOB}

    def guarantees(self) -> tuple[Guarantee, ...]:
        score, batch, survive, files, network = GUARANTEES
        compare = Guarantee(score, True, msg("sandbox.how.compare"))
        memory = msg("sandbox.how.cgroup") if self.cgroup else msg("sandbox.how.no_cgroup",
                                                                   processes=MAX_PROCESSES)
        if self.mode in ("namespaces", "user-namespaces"):
            who = msg("sandbox.who.uid" if self.mode == "namespaces" else "sandbox.who.no_capabilities")
            return (
                compare,
                Guarantee(batch, True, msg("sandbox.how.namespaces_batch", who=who, memory=memory)),
                Guarantee(survive, True, msg("sandbox.how.namespaces_survive")),
                Guarantee(files, True, msg("sandbox.how.namespaces_files")),
                Guarantee(network, True, msg("sandbox.how.namespaces_network")),
            )
        if self.mode == "uid":
            return (
                compare,
                Guarantee(batch, True, msg("sandbox.how.uid_batch", memory=memory)),
                Guarantee(survive, True, msg("sandbox.how.uid_survive")),
                Guarantee(files, False, msg("sandbox.how.uid_files")),
                Guarantee(network, False, msg("sandbox.how.no_network")),
            )
        return (
            compare,
            Guarantee(batch, False, msg("sandbox.how.basic_batch")),
            Guarantee(survive, False, msg("sandbox.how.basic_survive")),
            Guarantee(files, False, msg("sandbox.how.basic_files")),
            Guarantee(network, False, msg("sandbox.how.no_network")),
        )

    def summary(self, lang: str = DEFAULT) -> str:
        """Plain text for the start of ``coursekit grade``, in ``lang``: the mode and each guarantee."""
        lines = [render(msg("sandbox.mode", mode=msg(f"sandbox.mode.{self.mode}")), lang)]
        for g, name in zip(self.guarantees(), GUARANTEE_KEYS, strict=True):
            mark = render(msg("sandbox.holds" if g.holds else "sandbox.does_not_hold"), lang)
            because = render(msg("sandbox.because", how=g.how), lang)
            lines += [f"  {mark}  {render(msg(name), lang)}", f"       {because}"]
        lines += [f"  {render(msg('sandbox.not_available', why=why), lang)}" for why in self.refused]
        return "\n".join(lines)


def course_repository() -> Path | None:
    """The folder holding coursekit's source when it is installed from a checkout (and solutions/)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "coursekit").is_dir() and "-packages" not in root.name else None


def python_folders() -> list[str]:
    """The folders an interpreter like this one reads its modules from."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parents[1])}
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.add(sysconfig.get_path(name))
    return sorted(paths)


def readonly_binds() -> tuple[str, ...]:
    """System and Python folders, outermost only."""
    chosen: list[str] = []
    for path in sorted({*SYSTEM_FOLDERS, *python_folders()}):
        absolute = os.path.normpath(path)
        if not os.path.lexists(absolute):
            continue
        if any(absolute == c or absolute.startswith(c.rstrip("/") + "/") for c in chosen):
            continue
        chosen.append(absolute)
    return tuple(chosen)


def hidden_folders(binds: Sequence[str], extra: Sequence[Path] = ()) -> tuple[str, ...]:
    """Paths masked (a folder with an empty tmpfs, a file with /dev/null) when a bind would show them:
    the course repository and ``extra`` (a class or output folder, a secret file). A path holding a
    bind cannot be masked and is left out."""
    repo = course_repository()
    found = {str(p.resolve()) for p in [*([repo] if repo else []), *extra]}
    return tuple(sorted(p for p in found
                        if not any(b == p or b.startswith(p.rstrip("/") + "/") for b in binds)))


@cache
def package_paths(names: tuple[str, ...]) -> tuple[str, ...]:
    """Where the top-level packages ``names`` are installed (found, not imported): masked in the jobs of
    an exercise that forbids them, so that a numpy exercise's code cannot import them at all in the
    namespace modes, whatever it does to the import system."""
    found: list[str] = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        places = list(spec.submodule_search_locations or ()) or ([spec.origin] if spec.origin else [])
        found.extend(os.path.realpath(p) for p in places if os.path.exists(p))
    return tuple(sorted(set(found)))


def stronger_modes() -> list[Mode]:
    """The modes worth probing here, strongest first; "basic" is what remains."""
    if not sys.platform.startswith("linux"):
        return []
    return ["namespaces", "uid"] if os.geteuid() == 0 else ["user-namespaces"]


def probe(isolation: Isolation, look_for: Sequence[str]) -> tuple[bool, str]:
    """Enter ``isolation`` in a throw-away child; (confined as promised, why not).

    The child must not see ``look_for``, nor (with namespaces) a file the probe leaves beside its folder.
    """
    with tempfile.TemporaryDirectory(prefix="coursekit-probe-") as tmp, \
            tempfile.NamedTemporaryFile(prefix="coursekit-probe-decoy-") as decoy:
        decoy.write(b"not for student code")
        decoy.flush()
        (Path(tmp) / "work").mkdir()
        if isolation.mode in ("namespaces", "user-namespaces"):
            look_for = [*look_for, decoy.name]
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(ISOLATE_SCRIPT), "--probe",
                 json.dumps(isolation.settings(Path(tmp))), json.dumps(list(look_for))],
                env=scrubbed_environment(Path(tmp)), capture_output=True, timeout=PROBE_TIMEOUT_S,
                stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"{isolation.mode}: {exc}"
    last = (done.stderr.decode(errors="replace").strip().splitlines() or [""])[-1][:200]
    try:
        seen = json.loads(done.stdout)
    except ValueError:
        return False, f"{isolation.mode}: {last or f'exit code {done.returncode}'}"
    problems = []
    if not (seen.get("imports") and seen.get("writes")):
        problems.append("Python cannot run there (modules or its folder unreadable)")
    if isolation.mode != "basic" and seen.get("uid") == 0 and isolation.mode != "user-namespaces":
        problems.append("still root")
    if isolation.cgroup and not seen.get("cgroup"):
        problems.append("no cgroup")
    if isolation.mode in ("namespaces", "user-namespaces"):
        if seen.get("pid") != 1 or seen.get("parent_visible"):
            problems.append("not alone in its PID namespace")
        if seen.get("interfaces") != ["lo"]:
            problems.append("network interfaces visible")
        if seen.get("visible"):
            problems.append(f"can see {seen['visible'][0]}")
    return (not problems), f"{isolation.mode}: {'; '.join(problems)}"


def detect(hide: Sequence[Path] = ()) -> Isolation:
    """The strongest mode that works here (probed once per ``hide``)."""
    return _detect(tuple(str(p) for p in hide))


@cache
def _detect(hide: tuple[str, ...]) -> Isolation:
    binds = readonly_binds()
    hidden = hidden_folders(binds, [Path(p) for p in hide])
    refused: list[str] = [] if sys.platform.startswith("linux") else ["namespaces: Linux only"]
    for mode in stronger_modes():
        for cgroup in (True, False) if os.geteuid() == 0 else (False,):
            isolation = Isolation(mode, binds, hidden, tuple(refused), cgroup)
            ok, why = probe(isolation, hidden)
            if ok:
                return isolation
            refused.append(why + (" (with a cgroup per job)" if cgroup else ""))
    return Isolation("basic", refused=tuple(refused))
