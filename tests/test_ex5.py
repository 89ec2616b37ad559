"""Exercise 5 (Bidirectional): the cases, imports of ex1/ex4, Keras's known answers. The solution, the stub
and each named mistake's wrong file are graded by tests/test_contract.py."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import test_ex1
from conftest import text
from test_contract import wrong_files
from typer.testing import CliRunner

from coursekit import refcache
from coursekit.check import check
from coursekit.cli import app
from coursekit.grading import grade_exercise
from coursekit.i18n import render
from coursekit.imports import names_imported
from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult
from coursekit.uses import grade_uses
from graders.shared.reference import recurrent as rec

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
GradeFiles = Callable[..., ExerciseResult]  # the grade_files fixture of conftest.py
FILE = "ex5_bidirectional.py"
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def solution() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ex5_solution", SOLUTIONS / FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wrong(*edits: tuple[str, str]) -> str:
    """The solution with each (old, new) edit made once: a wrong implementation as a source string."""
    source = SOLUTION
    for old, new in edits:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


def named_mistakes(result: ExerciseResult) -> set[str]:
    """The ids of the mistakes named, each also said in the test's text."""
    named = {t.mistake for t in result.tests if t.mistake is not None}
    assert all("Looks like:" in text(t) for t in result.tests if t.mistake is not None)
    return named


# ---- the cases ----------------------------------------------------------------------------------

def test_public_cases_cover_every_cell_merge_mode_and_return_sequences() -> None:
    cases = get_exercise("ex5").public_cases()
    seen = {(c.kwargs.get("cell", "simple_rnn"), c.kwargs.get("merge_mode", "concat")) for c in cases}
    assert seen == {(cell, mode) for cell in ("simple_rnn", "lstm", "gru")
                    for mode in ("concat", "sum", "ave", "mul")}
    for cell in ("simple_rnn", "lstm", "gru"):
        assert {bool(c.kwargs.get("return_sequences", False)) for c in cases
                if c.kwargs.get("cell", "simple_rnn") == cell} == {True, False}


def test_hidden_cases_keep_their_names_and_points_for_any_rng() -> None:
    exercise = get_exercise("ex5")
    a, b = (exercise.hidden_cases(np.random.default_rng(s)) for s in (3, 4))
    c = exercise.hidden_cases(np.random.default_rng(5), np.random.default_rng(6))
    assert ([(x.name, x.points, dict(x.kwargs)) for x in a] == [(x.name, x.points, dict(x.kwargs)) for x in b]
            == [(x.name, x.points, dict(x.kwargs)) for x in c])


def test_the_eight_hidden_cases_cover_every_cell_merge_mode_and_return_sequences() -> None:
    exercise = get_exercise("ex5")
    hidden = exercise.hidden_cases(np.random.default_rng(0))
    assert len(hidden) == 8
    public = {c.name for c in exercise.public_cases()}
    assert all(c.name.removeprefix("hidden ") in public for c in hidden)
    options = [(c.kwargs.get("cell", "simple_rnn"), c.kwargs.get("merge_mode", "concat"),
                bool(c.kwargs.get("return_sequences", False))) for c in hidden]
    assert {cell for cell, _, _ in options} == {"simple_rnn", "lstm", "gru"}
    assert {mode for _, mode, _ in options} == {"concat", "sum", "ave", "mul"}
    for cell in ("simple_rnn", "lstm", "gru"):
        assert {rs for c, _, rs in options if c == cell} == {True, False}
    assert {c.args[0].dtype.name for c in hidden} == {"float32", "float64"}
    assert any(not c.kwargs for c in hidden), "the defaults (no keyword arguments) are drawn too"


@pytest.mark.slow
def test_cache_agrees_with_live_keras(keras: ModuleType) -> None:
    exercise = get_exercise("ex5")
    cases = exercise.public_cases()
    cached = refcache.load(exercise, cases)
    assert set(cached) == {c.name for c in cases}
    for case in cases:
        np.testing.assert_allclose(cached[case.name], exercise.reference(case), rtol=1e-6, atol=1e-7,
                                   err_msg=case.name)


@pytest.mark.slow
def test_keras_weight_order_is_forward_then_backward(keras: ModuleType) -> None:
    layer = keras.layers.Bidirectional(keras.layers.GRU(2))
    layer.build((1, 3, 4))
    paths = [w.path for w in layer.weights]
    assert ["forward" in p for p in paths] == [True] * 3 + [False] * 3
    assert [p.rpartition("/")[2] for p in paths] == ["kernel", "recurrent_kernel", "bias"] * 2
    assert tuple(layer.weights[2].shape) == (2, 6)  # GRU reset_after=True: input row, recurrent row


