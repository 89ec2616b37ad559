"""Running a student's ex11 model in the grader, where a time and a memory limit hold.

Batch grading never trusts what the student's process measured about its own model: it rebuilds the
model from the config it reported (``graders/shared/judging/keras_model.py``'s allowlist and Keras's safe
deserialization; the weights arrive as plain arrays, nothing is unpickled) and runs each recorded snapshot
of the weights on the training and validation windows, and the final weights on the evaluation windows of
the student's own hidden series. It does so in a sandboxed job of its own, through the worker's fork
server with Keras preloaded, under ``Forecast.evaluation_limits``, as ex3 rebuilds its models
(``graders/ex3/keras_build.py``): this module, the shared judging ``keras_model.py``, the probe module
it takes ``measure`` from and ex11's training probe are copied into the job's folder as they are, and
none of them imports anything of coursekit when it runs there. What comes back is plain data, checked
before use.
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

try:
    from ..shared.judging import keras_model as km
    from .probes import training
except ImportError:  # the sandboxed job: the copies beside this file
    import _keras_model as km  # type: ignore[no-redef]
    import training  # type: ignore[no-redef]

MODULE = "ex11_evaluation"
PRELOAD = ("numpy", "keras")


def rebuild_and_predict(body: str, shapes: Sequence[Sequence[int]], snapshots: Sequence[Sequence[np.ndarray]],
                        train: np.ndarray, val: np.ndarray, final: Sequence[np.ndarray],
                        evaluate: np.ndarray | None) -> dict[str, Any]:
    """In the job: the model of ``body`` (its config's JSON) rebuilt and run by :func:`training.predictions`;
    a refusal is a value ``{"refused"}``."""
    try:
        model, _ = km.rebuild(json.loads(body), [tuple(int(n) for n in s) for s in shapes])
    except km.RefusedModel as exc:
        return {"refused": exc.to_data()}
    return training.predictions(model, snapshots, train, val, final, evaluate)


# ---- the grader's side ----------------------------------------------------------------------------------

_folder: list[Path] = []


def _job_folder() -> Path:
    if not _folder:
        from ..shared.probes import keras_model as probe_module

        folder = Path(tempfile.mkdtemp(prefix="coursekit-ex11-evaluate-"))
        shutil.copyfile(__file__, folder / f"{MODULE}.py")
        shutil.copyfile(km.__file__, folder / "_keras_model.py")
        shutil.copyfile(probe_module.__file__, folder / "_probe_keras_model.py")  # as _keras_model imports it
        shutil.copyfile(training.__file__, folder / "training.py")
        _folder.append(folder)
        atexit.register(shutil.rmtree, folder, True)
    return _folder[0]


def evaluate_in_job(config: Mapping[str, Any], weights: Sequence[np.ndarray],
                    snapshots: Sequence[Sequence[np.ndarray]], train: np.ndarray, val: np.ndarray,
                    evaluate: np.ndarray | None, limits: Any) -> dict[str, Any]:
    """The predictions of :func:`rebuild_and_predict`, computed in a sandboxed job under ``limits``.
    Raises RefusedModel for a refused config, or a job that ran out of time or memory or crashed."""
    from coursekit.sandbox.forkserver import shared_server
    from coursekit.sandbox.process import Call, Job

    shapes = km.reported_shapes({"weights": list(weights)})
    for snapshot in snapshots:
        if [tuple(int(n) for n in w.shape) for w in snapshot] != list(shapes):
            raise km.RefusedModel("weights_do_not_fit", rebuilt=str(list(shapes))[:150],
                                  reported=str([w.shape for w in snapshot])[:150])
    km.check_config(config)
    try:
        body = json.dumps({k: v for k, v in config.items() if k != "compile_config"}, allow_nan=False)
    except (TypeError, ValueError):
        raise km.RefusedModel("config_not_json") from None
    args = (body, [list(s) for s in shapes], [list(s) for s in snapshots], train, val, list(weights),
            evaluate)
    job = Job(MODULE, (Call("evaluate", "rebuild_and_predict", args),))
    report = shared_server(PRELOAD).run(_job_folder(), job, limits)
    outcome = report.outcomes.get("evaluate")
    if outcome is None:
        reason = "build_timed_out" if report.timed_out else "build_stopped"
        raise km.RefusedModel(reason, seconds=f"{limits.timeout_s:g}", memory=limits.memory_mb)
    if outcome.error is not None:
        error = f"{outcome.error.type_name}: {outcome.error.message[:200]}"
        raise km.RefusedModel("build_error", error=error)
    return checked(outcome.value, len(snapshots), len(train), len(val),
                   None if evaluate is None else len(evaluate))


def checked(found: Any, count: int, train: int, val: int, evaluate: int | None) -> dict[str, Any]:
    """The job's answer in the form the judge reads; anything else refuses the model."""
    if isinstance(found, dict) and "refused" in found:
        raise km.refusal(found["refused"])

    def arrays(value: Any, rows: int) -> bool:
        return isinstance(value, np.ndarray) and value.shape == (rows,)

    if not isinstance(found, dict) or not isinstance(found.get("train"), list) \
            or not isinstance(found.get("val"), list) or len(found["train"]) != count \
            or len(found["val"]) != count or not all(arrays(p, train) for p in found["train"]) \
            or not all(arrays(p, val) for p in found["val"]) \
            or (evaluate is not None and not arrays(found.get("evaluate"), evaluate)):
        raise km.RefusedModel("bad_measurements")
    return {k: found[k] for k in ("train", "val", "evaluate") if k in found}
