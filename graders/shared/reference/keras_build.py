"""Rebuilding a student's model (ex3's, ex7's) where a time and a memory limit hold.

A model's config comes from the student's process. :func:`..judging.keras_model.check_config` bounds it as
data first (classes, layer count, sizes, input shapes, an estimate of the weights), but deserializing and
building it still costs what Keras makes of it, so the grading worker never does that itself: it runs
:func:`..judging.keras_model.rebuild_and_measure` as a job of its own, through this process's fork server
with Keras preloaded (``shared_server``), in the same sandbox and under the same kind of limits as the
student's code (:data:`BUILD_LIMITS`). ``graders/shared/judging/keras_model.py`` and the probe module it
takes ``measure`` from (``graders/shared/probes/keras_model.py``) are copied into the job's folder as they
are: neither imports anything of coursekit when it runs, and the first finds the second beside it. What
comes back is plain data through ``coursekit/wire.py``, checked here like any result. ex7's trained model
is rebuilt, given its weights and run on the grader's reviews the same way (:func:`predict_config`).
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from coursekit.sandbox.forkserver import shared_server
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.process import Call, Job

from ..judging import keras_model as km
from ..probes import keras_model as probe

PRELOAD = ("numpy", "keras")
# A model the exercise asks for builds and runs in about a second; TensorFlow alone takes ~2 GB of
# address space. 30 s leaves room for a loaded machine.
BUILD_LIMITS = Limits(timeout_s=30, memory_mb=4096)
MODULE = "_keras_model"
PROBE_MODULE = "_probe_keras_model"  # the name keras_model.py imports it by when run from that folder

_folder: list[Path] = []


def _job_folder() -> Path:
    """A folder holding only copies of the grader's two modules: the job's code, not the student's."""
    if not _folder:
        folder = Path(tempfile.mkdtemp(prefix="coursekit-ex3-build-"))
        shutil.copyfile(km.__file__, folder / f"{MODULE}.py")
        shutil.copyfile(probe.__file__, folder / f"{PROBE_MODULE}.py")
        _folder.append(folder)
        atexit.register(shutil.rmtree, folder, True)
    return _folder[0]


def measure_config(config: Mapping[str, Any], shapes: Sequence[tuple[int, ...]],
                   limits: Limits = BUILD_LIMITS) -> dict[str, Any]:
    """What :func:`km.measure` finds for the model of ``config`` (with ``built_without_input``), measured
    in a sandboxed job. Raises RefusedModel for a config that is refused, or whose rebuilding ran out of
    time or memory or crashed."""
    km.check_config(config)
    try:
        body = json.dumps({k: v for k, v in config.items() if k != "compile_config"}, allow_nan=False)
    except (TypeError, ValueError):
        raise km.RefusedModel("config_not_json") from None
    job = Job(MODULE, (Call("build", "rebuild_and_measure", (body, [list(s) for s in shapes])),))
    return _checked(_run(job, limits, "build"), shapes)


def predict_config(config: Mapping[str, Any], weights: Sequence[np.ndarray], inputs: Sequence[np.ndarray],
                   limits: Limits = BUILD_LIMITS) -> tuple[list[np.ndarray], str | None]:
    """ex7: the model of ``config`` rebuilt with ``weights`` and run on each of ``inputs`` (token ids), in
    a sandboxed job: (its first output on each, as far as it ran; the error that stopped it, or None).
    Raises RefusedModel for a config that is refused, or whose rebuilding or running ran out of time or
    memory or crashed."""
    km.check_config(config)
    try:
        body = json.dumps({k: v for k, v in config.items() if k != "compile_config"}, allow_nan=False)
    except (TypeError, ValueError):
        raise km.RefusedModel("config_not_json") from None
    arrays = [np.asarray(w, dtype=np.float32) for w in weights]
    rows = [np.asarray(x, dtype=np.int32) for x in inputs]
    job = Job(MODULE, (Call("predict", "rebuild_and_predict", (body, arrays, rows)),))
    found = _run(job, limits, "predict")
    if not isinstance(found, dict):
        raise km.RefusedModel("no_measurements")
    if "refused" in found:
        raise km.refusal(found["refused"])
    outputs, error = found.get("outputs"), found.get("error")
    if not isinstance(outputs, list) or len(outputs) > len(rows) or not all(
            isinstance(o, np.ndarray) and o.shape == (len(x),) for o, x in zip(outputs, rows, strict=False)):
        raise km.RefusedModel("bad_measurements")
    if not ((error is None and len(outputs) == len(rows)) or isinstance(error, str)):
        raise km.RefusedModel("bad_measurements")
    return [np.asarray(o, dtype=np.float64) for o in outputs], error


def _run(job: Job, limits: Limits, call: str) -> Any:
    """The value the job's call returned; RefusedModel when it ran out of time or memory or raised."""
    report = shared_server(PRELOAD, or_more=True).run(_job_folder(), job, limits)  # ex7's own server
    outcome = report.outcomes.get(call)
    if outcome is None:
        reason = "build_timed_out" if report.timed_out else "build_stopped"
        raise km.RefusedModel(reason, seconds=f"{limits.timeout_s:g}", memory=limits.memory_mb)
    if outcome.error is not None:
        error = f"{outcome.error.type_name}: {outcome.error.message[:200]}"
        raise km.RefusedModel("build_error", error=error)
    return outcome.value


def _checked(found: Any, shapes: Sequence[tuple[int, ...]]) -> dict[str, Any]:
    """The job's answer, in the form the grader reads; anything else refuses the model."""
    if not isinstance(found, dict):
        raise km.RefusedModel("no_measurements")
    if "refused" in found:
        raise km.refusal(found["refused"])
    table, outputs, error = found.get("table"), found.get("outputs"), found.get("outputs_error")
    weight_shapes = [tuple(s) for s in found.get("weight_shapes") or [] if isinstance(s, list | tuple)]
    if not isinstance(table, list) or weight_shapes != [tuple(s) for s in shapes] \
            or not (outputs is None or isinstance(outputs, np.ndarray)) \
            or not (error is None or isinstance(error, str)) \
            or not isinstance(found.get("built_without_input"), bool):
        raise km.RefusedModel("bad_measurements")
    return {"table": [tuple(row) if isinstance(row, list) else row for row in table],
            "weight_shapes": weight_shapes,
            "outputs": None if outputs is None else np.asarray(outputs, dtype=np.float64),
            "outputs_error": error, "built_without_input": found["built_without_input"]}