def test_numpy_maths_of_the_mistakes_agrees_with_keras_when_no_mistake_is_made() -> None:
    exercise = get_exercise("ex5")
    cases = exercise.public_cases()
    expected = exercise.expected_values(cases)
    for case in cases:
        x, forward, backward = case.args
        f64 = [tuple(np.asarray(w, np.float64) for w in ws) for ws in (forward, backward)]
        mine = rec.bidirectional(np.asarray(x, np.float64), *f64, **case.kwargs)
        np.testing.assert_allclose(mine, expected[case.name], rtol=1e-4, atol=1e-5, err_msg=case.name)


# ---- named mistakes ------------------------------------------------------------------------------

BACKWARD_RUN = "    y_rev = _run(x[:, ::-1, :], backward_weights, cell, return_sequences)\n"
RESTORE = "    if return_sequences:\n        y_rev = y_rev[:, ::-1, :]"

# The folder's wrong files (graders/ex5/mistakes/, graded by tests/test_contract.py) by mistake id: the view
# tests/test_release.py reads
MISTAKES: dict[str, str] = {w.mistake: w.source for w in wrong_files("ex5") if w.variant is None}


@pytest.mark.slow
def test_reading_forwards_then_flipping_is_named_too(grade_files: GradeFiles) -> None:
    source = wrong((BACKWARD_RUN, BACKWARD_RUN.replace("x[:, ::-1, :]", "x")))
    assert named_mistakes(grade_files("ex5", {FILE: source})) == {"backward_reads_forwards"}
    unflipped = wrong((BACKWARD_RUN, BACKWARD_RUN.replace("x[:, ::-1, :]", "x")),
                      (RESTORE, "    if False:\n        pass"))
    assert named_mistakes(grade_files("ex5", {FILE: unflipped})) == {"backward_reads_forwards"}


# ---- a submission that reuses its ex1 and ex4 ----------------------------------------------------

REUSING = '''"""ex5 built on the student's own ex1 and ex4."""
import numpy as np

from ex1_rnn_forward import rnn_forward
from ex4_lstm_gru import gru_forward, lstm_forward


def _run(x, weights, cell, return_sequences):
    if cell == "simple_rnn":
        return rnn_forward(x, *weights, return_sequences=return_sequences)
    if cell == "lstm":
        return lstm_forward(x, *weights, return_sequences=return_sequences)[0]
    return gru_forward(x, *weights, return_sequences=return_sequences, reset_after=True)


def bidirectional_forward(x, forward_weights, backward_weights, cell="simple_rnn",
                          merge_mode="concat", return_sequences=False):
    y = _run(x, forward_weights, cell, return_sequences)
    y_rev = _run(x[:, ::-1], backward_weights, cell, return_sequences)
    if return_sequences:
        y_rev = y_rev[:, ::-1]
    merged = {"sum": lambda: y + y_rev, "ave": lambda: (y + y_rev) / 2, "mul": lambda: y * y_rev,
              "concat": lambda: np.concatenate([y, y_rev], axis=-1)}
    return merged[merge_mode]()
'''


@pytest.mark.slow
def test_a_submission_may_import_its_own_ex1_and_ex4(grade_files: GradeFiles) -> None:
    result = grade_files("ex5", {FILE: REUSING, "ex1_rnn_forward.py": None, "ex4_lstm_gru.py": None})
    assert [text(t) for t in result.tests if not t.passed] == []
    assert result.score == result.max_score


def test_an_imported_ex4_that_imports_keras_makes_ex5_score_zero(grade_files: GradeFiles) -> None:
    ex4 = "import keras  # noqa\n" + (SOLUTIONS / "ex4_lstm_gru.py").read_text(encoding="utf-8")
    result = grade_files("ex5", {FILE: REUSING, "ex1_rnn_forward.py": None, "ex4_lstm_gru.py": ex4})
    assert result.score == 0
    assert all("ex4_lstm_gru.py imports keras" in text(t) and "scores 0" in text(t)
               for t in result.tests)


