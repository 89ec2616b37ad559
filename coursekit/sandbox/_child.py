"""The student-side runner: loaded by path in a fresh, limited process, never imported by the grader.

It reads one job (a JSON file named on the command line, deleted once read), imports the student's
module from the working folder, makes each call and reports every event as one JSON line on the result
file descriptor. It imports nothing from coursekit, so a student's module cannot reach the grader's code
through it. Values are encoded in the format of ``coursekit/wire.py``.

Events: {"event": "ready"} · {"event": "start", "id"} · {"event": "result", "id", "value"} ·
{"event": "raised", "id", "error"} · {"event": "import_failed", "error"} ·
{"event": "forbidden_import", "name"} · {"event": "done"}.
"""

from __future__ import annotations

import base64
import builtins
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

def probe_value(value: Any, call: dict[str, Any]) -> Any:
    return encode(value)


def probe_typed(value: Any, call: dict[str, Any]) -> Any:
    """(type name, value): ex2 asks for Python ints, and a numpy int looks like one once encoded."""
    kind = type(value)
    return encode((f"{kind.__module__}.{kind.__qualname__}", value))


# The "keras_model" probe (ex3): a model as plain data (its config and weights) and what it measures
# about itself (its summary rows, compile settings, and outputs with deterministic weights on a fixed
# batch of tokens). `coursekit check` uses these measurements. Batch grading redoes them in the grader
# from the config and the weights' shapes (the outputs are measured with probe_weights, whatever the
# model's own weights), so a job with "measure": false gets only the config and the weight shapes.
# graders/_keras_model.py holds the grader's copy of probe_tokens, probe_weights, compile_settings and
# the table: tests/test_ex3.py checks that both agree.

def probe_tokens(vocab: int) -> Any:
    """The token ids every model is run on: (4, 9) int32 in [0, vocab)."""
    import numpy as np

    index = np.arange(36, dtype=np.int64).reshape(4, 9)
    return ((index * 7919 + 13) % max(int(vocab), 1)).astype(np.int32)


def probe_weights(shapes: list[tuple[int, ...]]) -> list[Any]:
    """Weights for these shapes, uniform in [-0.5, 0.5) from a splitmix64 hash: the same everywhere."""
    import numpy as np

    out = []
    for k, shape in enumerate(shapes):
        seed = ((k + 1) * 0xD1B54A32D192ED03) % 2**64
        z = np.arange(1, math.prod(shape) + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z += np.uint64(seed)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
        uniform = (z >> np.uint64(11)).astype(np.float64) / float(2**53)
        out.append((uniform - 0.5).reshape(shape).astype(np.float32))
    return out


def object_name(obj: Any) -> Any:
    """The name of a serialized optimizer, loss or metric: "rmsprop", "RMSprop", "acc"..."""
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        inner = obj.get("config")
        return inner if isinstance(inner, str) else str(obj.get("class_name"))
    return type(obj).__name__


def compile_settings(config: Any) -> Any:
    """{"optimizer", "loss", "metrics"} from a model's compile config, None when it was not compiled."""
    if not isinstance(config, dict):
        return None
    metrics = config.get("metrics") or []
    return {"optimizer": object_name(config.get("optimizer")), "loss": object_name(config.get("loss")),
            "metrics": [object_name(m) for m in metrics] if isinstance(metrics, list | tuple)
            else [object_name(metrics)]}


def layer_output_shape(layer: Any) -> Any:
    def plain(tensor: Any) -> tuple[int | None, ...]:
        return tuple(None if d is None else int(d) for d in tensor.shape)

    try:
        out = layer.output
    except Exception:  # a layer used twice has no single output
        return None
    return [plain(o) for o in out] if isinstance(out, list | tuple) else plain(out)


def model_table(model: Any) -> list[tuple[str, Any, int]]:
    """model.summary()'s rows (layer class, output shape, parameters); an InputLayer is not a row."""
    return [(type(layer).__name__, layer_output_shape(layer), int(layer.count_params()))
            for layer in model.layers if type(layer).__name__ != "InputLayer"]


def model_outputs(model: Any) -> tuple[Any, Any]:
    """(outputs, None) of the model with probe_weights on probe_tokens, or (None, why it failed)."""
    import keras
    import numpy as np

    try:
        model.set_weights(probe_weights([tuple(np.shape(w)) for w in model.get_weights()]))
        vocab = next((layer.input_dim for layer in model.layers if type(layer).__name__ == "Embedding"), 1)
        out = model(probe_tokens(vocab), training=False)
        return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {safe_str(exc)[:300]}"


def probe_keras_model(value: Any, call: dict[str, Any]) -> Any:
    keras = sys.modules.get("keras")
    kind = type(value)
    report: dict[str, Any] = {"model": False, "type": f"{kind.__module__}.{kind.__qualname__}"}
    if keras is None or not isinstance(value, keras.Model):
        return encode(report)
    import numpy as np

    report["model"] = True
    try:
        report["config"] = keras.saving.serialize_keras_object(value)
    except Exception as exc:
        report["config"] = None
        report["config_error"] = f"{type(exc).__name__}: {safe_str(exc)[:300]}"
    report["built_without_input"] = not value.built
    if not value.built:
        value.build((None, None))  # a ValueError about ndim here is explained by the grader
    if not call.get("measure", True):
        report["weight_shapes"] = [tuple(int(n) for n in np.shape(w)) for w in value.weights]
        return encode(report)
    report["weights"] = [np.asarray(w) for w in value.get_weights()]
    report["table"] = model_table(value)
    report["compile"] = compile_settings(value.get_compile_config() if getattr(value, "compiled", False)
                                         else None)
    report["outputs"], report["outputs_error"] = model_outputs(value)
    return encode(report)


PROBES = {"value": probe_value, "typed": probe_typed, "keras_model": probe_keras_model}


# ---- main ---------------------------------------------------------------------------------------

def run(job: dict[str, Any], reporter: Reporter) -> None:
    sys.path.insert(0, WORKDIR)
    forbidden = job.get("forbidden_imports") or []
    if forbidden:
        sys.meta_path.insert(0, ForbiddenImports(forbidden, reporter))
    reporter.send({"event": "ready"})
    try:
        module = importlib.import_module(job["module"])
    except BaseException as exc:
        reporter.send({"event": "import_failed", "error": describe_error(exc)})
        return
    for call in job["calls"]:
        reporter.send({"event": "start", "id": call["id"]})
        try:
            function = getattr(module, call["function"], None)
            if function is None or not callable(function):
                raise AttributeError(f"{job['module']}.py defines no function {call['function']}")
            args = decode(call["args"])
            kwargs = decode(call["kwargs"])
            value = function(*args, **kwargs)
            encoded = PROBES[call.get("probe", "value")](value, {**call, "measure": job.get("measure", True)})
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


def execute(result_fd: int, job_path: str) -> None:
    """Run the job in ``job_path`` from the current folder, reporting on ``result_fd``.

    The fork server calls this in a freshly forked child after moving it into the student's folder.
    """
    global WORKDIR
    WORKDIR = os.path.realpath(os.getcwd())
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    os.unlink(job_path)
    reporter = Reporter(result_fd, job.get("max_result_bytes", 32 << 20))
    builtins.input = lambda *a: ""
    run(job, reporter)
    sys.stdout.flush()
    reporter.send({"event": "done"})


def main() -> None:
    execute(int(sys.argv[1]), sys.argv[2])


if __name__ == "__main__":
    main()
