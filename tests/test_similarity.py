"""Similar submissions: winnowing over normalised tokens, the stub's lines left out; flags, never grades."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coursekit import results
from coursekit.batch.classbook import report_from_gradebook, stub_text
from coursekit.batch.outputs import write_outputs
from coursekit.batch.store import Gradebook, StudentRecord
from coursekit.course import Course
from coursekit.messages import verbatim
from coursekit.similarity import fingerprints, ranked_pairs

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = (ROOT / "solutions" / "ex1_rnn_forward.py").read_text()
STUB = (ROOT / "exercises" / "ex1_rnn_forward.py").read_text()
# ada's solution, copied by ben with every name changed, comments added and the layout reflowed
COPIED = (SOLUTION.replace("x_t", "inp").replace("s_prev", "h_old").replace("states", "hs")
          .replace("s_t", "h").replace("logits", "z").replace("    e = ", "    ex = ")
          .replace("e / e.sum", "ex / ex.sum")
          .replace("return np.stack", "# stack them\n    return np.stack"))
OTHER = '''import numpy as np


def rnn_cell_forward(x_t, s_prev, U, W, b):
    pre = np.einsum("bi,ih->bh", x_t, U) + np.einsum("bh,hk->bk", s_prev, W)
    return np.tanh(pre + b[None, :])


def rnn_forward(x, U, W, b, s0=None, return_sequences=False):
    h = np.zeros((x.shape[0], W.shape[0])) if s0 is None else s0
    out = np.empty((x.shape[0], x.shape[1], W.shape[0]))
    t = 0
    while t < x.shape[1]:
        h = rnn_cell_forward(x[:, t], h, U, W, b)
        out[:, t] = h
        t += 1
    if return_sequences:
        return out
    return h


def rnn_output(s, V, c):
    logits = s.dot(V) + c
    shifted = np.exp(logits - np.max(logits, -1)[..., None])
    return shifted / np.sum(shifted, -1)[..., None]
'''


def test_a_renamed_copy_ranks_first_and_the_stub_is_nobodys():
    stub = stub_text("ex1")
    assert stub == STUB
    pairs = ranked_pairs({"ada": SOLUTION, "ben": COPIED, "chen": OTHER, "dana": STUB, "eve": STUB}, stub)
    assert pairs[0][:2] == ("ada", "ben") and pairs[0][2] >= 0.8
    assert all(p[2] < pairs[0][2] for p in pairs[1:])
    assert not any("dana" in p or "eve" in p for p in pairs)  # the bare stub: nothing of their own
    assert fingerprints(STUB, stub) == {}


@pytest.mark.slow
def test_similarity_is_in_summary_json_and_side_by_side_in_the_report_and_changes_no_grade(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    test = results.TestResult("t", "passed", 1.0, 1.0, verbatim("ok"))
    with Gradebook(out / "gradebook.sqlite") as book:
        for student, source in (("ada", SOLUTION), ("ben", COPIED), ("chen", OTHER)):
            book.put_student(StudentRecord(student, True))
            book.put(student, "ex1", "d", "k", results.ExerciseResult("ex1", verbatim("ex1"), (test,)))
            book.put_source(student, "ex1", source)
        report = report_from_gradebook(book, Course(), ("ex1",), out, 0, 0, 0.0)
    write_outputs(report, "en")
    data = json.loads((out / "summary.json").read_text())
    assert data["similarity"]["ex1"][0][:2] == ["ada", "ben"]
    scores = [p[2] for p in data["similarity"]["ex1"]]
    assert scores == sorted(scores, reverse=True)
    assert {s["student"]: s["total"] for s in data["students"]} == {"ada": 1, "ben": 1, "chen": 1}
    page = (out / "report.html").read_text()
    assert "Similar submissions" in page and page.count("<pre>") == 2 and "<mark>" in page
