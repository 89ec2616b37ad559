"""coursekit release: the student handout holds no answer, installs light, and checks as coursekit does.

One handout is built per module (live Keras computes its expected values) and installed once into a
fresh virtual environment with ``pip install OUT_DIR`` (numpy, typer and rich come from the package
index: no TensorFlow). Every comparison with the full coursekit runs in one process of that venv: the
same verdicts, scores, named mistakes and "Looks like" lines (the other text may differ in a 7th
digit: the full coursekit reads Keras's values from its cache, the handout got them from live Keras),
and for the exercises of integers and strings (ex2, ex6) every message, in Chinese and English.
The Keras exercises (ex3, ex7, ex11) are checked by the handout's package run from its folder in this Python,
which has Keras (installing TensorFlow into the fresh venv would cost CI minutes each run); the fresh
venv shows that their check names the one command that adds Keras. Their full coursekit results are
shared with tests/test_ex3.py, test_ex7.py and test_contract.py (conftest's graded_once) where both grade
the same file. Each check of a Keras exercise trains, so their named mistakes come several to a file: ex3's
and ex7's files of the test suite, and the folder's wrong files of the others, spliced together where each
changes another function (combined_wrong_files): ex11's eight mistakes in two files.
In both comparisons the student processes are forked from a process that imported their modules once
(numpy; Keras), not started fresh (FORKING, tests/handout_forked.py): how a student process is started is
not what they compare, and tests/test_sandbox.py, test_portable.py and test_isolation.py test the runners.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import EXERCISES, ROOT, SOLUTIONS, text
from test_ex1 import MISTAKES as EX1_MISTAKES
from test_ex1 import VARIANTS as EX1_VARIANTS
from test_ex2 import DENSE_FLATTENS
from test_ex2 import MISTAKES as EX2_MISTAKES
from test_ex3 import COMBINED as EX3_COMBINED
from test_ex3 import MISTAKES as EX3_MISTAKES
from test_ex4 import MISTAKES as EX4_MISTAKES
from test_ex4 import wrong as ex4_wrong
from test_ex5 import MISTAKES as EX5_MISTAKES
from test_ex5 import REUSING
from test_ex6 import MISTAKES as EX6_MISTAKES
from test_ex6 import PADDED_LIST
from test_ex6 import PADDING_VARIANTS as EX6_PADDING_VARIANTS
from test_ex7 import MISTAKES as EX7_MISTAKES
from test_ex7 import WRONG_D as EX7_WRONG_D
from test_ex7 import WRONG_E as EX7_WRONG_E
from test_ex8 import DS0_ZEROS
from test_ex8 import MISTAKES as EX8_MISTAKES
from test_ex9 import MISTAKES as EX9_MISTAKES
from test_ex10 import MISTAKES as EX10_MISTAKES
from test_ex11 import MISTAKES as EX11_MISTAKES

from coursekit import refcache
from coursekit.check import check
from coursekit.registry import exercise_ids, get_exercise
from coursekit.release import build_handout, handed_out
from coursekit.results import ExerciseResult

HANDED_OUT = [i for i in exercise_ids() if handed_out(i)]
MISTAKES: dict[str, dict[str, str]] = {
    "ex1": {name: source for name, (source, _) in EX1_MISTAKES.items()},
    "ex1 variants": {variant: source for variant, (_, source, _) in EX1_VARIANTS.items()},
    "ex2": {**EX2_MISTAKES, "a Dense that drops the time axis (issue 24)": DENSE_FLATTENS},
    "ex4": {**EX4_MISTAKES, "bias=None not handled": ex4_wrong(  # named from the exception: explain_error
        ("    if bias is not None:\n        z = z + bias\n", "    z = z + bias\n"),
        ("    if bias is None:\n        input_bias = recurrent_bias = np.zeros(3 * units, "
         "dtype=kernel.dtype)\n    elif reset_after:", "    if reset_after:"))},
    "ex5": dict(EX5_MISTAKES),
    "ex6": {**{name: source for name, (source, _) in EX6_MISTAKES.items()},
            "a padded list (issue 24)": PADDED_LIST},
    "ex6 variants": dict(EX6_PADDING_VARIANTS),
    "ex8": {**{name: source for name, (source, _) in EX8_MISTAKES.items()},
            "only ds0 wrong (issue 24)": DS0_ZEROS},
    "ex9": {name: source for name, (source, _) in EX9_MISTAKES.items()},
    "ex10": {name: source for name, (source, _) in EX10_MISTAKES.items()},
}
# The mistake names each exercise's sources above must make coursekit name.
ASKED: dict[str, set[str]] = {
    **{i: set(MISTAKES[i]) for i in ("ex1", "ex4", "ex5")},
    "ex2": set(EX2_MISTAKES),
    "ex6": set(EX6_MISTAKES),
    "ex8": {name for _, names in EX8_MISTAKES.values() for name in names.values()},
    "ex9": set(EX9_MISTAKES),
    "ex10": set(EX10_MISTAKES),
}
NUMPY_ONLY = [i for i in HANDED_OUT if get_exercise(i).forbidden_imports != ()]
# Exercises whose values are integers and strings: the handout's messages equal the full coursekit's to
# the letter (elsewhere a float may differ in its 7th digit, Keras's cache against live Keras).
EXACT = ("ex2", "ex6")
NOT_YET = [i for i in exercise_ids() if i not in HANDED_OUT]  # refused by release until they have a judge
KERAS = [i for i in HANDED_OUT if i not in NUMPY_ONLY]


def folder_mistakes(exercise_id: str) -> dict[str, str]:
    """The exercise folder's wrong files (``mistakes/<mistake_id>.py``) by mistake id: with them, an exercise
    added as a folder alone is compared on its named mistakes too, not on its solution and stub only."""
    folder = ROOT / "graders" / exercise_id / "mistakes"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py"))}


@pytest.fixture(scope="module")
def handout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "handout"
    build_handout(out, HANDED_OUT, "zh", EXERCISES)
    return out


@pytest.fixture(scope="module")
def venv(handout: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site packages) with ``pip install OUT_DIR`` done in it.

    The venv gets no pip of its own (ensurepip costs ~10 CPU-seconds here): this Python's pip installs
    into it (``pip --python``). No test runs the venv's own pip.
    """
    env = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    install = subprocess.run([*pip_in(env), "install", "--quiet", "--disable-pip-version-check",
                              str(handout)], capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stdout + install.stderr
    return env


def pip_in(env: Path) -> list[str]:
    """The command of this Python's pip acting on the venv ``env``."""
    return [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python")]


def run_in(env: Path, script: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(env / "bin" / "python"), "-c", textwrap.dedent(script), *args],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


# ---- what is in it ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_exercise_as_py_and_notebook_and_a_readme_in_both_languages(handout: Path) -> None:
    for exercise_id in HANDED_OUT:
        exercise = get_exercise(exercise_id)
        stub = handout / "exercises" / exercise.filename
        assert stub.read_text(encoding="utf-8") == (EXERCISES / exercise.filename).read_text(encoding="utf-8")
        notebook = json.loads((handout / "exercises" / f"{exercise.module}.ipynb").read_text("utf-8"))
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        sources = ["".join(c["source"]) for c in code]
        assert all(any(s.startswith(f"def {f}(") for s in sources) for f in exercise.functions)
        assert f'"-m", "coursekit", "check", "{exercise_id}", "{exercise.module}.ipynb"' in sources[-1]
        assert notebook["cells"][0]["cell_type"] == "markdown"
    readme = (handout / "README.md").read_text(encoding="utf-8")
    for words in ("## 中文", "### 安装", "### 自测", "### 提交", "## English", "### Install",
                  "### Check your work", "### Submit", "python -m pip install .",
                  'python -m pip install ".[keras]"'):
        assert words in readme
    # a section per platform in each language: Python, the venv, activating it in each shell, Jupyter
    zh, _, en = readme.partition("## English")
    for part in (zh, en):
        sections = part.split("#### ")[1:4]
        assert [s.split("\n", 1)[0].split("（")[0].split(" (")[0] for s in sections] == \
            ["Windows 10/11", "macOS", "Linux"], sections
        for section in sections:
            assert "-m venv .venv" in section and "python -m pip install ." in section
            assert "coursekit check ex1" in section and "jupyter lab" in section
            assert 'python -m pip install ".[notebook]" jupyterlab' in section
        windows, macos, linux = sections
        assert "Activate.ps1" in windows and "activate.bat" in windows and "py -3.11 -m venv .venv" in windows
        assert "source .venv/bin/activate" in macos and "source .venv/bin/activate" in linux
    assert (handout.parent / "handout.zip").is_file()


@pytest.mark.slow
def test_the_package_needs_numpy_typer_and_rich_and_keras_is_an_extra(handout: Path) -> None:
    project = tomllib.loads((handout / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert sorted(d.split(">")[0] for d in project["dependencies"]) == ["numpy", "rich", "typer"]
    assert any(d.startswith("keras") for d in project["optional-dependencies"]["keras"])
    assert project["scripts"] == {"coursekit": "coursekit.cli:main"}


def test_the_handouts_pyproject_is_its_template_with_the_releases_values(tmp_path: Path) -> None:
    """The template (coursekit/release/handout/pyproject.toml, a real TOML file) written back with this
    release's version, the extras of coursekit/install.py and the content package: nothing else changes."""
    from coursekit.install import KERAS_EXTRA, NOTEBOOK_EXTRA
    from coursekit.release.package import HANDOUT_FILES, write_pyproject

    write_pyproject(tmp_path, "9.9", "lesson_pkg")
    written = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    template = tomllib.loads((HANDOUT_FILES / "pyproject.toml").read_text(encoding="utf-8"))
    assert written["project"].pop("version") == "9.9" != template["project"].pop("version")
    assert written["project"].pop("optional-dependencies") == {"keras": list(KERAS_EXTRA),
                                                               "notebook": list(NOTEBOOK_EXTRA)}
    template["project"].pop("optional-dependencies")
    assert written["project"]["entry-points"] == {"coursekit.content": {"handout": "lesson_pkg"}}
    assert written["tool"]["setuptools"]["packages"]["find"] == {"include": ["coursekit*", "lesson_pkg*"]}
    for data in (written, template):
        data["project"].pop("entry-points")
        data["tool"]["setuptools"]["packages"].pop("find")
    assert written == template


@pytest.mark.slow
def test_no_solution_grader_reference_batch_or_grade_command_is_in_it(handout: Path) -> None:
    files = [p for p in handout.rglob("*") if p.is_file()]
    texts = {p.read_bytes() for p in files}
    # Probes, judge modules, and the shared code judges import: shared/judging/ (ex3's and ex7's judges read
    # a model's config against an allowlist; it holds no reference: graders/ex3/grader.py builds those).
    graders = ROOT / "graders"
    every = {p.relative_to(graders).as_posix() for p in graders.rglob("*.py") if "__pycache__" not in p.parts}
    shippable = {n for n in every if n.endswith("__init__.py")
                 or n.startswith(("shared/judging/", "shared/probes/"))
                 or n.split("/")[1:] == ["judge.py"] or n.split("/")[1:2] == ["probes"]}
    reference = every - shippable
    assert {"shared/reference/recurrent.py", "shared/reference/keras_ref.py", "ex8/bptt.py", "ex9/ntm.py",
            "shared/reference/keras_build.py", "ex1/grader.py", "ex1/course/ex1_rnn_forward.py"} <= reference
    for source in [*SOLUTIONS.glob("*.py"), *(graders / n for n in reference)]:
        assert source.read_bytes() not in texts, source
    names = {str(p.relative_to(handout)) for p in files}
    assert not [n for n in names if n.startswith(("solutions", "coursekit/batch", "coursekit/release"))]
    assert {n for n in names if n.startswith("graders/") and n.endswith(".py")} <= {
        f"graders/{name}" for name in shippable}
    assert not {"coursekit/cli/grade_cmd.py", "coursekit/cli/export_cmd.py"} & names
    assert "hidden_cases" not in json.dumps([json.loads(p.read_text()) for p in files if p.suffix == ".json"])


# The sandbox's process control: limits, privileges, forks and kills, acting on the process that calls
# them (sweep(uid) kills every process of uid, wait_and_exit closes stdout). Called with a case's
# numbers, they would cripple the scan or harm the machine, so the scan leaves them uncalled, and the
# test checks that each is the repository's own file, copied unchanged (coursekit's engine, no grader).
UNCALLED = ("coursekit/sandbox/process.py", "coursekit/sandbox/host.py", "coursekit/sandbox/portable.py",
            "coursekit/sandbox/runner.py")
# grade's sandbox (Linux only: resource, fork, namespaces) is not in the handout at all.
GRADE_SANDBOX = ("coursekit/sandbox/_isolate.py", "coursekit/sandbox/_forkserver.py",
                 "coursekit/sandbox/forkserver.py", "coursekit/sandbox/isolation.py")

# A script run in the handout's venv: every function of the handout's modules, called with each public
# case's inputs when its signature fits, against the case's expected value. argv: the handout folder,
# then extra module files to scan too (the test of the test: a solution must be found), whose functions
# are named extra0.f, extra1.f, ... in the report (every function is called on its own copies of a case).
SCAN = f"UNCALLED = {[p.removesuffix('.py').replace('/', '.') for p in UNCALLED]!r}\n" + """
import contextlib, copy, importlib, importlib.util, inspect, io, json, os, pkgutil, sys, warnings
import numpy as np
from coursekit import handout as ho

def close(a, b):
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and a.size > 0 and bool(np.allclose(a, b, rtol=1e-4, atol=1e-5))
    except Exception:
        return False

def matches(got, expected):
    if isinstance(expected, dict):
        # A probed value (ex6's {"dtype", "values"}): its values alone are the answer too.
        if "values" in expected and matches(got, expected["values"]):
            return True
        return isinstance(got, dict) and set(got) == set(expected) and all(
            matches(got[k], e) for k, e in expected.items())
    if isinstance(expected, tuple | list) and isinstance(got, tuple | list):
        return len(got) == len(expected) and all(matches(g, e) for g, e in zip(got, expected))
    if expected is None or isinstance(expected, str):  # a decoded review, a table's class name or None
        return got == expected
    return close(got, expected)

modules = []
for package in ("coursekit", "graders"):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if info.name.endswith("__main__") or info.name.endswith("_child") or info.name in UNCALLED:
            continue
        modules.append(importlib.import_module(info.name))
for i, path in enumerate(sys.argv[2:]):
    spec = importlib.util.spec_from_file_location(f"extra{i}", path)
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); modules.append(module)
functions = {f"{m.__name__}.{n}": f for m in modules for n, f in vars(m).items()
             if inspect.isfunction(f) and f.__module__ == m.__name__}
found, tried = [], {}
os.chdir(sys.argv[1])
for exercise_id in ho.exercise_ids():
    for case in ho.load(exercise_id)._cases:
        if case.attribute or not (case.args or case.kwargs):
            continue  # no inputs to compute an answer from (ex7's ANSWERS, its lesson's load_imdb call)
        for name, f in functions.items():
            try:
                inspect.signature(f).bind(*case.args, **case.kwargs)
            except (TypeError, ValueError):
                continue
            tried[name] = tried.get(name, 0) + 1
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    # copies: a function given values it never expects may change them in place (numpy's
                    # array2string lowers a max_line_width that is an array); the next one sees the case's
                    got = f(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            except BaseException:
                continue
            # A case whose answer is one of its inputs (sharpening with gamma 1) reveals nothing.
            if matches(got, case.expected) and not any(matches(a, case.expected) for a in case.args):
                found.append([name, case.name])
print(json.dumps({"found": found, "tried": tried, "functions": sorted(functions)}))
"""


@pytest.mark.slow
def test_no_function_of_the_handout_reproduces_an_expected_value(venv: Path, handout: Path,
                                                                 tmp_path: Path) -> None:
    for path in UNCALLED:
        assert (handout / path).read_bytes() == (ROOT / path).read_bytes(), path
    assert not [path for path in GRADE_SANDBOX if (handout / path).exists()]
    # One scan of the handout's functions and, as extra modules, the solutions (the test of the test: the
    # scan finds an answer when there is one); each function's report is told apart by its module's name.
    solutions = [str(SOLUTIONS / get_exercise(i).filename) for i in NUMPY_ONLY]
    run = run_in(venv, SCAN, str(tmp_path), *solutions, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)

    def in_handout(name: str) -> bool:
        return not name.startswith("extra")

    assert len([f for f in report["functions"] if in_handout(f)]) > 100
    assert sum(n for f, n in report["tried"].items() if in_handout(f)) > 0
    assert [hit for hit in report["found"] if in_handout(hit[0])] == []
    found = {case for name, case in report["found"] if not in_handout(name)}
    cases = {c.name for i in NUMPY_ONLY for c in get_exercise(i).public_cases()}
    assert found == cases - answer_is_an_input(NUMPY_ONLY)


def answer_is_an_input(exercise_ids: list[str]) -> set[str]:
    """The public cases whose expected value is one of their inputs (the scan leaves them out)."""
    out = set()
    for exercise_id in exercise_ids:
        exercise = get_exercise(exercise_id)
        cases = exercise.public_cases()
        expected = refcache.load(exercise, cases)
        for case in cases:
            e = expected.get(case.name)
            inputs = [a for a in case.args if isinstance(a, np.ndarray)]
            if isinstance(e, np.ndarray) and any(a.shape == e.shape and np.allclose(a, e) for a in inputs):
                out.add(case.name)
    return out


# ---- the handout's check against coursekit's -------------------------------------------------------

# Run before CHECK_MANY in a Python whose coursekit lies under argv[2] (the handout, its venv, or this
# repository): the check's student processes are forked from this process once it has imported argv[4]
# (the exercises' child imports, comma-separated), rather than started as fresh interpreters, each paying
# those imports (TensorFlow: ~8 CPU-seconds here). tests/handout_forked.py swaps the Popen of that
# coursekit's own runner for os.fork(); the child code, the limits, the report and all judging stay its
# own. How a student process is started is not what these comparisons test (tests/test_sandbox.py,
# test_portable.py and test_isolation.py test the runners). argv: specs, that root, the harness, imports.
FORKING = """
import importlib, importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("handout_forked", sys.argv[3])
forked = importlib.util.module_from_spec(spec)
spec.loader.exec_module(forked)
forked.install(Path(sys.argv[2]))
for name in sys.argv[4].split(","):
    importlib.import_module(name)
sys.argv = sys.argv[:2]
"""
FORKED = Path(__file__).with_name("handout_forked.py")


def forked_checks(python: Path | str, script: str, specs: list[dict[str, str]], root: Path, imports: str,
                  cwd: Path, **env: str) -> subprocess.Popen[str]:
    """``script`` (FORKING + CHECK_MANY) started in ``python`` on ``specs``, its coursekit's student
    processes forked from it after ``imports``; the environment has the variables a fresh student process
    imports its modules with (string hashing, thread counts, TensorFlow's settings), and ``env``."""
    from handout_forked import IMPORT_VARIABLES

    from coursekit.sandbox.process import scrubbed_environment

    scrubbed = scrubbed_environment(cwd)
    return subprocess.Popen([str(python), "-c", textwrap.dedent(script), json.dumps(specs), str(root),
                             str(FORKED), imports], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd, env={**os.environ, **{k: scrubbed[k] for k in IMPORT_VARIABLES}, **env})

CHECK_MANY = """
import json, sys
from pathlib import Path
from coursekit.check import check
from coursekit.results import ExerciseResult
from coursekit.render.text import test_output

def looks_like(output):
    return [line for line in output.splitlines() if line.startswith("Looks like")]

out = {}
for spec in json.loads(sys.argv[1]):
    r = check(spec["exercise"], Path(spec["folder"]))
    out[spec["folder"]] = [[t.name, t.status, t.score, t.mistake, looks_like(test_output(t, "en")),
                            [test_output(t, lang) for lang in ("en", "zh")]] for t in r.tests]
    out["notes " + spec["folder"]] = [n.key for n in r.notes]
print(json.dumps(out))
"""


def submissions(tmp_path: Path) -> list[dict[str, str]]:
    """One folder per (exercise, solution / stub / named mistake)."""
    specs = []
    for exercise_id in NUMPY_ONLY:
        filename = get_exercise(exercise_id).filename
        wrong = [*MISTAKES.get(exercise_id, {}).values(), *folder_mistakes(exercise_id).values()]
        sources = {"solution": (SOLUTIONS / filename).read_text(encoding="utf-8"),
                   "stub": (EXERCISES / filename).read_text(encoding="utf-8"),
                   **{f"mistake {i}": s for i, s in enumerate(dict.fromkeys(wrong))},
                   **{f"variant {i}": s
                      for i, s in enumerate(MISTAKES.get(f"{exercise_id} variants", {}).values())}}
        for label, source in sources.items():
            folder = tmp_path / exercise_id / label.replace(" ", "_")
            folder.mkdir(parents=True)
            (folder / filename).write_text(source, encoding="utf-8")
            specs.append({"exercise": exercise_id, "folder": str(folder)})
    # ex5 on the student's own ex1, whose rnn_forward leaves out the bias: "fix ex1 first", no hints
    folder = tmp_path / "ex5" / "on_a_wrong_ex1"
    folder.mkdir(parents=True)
    (folder / "ex5_bidirectional.py").write_text(REUSING, encoding="utf-8")
    (folder / "ex1_rnn_forward.py").write_text(EX1_MISTAKES["bias_missing"][0], encoding="utf-8")
    shutil.copy(SOLUTIONS / "ex4_lstm_gru.py", folder / "ex4_lstm_gru.py")
    specs.append({"exercise": "ex5", "folder": str(folder)})
    return specs


@pytest.mark.slow
def test_the_handouts_check_gives_coursekits_verdicts_scores_and_mistakes(venv: Path, tmp_path: Path) -> None:
    specs = submissions(tmp_path)
    # The handout's checks run in its venv while the full coursekit's check the same folders in this
    # Python, at the same time (one core each); both fork their student processes (FORKING).
    runs = [forked_checks(venv / "bin" / "python", FORKING + CHECK_MANY, specs, venv, "numpy", tmp_path),
            forked_checks(sys.executable, FORKING + CHECK_MANY, specs, ROOT, "numpy", tmp_path)]
    try:
        outputs = [run.communicate(timeout=600) for run in runs]
    finally:
        for run in runs:
            run.kill()
    assert [run.returncode for run in runs] == [0, 0], [stderr[-3000:] for _, stderr in outputs]
    handout_results, full_results = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs]
    named = set()
    for spec in specs:
        # [name, status, score, mistake, "Looks like" lines, [the message in en, in zh]] for each test
        full = full_results[spec["folder"]]
        got = handout_results[spec["folder"]]
        assert [t[:5] for t in got] == [t[:5] for t in full], spec
        if spec["exercise"] in EXACT:  # every message too, in both languages
            assert [t[5] for t in got] == [t[5] for t in full], spec
        assert handout_results["notes " + spec["folder"]] == full_results["notes " + spec["folder"]], spec
        named |= {t[3] for t in full if t[3]}
        named |= {line[len("Looks like: "):].partition(". Try:")[0] for t in full for line in t[4]}
    asked = {name for i in NUMPY_ONLY for name in ASKED.get(i, set()) | set(folder_mistakes(i))}
    assert asked <= named  # every mistake of the test suite was named, in both
    assert "note.fix_first" in handout_results["notes " + specs[-1]["folder"]]


def keras_sources(exercise_id: str) -> dict[str, str]:
    """The solution, the stub and files making every named mistake of a Keras exercise."""
    filename = get_exercise(exercise_id).filename
    wrong = {"ex3": EX3_COMBINED,  # every named mistake, in four files (the folder's fifteen: test_ex3)
             "ex7": {**EX7_MISTAKES, "validation_data, one figure twice (issue 24)": EX7_WRONG_D,
                     "validation_data of the last rows, gcf twice (issue 24)": EX7_WRONG_E},
             }.get(exercise_id, {})
    # the test suite's table where it has one, else the folder's wrong files, several to a file where each
    # makes its mistake in another function (ex11, an exercise added as a folder): a check trains once a file
    sources = [*wrong.values()] or combined_wrong_files(exercise_id)
    return {"solution": (SOLUTIONS / filename).read_text(encoding="utf-8"),
            "stub": (EXERCISES / filename).read_text(encoding="utf-8"),
            **{f"mistakes {i}": source for i, source in enumerate(dict.fromkeys(sources))}}


def changed_functions(solution: str, wrong: str) -> dict[str, str] | None:
    """The top-level functions ``wrong`` writes otherwise than ``solution`` (name -> its ``def``), when
    nothing else of the module differs (its docstring aside) and none of them is decorated; else None."""
    def body(tree: ast.Module) -> list[ast.stmt]:
        return tree.body[1:] if ast.get_docstring(tree) is not None else tree.body

    ours, theirs = body(ast.parse(solution)), body(ast.parse(wrong))
    if len(ours) != len(theirs):
        return None
    changed = {}
    for a, b in zip(ours, theirs, strict=True):
        if ast.dump(a) == ast.dump(b):
            continue
        if not (isinstance(a, ast.FunctionDef) and isinstance(b, ast.FunctionDef) and a.name == b.name
                and not a.decorator_list and not b.decorator_list):
            return None
        changed[b.name] = "\n".join(wrong.splitlines()[b.lineno - 1:b.end_lineno])
    return changed


def combined_wrong_files(exercise_id: str) -> list[str]:
    """The exercise folder's wrong files (its named mistakes, one to a file), several to a file: the
    solution with the wrong ``def`` of each of a group of files that each change one function, another
    function each; a file that changes anything else stays whole. Each mistake is still named on its
    function's tests, and a check that trains runs one training a file, not one a mistake."""
    solution = (SOLUTIONS / get_exercise(exercise_id).filename).read_text(encoding="utf-8")
    tree = ast.parse(solution)
    lines = {n.name: (n.lineno, n.end_lineno or n.lineno) for n in tree.body
             if isinstance(n, ast.FunctionDef)}
    groups: list[dict[str, str]] = []
    whole = []
    for source in folder_mistakes(exercise_id).values():
        changed = changed_functions(solution, source)
        if changed is None or len(changed) != 1:
            whole.append(source)
            continue
        [(name, wrong_def)] = changed.items()
        group = next((g for g in groups if name not in g), None)
        if group is None:
            groups.append(group := {})
        group[name] = wrong_def
    combined = []
    for group in groups:
        text = solution.splitlines()
        for name in sorted(group, key=lambda n: -lines[n][0]):  # from the bottom up: the line numbers hold
            first, last = lines[name]
            text[first - 1:last] = group[name].splitlines()
        combined.append("\n".join(text) + "\n")
    return [*combined, *whole]


# Keras and TensorFlow are not installed in the fresh venv (a ~600 MB install CI would pay each run): the
# Keras exercises' check runs the handout's package from its folder in this Python, which has Keras, and
# the script first proves that it imports the handout's coursekit and graders, with no grader in them.
CHECK_KERAS = """
import importlib.util, sys
from pathlib import Path
# An editable install of the repository finds its modules after the handout's (setuptools appends its
# finder to sys.meta_path): the handout must stand alone, so that finder goes.
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
import coursekit, graders
assert Path(coursekit.__file__).is_relative_to(sys.argv[2]), coursekit.__file__
assert Path(graders.__file__).is_relative_to(sys.argv[2]), graders.__file__
assert importlib.util.find_spec("graders.ex7.grader") is None
assert importlib.util.find_spec("coursekit.batch") is None
""" + FORKING + """
assert "tensorflow" in sys.modules
""" + CHECK_MANY


@pytest.mark.slow
def test_the_handouts_check_of_the_keras_exercises_gives_coursekits_verdicts(
        handout: Path, tmp_path: Path, graded_once: Callable[[str, str], ExerciseResult]) -> None:
    specs, sources = [], {}
    for exercise_id in KERAS:
        for label, source in keras_sources(exercise_id).items():
            folder = tmp_path / exercise_id / label.replace(" ", "_")
            folder.mkdir(parents=True)
            (folder / get_exercise(exercise_id).filename).write_text(source, encoding="utf-8")
            specs.append({"exercise": exercise_id, "folder": str(folder)})
            sources[str(folder)] = source
    imports = ",".join(sorted({m for i in KERAS for m in get_exercise(i).child_imports}))
    # One process checks every folder with the handout while the full coursekit grades them here: one core
    # each (a second handout process would pay for TensorFlow once more and wait for the same cores).
    runs = [forked_checks(sys.executable, CHECK_KERAS, specs, handout, imports, tmp_path,
                          PYTHONPATH=str(handout))]
    handout_results: dict[str, Any] = {}
    try:
        full_results = {folder: graded_once(spec["exercise"], sources[folder])
                        for spec in specs for folder in [spec["folder"]]}
        for run in runs:
            stdout, stderr = run.communicate(timeout=1800)
            assert run.returncode == 0, stderr[-3000:]
            handout_results.update(json.loads(stdout.strip().splitlines()[-1]))
    finally:
        for run in runs:
            run.kill()
    named = set()
    for spec in specs:
        full = full_results[spec["folder"]]  # graded_once: shared with test_ex3, test_ex7
        expected = [[t.name, t.status, t.score, t.mistake,
                     [line for line in text(t).splitlines() if line.startswith("Looks like")]]
                    for t in full.tests]
        # verdicts, points, named mistakes and hints (the messages carry a training run's own numbers)
        assert [row[:5] for row in handout_results[spec["folder"]]] == expected, spec
        assert handout_results["notes " + spec["folder"]] == [n.key for n in full.notes], spec
        named |= {t.mistake for t in full.tests if t.mistake}
    # every mistake the test suite names, in both
    assert {*EX3_MISTAKES, *EX7_MISTAKES, *EX11_MISTAKES,
            *(m for i in KERAS if i not in ("ex3", "ex7", "ex11") for m in folder_mistakes(i))} <= named


@pytest.mark.slow
def test_a_keras_exercise_without_keras_names_the_one_command_that_adds_it(venv: Path,
                                                                           tmp_path: Path) -> None:
    for exercise_id in KERAS:
        exercise = get_exercise(exercise_id)
        shutil.copy(SOLUTIONS / exercise.filename, tmp_path / exercise.filename)
        run = subprocess.run([str(venv / "bin" / "coursekit"), "check", exercise_id], capture_output=True,
                             text=True, timeout=120, cwd=tmp_path)
        assert run.returncode == 2, run.stdout + run.stderr
        said = " ".join((run.stdout + run.stderr).split())
        # the venv's own Python (a bare pip may belong to another), the TensorFlow this platform has
        command = re.escape(str(venv / "bin" / "python")) + r"[0-9.]* -m pip install " + re.escape(
            '"keras>=3.0" "tensorflow-cpu>=2.16" "matplotlib>=3.7"')
        assert re.search(command, said), said
        assert "Traceback" not in said
        # wholly in the chosen language (issue 24): no English sentence beside the Chinese one
        zh = subprocess.run([str(venv / "bin" / "coursekit"), "check", exercise_id, "--lang", "zh"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
        said = " ".join((zh.stdout + zh.stderr).split())
        assert zh.returncode == 2 and "这里还没有安装" in said and "not installed" not in said, said


@pytest.mark.slow
def test_the_installed_handout_has_list_and_check_and_nothing_heavier(venv: Path, handout: Path) -> None:
    pip = subprocess.run([*pip_in(venv), "list", "--format=json"], capture_output=True, text=True,
                         check=True, timeout=120)
    installed = {p["name"].lower() for p in json.loads(pip.stdout)}
    assert {"numpy", "typer", "rich", "coursekit-handout"} <= installed
    assert not installed & {"tensorflow", "tensorflow-cpu", "keras", "torch", "jax", "nbformat"}
    help_text = subprocess.run([str(venv / "bin" / "coursekit"), "--help"], capture_output=True, text=True,
                               timeout=60).stdout
    assert "check" in help_text and "list" in help_text
    assert "grade" not in help_text and "export" not in help_text and "release" not in help_text
    listed = subprocess.run([str(venv / "bin" / "coursekit"), "list"], capture_output=True, text=True,
                            timeout=60, cwd=handout)
    assert listed.returncode == 0 and all(i in listed.stdout for i in HANDED_OUT)
    stub = subprocess.run([str(venv / "bin" / "coursekit"), "check", "ex1", "--json"], capture_output=True,
                          text=True, timeout=60, cwd=handout)
    assert stub.returncode == 1, stub.stderr
    assert json.loads(stub.stdout)["score"] == 0


def test_release_refuses_a_folder_that_holds_files(tmp_path: Path) -> None:
    from coursekit._exceptions import CoursekitError

    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(CoursekitError, match="not an empty folder"):
        build_handout(tmp_path, ["ex1"], "en", EXERCISES)
    assert (tmp_path / "keep.txt").read_text() == "mine"


@pytest.mark.slow
def test_the_solution_in_the_released_notebook_gets_full_marks(handout: Path, tmp_path: Path) -> None:
    import nbformat
    from test_notebook import filled, write_notebook

    from coursekit.release.notebooks import stub_cells

    released = nbformat.read(handout / "exercises" / "ex1_rnn_forward.ipynb", as_version=4)
    stub = (EXERCISES / "ex1_rnn_forward.py").read_text(encoding="utf-8")
    cells = [(c.cell_type, c.source) for c in released.cells]
    assert cells == stub_cells(stub, "ex1", "ex1_rnn_forward.py", "zh")
    cells = filled("ex1", (SOLUTIONS / "ex1_rnn_forward.py").read_text(encoding="utf-8"), "zh")
    write_notebook(tmp_path / "ex1_rnn_forward.ipynb", cells)
    result = check("ex1", tmp_path / "ex1_rnn_forward.ipynb")
    assert result.score == result.max_score


@pytest.mark.slow
def test_the_py_wins_note_is_said_only_about_a_notebook_the_student_changed(handout: Path,
                                                                          tmp_path: Path) -> None:
    from coursekit.render.text import words

    def notes(folder: Path) -> str:
        return " ".join(words(n, "en") for n in check("ex1", folder).notes)

    assert "wins over the notebook" not in notes(handout / "exercises")  # as released: nothing to say
    folder = tmp_path / "exercises"
    shutil.copytree(handout / "exercises", folder)
    notebook = json.loads((folder / "ex1_rnn_forward.ipynb").read_text(encoding="utf-8"))
    code = next(c for c in notebook["cells"] if c["cell_type"] == "code" and "def rnn_output" in
                "".join(c["source"]))
    code["source"] = "".join(code["source"]).replace("raise NotImplementedError", "return 0  #")
    (folder / "ex1_rnn_forward.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    said = notes(folder)
    assert "a .py file wins over the notebook ex1_rnn_forward.ipynb" in said
    assert "coursekit check ex1 ex1_rnn_forward.ipynb" in said


@pytest.mark.slow
@pytest.mark.parametrize(("args", "says"), [
    (["--lang", "fr"], "--lang: expected zh or en"),
    *([(["--exercises", NOT_YET[0]], f"{NOT_YET[0]} cannot be handed out yet")] if NOT_YET else []),
    (["--exercises", "ex42"], "unknown exercise"),
])
def test_release_refuses_a_bad_option_with_exit_code_2(tmp_path: Path, args: list[str], says: str) -> None:
    run = subprocess.run([sys.executable, "-m", "coursekit", "release", str(tmp_path / "out"), *args],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 2 and says in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_checking_a_notebook_without_nbformat_says_how_to_add_it(venv: Path, handout: Path) -> None:
    """Issue 24: one error (exit code 2) naming the command, not the same failure on every test."""
    command = re.escape(str(venv / "bin" / "python")) + r"[0-9.]* -m pip install " + \
        re.escape('"nbformat>=5.7"')
    run = subprocess.run([str(venv / "bin" / "coursekit"), "check", "ex1", "exercises/ex1_rnn_forward.ipynb",
                          "--json"], capture_output=True, text=True, timeout=60, cwd=handout)
    assert run.returncode == 2, run.stderr
    assert re.search(command, json.loads(run.stdout)["error"]), run.stdout
    for lang, error in (("en", "error:"), ("zh", "错误：")):
        run = subprocess.run([str(venv / "bin" / "coursekit"), "check", "ex1",
                              "exercises/ex1_rnn_forward.ipynb", "--lang", lang],
                             capture_output=True, text=True, timeout=60, cwd=handout,
                             env={**os.environ, "COLUMNS": "80"})
        assert run.returncode == 2 and run.stdout == "", run.stdout
        said = "".join(run.stderr.split())
        assert said.startswith(error) and len(re.findall(command.replace(" ", ""), said)) == 1, run.stderr


@pytest.mark.slow
def test_the_handouts_check_speaks_chinese_as_people_ask_for_it(venv: Path, handout: Path) -> None:
    """Issue 24, in the handout: --lang zh_CN / zh-CN / zh_TW give Chinese feedback, and --help is Chinese
    where COURSEKIT_LANG or the locale says Chinese."""
    coursekit = str(venv / "bin" / "coursekit")
    for written in ("zh_CN", "zh-CN", "zh_TW"):
        run = subprocess.run([coursekit, "check", "ex1", "--lang", written], capture_output=True, text=True,
                             timeout=120, cwd=handout / "exercises", env={**os.environ, "COLUMNS": "100"})
        assert run.returncode == 1 and "ex1：0/13 分" in run.stdout, run.stdout + run.stderr
    base = {k: v for k, v in os.environ.items()
            if k not in ("COURSEKIT_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    for env in ({"COURSEKIT_LANG": "zh"}, {"LC_ALL": "zh_CN.UTF-8", "LANG": "zh_CN.UTF-8"}):
        shown = subprocess.run([coursekit, "check", "--help"], capture_output=True, text=True, timeout=60,
                               env={**base, "COLUMNS": "100", **env}).stdout
        assert "用一个练习的公开测试检查你的文件" in shown, shown


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_handouts_check_of_a_file_that_cannot_be_loaded_is_one_error(venv: Path, tmp_path: Path,
                                                                         lang: str) -> None:
    """Issue 24, the handout's check as coursekit's: a syntax error or a failed import is one error naming
    the file and line, exit code 2."""
    for source, code in (("import numpy as np\ndef rnn_forward(x, s0=None\n", "def rnn_forward(x, s0=None"),
                         ("import numpy as np\nimport pandas_not_here\n", "import pandas_not_here")):
        (tmp_path / "ex1_rnn_forward.py").write_text(source, encoding="utf-8")
        run = subprocess.run([str(venv / "bin" / "coursekit"), "check", "ex1", "--lang", lang],
                             capture_output=True, text=True, timeout=60, cwd=tmp_path,
                             env={**os.environ, "COLUMNS": "80"})
        assert run.returncode == 2 and run.stdout == "", run.stdout
        where = "ex1_rnn_forward.py 第 2 行" if lang == "zh" else "ex1_rnn_forward.py, line 2"
        said = " ".join(run.stderr.split())
        assert said.startswith("错误：" if lang == "zh" else "error:") and where in said, said
        assert said.count(code) == 1, said


# ---- the notebooks in both languages -----------------------------------------------------------------

def _cells(exercise_id: str, lang: str) -> list[tuple[str, str]]:
    from coursekit.release.notebooks import stub_cells

    exercise = get_exercise(exercise_id)
    source = (EXERCISES / exercise.filename).read_text(encoding="utf-8")
    return stub_cells(source, exercise_id, exercise.filename, lang)  # type: ignore[arg-type]


CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("exercise_id", exercise_ids())
def test_every_markdown_cell_is_there_in_both_languages_and_the_english_has_every_english_piece(
        exercise_id: str) -> None:
    zh, en = _cells(exercise_id, "zh"), _cells(exercise_id, "en")
    assert [kind for kind, _ in zh] == [kind for kind, _ in en]
    # the same code, but the check cell, which runs check in the notebook's language (issue 24)
    zh_code, en_code = [c for k, c in zh if k == "code"], [c for k, c in en if k == "code"]
    assert zh_code[:-1] == en_code[:-1]
    assert '"--lang", "zh"' in zh_code[-1] and '"--lang", "en"' in en_code[-1]
    for (kind, zh_text), (_, en_text) in zip(zh, en, strict=True):
        if kind != "markdown":
            continue
        heading, _, body = en_text.partition("\n\n")
        assert body.strip() and CJK.search(zh_text), (heading, zh_text)  # nothing empty, zh in Chinese
        assert not CJK.search(en_text), en_text
        lines = [line.strip() for line in en_text.splitlines()]
        assert not [line for line in lines if line.startswith("/ ") or line.endswith(" /")
                    or line in ("-", "*")], en_text
    # Every English piece of the stub's bilingual lines ("中文 / English", "中文。English") is in the
    # English notebook: the text after the line's last Chinese, when it is words.
    english = " ".join(" ".join(text.split()) for kind, text in en if kind == "markdown")
    source = (EXERCISES / get_exercise(exercise_id).filename).read_text(encoding="utf-8")
    docs = [ast.get_docstring(n) or "" for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Module | ast.FunctionDef)]
    for line in "\n".join(d.partition("\n")[2] if i == 0 else d.partition("\n\n")[0]
                          for i, d in enumerate(docs)).splitlines():
        tail = CJK.split(line)[-1] if CJK.search(line) else ""
        tail = re.sub(r"^[\s/)·]+", "", re.split(r" / | · ", tail)[-1]).strip()
        if len(re.findall(r"[A-Za-z]{2,}", tail)) >= 3:
            assert " ".join(tail.split()) in english, (exercise_id, line)


def test_the_english_notebooks_keep_what_was_lost_before() -> None:
    english = {i: "\n".join(text for kind, text in _cells(i, "en") if kind == "markdown")
               for i in ("ex1", "ex2", "ex4", "ex6", "ex7")}
    assert "V = Dense.kernel" in english["ex1"] and "(add --verbose to see arrays)" in english["ex1"]
    assert "The output layer: o = softmax(s @ V + c), the softmax over the last axis." in english["ex1"]
    assert "Bidirectional: two independent copies" in english["ex2"]
    assert "model.summary()\ncount_params()" not in english["ex2"]
    assert "LSTM — four blocks" in english["ex4"] and "GRU — three blocks" in english["ex4"]
    assert "Pad or truncate every sequence to maxlen." in english["ex6"]
    assert "3. plot training and validation accuracy and loss." in english["ex7"]


def test_the_readme_says_how_to_get_chinese_feedback() -> None:
    """Issue 24: --lang zh and COURSEKIT_LANG, in both languages' parts (no handout needed to read it)."""
    from coursekit.registry import all_exercises
    from coursekit.release.readme import readme

    text_ = readme(all_exercises(), "zh")
    zh, _, en = text_.partition("## English")
    for part in (zh, en):
        assert "--lang zh" in part and "COURSEKIT_LANG=zh" in part and "zh_CN" in part
    assert "中文" in zh and "Chinese feedback" in en


def test_each_half_of_the_readme_is_in_its_language_titles_and_counts_included() -> None:
    """The README's text is the catalogues' (handout.readme*): the Chinese half lists the Chinese titles,
    and "Exercise"/"Exercises" follows the number of Keras exercises (Plural-Forms)."""
    from coursekit.i18n import render
    from coursekit.registry import all_exercises
    from coursekit.release.readme import readme

    exercises = all_exercises()
    zh, _, en = readme(exercises, "zh").partition("## English")
    for exercise in exercises:
        for half, lang in ((zh, "zh"), (en, "en")):
            assert f"`{exercise.filename}` · {render(exercise.title_message(), lang)}\n" in half
    keras = [e.id for e in exercises if e.requires]
    assert len(keras) > 1
    assert f"{'、'.join(keras)}（搭建" in zh and f"Exercises {', '.join(keras)} (building" in en
    one = readme([get_exercise("ex1"), get_exercise("ex3")], "en")
    assert one.startswith("# 第 13 课练习 · Lesson 13 exercises\n\n## English")
    assert "Exercise ex3 (building" in one and "(for exercise ex3 also" in one


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_notebooks_check_cell_runs_the_kernels_python_in_the_notebooks_language(
        tmp_path: Path, lang: str) -> None:
    """Issue 24: the last cell runs `python -m coursekit` from sys.executable (no activated environment,
    no `coursekit` on PATH), with the notebook's language; graded as a module, the cell does nothing."""
    import nbformat

    from coursekit.release.notebooks import stub_notebook

    exercise = get_exercise("ex1")
    source = (SOLUTIONS / exercise.filename).read_text(encoding="utf-8")
    notebook = stub_notebook(source, "ex1", exercise.filename, lang)  # type: ignore[arg-type]
    nbformat.write(notebook, tmp_path / f"{exercise.module}.ipynb")
    cell = "".join(notebook.cells[-1].source)
    run = subprocess.run([sys.executable, "-c", cell], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={"PATH": "/nonexistent", "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    said = run.stdout
    assert ("ex1：13/13 分" if lang == "zh" else "ex1: 13/13 points") in said, said
    # graded as a module, the cell runs nothing: check of the notebook gets full marks, as above
    assert check("ex1", tmp_path).score == 13


def test_the_missing_package_error_is_wholly_in_the_chosen_language() -> None:
    """Issue 24: "Keras is missing" was English and Chinese in one line whatever --lang said."""
    from types import SimpleNamespace

    from coursekit.cli.errors import error_text
    from coursekit.handout import HandoutExercise, MissingDependencyError

    with pytest.raises(MissingDependencyError) as raised:
        HandoutExercise.ensure_requirements(SimpleNamespace(id="ex7", requires=("no_such_package_24",)))  # type: ignore[arg-type]
    zh, en = error_text(raised.value, "zh"), error_text(raised.value, "en")
    assert "ex7 需要 no_such_package_24" in zh and "not installed" not in zh and "needs" not in zh
    assert "ex7 needs no_such_package_24" in en and "需要" not in en


@pytest.mark.slow  # exercise_data computes ex7's expected values with live Keras: a TensorFlow import
def test_the_handouts_data_says_which_exercises_leave_top_level_calls_unrun() -> None:
    """The handout's check builds ex7 from its definitions only, as the full coursekit does: the lesson's
    top-level imdb.load_data(...) and fit(...) are never run (a student's laptop would try to download)."""
    from coursekit.release.data import exercise_data

    data = exercise_data(get_exercise("ex7"))
    assert data["skip_top_level_calls"] is get_exercise("ex7").skip_top_level_calls is True
