"""The judge of exercise 3: no reference code, so the student handout ships it as it is.

``graders/ex3/grader.py`` builds the reference models with live Keras (their tables, weight shapes and outputs
are the expected values) and works out the tables of the common wrong models with the counting rules of
``graders/shared/reference/keras_model_tables.py``; it judges with :func:`judge`, passing those tables as
the named
mistakes' outputs (a :class:`~coursekit.messages.Mistake` whose ``output`` is the rows). The handout
judges with the same function, the expected values and the mistakes' tables read from its data (see
``coursekit/judges.py``). Everything else is read from the model the student's process reported: its
config (checked against ``graders/shared/judging/keras_model.py``'s allowlist), its measured table, outputs
and
compile settings. The messages are entries of the ex3 catalogue (``graders/locale/{en,zh}/LC_MESSAGES/
ex3.po``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from coursekit.compare import Verdict, compare_array, describe
from coursekit.exercise import Case
from coursekit.messages import Message, Mistake, Param, in_domain, msg
from coursekit.sandbox.report import StudentError
from coursekit.tables import Row, RowsError, TableMistake, compare_tables, read_rows, table_detail

from ..shared.judging import keras_model as km

DOMAIN = "ex3"
MISTAKE_IDS = frozenset({
    "single_returns_sequences", "sequence_returns_last_only", "last_layer_returns_sequences",
    "depth_off_by_one", "dense_output_missing", "arguments_ignored", "argument_ignored",
    "embedding_swapped", "intermediate_not_sequences", "activation_changed", "output_not_sigmoid",
    "not_compiled", "wrong_optimizer", "wrong_loss", "metrics_not_acc"})


def message(key: str, /, **params: Param) -> Message:
    return in_domain(DOMAIN, key, **params)


def mistake(mistake_id: str, output: Any = None, /, **params: Param) -> Mistake:
    """The named mistake ``mistake_id`` of ex3 (one of MISTAKE_IDS), which gives ``output``."""
    if mistake_id not in MISTAKE_IDS:
        raise ValueError(f"ex3: mistake {mistake_id!r} is not in MISTAKE_IDS")
    return Mistake(mistake_id, output, DOMAIN, tuple(params.items()))


def explain_error(case: Case, error: StudentError) -> Mistake | None:
    if "expected ndim=3, found ndim=2" in error.message:
        return mistake("intermediate_not_sequences")
    return None


def refused(function: str, exc: km.RefusedModel) -> Message:
    """Why the grader will not rebuild a model: ``refused.<reason>`` of the ex3 catalogue."""
    return message("refused", function=function, reason=message(f"refused.{exc.reason}", **exc.params))


def judge(case: Case, got: Any, expected: Any, mistakes: Sequence[Mistake]) -> Verdict:
    """The model a builder returned against the reference's measurements.

    ``mistakes``: the common wrong models of this case, each a Mistake whose ``output`` is its table.
    """
    what = case.function
    if not isinstance(got, Mapping):
        return Verdict(False, msg("compare.unreadable", what=what, got=describe(got)))
    if got.get("model") is not True:
        kind = str(got.get("type", "?"))
        key = "not_a_model_none" if kind == "builtins.NoneType" else "not_a_model"
        return Verdict(False, message(key, function=what, type=kind[:80]))
    if "refused" in got:
        return Verdict(False, refused(what, km.refusal(got["refused"])))
    try:
        km.check_config(got.get("config"))
    except km.RefusedModel as exc:
        return Verdict(False, refused(what, exc))
    note = message("no_input_note") if got.get("built_without_input") else None
    if getattr(case, "aspect", "model") == "compile":
        return _judge_compile(what, got.get("compile"), note)
    tables = [TableMistake(replace(m, output=None), [_row(r) for r in m.output]) for m in mistakes
              if isinstance(m.output, list | tuple)]
    return _judge_model(case, got, expected, note, tables)


def _row(row: Any) -> Row:
    name, shape, params = row
    return (str(name), tuple(shape), int(params))


def _judge_model(case: Case, got: Mapping[str, Any], expected: Mapping[str, Any], note: Message | None,
                 tables: Sequence[TableMistake]) -> Verdict:
    what = case.function
    expected_rows: list[Row] = [_row(r) for r in expected["table"]]
    try:
        rows = read_rows(got.get("table"), message("summary_what", function=what))
    except RowsError as exc:
        return Verdict(False, exc.message)
    detail = table_detail(expected_rows, rows)
    passed, said, named = compare_tables(expected_rows, rows, what=message("table_what", function=what),
                                         mistakes=tables)
    if not passed:
        return Verdict(False, said, mistake=named, table=detail, note=note)
    expected_shapes = [tuple(s) for s in expected["weight_shapes"]]
    if _shapes(got) != expected_shapes:
        return Verdict(False, message("weight_shapes_differ", function=what, expected=str(expected_shapes),
                                      got=str(_shapes(got))[:300]), table=detail)
    outputs = got.get("outputs")
    if outputs is None:
        return Verdict(False, message("outputs_failed", function=what,
                                      error=str(got.get("outputs_error"))[:300]), table=detail)
    reference = np.asarray(expected["outputs"], dtype=np.float64)
    verdict = compare_array(reference, outputs, mistakes=output_mistakes(case, reference),
                            what=message("outputs_what", function=what))
    if not verdict.passed:
        activations = activation_mistakes(case, got.get("config"))
        text, found = verdict.message or msg("failure.wrong_value"), verdict.mistake
        if activations and found is None:
            found = activations[0]
        elif found is None:
            text = msg("two_lines", first=text, second=message("table_right_outputs_wrong"))
        return Verdict(False, text, mistake=found, detail=verdict.detail, note=note, table=detail)
    total = sum(r[2] for r in expected_rows)
    return Verdict(True, message("model_ok", total=total), table=detail, note=note)


def output_mistakes(case: Case, reference: np.ndarray) -> list[Mistake]:
    """The classifier without its sigmoid: the logits of the reference's probabilities."""
    if case.function != "build_imdb_classifier":
        return []
    p = np.clip(reference, 1e-12, 1 - 1e-12)
    return [mistake("output_not_sigmoid", np.log(p / (1 - p)), activation="linear")]


