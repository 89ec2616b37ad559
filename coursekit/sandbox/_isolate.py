"""Confine the current process before it runs student code. Loaded by path: no coursekit imports.

``enter`` is called in a freshly forked, single-threaded child of the fork server, after its standard
streams are in place and before any student code runs. ``settings["mode"]`` says how far it goes;
``coursekit/sandbox/isolation.py`` picks the strongest mode this machine allows by running
``python -I _isolate.py --probe MODE`` first, which enters that mode and reports what it can still see.

- ``"namespaces"`` (root) and ``"user-namespaces"`` (an unprivileged user): the process unshares PID,
  network, mount, IPC and UTS namespaces (and a user namespace when not root), then forks again. The
  grandchild runs the student's code as PID 1 of its own PID namespace, so the kernel kills every process
  it started, even in a new session, the moment it dies. Its file system is a fresh size-limited tmpfs
  holding read-only binds of the system folders and of Python, a private /proc, /tmp and /dev/shm, and a
  copy of the job's folder: other students, the output folder, the course repository and the secret are
  simply not there. Its network namespace holds only a loopback that is down. As root it then becomes a
  uid of its own (``uid_base`` + the host pid of the forking child, unique among running jobs); without
  root it drops every capability. The intermediate child waits for the grandchild, exits with its
  status, kills it when it receives SIGTERM (the grader's timeout) and dies with the fork server.
- ``"uid"`` (root, namespaces refused): own session, the job's folder chowned to the job's own uid, that
  uid, no new privileges; after the job, the fork server kills every process of that uid (``sweep``).
- ``"basic"``: own session and resource limits only.
"""

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import time
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME = 1 << 18, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}  # syscall numbers; else chroot (no caps left)
DEVICES = ("null", "zero", "full", "random", "urandom")
CGROUPS = "/sys/fs/cgroup"
MOUNTPOINT = ".root"  # inside the job's folder on the host: where the tmpfs root is built
SETUP_FAILED = 71  # exit code when the confinement cannot be entered: no student code has run

_libc: Any = None


def libc() -> Any:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def prctl(option: int, value: int) -> None:
    check(libc().prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), f"prctl({option})")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    check(libc().mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


# ---- entering a mode ------------------------------------------------------------------------------

def enter(workdir: str, env: dict[str, str], limits: dict[str, Any],
          settings: dict[str, Any] | None = None) -> None:
    """Confine this process (and, for namespaces, fork: only the grandchild returns from here)."""
    settings = settings or {"mode": "basic"}
    mode = settings["mode"]
    if settings.get("cgroup"):
        join_cgroup(limits, settings)
    if mode in ("namespaces", "user-namespaces"):
        uid = enter_namespaces(settings)
    elif mode == "uid":
        os.setsid()
        uid = settings["uid_base"] + os.getpid()
        chown_tree(settings["root"], uid)
        drop_to(uid)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        os.setsid()
        uid = None
    set_limits(limits, settings, shared=mode == "basic")
    os.umask(0o077)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(env)


def set_limits(limits: dict[str, Any], settings: dict[str, Any], shared: bool) -> None:
    """Resource limits; ``shared``: the process still runs as the grader's own user."""
    limit(resource.RLIMIT_AS, int(limits["memory_mb"]) << 20)
    limit(resource.RLIMIT_CORE, 0)
    if sys.platform.startswith("linux"):
        # No core dump even where core_pattern pipes to a crash reporter, which ignores RLIMIT_CORE.
        prctl(PR_SET_DUMPABLE, 0)
    limit(resource.RLIMIT_FSIZE, int(settings.get("file_mb", 64)) << 20)
    processes = int(settings.get("processes", 128))
    if shared and os.geteuid() != 0:
        # RLIMIT_NPROC counts every task (process or thread) of the real uid, the grader's own included.
        processes += count_tasks(os.getuid())
    limit(resource.RLIMIT_NPROC, processes)


def limit(which: int, value: int) -> None:
    """Set soft and hard limits to ``value``, or to the hard limit already in force when it is lower."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def count_tasks(uid: int) -> int:
    count = 0
    for name in os.listdir("/proc") if os.path.isdir("/proc") else ():
        try:
            if name.isdigit() and os.stat(f"/proc/{name}").st_uid == uid:
                count += len(os.listdir(f"/proc/{name}/task"))
        except OSError:
            pass
    return count


def drop_to(uid: int) -> None:
    """Become ``uid`` (and the group of that number) for good, with no capabilities."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    drop_capabilities()


def drop_capabilities() -> None:
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    data = (Data * 2)()
    check(libc().capset(ctypes.byref(Header(0x20080522, 0)), data), "capset")
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def chown_tree(root: str, uid: int) -> None:
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), uid, uid)
    os.lchown(root, uid, uid)


