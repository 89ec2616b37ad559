"""A process that imports numpy (and Keras) once, then forks one sandboxed child per job.

Started by ``coursekit.sandbox.forkserver.ForkServer`` with a scrubbed environment, and loaded by path:
it imports nothing from coursekit, so the memory a child inherits holds no grader state, no course
secret and no other student's data. Jobs arrive on a SOCK_SEQPACKET socket as one JSON message with two
file descriptors (the child's output pipe and its result pipe); the server answers {"pid": N} and later
{"exit": N, "code": C, "cpu": S} when it reaps the child (S: the CPU seconds of the job). A message
{"kill": N} ends child N's job ({"kill": N, "hard": true}: SIGKILL), if the server has not reaped it
yet, so that a reused pid is never signalled. The request's "probes" (name -> path: the exercises' probe
modules) are loaded by the child before it is confined, as this server loads its own modules. The
request's "isolation" settings (from ``coursekit/sandbox/isolation.py``) say how ``_isolate.enter``
confines the child; in "uid" mode every process of the job's uid is killed before its exit is announced.
"""

import contextlib
import importlib
import importlib.util
import json
import os
import selectors
import signal
import socket
import sys
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name: str) -> ModuleType:
    path = os.path.join(HERE, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"coursekit_sandbox_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_child(request: dict[str, Any], fds: list[int], child: ModuleType, isolate: ModuleType) -> None:
    out_fd, result_fd = fds
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    for fd in (null, out_fd):
        os.close(fd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    probes = child.load_probes(request.get("probes") or {})  # the exercises' folder may be hidden inside
    try:
        isolate.enter(request["workdir"], request["env"], request["limits"], request.get("isolation"))
    except (OSError, ValueError) as exc:
        os.write(2, f"coursekit: could not enter the sandbox: {exc}\n".encode())
        os._exit(isolate.SETUP_FAILED)
    child.execute(result_fd, request["job"], probes)


def stop(pid: int, settings: dict[str, Any], hard: bool) -> None:
    """End the job of the child ``pid`` (still unreaped, so its pid cannot have been reused)."""
    with contextlib.suppress(OSError):
        if hard:
            os.kill(pid, signal.SIGKILL)
        elif settings.get("mode") in ("namespaces", "user-namespaces"):
            os.kill(pid, signal.SIGTERM)  # the namespace's parent kills PID 1, waits, then exits
        else:
            os.killpg(pid, signal.SIGKILL)


def serve(sock: socket.socket) -> None:
    child = load("_child")
    isolate = load("_isolate")
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, dict[str, Any]] = {}  # pid -> its job's isolation settings
    cgroups = False  # whether jobs have cgroups to remove
    if os.geteuid() == 0 and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            isolate.remove_stale_cgroups()
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ, "request")
    sel.register(wake_r, selectors.EVENT_READ, "sigchld")
    sock.send(json.dumps({"ready": True}).encode())
    try:
        while True:
            for key, _ in sel.select():
                if key.data == "sigchld":
                    os.read(wake_r, 4096)
                else:
                    msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 2)
                    if not msg:
                        return
                    request = json.loads(msg)
                    if "kill" in request:  # {"kill": pid}: the worker's timeout
                        for fd in fds:
                            os.close(fd)
                        if request["kill"] in children:
                            stop(request["kill"], children[request["kill"]], bool(request.get("hard")))
                        continue
                    pid = os.fork()
                    if pid == 0:
                        code = 0
                        try:
                            sel.close()
                            sock.close()
                            os.close(wake_r)
                            os.close(wake_w)
                            run_child(request, fds, child, isolate)
                            sys.stdout.flush()
                        except SystemExit as exc:
                            code = exc.code if isinstance(exc.code, int) else 1
                        except BaseException:
                            code = 70
                        finally:
                            os._exit(code)
                    for fd in fds:
                        os.close(fd)
                    settings = request.get("isolation") or {}
                    cgroups = cgroups or bool(settings.get("cgroup"))
                    children[pid] = settings
                    sock.send(json.dumps({"pid": pid}).encode())
                while children:
                    try:
                        pid, status, usage = os.wait4(-1, os.WNOHANG)
                    except ChildProcessError:
                        break
                    if pid == 0:
                        break
                    settings = children.pop(pid, {})
                    if settings.get("mode") == "uid":
                        isolate.sweep(settings["uid_base"] + pid)
                    if cgroups:
                        isolate.remove_cgroup(pid)
                    cpu = round(usage.ru_utime + usage.ru_stime, 4)  # with what it waited for
                    sock.send(json.dumps({"exit": pid, "code": os.waitstatus_to_exitcode(status),
                                          "cpu": cpu}).encode())
    finally:
        for pid, settings in children.items():
            for kill in (os.killpg, os.kill):  # its group ("basic", "uid"), or the namespace's parent
                with contextlib.suppress(OSError):
                    kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
            if settings.get("mode") == "uid":
                isolate.sweep(settings["uid_base"] + pid)
            if cgroups:
                isolate.remove_cgroup(pid)


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    for name in sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[2] else []:
        importlib.import_module(name)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        serve(sock)
    # Its children are gone (serve's end): leave without the interpreter's shutdown, which takes a second
    # or more once TensorFlow is imported, and which the grader closing this server would wait for.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