def _judge_compile(what: str, settings: Any, note: Message | None) -> Verdict:
    if not isinstance(settings, Mapping):
        return Verdict(False, message("compile.not_compiled", function=what),
                       mistake=mistake("not_compiled"))
    problems: list[tuple[Message, Mistake]] = []
    optimizer, loss = settings.get("optimizer"), settings.get("loss")
    metrics = [str(m) for m in settings.get("metrics") or []]
    if _normal(optimizer) != "rmsprop":
        problems.append((message("compile.optimizer", optimizer=str(optimizer)[:60]),
                         mistake("wrong_optimizer")))
    if _normal(loss) != "binarycrossentropy":
        problems.append((message("compile.loss", loss=str(loss)[:60]), mistake("wrong_loss")))
    if metrics != ["acc"]:
        said = (message("compile.accuracy") if "accuracy" in metrics
                else message("compile.metrics", metrics=str(metrics)[:100]))
        problems.append((said, mistake("metrics_not_acc")))
    if not problems:
        return Verdict(True, message("compiled_ok"), note=note)
    found = problems[0][0]
    for problem, _ in problems[1:]:
        found = message("compile.and", first=found, second=problem)
    return Verdict(False, message("compile.wrong", function=what, problems=found), mistake=problems[0][1],
                   note=note)


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
            found.append(mistake("activation_changed", activation=str(activation)[:30]))
        if kind == "Dense" and case.function == "build_imdb_classifier" and activation != "sigmoid":
            found.append(mistake("output_not_sigmoid", activation=str(activation or "linear")[:30]))
    return found


def _shapes(got: Mapping[str, Any]) -> list[tuple[int, ...]]:
    if "weight_shapes" in got:
        return [tuple(s) for s in got["weight_shapes"]]
    return [tuple(w.shape) for w in got.get("weights") or [] if isinstance(w, np.ndarray)]
