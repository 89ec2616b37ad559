"""The student-side runner: loaded by path in a fresh, limited process, never imported by the grader.

It reads one job (a JSON file named on the command line, deleted once read), imports the student's
module from the working folder, makes each call and reports every event as one JSON line on the result
file descriptor. It imports nothing from coursekit, so a student's module cannot reach the grader's code
through it. Values are encoded in the format of ``coursekit/wire.py``.

Events: {"event": "ready"} · {"event": "start", "id"} · {"event": "result", "id", "value"} ·
{"event": "raised", "id", "error"} · {"event": "import_failed", "error"} ·
{"event": "forbidden_import", "name"} · {"event": "top_level_skipped", "count", "error"} ·
{"event": "done"}.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import importlib
import importlib.abc
import json
import math
import os
import sys
import traceback
from typing import Any  # already imported by importlib.abc: free in the student process

ARRAY_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float16", "float32", "float64"}
WORKDIR = os.path.realpath(os.getcwd())


class Reporter:
    def __init__(self, fd: int, max_bytes: int) -> None:
        self.fd = fd
        self.max_bytes = max_bytes

    def send(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n").encode()
        view = memoryview(line)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]


class ForbiddenImports(importlib.abc.MetaPathFinder):
    """Refuses the named top-level packages and remembers that they were asked for."""

    def __init__(self, names: list[str], reporter: Reporter) -> None:
        self.names = frozenset(names)
        self.reporter = reporter

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        top = fullname.partition(".")[0]
        if top in self.names:
            self.reporter.send({"event": "forbidden_import", "name": top})
            raise ImportError(f"{top} may not be used in this exercise: compute it by hand with numpy "
                              f"/ 本练习不允许使用 {top}，请用 numpy 手动计算")
        return None


# ---- values ---------------------------------------------------------------------------------------

def decode(data: Any) -> Any:
    import numpy as np

    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    (tag, body), = data.items()
    if tag == "$f":
        return float(body)
    if tag == "$tuple":
        return tuple(decode(v) for v in body)
    if tag == "$dict":
        return {decode(k): decode(v) for k, v in body}
    if tag == "$array":
        dt = np.dtype(body["dtype"]).newbyteorder("<")
        raw = base64.b64decode(body["b64"])
        return np.frombuffer(raw, dtype=dt).astype(body["dtype"]).reshape(body["shape"])
    raise ValueError(f"unknown tag {tag}")


def encode(value: Any, depth: int = 0) -> Any:
    if depth > 30:
        return unsupported(value, "nested too deeply")
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return value if abs(value) < 2**63 else unsupported(value, "integer too large")
    if type(value) is float:
        return value if math.isfinite(value) else {"$f": "nan" if value != value else
                                                   ("inf" if value > 0 else "-inf")}
    if type(value) is tuple:
        return {"$tuple": [encode(v, depth + 1) for v in value]}
    if type(value) is list:
        return [encode(v, depth + 1) for v in value]
    if type(value) is dict:
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.generic) and value.dtype.name in ARRAY_DTYPES:
            item = value.item()
            return encode(item if type(item) in (bool, int, float) else float(item), depth + 1)
        if isinstance(value, numpy.ndarray):
            plain = numpy.ndarray.__array__(value)  # the raw values, whatever a subclass claims
            if plain.dtype.name not in ARRAY_DTYPES:
                return unsupported(value, f"an array of dtype {plain.dtype.name}")
            data = numpy.ascontiguousarray(plain, dtype=plain.dtype.newbyteorder("<")).tobytes()
            return {"$array": {"dtype": plain.dtype.name, "shape": list(plain.shape),
                               "b64": base64.b64encode(data).decode("ascii")}}
    return unsupported(value)


def unsupported(value: Any, why: str = "") -> dict[str, Any]:
    try:
        text = why or object.__repr__(value)
    except Exception:
        text = "?"
    return {"$unsupported": {"type": type(value).__module__ + "." + type(value).__qualname__,
                             "repr": text[:300]}}


# ---- errors -------------------------------------------------------------------------------------

def describe_error(exc: BaseException) -> dict[str, Any]:
    """The exception, with only the frames that are in the student's own files."""
    error: dict[str, Any] = {"type": type(exc).__name__, "message": safe_str(exc)[:1000], "where": []}
    if isinstance(exc, SyntaxError):
        error["where"].append({"file": os.path.basename(exc.filename or "?"), "line": exc.lineno or 0,
                               "function": "", "code": (exc.text or "").strip()[:200]})
        error["message"] = str(exc.msg)[:1000]
        return error
    if isinstance(exc, SystemExit):
        error["message"] = f"sys.exit({exc.code!r})"[:200]
    for frame in traceback.extract_tb(exc.__traceback__):
        filename = os.path.realpath(frame.filename or "")
        if os.path.dirname(filename) == WORKDIR:
            error["where"].append({"file": os.path.basename(filename), "line": frame.lineno or 0,
                                   "function": frame.name[:100], "code": (frame.line or "").strip()[:200]})
    error["where"] = error["where"][-5:]
    return error


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:
        return "<the exception could not be shown>"


