"""Grader of exercise 3: the lesson's stacked recurrent models, against live Keras models' summaries.

Each builder is called in the student's process through this grader's ``keras_model`` probe
(``graders/shared/probes/keras_model.py``, loaded by path in that process), which reports the model as
plain data
(its config and weights) and what it measured (summary rows, compile settings, outputs on fixed tokens
with deterministic weights copied in).
``coursekit check`` trusts those measurements and never imports Keras in the grader: the expected values
come from ``graders/ex3/cache.json``. Batch grading trusts nothing: its child sends only the config and the
weights' shapes, and :meth:`StackedRnn.remeasure` rebuilds the model from its config, after checking every
class in it against an allowlist and its sizes against bounds, and measures it itself, in a sandboxed job
with a time and a memory limit (``shared/reference/keras_build.py``). Each distinct config is measured
once per grading process: a config equal to one measured before (a reference model's, or another
student's) up to the names of a Sequential's layers gets that measurement (``km.measurement_key``),
which is what rebuilding it would find.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal, cast

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.messages import Mistake, Param
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.report import StudentError
from coursekit.tables import Row, TableMistake

from ..shared.judging import keras_model as km
from ..shared.reference import keras_model_tables as tables
from ..shared.reference.keras_build import measure_config
from ..shared.reference.keras_model_tables import LayerSpec
from . import judge as ex3_judge

DEFAULTS: Mapping[str, int] = {"max_features": 10000, "embed_dim": 32, "units": 32, "depth": 4}
EXPECTED_COMPILE = {"optimizer": "rmsprop", "loss": "binary_crossentropy", "metrics": ["acc"]}


def _mistake(mistake_id: str, output: Any = None, /, **params: Param) -> Mistake:
    return ex3_judge.mistake(mistake_id, output, **params)


@dataclass(frozen=True)
class ModelCase(Case):
    """A builder call; ``aspect`` says what is judged: the table and outputs, or the compile settings."""

    aspect: Literal["model", "compile"] = "model"


def arguments(case: Case) -> dict[str, int]:
    names = ("max_features", "embed_dim", "units", "depth")
    return {**DEFAULTS, **dict(zip(names, case.args, strict=False)), **case.kwargs}


def layer_specs(function: str, a: Mapping[str, int], *, last_returns_sequences: bool = False,
                swap_embedding: bool = False) -> list[LayerSpec]:
    """The reference model of ``function`` with arguments ``a``, as ex2's (class_name, kwargs) layers."""
    dims = (a["embed_dim"], a["max_features"]) if swap_embedding else (a["max_features"], a["embed_dim"])
    layers: list[LayerSpec] = [("Embedding", {"input_dim": dims[0], "output_dim": dims[1]})]
    depth = a["depth"] if function == "build_stacked_rnn" else 1
    for i in range(depth):
        sequences = i < depth - 1 or function == "build_sequence_rnn" or last_returns_sequences
        layers.append(("SimpleRNN", {"units": a["units"], "return_sequences": sequences}))
    if function == "build_imdb_classifier":
        layers.append(("Dense", {"units": 1, "activation": "sigmoid"}))
    return layers


def _rows(function: str, a: Mapping[str, int], **variant: bool) -> list[Row]:
    return tables.summary_rows(layer_specs(function, a, **variant))


def _table_mistake(mistake_id: str, rows: list[Row], **params: Param) -> TableMistake:
    return TableMistake(_mistake(mistake_id, **params), rows)


