"""The contract every registered exercise keeps, whoever adds it (coursekit.registry).

- its probes are modules of the grader's that import nothing from coursekit (nor graders): the student's
  process loads them by path;
- its hidden cases' names and points do not depend on the seeds (the gradebook, the item analysis and
  the resume logic key on them), and no two cases share a name;
- graded as ``coursekit grade`` grades (public and hidden cases, a fork server, remeasure), the reference
  solution gets full marks and the stub 0, without an internal error or a crashed process;
- each wrong file of its folder (``mistakes/<mistake_id>.py``, ``mistakes/variants/``) fails what its
  docstring says it fails and nothing else, and ``check`` names its mistake in both languages (WrongFile).

To stay fast, each exercise's solution and stub are graded once for the whole module, each in one student
process holding every case, through the session's fork server for its preloaded modules (tests/conftest.py).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from conftest import ForkServers, GradedOnce, text

from coursekit import content
from coursekit.batch.worker import cases_for
from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.grading import grade_exercise, shared_calls
from coursekit.i18n import LANGUAGES, render
from coursekit.messages import Message, verbatim
from coursekit.registry import content_package, exercise_ids, get_exercise
from coursekit.render.jsonout import check_json
from coursekit.results import ExerciseResult

ROOT = Path(__file__).resolve().parents[1]
# The content package's folder and the course folder holding it (exercises/, solutions/): the
# repository's, or another lesson's package chosen with $COURSEKIT_CONTENT (tests/test_new.py).
CONTENT = content.folder(content_package())
assert CONTENT is not None
COURSE = CONTENT.parent
IDS = exercise_ids()


def top_level_imports(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it, by its top-level name ("." for a relative import)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." if node.level else (node.module or "").partition(".")[0])
    return found


@pytest.mark.parametrize("exercise_id", IDS)
def test_probes_are_grader_modules_that_import_nothing_from_coursekit(exercise_id: str) -> None:
    exercise = get_exercise(exercise_id)
    for name, path in exercise.probes.items():
        assert name not in ("value", "typed"), f"{name} is a built-in probe's name"
        assert path.is_absolute() and path.is_file(), f"{exercise_id}: probe {name} at {path}"
        assert path.parent.name == "probes" and path.is_relative_to(CONTENT), (
            f"{exercise_id}: probe {name} lives outside a probes/ folder of graders/")
        imported = top_level_imports(path)
        assert not imported & {"coursekit", "graders", "."}, f"{path.name} imports {sorted(imported)}"
        assert "def probe(" in path.read_text(encoding="utf-8"), f"{path.name} defines no probe()"
    used = {c.probe for c in exercise.public_cases() + exercise.hidden_cases(np.random.default_rng(0))}
    assert used <= {"value", "typed", *exercise.probes}, f"{exercise_id}: a case names an unknown probe"


def names_and_points(exercise: Exercise, seed: int, class_seed: int | None) -> list[tuple[str, float]]:
    shape_rng = None if class_seed is None else np.random.default_rng(class_seed)
    return [(c.name, c.points) for c in exercise.hidden_cases(np.random.default_rng(seed), shape_rng)]


@pytest.mark.parametrize("exercise_id", IDS)
def test_hidden_case_names_do_not_depend_on_the_seeds(exercise_id: str) -> None:
    exercise = get_exercise(exercise_id)
    first = names_and_points(exercise, 1, None)
    assert first, f"{exercise_id} has no hidden cases"
    for seed, class_seed in ((2, None), (3, 4), (2**40 + 5, 6)):
        assert names_and_points(exercise, seed, class_seed) == first
    names = [c.name for c in exercise.public_cases()] + [name for name, _ in first]
    assert len(names) == len(set(names)), f"{exercise_id}: two cases share a name"
    assert all(c.hidden for c in exercise.hidden_cases(np.random.default_rng(1)))
    assert not any(c.hidden for c in exercise.public_cases())


# ---- check, as a student runs it ----------------------------------------------------------------------

CHECK_EACH = """
import json, sys
from pathlib import Path
from rich.console import Console
from coursekit.check import check
from coursekit.render.terminal import show_check
for exercise_id in sys.argv[2:]:
    r = check(exercise_id, Path(sys.argv[1]))
    loaded = ["tensorflow" in sys.modules, "keras" in sys.modules]
    shown = []
    for verbose in (False, True):
        console = Console(record=True, width=200)
        show_check(console, r, "en", verbose=verbose)
        shown.append(console.export_text())
    print(json.dumps([exercise_id, r.score, r.max_score, *loaded, shown]))