@pytest.mark.slow
def test_missing_imported_file_is_an_import_failure_not_a_crash(grade_files: GradeFiles) -> None:
    result = grade_files("ex5", {FILE: REUSING, "ex1_rnn_forward.py": None})
    assert result.score == 0 and not any(t.internal_error for t in result.tests)
    # said once, above the table (issue 24), naming the file that is not there
    assert [n.key for n in result.notes] == ["failure.neighbour_missing"], result.notes
    assert "ex4_lstm_gru" in render(result.notes[0], "en")


# ---- one mistake charged once: ex5 on a wrong ex1 (coursekit/uses.py) ------------------------------------

EX1_BIAS_MISSING = next(w.source for w in wrong_files("ex1") if w.path.stem == "bias_missing")
# ex5's own mistake on the "ave" merge, on top of the wrong ex1
REUSING_AVE_AS_SUM = REUSING.replace('"ave": lambda: (y + y_rev) / 2', '"ave": lambda: y + y_rev')


def student(tmp_path: Path, ex5: str, ex1: str) -> Path:
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / FILE).write_text(ex5, encoding="utf-8")
    (folder / "ex1_rnn_forward.py").write_text(ex1, encoding="utf-8")
    shutil.copy(SOLUTIONS / "ex4_lstm_gru.py", folder / "ex4_lstm_gru.py")
    return folder


@pytest.mark.slow
def test_check_says_fix_ex1_first_instead_of_a_hint_when_the_imported_rnn_forward_is_wrong(
        tmp_path: Path) -> None:
    result = check("ex5", student(tmp_path, REUSING, EX1_BIAS_MISSING))
    failed = [t for t in result.tests if not t.passed]
    assert failed and all(t.name.startswith("simple_rnn") for t in failed)
    assert all(t.hint is None and t.mistake is None for t in failed)
    fix = [n for n in result.notes if n.key == "note.fix_first"]
    assert len(fix) == 1 and (fix[0].param("other"), fix[0].param("functions")) == ("ex1", "rnn_forward")
    assert "fix ex1 first" in render(fix[0], "en") and "请先改好 ex1" in render(fix[0], "zh")


def test_check_gives_no_fix_first_note_when_the_imported_functions_pass_their_tests(tmp_path: Path) -> None:
    # ex1's rnn_output is wrong, but ex5 imports only rnn_forward: ex5's own mistake keeps its hint
    ex1 = test_ex1.wrong((test_ex1.SOFTMAX[1], "return e"))
    result = check("ex5", student(tmp_path, REUSING_AVE_AS_SUM, ex1))
    assert not any(n.key == "note.fix_first" for n in result.notes)
    assert {t.mistake for t in result.tests if not t.passed} == {"ave_as_sum"}


def grade_ex5(folder: Path) -> tuple[ExerciseResult, ExerciseResult]:
    """(the student's ex5 with their own files, the same after grade_uses), on the public cases."""
    exercise = get_exercise("ex5")
    cases = exercise.public_cases()
    expected = exercise.expected_values(cases)
    mine = grade_exercise(exercise, folder, cases, expected)
    return mine, grade_uses(exercise, folder, cases, expected, mine, grade_exercise)


@pytest.mark.slow
def test_grade_charges_an_ex1_mistake_to_ex1_alone(tmp_path: Path) -> None:
    folder = student(tmp_path, REUSING, EX1_BIAS_MISSING)
    mine, graded = grade_ex5(folder)
    assert mine.score < mine.max_score
    assert graded.score == graded.max_score
    note = next(n for n in graded.notes if n.key == "note.graded_with_course_files")
    assert note.param("files") == "ex1_rnn_forward.py" and note.param("score") == mine.score
    assert (folder / "ex1_rnn_forward.py").read_text(encoding="utf-8") == EX1_BIAS_MISSING  # untouched


@pytest.mark.slow
def test_grade_keeps_ex5s_own_mistake_when_ex1_is_replaced(tmp_path: Path) -> None:
    mine, graded = grade_ex5(student(tmp_path, REUSING_AVE_AS_SUM, EX1_BIAS_MISSING))
    assert mine.score < graded.score < graded.max_score
    assert {t.mistake for t in graded.tests if not t.passed} == {"ave_as_sum"}


@pytest.mark.slow
def test_grade_keeps_the_students_result_when_their_ex1_is_right(tmp_path: Path) -> None:
    mine, graded = grade_ex5(student(tmp_path, REUSING_AVE_AS_SUM, test_ex1.SOLUTION))
    assert graded is mine


def test_the_course_files_are_the_solutions() -> None:
    for exercise in map(get_exercise, get_exercise("ex5").uses):
        assert exercise.course_file is not None
        assert exercise.course_file.read_bytes() == (SOLUTIONS / exercise.filename).read_bytes()