# ---- probes: how a call's return value becomes plain data -----------------------------------------
# A probe is probe(value, context) -> plain Python data (None, bool, int, float, str, tuple, list, dict,
# numpy arrays), which encode() turns into the wire format. context: "args" and "kwargs" (the call's
# decoded arguments), "data" (what the grader gave the probe for this call) and "measure" (False in batch
# grading, whose grader redoes any measurement itself). Two are built in; a grader's own probes are modules
# of its own, named in the job by path and loaded by load_probes() before any student code runs
# (an exercise folder's probes/*.py: they import nothing from coursekit). Such a module may also define
# prepare(context), called just before the student's function (e.g. the small data file that
# keras.datasets.imdb.load_data reads instead of downloading).

def probe_value(value: Any, context: dict[str, Any]) -> Any:
    return value


def probe_typed(value: Any, context: dict[str, Any]) -> Any:
    """(type name, value): a grader may ask for Python ints, and a numpy int looks like one once encoded."""
    kind = type(value)
    return (f"{kind.__module__}.{kind.__qualname__}", value)


BUILT_IN_PROBES = {"value": (None, probe_value), "typed": (None, probe_typed)}


def load_probes(paths: dict[str, str]) -> dict[str, Any]:
    """The built-in probes and each grader probe ``name -> path``: (its ``prepare`` or None, its ``probe``)
    from the module at that path, loaded by path under a name of its own (never importable by the
    student's code)."""
    import importlib.util

    probes: dict[str, Any] = dict(BUILT_IN_PROBES)
    for name, path in sorted(paths.items()):
        spec = importlib.util.spec_from_file_location(f"coursekit_probe_{name}", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the probe {name} from {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        probes[name] = (getattr(module, "prepare", None), module.probe)
    return probes


# ---- main ---------------------------------------------------------------------------------------

# ---- a module whose top-level calls are not run ----------------------------------------------------
# The lesson runs its code at the top level (imdb.load_data(...), model.fit(...)); loading such a file
# would download data or train a model before any function is graded. With the job's
# "skip_top_level_calls", the module is built from its definitions only: imports, def, class, constant
# assignments and `if __name__ == "__main__":` blocks (false here anyway); a top-level statement that calls
# anything else is not run, and the first one is reported ({"event": "top_level_skipped"}).

def _runs_at_load(node: Any) -> bool:
    import ast

    if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                  | ast.Pass):
        return False
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return False
    if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
        return False
    if isinstance(node, ast.Assign | ast.AnnAssign):
        return node.value is not None and any(isinstance(n, ast.Call) for n in ast.walk(node.value))
    return True


def load_definitions(name: str, reporter: Reporter) -> Any:
    import ast
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or spec.loader is None:
        return importlib.import_module(name)
    with open(spec.origin, "rb") as f:
        source = f.read()
    tree = ast.parse(source, filename=spec.origin)
    skipped = [node for node in tree.body if _runs_at_load(node)]
    if skipped:
        lines = source.decode("utf-8", "replace").splitlines()
        first = skipped[0]
        code = lines[first.lineno - 1].strip() if first.lineno <= len(lines) else ""
        reporter.send({"event": "top_level_skipped", "count": len(skipped), "error": {
            "type": "TopLevelCall", "message": "", "where": [{
                "file": os.path.basename(spec.origin), "line": first.lineno, "function": "",
                "code": code[:200]}]}})
        tree.body = [node for node in tree.body if node not in skipped]
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        exec(compile(tree, spec.origin, "exec"), module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def run(job: dict[str, Any], reporter: Reporter, probes: dict[str, Any]) -> None:
    sys.path.insert(0, WORKDIR)
    forbidden = job.get("forbidden_imports") or []
    if forbidden:
        sys.meta_path.insert(0, ForbiddenImports(forbidden, reporter))
    reporter.send({"event": "ready"})
    try:
        if job.get("skip_top_level_calls"):
            module = load_definitions(job["module"], reporter)
        else:
            module = importlib.import_module(job["module"])
    except BaseException as exc:
        reporter.send({"event": "import_failed", "error": describe_error(exc)})
        return
    for call in job["calls"]:
        reporter.send({"event": "start", "id": call["id"]})
        try:
            prepare, probe = probes[call.get("probe", "value")]
            args = decode(call["args"])
            kwargs = decode(call["kwargs"])
            context = {"args": args, "kwargs": kwargs, "data": decode(call.get("data") or {}),
                       "measure": job.get("measure", True)}
            if prepare is not None:
                prepare(context)
            value = getattr(module, call["function"], None)
            if call.get("attribute"):  # a module-level value (ANSWERS), read rather than called
                if value is None:
                    raise AttributeError(f"{job['module']}.py defines no {call['function']}")
            elif value is None or not callable(value):
                raise AttributeError(f"{job['module']}.py defines no function {call['function']}")
            else:
                value = value(*args, **kwargs)
            encoded = encode(probe(value, context))
            text = json.dumps(encoded, allow_nan=False)
        except BaseException as exc:
            reporter.send({"event": "raised", "id": call["id"], "error": describe_error(exc)})
            continue
        if len(text) > reporter.max_bytes:
            encoded = {"$unsupported": {"type": type(value).__name__,
                                        "repr": f"a value of {len(text)} bytes, over the limit"}}
        reporter.send({"event": "result", "id": call["id"], "value": encoded})
        for name in forbidden:
            if name in sys.modules:
                reporter.send({"event": "forbidden_import", "name": name})


def execute(result_fd: int, job_path: str, probes: dict[str, Any] | None = None) -> None:
    """Run the job in ``job_path`` from the current folder, reporting on ``result_fd``.

    The fork server calls this in a freshly forked child after moving it into the student's folder, with
    the ``probes`` it loaded before confining the child (the exercises' folder may not be visible inside);
    without them, the job's probes are loaded here, by path.
    """
    global WORKDIR
    WORKDIR = os.path.realpath(os.getcwd())
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    os.unlink(job_path)
    if probes is None:
        probes = load_probes(job.get("probes") or {})
    reporter = Reporter(result_fd, job.get("max_result_bytes", 32 << 20))
    builtins.input = lambda *a: ""
    run(job, reporter, probes)
    sys.stdout.flush()
    reporter.send({"event": "done"})


def result_channel(argument: str) -> int:
    """The file descriptor to report on: the one named, or (``stdout``, the portable runner's way, which
    every platform supports) a copy of stdout, with stdout itself pointed at stderr from then on, so that
    what the student's code prints never mixes with the results."""
    if argument != "stdout":
        return int(argument)
    fd = os.dup(1)  # not inherited by what the student's code starts
    os.dup2(2, 1)
    if sys.platform == "win32":  # a child the code starts gets the process's standard handles, not fds
        import ctypes
        import msvcrt

        ctypes.windll.kernel32.SetStdHandle(-11, msvcrt.get_osfhandle(1))
    return fd


def preload(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(ImportError):  # the student's import will say so
            importlib.import_module(name)


def wait_for_job(modules: str) -> str:
    """Started before the grader knew the job (``sandbox/warm.py``): import ``modules`` (comma-separated),
    then read JSON lines on stdin: ``{"preload": [...]}`` imports more (Keras, once the grader knows the
    exercise), and the order, the last line, names the job file and the limits this process applies to
    itself before it returns the job file. No student code has run yet; none runs before the limits hold."""
    preload(list(filter(None, modules.split(","))))
    data = b""
    while True:
        while b"\n" not in data:
            chunk = os.read(0, 1 << 16)
            if not chunk:  # the grader went away before the job was known
                os._exit(0)
            data += chunk
        line, _, data = data.partition(b"\n")
        order = json.loads(line)
        if "job" in order:
            break
        preload([str(name) for name in order.get("preload", [])])
    devnull = os.open(os.devnull, os.O_RDONLY)  # stdin as a fresh child has it
    os.dup2(devnull, 0)
    os.close(devnull)
    import resource

    if order.get("memory"):
        resource.setrlimit(resource.RLIMIT_AS, (order["memory"], order["memory"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if order.get("file_size"):
        resource.setrlimit(resource.RLIMIT_FSIZE, (order["file_size"], order["file_size"]))
    os.umask(0o077)
    return str(order["job"])


def leave() -> None:
    """End the process at once, its job done and reported: the grader waits for this process to end, and
    an interpreter that imported TensorFlow takes a second or more (several on a busy machine) to shut
    down, after its last result. What the student's code printed is flushed first; what it registered
    with ``atexit``, and threads it left running, are not waited for (a fork server's child ends so too)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def main() -> None:
    if sys.argv[2] == "--wait":
        job_path = wait_for_job(sys.argv[3])
        execute(result_channel(sys.argv[1]), job_path)
    else:
        execute(result_channel(sys.argv[1]), sys.argv[2])
    leave()


if __name__ == "__main__":
    main()