"""
KERAS_IDS = [i for i in IDS if "keras" in get_exercise(i).child_imports]
# ex11's grader windows the series with keras.utils.timeseries_dataset_from_array to tell its mistakes
# apart (graders/ex11/grader.py, keras_windows): its check imports TensorFlow in the grader's process.
KERAS_IN_THE_GRADER = {"ex11"}


@pytest.mark.parametrize("ids", [pytest.param([i for i in IDS if i not in KERAS_IDS], id="numpy",
                                              marks=pytest.mark.slow),
                                 pytest.param(sorted(KERAS_IDS, key=KERAS_IN_THE_GRADER.__contains__),
                                              id="keras", marks=pytest.mark.slow)])
def test_check_gives_the_solution_full_public_marks_and_imports_no_tensorflow_in_the_grader(
        ids: list[str]) -> None:
    """``coursekit check`` of each reference solution, in one fresh process for the group: full marks on
    the public cases, and the grader's process has imported neither TensorFlow nor Keras after it (the
    stored public cases answer; a Keras exercise imports them in the student's process only). ``--verbose``
    adds the details of failed tests (ex3's model summaries), so a full check shows the same with it."""
    out = subprocess.run([sys.executable, "-c", CHECK_EACH, str(COURSE / "solutions"), *ids],
                         capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("[")]
    assert [row[0] for row in rows] == ids
    for exercise_id, score, max_score, tensorflow, keras_loaded, (plain, verbose) in rows:
        public = get_exercise(exercise_id).public_points()
        assert score == max_score == public, exercise_id
        assert verbose == plain and f"{exercise_id}: {score:g}/{max_score:g} points" in plain, verbose
        if exercise_id not in KERAS_IN_THE_GRADER:  # checked last: TensorFlow stays imported after them
            assert (tensorflow, keras_loaded) == (False, False), exercise_id


# ---- the solution and the stub, graded as a batch grades them ----------------------------------------

@pytest.fixture(scope="module")
def batch_graded(keras: ModuleType, fork_servers: ForkServers) -> Callable[[str, Path], ExerciseResult]:
    """batch_graded(exercise_id, folder) -> its public and hidden cases' result, graded once per module."""
    results: dict[tuple[str, Path], ExerciseResult] = {}

    def run(exercise_id: str, folder: Path) -> ExerciseResult:
        if (exercise_id, folder) not in results:
            exercise = get_exercise(exercise_id)
            server = fork_servers.get(exercise.child_imports)
            cases = cases_for(exercise, seed=20261201, class_seed=7)
            results[exercise_id, folder] = grade_exercise(
                exercise, folder, cases, exercise.expected_values(cases), runner=server.run, remeasure=True)
        return results[exercise_id, folder]

    return run


def failures(result: ExerciseResult) -> list[str]:
    return [f"{t.name}: {text(t)}" for t in result.tests if not t.passed]


def how_it_ended(result: ExerciseResult) -> list[str]:
    """The failed tests with their failure kinds and messages, and the run's time, notes and last output:
    what an assertion shows so that a failure seen once, on another machine, says whether it was a
    verdict, a time limit or a crash."""
    notes = [render(m, "en") for m in result.notes]
    if result.internal_error is not None:
        notes.append(render(result.internal_error, "en"))
    return [f"{t.name} [{t.failure}]: {text(t)}" for t in result.tests if not t.passed] + [
        f"the run: {result.execution_time:.2f} s; {' '.join(notes)}; output: {result.output[-300:]!r}"]


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_gets_full_marks_on_public_and_hidden_cases(
        exercise_id: str, batch_graded: Callable[[str, Path], ExerciseResult]) -> None:
    result = batch_graded(exercise_id, COURSE / "solutions")
    assert any(t.hidden for t in result.tests)
    assert not failures(result), failures(result)
    assert result.score == result.max_score > 0


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", IDS)
def test_the_stub_gets_zero_without_a_crash(
        exercise_id: str, batch_graded: Callable[[str, Path], ExerciseResult]) -> None:
    result = batch_graded(exercise_id, COURSE / "exercises")
    assert result.score == 0 and result.tests
    assert not any(t.internal_error for t in result.tests), failures(result)
    assert not result.notes, result.notes  # no process died: every case got an answer from the stub


# ---- the named mistakes: one wrong file each in the exercise's folder -----------------------------------

@dataclass(frozen=True)
class WrongFile:
    """``<exercise>/mistakes/<mistake_id>.py``, or ``mistakes/variants/<mistake_id>--<variant>.py`` for
    another way of writing the same mistake: a whole student file, wrong by that mistake only. Its module
    docstring says what it must fail, in lines the test reads:

    - ``Fails: rnn_cell_forward, rnn_forward``: the public tests of these functions fail (at least one
      each), and every other function's tests pass; a failed test names the file's mistake or none.
      ``input_gradient_norms (only_last_step_gets_gradient)`` says that function's failed tests name
      another mistake of the grader's (the same wrong line seen through another function's tests), and
      ``lstm_params (bias_and_recurrent_forgotten/recurrent_weights_forgotten)`` one of these.
    - ``Fails test: <public test name>``, one line per test: exactly these public tests fail, and they are
      the ones that name the mistake (ex3 and ex7, whose functions each have several aspects).
    """

    exercise: str
    path: Path
    mistake: str
    variant: str | None
    source: str
    functions: dict[str, tuple[str, ...]]  # function -> the mistake ids its failed tests may name
    tests: frozenset[str]


def read_wrong_file(exercise_id: str, path: Path) -> WrongFile:
    source = path.read_text(encoding="utf-8")
    mistake, _, variant = path.stem.partition("--")
    functions: dict[str, tuple[str, ...]] = {}
    tests: set[str] = set()
    for line in (ast.get_docstring(ast.parse(source)) or "").splitlines():
        if line.startswith("Fails test: "):
            tests.add(line.removeprefix("Fails test: ").strip())
        elif line.startswith("Fails: "):
            for item in line.removeprefix("Fails: ").split(","):
                found = re.fullmatch(r"\s*(\w+)(?: \(([\w/]+)\))?\s*", item)
                assert found, f"{path}: {item!r} is not 'function' or 'function (mistake_id)'"
                functions[found[1]] = tuple(found[2].split("/")) if found[2] else (mistake,)
    return WrongFile(exercise_id, path, mistake, variant or None, source, functions, frozenset(tests))


def wrong_files(exercise_id: str) -> list[WrongFile]:
    """The exercise folder's wrong files: one per named mistake, then the variants, each sorted by name."""
    folder = CONTENT / exercise_id / "mistakes"
    paths = [*sorted(folder.glob("*.py")), *sorted(folder.glob("variants/*.py"))]
    return [read_wrong_file(exercise_id, p) for p in paths]


WRONG = [(i, w) for i in IDS for w in wrong_files(i)]


def test_every_named_mistake_has_a_wrong_file_and_every_wrong_file_says_what_it_fails() -> None:
    for exercise_id in IDS:
        exercise = get_exercise(exercise_id)
        files = wrong_files(exercise_id)
        made = {w.mistake for w in files}
        assert made == exercise.mistake_ids, (
            f"{exercise_id}: no wrong file for {sorted(exercise.mistake_ids - made)} (add "
            f"{exercise_id}/mistakes/<mistake_id>.py), or no such mistake: "
            f"{sorted(made - exercise.mistake_ids)}")
        names = {c.name for c in exercise.public_cases()}
        functions = {c.function for c in exercise.public_cases()}
        for w in files:
            assert bool(w.functions) != bool(w.tests), f"{w.path.name}: say what it fails (Fails: ...)"
            assert set(w.functions) <= functions, f"{w.path.name}: {sorted(w.functions)}"
            assert w.tests <= names, f"{w.path.name}: no public test {sorted(w.tests - names)}"
            assert {m for ms in w.functions.values() for m in ms} <= exercise.mistake_ids, w.path.name


@pytest.mark.parametrize(("exercise_id", "wrong"), [  # a Keras exercise's files: slow (ex7's train)
    pytest.param(i, w, marks=[pytest.mark.slow] if i in KERAS_IDS else [], id=f"{i}-{w.path.stem}")
    for i, w in WRONG])
def test_each_wrong_file_is_caught_naming_its_mistake_in_both_languages(exercise_id: str, wrong: WrongFile,
                                                                        graded_once: GradedOnce) -> None:
    """Graded as ``coursekit check`` grades it: it fails what its docstring says and nothing else, and
    ``check --json`` names its mistake, with the same id, in Chinese and in English."""
    exercise = get_exercise(exercise_id)
    graded_once.prefetch(exercise_id, [w.source for i, w in WRONG if i == exercise_id])
    result = graded_once(exercise_id, wrong.source)
    assert result.score < result.max_score
    failed = {t.name: t for t in result.tests if not t.passed}
    if wrong.tests:
        assert set(failed) == wrong.tests, sorted(failed)
        assert {t.name for t in result.tests if t.mistake == wrong.mistake} == wrong.tests
        assert not any(t.internal_error for t in result.tests)
    else:
        function_of = {c.name: c.function for c in exercise.public_cases()}
        for function in dict.fromkeys(function_of.values()):
            mine = [t for t in result.tests if function_of[t.name] == function]
            if function not in wrong.functions:
                assert all(t.passed for t in mine), (
                    f"{wrong.path.name} must not cost {function} its points", how_it_ended(result))
                continue
            named = wrong.functions[function]
            lost = [t for t in mine if not t.passed]
            assert any(t.mistake in named for t in lost), (function, [(t.name, t.mistake) for t in lost])
            assert all(t.mistake in (*named, None) for t in lost), [t.mistake for t in lost]
    # the mistake as the grader named it, with its parameters (ex3's depth_off_by_one: {depth}, {expected})
    found = [t.hint.param("what") for t in result.tests if t.mistake == wrong.mistake and t.hint is not None]
    assert found, [t.mistake for t in result.tests]
    what = found[0]
    assert isinstance(what, Message) and (what.domain, what.key) == (exercise_id, wrong.mistake)
    ids = {}
    for lang in LANGUAGES:
        tests = json.loads(json.dumps(check_json(result, lang)))["tests"]
        said = render(what, lang, strict=True)
        assert any(t["mistake"] == wrong.mistake and said in t["output"] for t in tests), \
            [t["output"] for t in tests if t["status"] == "failed"]
        ids[lang] = [t["mistake"] for t in tests]
    assert ids["zh"] == ids["en"]


def test_every_grader_makes_its_public_cases_through_the_stored_inputs() -> None:
    for exercise_id in IDS:  # public_cases() is the engine's: it puts the stored inputs in place
        assert type(get_exercise(exercise_id)).public_cases is Exercise.public_cases, exercise_id


# ---- the engine's side: a grader's probe from its own file, and one call for cases that share it --------

class Counting(Exercise):
    """Three cases of ``count(x)``, two of them the same call, through a probe the test writes."""

    id = "counting"
    title = "shared calls"
    filename = "counting.py"
    functions = ("count",)

    def __init__(self, probe: Path) -> None:
        self.probes = {"seen": probe}  # type: ignore[misc]  # a ClassVar, set per instance for the test

    def generate_public_cases(self) -> list[Case]:
        return [Case("first aspect", "count", (1,), probe="seen"),
                Case("other call", "count", (2,), probe="seen", probe_data={"tag": 7}),
                Case("second aspect", "count", (1,), probe="seen", points=2.0),
                Case("a module-level value", "LIMIT", probe="seen", attribute=True)]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        return []

    def reference(self, case: Case) -> Any:
        return None

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return Verdict(True, verbatim(repr(got)))


@pytest.mark.slow
def test_cases_making_the_same_call_share_one_call_through_the_graders_probe(tmp_path: Path) -> None:
    probe = tmp_path / "grader" / "_probe_seen.py"
    probe.parent.mkdir()
    probe.write_text("prepared = []\n\n"
                     "def prepare(context):\n    prepared.append(context['data'])\n\n"
                     "def probe(value, context):\n"
                     "    return {'value': value, 'args': context['args'], 'data': context['data'],\n"
                     "            'prepared': len(prepared), 'measure': context['measure']}\n")
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "counting.py").write_text("LIMIT = 9\ncalls = []\n\ndef count(x):\n"
                                                       "    calls.append(x)\n    return len(calls)\n")
    exercise = Counting(probe)
    result = grade_exercise(exercise, tmp_path / "student", exercise.public_cases(), {})
    outputs = {t.name: text(t) for t in result.tests}
    assert outputs == {
        "first aspect": "{'value': 1, 'args': [1], 'data': {}, 'prepared': 1, 'measure': True}",
        "other call": "{'value': 2, 'args': [2], 'data': {'tag': 7}, 'prepared': 2, 'measure': True}",
        "second aspect": "{'value': 1, 'args': [1], 'data': {}, 'prepared': 1, 'measure': True}",
        "a module-level value": "{'value': 9, 'args': [], 'data': {}, 'prepared': 3, 'measure': True}"}
    assert [len(group) for group in shared_calls(exercise.public_cases())] == [2, 1, 1]