# ---- a cgroup per job: the memory and processes of all its processes together ----------------------

def cgroup_folders(name: str) -> list[tuple[str, dict[str, str]]]:
    """The folders of cgroup ``name`` beside this process's own cgroups, with the files that limit it.

    cgroup v2 (one hierarchy), else v1 (the memory, pids and cpu controllers); values are filled in by
    ``join_cgroup``. A file the hierarchy does not offer is skipped.
    """
    own: dict[str, str] = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                own[controller] = path
    if os.path.exists(f"{CGROUPS}/cgroup.controllers") and "" in own:
        base = f"{CGROUPS}{own['']}".rstrip("/")
        return [(f"{base}/{name}", {"memory.max": "memory", "memory.swap.max": "0", "pids.max": "pids",
                                    "cpu.max": "cpu.max"})]
    found = []
    for controller, files in (("memory", {"memory.limit_in_bytes": "memory",
                                           "memory.memsw.limit_in_bytes": "memory"}),
                              ("pids", {"pids.max": "pids"}),
                              ("cpu", {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "cpu"})):
        if controller in own and os.path.isdir(f"{CGROUPS}/{controller}"):
            found.append((f"{CGROUPS}/{controller}{own[controller]}".rstrip("/") + f"/{name}", files))
    return found


def join_cgroup(limits: dict[str, Any], settings: dict[str, Any]) -> None:
    """Create this job's cgroup (named after this process, which the fork server forked) and enter it."""
    quota = int(float(settings.get("cpus", 1)) * 100000)
    values = {"memory": str(int(limits["memory_mb"]) << 20), "pids": str(int(settings.get("processes", 128))),
              "cpu": str(quota), "cpu.max": f"{quota} 100000"}
    for folder, files in cgroup_folders(f"coursekit-{os.getpid()}"):
        with contextlib.suppress(FileExistsError):  # left by a fork server that was killed
            os.mkdir(folder, 0o700)
        for name, value in files.items():
            if os.path.exists(f"{folder}/{name}"):
                with open(f"{folder}/{name}", "w") as f:
                    f.write(values.get(value, value))
        with open(f"{folder}/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))


def remove_cgroup(pid: int) -> None:
    """Remove the cgroup of the fork server's child ``pid`` once every process in it has ended."""
    for folder, _ in cgroup_folders(f"coursekit-{pid}"):
        for _ in range(100):
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:  # busy: its last processes are still being torn down
                time.sleep(0.01)


def remove_stale_cgroups() -> None:
    """Remove the job cgroups whose creator is gone: left by a fork server that was killed."""
    for folder, _ in cgroup_folders("coursekit-0"):
        parent = os.path.dirname(folder)
        for name in os.listdir(parent) if os.path.isdir(parent) else ():
            if name.startswith("coursekit-") and name[10:].isdigit():
                try:
                    os.kill(int(name[10:]), 0)
                except ProcessLookupError:
                    with contextlib.suppress(OSError):
                        os.rmdir(os.path.join(parent, name))
                except PermissionError:
                    pass


# ---- namespaces ---------------------------------------------------------------------------------

def enter_namespaces(settings: dict[str, Any]) -> int | None:
    """Unshare, fork; the parent waits and never returns. Returns the uid the grandchild runs as."""
    server = os.getppid()
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != server:
        os._exit(SETUP_FAILED)
    outer_uid, outer_gid = os.getuid(), os.getgid()
    user = settings["mode"] == "user-namespaces"
    uid = None if user else settings["uid_base"] + os.getpid()
    flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS
    check(libc().unshare(flags | (CLONE_NEWUSER if user else 0)), "unshare")
    if user:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {outer_uid} 1"),
                           ("gid_map", f"0 {outer_gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    alive_r, alive_w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(alive_r)
        wait_and_exit(pid)
    os.close(alive_w)
    os.setsid()
    build_root(settings, uid)
    if uid is None:
        drop_capabilities()
    else:
        drop_to(uid)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.set_blocking(alive_r, False)
    try:
        if os.read(alive_r, 1) == b"":
            os._exit(SETUP_FAILED)  # the intermediate is already gone
    except BlockingIOError:
        pass
    os.close(alive_r)
    return uid


def wait_and_exit(pid: int) -> None:
    """The intermediate: wait for PID 1 of the namespace, end as it ended, kill it on SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
    limit(resource.RLIMIT_CORE, 0)
    prctl(PR_SET_DUMPABLE, 0)
    for fd in (0, 1, 2):
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)  # a signal whose default is to be ignored
    os._exit(os.waitstatus_to_exitcode(status))


def build_root(settings: dict[str, Any], uid: int | None) -> None:
    """Build the student's file system on a tmpfs and make it the root."""
    job_root = settings["root"]
    user = uid is None
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    new = os.path.join(job_root, MOUNTPOINT)
    os.mkdir(new, 0o755)
    mb, inodes = int(settings.get("scratch_mb", 64)), int(settings.get("scratch_inodes", 4096))
    mount("coursekit", new, "tmpfs", MS_NOSUID | MS_NODEV, f"size={mb}m,nr_inodes={inodes},mode=755")
    for path in settings["binds"]:
        bind_readonly(path, new + path, recursive=user)
    for name in DEVICES:
        target = f"{new}/dev/{name}"
        make_parents(target)
        open(target, "w").close()
        mount(f"/dev/{name}", target, None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/dev/{name}")
    for folder in ("/tmp", "/dev/shm"):
        os.makedirs(new + folder, exist_ok=True)
        os.chmod(new + folder, 0o1777)
    os.makedirs(new + "/proc", exist_ok=True)
    mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in settings.get("hide", ()):
        if os.path.islink(new + path) or not os.path.exists(new + path):
            continue
        if os.path.isdir(new + path):
            mount("hidden", new + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=000")
        else:
            mount("/dev/null", new + path, None, MS_BIND)
    copy_job(job_root, new + job_root, uid)
    os.chdir(new)
    number = PIVOT_ROOT.get(os.uname().machine)
    if number is not None:
        check(libc().syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
        check(libc().umount2(b".", MNT_DETACH), "umount old root")
    else:
        os.chroot(".")
    os.chdir("/")
    libc().sethostname(b"coursekit", 9)


def make_parents(path: str) -> None:
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)


def bind_readonly(source: str, target: str, recursive: bool) -> None:
    if os.path.islink(source):
        make_parents(target)
        if not os.path.lexists(target):
            os.symlink(os.readlink(source), target)
        return
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    elif os.path.isfile(source):
        make_parents(target)
        open(target, "w").close()
    else:
        return
    mount(source, target, None, MS_BIND | (MS_REC if recursive else 0))
    # A read-only remount must keep the flags the source mount already has (a user namespace may not
    # clear them).
    kept = 0
    flag = os.statvfs(source).f_flag
    for st, ms in ((os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME),
                   (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
        if flag & st:
            kept |= ms
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | kept)


def copy_job(source: str, dest: str, uid: int | None) -> None:
    """Copy the job's folder (its ``.py`` files and the job file) into the tmpfs, owned by ``uid``."""
    os.makedirs(dest, mode=0o700)
    for folder, dirs, files in os.walk(source):
        if folder == source and MOUNTPOINT in dirs:
            dirs.remove(MOUNTPOINT)
        target = os.path.join(dest, os.path.relpath(folder, source))
        os.makedirs(target, mode=0o700, exist_ok=True)
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as src, open(os.path.join(target, name), "wb") as dst:
                dst.write(src.read())
    if uid is not None:
        chown_tree(dest, uid)


# ---- after a job --------------------------------------------------------------------------------

def sweep(uid: int) -> None:
    """Kill every process of ``uid``: run by the fork server (as root) after a job in "uid" mode."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(100):
                try:
                    os.kill(-1, signal.SIGKILL)  # every process this uid may signal, but this one
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


# ---- the probe run by coursekit/sandbox/isolation.py -----------------------------------------------

def readable(path: str) -> bool:
    """Whether ``path`` shows anything: a masked folder is empty or closed, a masked file empty."""
    try:
        if os.path.isdir(path):
            return bool(os.listdir(path))
        with open(path, "rb") as f:
            return bool(f.read(1))
    except OSError:
        return False


def probe(settings: dict[str, Any], look_for: list[str]) -> None:
    """Enter ``settings`` (its ``root`` holds an empty ``work`` folder) and report, on stdout, what the
    process can still do."""
    import socket

    work = os.path.join(settings["root"], "work")
    enter(work, {"PATH": "/usr/bin:/bin"}, {"memory_mb": 1024}, settings)
    found = {"uid": os.getuid(), "pid": os.getpid(), "visible": [p for p in look_for if readable(p)]}
    try:
        import wave  # noqa: F401  (a standard module the probe has not loaded yet)
        found["imports"] = True
    except Exception:
        found["imports"] = False
    with open("written", "w") as f:
        found["writes"] = f.write("ok") == 2
    found["interfaces"] = [name for _, name in socket.if_nameindex()]
    with open("/proc/self/cgroup") as f:
        found["cgroup"] = "/coursekit-" in f.read()
    found["parent_visible"] = os.getppid() != 0
    print(json.dumps(found), flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--probe"]:
        pid = os.fork()  # the probe's parent plays the fork server: it reaps, sweeps, removes the cgroup
        if pid == 0:
            code = 0
            try:
                probe(json.loads(sys.argv[2]), json.loads(sys.argv[3]))
            except BaseException as exc:
                print(f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                code = 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        remove_cgroup(pid)
        sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