def test_names_imported_reads_what_a_file_takes_from_a_sibling() -> None:
    assert names_imported(REUSING, "ex4_lstm_gru") == {"gru_forward", "lstm_forward"}
    assert names_imported("import ex1_rnn_forward as e\n", "ex1_rnn_forward") == {"*"}
    assert names_imported("from ex1_rnn_forward import *\n", "ex1_rnn_forward") == {"*"}
    assert names_imported("import numpy\n", "ex1_rnn_forward") == frozenset()
    assert names_imported("def (:\n", "ex1_rnn_forward") == frozenset()


# ---- Keras's own known answers (keras-team/keras, keras/src/layers/rnn/bidirectional_test.py) ------

def constant(input_dim: int, units: int, gates: int, kernel: float = 0.01, recurrent: float = 0.02,
             bias: float = 0.03, bias_shape: tuple[int, ...] | None = None) -> tuple[np.ndarray, ...]:
    return (np.full((input_dim, gates * units), kernel, "float32"),
            np.full((units, gates * units), recurrent, "float32"),
            np.full(bias_shape or (gates * units,), bias, "float32"))


SEQUENCE_3 = np.arange(24).reshape((2, 3, 4)).astype("float32")
SEQUENCE_4 = np.arange(24).reshape((2, 4, 3)).astype("float32")


def assert_keras_close(got: Any, want: Any) -> None:
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)  # Keras's own tolerance


def test_keras_bidirectional_simple_rnn_concat_and_ave(solution: ModuleType) -> None:
    w = constant(4, 2, 1)
    assert_keras_close(solution.bidirectional_forward(SEQUENCE_3, w, w),
                       [[0.39687276, 0.39687276, 0.10004295, 0.10004295],
                        [0.7237238, 0.7237238, 0.53391594, 0.53391594]])
    assert_keras_close(solution.bidirectional_forward(SEQUENCE_3, w, w, merge_mode="ave"),
                       [[0.24845785, 0.24845785], [0.6288199, 0.6288199]])


def test_keras_bidirectional_mul_with_another_backward_layer(solution: ModuleType) -> None:
    backward = constant(4, 2, 1, kernel=0.03, recurrent=0.02, bias=0.01)
    assert_keras_close(solution.bidirectional_forward(SEQUENCE_3, constant(4, 2, 1), backward,
                                                      merge_mode="mul"),
                       [[0.08374989, 0.08374989], [0.6740834, 0.6740834]])


def test_keras_bidirectional_gru_sum_return_sequences(solution: ModuleType) -> None:
    w = constant(4, 2, 3, bias_shape=(2, 6))
    assert_keras_close(solution.bidirectional_forward(SEQUENCE_3, w, w, "gru", "sum", True),
                       [[[0.20937867, 0.20937867], [0.34462988, 0.34462988], [0.40290534, 0.40290534]],
                        [[0.59829646, 0.59829646], [0.6734641, 0.6734641], [0.6479671, 0.6479671]]])


def test_keras_bidirectional_lstm_concat(solution: ModuleType) -> None:
    w = constant(3, 2, 4)
    w[2][2:4] = 1.0  # unit_forget_bias: the forget gate's bias starts at 1
    assert_keras_close(solution.bidirectional_forward(SEQUENCE_4, w, w, "lstm"),
                       [[0.1990008, 0.1990008, 0.12659755, 0.12659755],
                        [0.52335435, 0.52335435, 0.44717982, 0.44717982]])


@pytest.mark.slow
def test_without_its_ex1_beside_it_one_line_says_to_put_it_in_the_folder(tmp_path: Path) -> None:
    """Issue 24: not "No module named 'ex1_rnn_forward'" on every test: check's one error (exit code 2)."""
    from typer.testing import CliRunner

    from coursekit.check import load_failure
    from coursekit.cli import app

    root = Path(__file__).resolve().parents[1] / "solutions"
    shutil.copy(root / "ex5_bidirectional.py", tmp_path / "ex5_bidirectional.py")
    shutil.copy(root / "ex4_lstm_gru.py", tmp_path / "ex4_lstm_gru.py")
    source = (tmp_path / "ex5_bidirectional.py").read_text(encoding="utf-8")
    if "ex1_rnn_forward" not in source:
        (tmp_path / "ex5_bidirectional.py").write_text("from ex1_rnn_forward import rnn_forward\n" + source,
                                                       encoding="utf-8")
    result = check("ex5", tmp_path)
    assert result.score == 0 and [n.key for n in result.notes] == ["failure.neighbour_missing"]
    assert load_failure(result) == result.notes[0]
    for lang, says in (("en", "put your ex1_rnn_forward.py (exercise ex1) in the same folder"),
                       ("zh", "请把你的 ex1_rnn_forward.py（练习 ex1）放到")):
        run = CliRunner().invoke(app, ["check", "ex5", str(tmp_path), "--lang", lang], env={"COLUMNS": "80"})
        shown = run.stderr
        assert run.exit_code == 2 and run.stdout == "", run.stdout
        assert shown.count("ex1_rnn_forward.py") == 2 and says in " ".join(shown.split()), shown
        assert "No module named" not in shown


