"""coursekit new: a new exercise's skeleton checks green at once, in a content package of its own.

The test makes a course folder in a temporary directory (a content package ``lesson42``, exercises/,
solutions/, docs/exercises.md), chooses it with $COURSEKIT_CONTENT, and runs ``coursekit new ex42`` there:
nothing of the repository is written or removed. Then the solution gets full marks, the stub 0 with exit
1, the named mistake's wrong file is caught, and the contract and stored-cases tests pass for ex42 from its
folder alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("course")
    (root / "lesson42").mkdir()
    (root / "lesson42" / "__init__.py").write_text('"""Another lesson\'s exercises."""\n')
    (root / "docs").mkdir()
    index = "# Exercises\n\n## The exercises\n\n## Where files live\n\nx\n"
    (root / "docs" / "exercises.md").write_text(index)
    env = {**os.environ, "COURSEKIT_CONTENT": "lesson42", "PYTHONPATH": str(root)}
    made = coursekit(root, env, "new", "ex42", "--lang", "en")
    assert made.returncode == 0, made.stdout + made.stderr
    return root, env


def coursekit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coursekit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


Course = tuple[Path, dict[str, str]]


@pytest.mark.slow
def test_new_writes_the_exercise_folder_its_stub_and_its_solution(course: Course) -> None:
    root, _ = course
    folder = root / "lesson42" / "ex42"
    for name in ("__init__.py", "grader.py", "judge.py", "README.md", "cache.json",
                 "mistakes/bias_missing.py", "locale/en/LC_MESSAGES/ex42.po", "locale/en/LC_MESSAGES/ex42.mo",
                 "locale/zh/LC_MESSAGES/ex42.po", "locale/zh/LC_MESSAGES/ex42.mo"):
        assert (folder / name).is_file(), name
    pot = (folder / "locale" / "ex42.pot").read_text(encoding="utf-8")  # the translators' template
    assert 'msgid "title"' in pot and "#. en: " in pot and "#: lesson42/ex42/grader.py" in pot
    assert (root / "exercises" / "ex42_dense_tanh.py").is_file()
    assert (root / "solutions" / "ex42_dense_tanh.py").is_file()
    assert "(../lesson42/ex42/README.md)" in (root / "docs" / "exercises.md").read_text()
    assert not (ROOT / "graders" / "ex42").exists()
    assert not (ROOT / "exercises" / "ex42_dense_tanh.py").exists()


@pytest.mark.slow
def test_the_solution_gets_full_marks_and_the_stub_zero(course: Course) -> None:
    root, env = course
    full = coursekit(root, env, "check", "ex42", "solutions", "--lang", "en")
    assert full.returncode == 0 and "ex42: 1/1 points" in full.stdout, full.stdout + full.stderr
    stub = coursekit(root, env, "check", "ex42", "--lang", "en")
    assert stub.returncode == 1 and "ex42: 0/1 points" in stub.stdout, stub.stdout + stub.stderr
    listed = coursekit(root, env, "list", "--lang", "zh")
    assert "ex42" in listed.stdout and "带 tanh 的全连接层" in listed.stdout, listed.stdout


@pytest.mark.slow
def test_the_named_mistake_is_caught_in_both_languages(course: Course,
                                                       tmp_path: Path) -> None:
    root, env = course
    wrong = root / "lesson42" / "ex42" / "mistakes" / "bias_missing.py"
    (tmp_path / "ex42_dense_tanh.py").write_bytes(wrong.read_bytes())
    for lang, words in (("en", "the bias b was left out"), ("zh", "漏掉了偏置 b")):
        run = coursekit(root, env, "check", "ex42", str(tmp_path), "--lang", lang)
        assert run.returncode == 1 and words in run.stdout, run.stdout + run.stderr


@pytest.mark.slow
def test_the_contract_and_cache_tests_pass_for_the_new_exercise(course: Course) -> None:
    """The generic tests, run on the new lesson's package, find ex42 from its folder and pass: the contract
    (its solution, stub and wrong file graded as a batch grades them) and the stored public cases (live
    Keras agrees with the cache that coursekit new wrote)."""
    _, env = course
    # a session of its own, also when this one is a pytest-xdist worker (pytest-benchmark, if installed,
    # would take the inherited PYTEST_XDIST_WORKER for xdist and warn, an error under filterwarnings)
    env = {k: v for k, v in env.items() if not k.startswith("PYTEST_XDIST_")}
    run = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider",
                          str(ROOT / "tests" / "test_contract.py"), str(ROOT / "tests" / "test_refcache.py")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    for test in ("test_contract.py::test_the_solution_gets_full_marks_on_public_and_hidden_cases[ex42]",
                 "test_contract.py::test_the_stub_gets_zero_without_a_crash[ex42]",
                 "test_contract.py::test_each_wrong_file_is_caught_naming_its_mistake_in_both_languages"
                 "[ex42-bias_missing]",
                 "test_refcache.py::test_every_public_case_is_stored_with_the_inputs_its_grader_makes[ex42]",
                 "test_refcache.py::test_live_keras_agrees_with_the_cache[ex42]"):
        assert f"{test} PASSED" in run.stdout, run.stdout[-3000:]


@pytest.mark.slow
def test_new_refuses_an_existing_exercise_and_a_bad_id(course: Course) -> None:
    root, env = course
    again = coursekit(root, env, "new", "ex42", "--lang", "en")
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1, again.stderr
    bad = coursekit(root, env, "new", "lesson", "--lang", "en")
    assert bad.returncode == 2, bad.stderr


def test_new_refuses_a_bad_id_and_an_exercise_of_the_package_before_writing_anything() -> None:
    """In this process, on the repository's own content package: the quick lane's touch of the scaffold."""
    from coursekit._exceptions import InvalidOptionError
    from coursekit.i18n import render
    from coursekit.scaffold import new_exercise

    for bad in ("lesson", "ex", "ex4a", "../ex4"):
        with pytest.raises(InvalidOptionError) as raised:
            new_exercise(bad)
        assert raised.value.message is not None and raised.value.message.key == "new.bad_id", bad
    with pytest.raises(InvalidOptionError) as raised:
        new_exercise("ex1")  # graders/ex1 exists: nothing is overwritten
    said = raised.value.message
    assert said is not None and said.key == "new.exists"
    assert str(ROOT / "graders" / "ex1") in render(said, "en")