def table_mistakes(case: Case) -> list[TableMistake]:
    """The tables of the common wrong models for this case, each with its named mistake."""
    fn, a = case.function, arguments(case)
    found = []
    if fn == "build_single_rnn":
        found.append(_table_mistake("single_returns_sequences", _rows(fn, a, last_returns_sequences=True)))
    if fn == "build_sequence_rnn":
        found.append(_table_mistake("sequence_returns_last_only", _rows("build_single_rnn", a)))
    if fn == "build_stacked_rnn":
        found.append(_table_mistake("last_layer_returns_sequences",
                                    _rows(fn, a, last_returns_sequences=True)))
        for depth in (a["depth"] - 1, a["depth"] + 1):
            if depth >= 1:
                found.append(_table_mistake("depth_off_by_one", _rows(fn, {**a, "depth": depth}),
                                            depth=depth, expected=a["depth"]))
    if fn == "build_imdb_classifier":
        found.append(_table_mistake("dense_output_missing", _rows("build_single_rnn", a)))
    given = {k: v for k, v in a.items() if v != DEFAULTS[k]}
    if len(given) > 1:
        found.append(_table_mistake("arguments_ignored", _rows(fn, DEFAULTS)))
    for name in given:
        found.append(_table_mistake("argument_ignored", _rows(fn, {**a, name: DEFAULTS[name]}),
                                    name=name, default=DEFAULTS[name]))
    found.append(_table_mistake("embedding_swapped", _rows(fn, a, swap_embedding=True)))
    return found