@pytest.mark.slow
def test_a_syntax_error_in_its_ex1_is_said_of_the_ex1_file(tmp_path: Path) -> None:
    """The file that does not compile is named, not ex5's file that imports it: one error, exit code 2."""
    from typer.testing import CliRunner

    from coursekit.cli import app

    root = Path(__file__).resolve().parents[1] / "solutions"
    source = (root / "ex5_bidirectional.py").read_text(encoding="utf-8")
    (tmp_path / "ex5_bidirectional.py").write_text("from ex1_rnn_forward import rnn_forward\n" + source,
                                                   encoding="utf-8")
    shutil.copy(root / "ex4_lstm_gru.py", tmp_path / "ex4_lstm_gru.py")
    (tmp_path / "ex1_rnn_forward.py").write_text("import numpy as np\ndef rnn_forward(x, U, W, b\n",
                                                 encoding="utf-8")
    for lang, says in (("en", "ex1_rnn_forward.py does not compile"),
                       ("zh", "ex1_rnn_forward.py 有语法错误")):
        run = CliRunner().invoke(app, ["check", "ex5", str(tmp_path), "--lang", lang], env={"COLUMNS": "80"})
        assert run.exit_code == 2 and says in " ".join(run.stderr.split()), run.stderr
        assert "ex5_bidirectional.py" not in run.stderr, run.stderr


@pytest.mark.slow
def test_without_both_its_ex1_and_ex4_one_error_names_both(tmp_path: Path) -> None:
    """Issue 24: "put your ex1_rnn_forward.py and ex4_lstm_gru.py in the same folder", at once, not one
    file a run."""
    from typer.testing import CliRunner

    from coursekit.cli import app

    source = (Path(__file__).resolve().parents[1] / "solutions" / "ex5_bidirectional.py").read_text("utf-8")
    (tmp_path / "ex5_bidirectional.py").write_text(
        "from ex1_rnn_forward import rnn_forward\nimport ex4_lstm_gru as ex4\n" + source, encoding="utf-8")
    for lang, says in (("en", "put your ex1_rnn_forward.py, ex4_lstm_gru.py (exercises ex1, ex4) in"),
                       ("zh", "请把你的 ex1_rnn_forward.py、ex4_lstm_gru.py（练习 ex1、ex4）放到")):
        run = CliRunner().invoke(app, ["check", "ex5", str(tmp_path), "--lang", lang], env={"COLUMNS": "80"})
        assert run.exit_code == 2 and says in " ".join(run.stderr.split()), run.stderr
        assert "No module named" not in run.stderr


@pytest.mark.slow
def test_check_on_the_ex1_stub_says_that_ex1_is_not_implemented_in_both_languages(tmp_path: Path) -> None:
    """ex5 built on the student's ex1, whose rnn_forward is still the stub: the message names ex1."""
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "ex1_rnn_forward.py").write_text((EXERCISES / "ex1_rnn_forward.py").read_text())
    (folder / "ex4_lstm_gru.py").write_text((SOLUTIONS / "ex4_lstm_gru.py").read_text())
    (folder / "ex5_bidirectional.py").write_text(REUSING)
    for lang, words in (("en", "rnn_forward of your ex1_rnn_forward.py, which is not implemented yet"),
                        ("zh", "ex1_rnn_forward.py 里的 rnn_forward，而它还没有实现")):
        out = CliRunner().invoke(app, ["check", "ex5", str(folder), "--json", "--lang", lang])
        simple = [t for t in json.loads(out.stdout)["tests"] if t["name"].startswith("simple_rnn")]
        assert simple and all(words in t["output"] for t in simple), [t["output"] for t in simple]
