"""Grader of exercise 3: the lesson's stacked recurrent models, against live Keras models' summaries.

Each builder is called in the student's process through this grader's ``keras_model`` probe
(``graders/_probe_keras_model.py``, loaded by path in that process), which reports the model as plain data
(its config and weights) and what it measured (summary rows, compile settings, outputs on fixed tokens
with deterministic weights copied in).
``coursekit check`` trusts those measurements and never imports Keras in the grader: the expected values
come from ``graders/cache/ex3.json``. Batch grading trusts nothing: its child sends only the config and the
weights' shapes, and :meth:`StackedRnn.remeasure` rebuilds the model from its config, after checking every
class in it against an allowlist and its sizes against bounds, and measures it itself, in a sandboxed job
with a time and a memory limit (``graders/_keras_build.py``). Each distinct config is measured once per
grading process: a config equal to one measured before (a reference model's, or another student's) up to
the names of a Sequential's layers gets that measurement (``km.measurement_key``), which is what rebuilding
it would find.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from coursekit.compare import Verdict, compare_array, describe
from coursekit.exercise import Case, Exercise
from coursekit.messages import Message, Mistake, Param, msg
from coursekit.sandbox.limits import Limits
from coursekit.sandbox.report import StudentError
from coursekit.tables import Row, RowsError, TableMistake, compare_tables, read_rows, table_detail
from graders import _keras_model as km
from graders import _keras_model_tables as tables
from graders._keras_build import measure_config
from graders._keras_model_tables import LayerSpec

DEFAULTS: Mapping[str, int] = {"max_features": 10000, "embed_dim": 32, "units": 32, "depth": 4}
EXPECTED_COMPILE = {"optimizer": "rmsprop", "loss": "binary_crossentropy", "metrics": ["acc"]}
def _mistake(mistake_id: str, output: Any = None, /, **params: Param) -> Mistake:
    return EXERCISE.mistake(mistake_id, output, **params)


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


def _normal(name: Any) -> str:
    return str(name).lower().replace("_", "")


def _config_layers(config: Any) -> list[Mapping[str, Any]]:
    """The layer configs of a serialized Sequential or functional model (InputLayer left out)."""
    body = config.get("config") if isinstance(config, Mapping) else None
    layers = body.get("layers") if isinstance(body, Mapping) else None
    if not isinstance(layers, list | tuple):
        return []
    return [layer for layer in layers if isinstance(layer, Mapping)
            and layer.get("class_name") != "InputLayer" and isinstance(layer.get("config"), Mapping)]


def activation_mistakes(case: Case, config: Any) -> list[Mistake]:
    """Layers whose activation is not the lesson's, read from the model's config."""
    found = []
    for layer in _config_layers(config):
        kind, activation = layer.get("class_name"), layer["config"].get("activation")
        if kind == "SimpleRNN" and activation != "tanh":
            found.append(_mistake("activation_changed", activation=str(activation)[:30]))
        if kind == "Dense" and case.function == "build_imdb_classifier" and activation != "sigmoid":
            found.append(_mistake("output_not_sigmoid", activation=str(activation or "linear")[:30]))
    return found


def _shapes(got: Mapping[str, Any]) -> list[tuple[int, ...]]:
    if "weight_shapes" in got:
        return [tuple(s) for s in got["weight_shapes"]]
    return [tuple(w.shape) for w in got.get("weights") or [] if isinstance(w, np.ndarray)]


class StackedRnn(Exercise):
    id = "ex3"
    title = "Stacked recurrent layers and return_sequences"
    filename = "ex3_stacked_rnn.py"
    functions = ("build_single_rnn", "build_sequence_rnn", "build_stacked_rnn", "build_imdb_classifier")
    forbidden_imports = ()
    mistake_ids = frozenset({
        "single_returns_sequences", "sequence_returns_last_only", "last_layer_returns_sequences",
        "depth_off_by_one", "dense_output_missing", "arguments_ignored", "argument_ignored",
        "embedding_swapped", "intermediate_not_sequences", "activation_changed", "output_not_sigmoid",
        "not_compiled", "wrong_optimizer", "wrong_loss", "metrics_not_acc"})
    child_imports = ("numpy", "keras")
    # Measured here: importing TensorFlow takes ~3-4 s, the public cases ~1 s more, and they all pass
    # with an address space of 1024 MB (single-threaded TensorFlow, CPU only); 4096 MB leaves room for
    # larger student models, 60 s for a loaded machine.
    limits: ClassVar[Limits] = Limits(timeout_s=60, memory_mb=4096)
    probes: ClassVar[Mapping[str, Path]] = {"keras_model": Path(__file__).with_name("_probe_keras_model.py")}

    def __init__(self) -> None:
        # What km.measure found for each model config, the references' included; filled by reference()
        # and remeasure() in this process only, from models built here.
        self.measured = km.Measurements()
        # The reference's expected value per builder and arguments (json of both), for the same reason.
        self.references = km.Measurements(size=64)

    # --- cases ------------------------------------------------------------------------------------

    def public_cases(self) -> list[Case]:
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
            case("imdb_classifier: table and outputs", "build_imdb_classifier"),
            case("imdb_classifier: compiled with rmsprop, binary_crossentropy, metrics ['acc']",
                 "build_imdb_classifier", aspect="compile"),
        ]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        # ex3's cases are nothing but sizes: every one is drawn per student, from ``rng``.
        def draw(name: str, lo: int, hi: int) -> int:
            value = int(rng.integers(lo, hi + 1))
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
                found = measure_config(config, shapes)  # in a sandboxed job, under BUILD_LIMITS
                self.measured.put(key, found)
        except km.RefusedModel as exc:
            return {"model": True, "refused": exc.to_data()}
        compile_config = config.get("compile_config") if isinstance(config, Mapping) else None
        return {"model": True, "config": config, "built_without_input": found["built_without_input"],
                "table": found["table"], "weight_shapes": found["weight_shapes"],
                "compile": km.compile_settings(compile_config), "outputs": found["outputs"],
                "outputs_error": found["outputs_error"]}

    def explain_error(self, case: Case, error: StudentError) -> Mistake | None:
        if "expected ndim=3, found ndim=2" in error.message:
            return self.mistake("intermediate_not_sequences")
        return None

    def refused(self, function: str, exc: km.RefusedModel) -> Message:
        """Why the grader will not rebuild a model: ``refused.<reason>`` of this catalogue."""
        return self.message("refused", function=function,
                            reason=self.message(f"refused.{exc.reason}", **exc.params))

    # --- judgement ----------------------------------------------------------------------------------

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        what = case.function
        if not isinstance(got, Mapping):
            return Verdict(False, msg("compare.unreadable", what=what, got=describe(got)))
        if got.get("model") is not True:
            kind = str(got.get("type", "?"))
            key = "not_a_model_none" if kind == "builtins.NoneType" else "not_a_model"
            return Verdict(False, self.message(key, function=what, type=kind[:80]))
        if "refused" in got:
            return Verdict(False, self.refused(what, km.refusal(got["refused"])))
        try:
            km.check_config(got.get("config"))
        except km.RefusedModel as exc:
            return Verdict(False, self.refused(what, exc))
        note = self.message("no_input_note") if got.get("built_without_input") else None
        if getattr(case, "aspect", "model") == "compile":
            return self._judge_compile(what, got.get("compile"), note)
        return self._judge_model(case, got, expected, note)

    def _judge_model(self, case: Case, got: Mapping[str, Any], expected: Mapping[str, Any],
                     note: Message | None) -> Verdict:
        what = case.function
        expected_rows: list[Row] = [(str(c), tuple(s), int(p)) for c, s, p in expected["table"]]
        try:
            rows = read_rows(got.get("table"), self.message("summary_what", function=what))
        except RowsError as exc:
            return Verdict(False, exc.message)
        detail = table_detail(expected_rows, rows)
        passed, message, mistake = compare_tables(
            expected_rows, rows, what=self.message("table_what", function=what),
            mistakes=table_mistakes(case))
        if not passed:
            return Verdict(False, message, mistake=mistake, table=detail, note=note)
        expected_shapes = [tuple(s) for s in expected["weight_shapes"]]
        if _shapes(got) != expected_shapes:
            return Verdict(False, self.message("weight_shapes_differ", function=what,
                                               expected=str(expected_shapes), got=str(_shapes(got))[:300]),
                           table=detail)
        outputs = got.get("outputs")
        if outputs is None:
            return Verdict(False, self.message("outputs_failed", function=what,
                                               error=str(got.get("outputs_error"))[:300]), table=detail)
        reference = np.asarray(expected["outputs"], dtype=np.float64)
        verdict = compare_array(reference, outputs, mistakes=self.output_mistakes(case, reference),
                                what=self.message("outputs_what", function=what))
        if not verdict.passed:
            named = activation_mistakes(case, got.get("config"))
            text, mistake = verdict.message or msg("failure.wrong_value"), verdict.mistake
            if named and mistake is None:
                mistake = named[0]
            elif mistake is None:
                text = msg("two_lines", first=text, second=self.message("table_right_outputs_wrong"))
            return Verdict(False, text, mistake=mistake, detail=verdict.detail, note=note,
                           table=detail)
        total = sum(r[2] for r in expected_rows)
        return Verdict(True, self.message("model_ok", total=total), table=detail, note=note)

    def output_mistakes(self, case: Case, reference: np.ndarray) -> list[Mistake]:
        if case.function != "build_imdb_classifier":
            return []
        p = np.clip(reference, 1e-12, 1 - 1e-12)
        return [self.mistake("output_not_sigmoid", np.log(p / (1 - p)), activation="linear")]

    def _judge_compile(self, what: str, settings: Any, note: Message | None) -> Verdict:
        if not isinstance(settings, Mapping):
            return Verdict(False, self.message("compile.not_compiled", function=what),
                           mistake=self.mistake("not_compiled"))
        problems: list[tuple[Message, Mistake]] = []
        optimizer, loss = settings.get("optimizer"), settings.get("loss")
        metrics = [str(m) for m in settings.get("metrics") or []]
        if _normal(optimizer) != "rmsprop":
            problems.append((self.message("compile.optimizer", optimizer=str(optimizer)[:60]),
                             self.mistake("wrong_optimizer")))
        if _normal(loss) != "binarycrossentropy":
            problems.append((self.message("compile.loss", loss=str(loss)[:60]), self.mistake("wrong_loss")))
        if metrics != ["acc"]:
            said = (self.message("compile.accuracy") if "accuracy" in metrics
                    else self.message("compile.metrics", metrics=str(metrics)[:100]))
            problems.append((said, self.mistake("metrics_not_acc")))
        if not problems:
            return Verdict(True, self.message("compiled_ok"), note=note)
        found = problems[0][0]
        for problem, _ in problems[1:]:
            found = self.message("compile.and", first=found, second=problem)
        return Verdict(False, self.message("compile.wrong", function=what, problems=found),
                       mistake=problems[0][1], note=note)


EXERCISE = StackedRnn()