class StackedRnn(Exercise):
    id = "ex3"
    title = "Stacked recurrent layers and return_sequences"
    filename = "ex3_stacked_rnn.py"
    functions = ("build_single_rnn", "build_sequence_rnn", "build_stacked_rnn", "build_imdb_classifier")
    forbidden_imports = ()
    mistake_ids = ex3_judge.MISTAKE_IDS
    child_imports = ("numpy", "keras")
    requires = ("keras",)
    shapes_per_class = True  # the cases' sizes: see hidden_cases
    # Measured here: importing TensorFlow takes ~3-4 s, the public cases ~1 s more, and they all pass
    # with an address space of 1024 MB (single-threaded TensorFlow, CPU only); 4096 MB leaves room for
    # larger student models, 60 s for a loaded machine.
    limits: ClassVar[Limits] = Limits(timeout_s=60, memory_mb=4096)
    probes: ClassVar[Mapping[str, Path]] = {
        "keras_model": Path(__file__).parent.parent / "shared" / "probes" / "keras_model.py"}

    def __init__(self) -> None:
        # What km.measure found for each model config, the references' included; filled by reference()
        # and remeasure() in this process only, from models built here.
        self.measured = km.Measurements()
        # The reference's expected value per builder and arguments (json of both), for the same reason.
        self.references = km.Measurements(size=64)

    # --- cases ------------------------------------------------------------------------------------

    def generate_public_cases(self) -> list[Case]:
        def case(name: str, function: str, *, aspect: Literal["model", "compile"] = "model",
                 **kwargs: int) -> Case:
            return ModelCase(name, function, (), kwargs, probe="keras_model", aspect=aspect)

        return [
            case("single_rnn: the lesson's first table (total 322,080)", "build_single_rnn"),
            case("single_rnn: max_features=500, embed_dim=8, units=6", "build_single_rnn",
                 max_features=500, embed_dim=8, units=6),
            case("sequence_rnn: the full sequence, (None, None, 32)", "build_sequence_rnn"),
            case("stacked_rnn: the lesson's third table, depth 4 (total 328,320)", "build_stacked_rnn"),
            case("stacked_rnn: depth 2, units 16", "build_stacked_rnn", units=16, depth=2),
            case("stacked_rnn: depth 3, max_features=700, embed_dim=12, units 10", "build_stacked_rnn",
                 max_features=700, embed_dim=12, units=10, depth=3),
            case("imdb_classifier: table and outputs", "build_imdb_classifier"),
            case("imdb_classifier: compiled with rmsprop, binary_crossentropy, metrics ['acc']",
                 "build_imdb_classifier", aspect="compile"),
        ]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        # ex3's cases are nothing but sizes, drawn per class (``shape_rng``): every reference model and
        # every measurement of a correct model is then built once per worker, not once per student.
        sizes_rng = shape_rng if shape_rng is not None else rng

        def draw(name: str, lo: int, hi: int) -> int:
            value = int(sizes_rng.integers(lo, hi + 1))
            return value if value != DEFAULTS[name] else value + 1

        def sizes() -> dict[str, int]:
            return {"max_features": draw("max_features", 20, 3000), "embed_dim": draw("embed_dim", 2, 24),
                    "units": draw("units", 2, 24)}

        def case(name: str, function: str, kwargs: dict[str, int],
                 aspect: Literal["model", "compile"] = "model") -> Case:
            return ModelCase(name, function, (), kwargs, hidden=True, probe="keras_model", aspect=aspect)

        single, sequence, stacked = sizes(), sizes(), {**sizes(), "depth": draw("depth", 1, 6)}
        depth, imdb = draw("depth", 1, 6), sizes()
        return [
            case("hidden single_rnn: other sizes", "build_single_rnn", single),
            case("hidden sequence_rnn: other sizes", "build_sequence_rnn", sequence),
            case("hidden stacked_rnn: other sizes and depth", "build_stacked_rnn", stacked),
            case("hidden stacked_rnn: another depth, default sizes", "build_stacked_rnn", {"depth": depth}),
            # The same call for the outputs and the compile settings, as in the public cases: its
            # reference is computed once (see reference()).
            case("hidden imdb_classifier: other sizes", "build_imdb_classifier", imdb),
            case("hidden imdb_classifier: compile settings with other sizes", "build_imdb_classifier",
                 dict(imdb), "compile"),
        ]

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        """The reference model's measurements; computed once per builder and arguments (the aspect
        judged does not change them), and stored for remeasure() under the model's config."""
        spec = json.dumps([case.function, sorted(arguments(case).items())])
        known = self.references.get(spec)
        if known is not None:
            return known
        import keras

        model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                                  *(km.keras_layer(spec) for spec in layer_specs(case.function,
                                                                                  arguments(case)))])
        if case.function == "build_imdb_classifier":
            model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
        key = km.measurement_key(keras.saving.serialize_keras_object(model))
        found = km.measure(model)
        if found["outputs"] is None:
            raise RuntimeError(f"the reference model could not run: {found['outputs_error']}")
        self.measured.put(key, {**found, "built_without_input": False})
        settings = km.compile_settings(model.get_compile_config()) if model.compiled else None
        expected = {"table": found["table"], "weight_shapes": found["weight_shapes"],
                    "outputs": found["outputs"], "compile": settings}
        self.references.put(spec, expected)
        return expected

    def remeasure(self, case: Case, got: Any) -> Any:
        """Rebuild the model from the config the child sent, and measure it here.

        Only ``config`` and the weights' shapes (``weight_shapes``, or the shapes of ``weights``) are read
        from the child's report; the table, compile settings, outputs and the keras.Input note are all
        recomputed. A config outside the allowlist is refused. A config measured before in this process
        (see ``km.measurement_key``) is not rebuilt: its measurement is the same.
        """
        if not isinstance(got, Mapping) or got.get("model") is not True:
            return got
        config = got.get("config")
        try:
            km.check_config(config)
            shapes = km.reported_shapes(got)
            key = km.measurement_key(config)
            found = self.measured.get(key)
            if found is None or found["weight_shapes"] != shapes:
                # in a sandboxed job, under BUILD_LIMITS; check_config refused any config not a Mapping
                found = measure_config(cast("Mapping[str, Any]", config), shapes)
                self.measured.put(key, found)
        except km.RefusedModel as exc:
            return {"model": True, "refused": exc.to_data()}
        compile_config = config.get("compile_config") if isinstance(config, Mapping) else None
        return {"model": True, "config": config, "built_without_input": found["built_without_input"],
                "table": found["table"], "weight_shapes": found["weight_shapes"],
                "compile": km.compile_settings(compile_config), "outputs": found["outputs"],
                "outputs_error": found["outputs_error"]}

    # --- judgement: graders/ex3/judge.py (no reference code: the student handout judges with it too) ----

    judge_module = f"{__package__}.judge"

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex3_judge.judge(case, got, expected, self.mistakes(case))

    def mistakes(self, case: Case) -> list[Mistake]:
        """The common wrong models' tables, as the named mistakes' outputs (worked out by hand with
        graders/shared/reference/keras_model_tables.py: the judge gets them as data)."""
        return [replace(found.mistake, output=[tuple(r) for r in found.rows])
                for found in table_mistakes(case)]

    def explain_error(self, case: Case, error: StudentError) -> Mistake | None:
        return ex3_judge.explain_error(case, error)


EXERCISE = StackedRnn()
