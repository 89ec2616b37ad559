"""Intake that forgives: files in a folder below, renamed within reason, junk ignored, one bad file
refused alone; and the feedback says which file was used or what was found."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from coursekit.batch import GradeOptions, grade_class
from coursekit.batch.intake import Candidate, plan
from coursekit.batch.roster import MAX_FILE_BYTES, stage
from coursekit.batch.secret import Secret
from coursekit.i18n import render
from coursekit.messages import Message, msg, verbatim

ROOT = Path(__file__).resolve().parents[1]
SOLUTION1 = (ROOT / "solutions" / "ex1_rnn_forward.py").read_text()
TARGETS = {"ex1": "ex1_rnn_forward.py", "ex2": "ex2_param_count.py", "ex10": "ex10_more.py"}


def staged(paths: list[str], refused: dict[str, Message] | None = None):
    refused = refused or {}
    return plan([Candidate(PurePosixPath(p), refused.get(p)) for p in paths], TARGETS)


def english(notes) -> list[str]:
    return [render(n, "en", strict=True) for n in notes]


def test_exact_names_need_no_note():
    result = staged(["ex1_rnn_forward.py", "ex2_param_count.py", "ex10_more.py"])
    assert {n: c.path.as_posix() for n, c in result.staged.items()} == {
        "ex1_rnn_forward.py": "ex1_rnn_forward.py", "ex2_param_count.py": "ex2_param_count.py",
        "ex10_more.py": "ex10_more.py"}
    assert result.notes == () and result.missing == ()


def test_renamed_within_reason_and_one_folder_below():
    result = staged(["hw13/ex1_rnn_forward.py", "EX2.py", "ex10.py", "hw13/utils.py"])
    assert result.staged["ex1_rnn_forward.py"].path.as_posix() == "hw13/ex1_rnn_forward.py"
    assert result.staged["ex2_param_count.py"].path.as_posix() == "EX2.py"
    assert result.staged["ex10_more.py"].path.as_posix() == "ex10.py"  # ex10.py is never ex1's
    assert result.staged["utils.py"].path.as_posix() == "hw13/utils.py"
    assert "ex1: graded hw13/ex1_rnn_forward.py (as ex1_rnn_forward.py)" in english(result.notes)
    assert "ex2: graded EX2.py (as ex2_param_count.py)" in english(result.notes)


def test_the_exact_name_wins_and_ties_are_not_guessed():
    result = staged(["ex1.py", "hw13/ex1_rnn_forward.py", "ex2_a.py", "ex2_b.py"])
    assert result.staged["ex1_rnn_forward.py"].path.as_posix() == "hw13/ex1_rnn_forward.py"
    assert "ex2_param_count.py" not in result.staged
    assert any(n.startswith("ex2: ex2_a.py, ex2_b.py could each be") for n in english(result.notes))


def test_nothing_matching_lists_what_was_found():
    result = staged(["homework.py", "notes.txt", "hw13/rnn.py"])
    assert result.missing == ("ex1", "ex2", "ex10")
    note = next(n for n in english(result.notes) if n.startswith("ex1:"))
    assert "no file found for ex1_rnn_forward.py" in note
    assert "homework.py" in note and "notes.txt" in note and "hw13/rnn.py" in note


def test_a_refused_file_is_refused_alone():
    result = staged(["ex1_rnn_forward.py", "ex2_param_count.py"],
                    {"ex1_rnn_forward.py": verbatim("it is a link")})
    assert list(result.staged) == ["ex2_param_count.py"]
    assert "ex1: ex1_rnn_forward.py was refused: it is a link" in english(result.notes)


def test_the_intake_lines_are_messages_in_both_languages():
    """Data inside: each line is a message with its exercise and file names; text only when shown."""
    result = staged(["hw13/ex1.py", "ex2_a.py", "ex2_b.py", "ex10_more.py", "ex10.py"] +
                    [f"f{i}.txt" for i in range(25)], {"ex10_more.py": msg("reason.too_large", kib=1024)})
    keys = {n.param("exercise"): n.key for n in result.notes}
    assert keys == {"ex1": "intake.graded_as", "ex2": "intake.ambiguous", "ex10": "intake.refused_for"}
    result = staged([f"f{i}.txt" for i in range(25)])
    assert {n.key for n in result.notes} == {"intake.not_found"}
    zh = [render(n, "zh", strict=True) for n in result.notes]
    assert zh[0].startswith("ex1：没有找到 ex1_rnn_forward.py；提交中有：f0.txt、f1.txt")
    assert zh[0].endswith("f4.txt 等（另有 5 个）")
    assert english(result.notes)[0].endswith("f4.txt and 5 more")
    graded = staged(["hw13/ex1.py"]).notes[0]
    assert render(graded, "zh") == "ex1：评分用的是 hw13/ex1.py（当作 ex1_rnn_forward.py）"
    refused = staged(["ex1_rnn_forward.py"], {"ex1_rnn_forward.py": msg("reason.link")}).notes[0]
    assert render(refused, "zh") == ("ex1：ex1_rnn_forward.py 没有被接受：它是一个链接，链接不被接受"
                                     "（请提交文件本身）")


def _folder(tmp_path: Path) -> Path:
    sub = tmp_path / "ada"
    (sub / "hw13").mkdir(parents=True)
    (sub / "hw13" / "EX1_rnn_forward.py").write_text("A = 1\n")
    (sub / "ex2_param_count.py").symlink_to(ROOT / "solutions" / "ex2_param_count.py")
    (sub / "ex4.py").write_text("#" * (MAX_FILE_BYTES + 1))
    (sub / "ex5_bidirectional.py").write_text("B = 2\n")
    for junk in ("__MACOSX", "__pycache__", ".ipynb_checkpoints"):
        (sub / junk).mkdir()
        (sub / junk / "ex3_stacked_rnn.py").write_text("junk\n")
    (sub / ".DS_Store").write_bytes(b"\0\1")
    (sub / "hw13" / "deeper").mkdir()
    (sub / "hw13" / "deeper" / "ex3_stacked_rnn.py").write_text("too deep\n")
    return sub


def test_a_folder_is_staged_forgivingly(tmp_path):
    sub = stage("ada", _folder(tmp_path), tmp_path / "staged")
    assert sub.problem is None
    assert sorted(p.name for p in sub.folder.iterdir()) == ["ex1_rnn_forward.py", "ex3_stacked_rnn.py",
                                                            "ex5_bidirectional.py"]
    notes = "\n".join(english(sub.notes))
    assert "ex1: graded hw13/EX1_rnn_forward.py (as ex1_rnn_forward.py)" in notes
    assert "ex2: ex2_param_count.py was refused: it is a link" in notes
    assert "ex4: ex4.py was refused: it is larger than the grader accepts" in notes
    # a file two folders down is found (LMS downloads nest them), the junk folders' copies are not
    assert "ex3: graded hw13/deeper/ex3_stacked_rnn.py (as ex3_stacked_rnn.py)" in notes
    assert "__MACOSX" not in notes and "DS_Store" not in notes and "pycache" not in notes


def test_a_zip_is_staged_forgivingly(tmp_path):
    archive = tmp_path / "ben.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("hw13/ex1.py", "A = 1\n")
        zf.writestr("__MACOSX/hw13/._ex1.py", "junk")
        link = zipfile.ZipInfo("hw13/ex2_param_count.py")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("ex4_lstm_gru.py", "#" * (MAX_FILE_BYTES + 10))
        zf.writestr("other/ex5_bidirectional.py", "B = 2\n")
    sub = stage("ben", archive, tmp_path / "staged")
    assert sub.problem is None
    assert sorted(p.name for p in sub.folder.iterdir()) == ["ex1_rnn_forward.py", "ex5_bidirectional.py"]
    notes = "\n".join(english(sub.notes))
    assert "ex1: graded hw13/ex1.py (as ex1_rnn_forward.py)" in notes
    assert "ex2: hw13/ex2_param_count.py was refused: it is a link" in notes
    assert "ex4: ex4_lstm_gru.py was refused: it is larger than" in notes


@pytest.mark.slow
def test_grading_uses_the_found_file_and_says_so(tmp_path):
    class_dir = tmp_path / "class"
    (class_dir / "ada" / "hw13").mkdir(parents=True)
    (class_dir / "ada" / "hw13" / "ex1.py").write_text(SOLUTION1)
    (class_dir / "ada" / "ex2_param_count.py").symlink_to(ROOT / "solutions" / "ex2_param_count.py")
    (class_dir / "ben").mkdir()
    (class_dir / "ben" / "homework.py").write_text(SOLUTION1)
    (class_dir / "__MACOSX").mkdir()
    out = tmp_path / "out"
    report = grade_class(class_dir, out, GradeOptions(exercises=("ex1",), workers=1, timeout_s=5,
                                                      secret=Secret("intake", "test")))
    assert [s.student for s in report.students] == ["ada", "ben"]
    ada = json.loads((out / "feedback" / "ada" / "results.json").read_text())
    assert ada["score"] == sum(t["max_score"] for t in ada["tests"])
    assert "graded hw13/ex1.py" in ada["output"] and "ex2" not in ada["output"]  # ex2 was not graded
    ben = json.loads((out / "feedback" / "ben" / "results.json").read_text())
    assert ben["score"] == 0 and "homework.py" in ben["output"]
    summary = json.loads((out / "summary.json").read_text())
    assert {(p["student"], p["kind"]) for p in summary["problems"]} == {("ben", "missing")}


@pytest.mark.slow
def test_gradescope_results_say_which_file_was_graded(tmp_path):
    """On Gradescope too (one student), the intake's line heads results.json, in --lang's language."""
    from coursekit.batch.gradescope_run import main

    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "EX1.py").write_text(SOLUTION1)
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "secret.txt").write_text("intake-gradescope\n")
    (tmp_path / "results").mkdir()
    assert main(["--root", str(tmp_path), "--exercises", "ex1", "--lang", "zh"]) == 0
    data = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    # the line on ex1, then the score line: nothing on ex2 ... ex9, which were not graded
    assert data["output"].startswith("ex1：评分用的是 EX1.py（当作 ex1_rnn_forward.py）\nex1（")
    assert data["score"] == sum(t["max_score"] for t in data["tests"])


# --- nobody lost at intake: archives, nesting, other entries, names -----------------------------------


def _tar(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tf.addfile(info)
    return path


def test_a_tar_gz_is_staged_with_the_zips_guards(tmp_path):
    archive = _tar(tmp_path / "ada.tar.gz", {"Lab13/hw13/ex1.py": b"A = 1\n", "ex4_lstm_gru.py":
                                               b"#" * (MAX_FILE_BYTES + 1)},
                   links={"ex2_param_count.py": "/etc/passwd"})
    sub = stage("ada", archive, tmp_path / "staged")
    assert sub.problem is None and [p.name for p in sub.folder.iterdir()] == ["ex1_rnn_forward.py"]
    notes = "\n".join(english(sub.notes))
    assert "ex1: graded Lab13/hw13/ex1.py (as ex1_rnn_forward.py)" in notes
    assert "ex2: ex2_param_count.py was refused: it is a link" in notes
    assert "ex4: ex4_lstm_gru.py was refused: it is larger than" in notes
    escape = stage("ben", _tar(tmp_path / "ben.tgz", {"../escape.py": b"x = 1\n"}), tmp_path / "s2")
    assert escape.problem is not None and "outside the submission" in render(escape.problem, "en")
    assert not (tmp_path / "escape.py").exists()


def test_every_entry_of_the_class_folder_is_graded_refused_or_listed(tmp_path):
    from coursekit.batch.roster import student_entries

    class_dir = tmp_path / "class"
    class_dir.mkdir()
    _tar(class_dir / "ada.tar.gz", {"ex1_rnn_forward.py": b"A = 1\n"})
    _tar(class_dir / "ben.tgz", {"ex1_rnn_forward.py": b"A = 1\n"})
    (class_dir / "chen.rar").write_bytes(b"Rar!\x1a\x07\x00")
    (class_dir / "dana.7z").write_bytes(b"7z\xbc\xaf\x27\x1c")
    (class_dir / "README.txt").write_text("hello\n")
    roster = student_entries(class_dir)
    entries = {e.student: e for e in roster.entries}
    assert sorted(entries) == ["ada", "ben", "chen", "dana"]
    assert entries["ada"].problem is None and entries["ben"].problem is None
    assert ".rar" in render(entries["chen"].problem, "en") and ".7z" in render(entries["dana"].problem, "en")
    assert [render(n, "en") for n in roster.skipped] == [
        "README.txt: neither a folder nor an archive coursekit opens (.zip, .tar.gz, .tgz, .tar)"]


def test_files_are_found_wherever_one_submission_keeps_them(tmp_path):
    import io

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("hw/ex2_param_count.py", "B = 2\n")
    archive = tmp_path / "ada.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Lab13/hw13/ex1_rnn_forward.py", "A = 1\n")
        zf.writestr("Lab13/ex2.zip", inner.getvalue())
    sub = stage("ada", archive, tmp_path / "staged", targets=TARGETS)
    assert sorted(p.name for p in sub.folder.iterdir()) == ["ex1_rnn_forward.py", "ex2_param_count.py"]
    notes = english(sub.notes)
    assert "ex2: graded Lab13/ex2.zip/hw/ex2_param_count.py (as ex2_param_count.py)" in notes
    assert not any("no files" in n for n in notes)
    # a zip that holds only a zip lists that zip, never "no files"
    only = tmp_path / "ben.zip"
    with zipfile.ZipFile(only, "w") as zf:
        zf.writestr("notes.zip", b"not a zip at all")
    listed = " ".join(english(stage("ben", only, tmp_path / "s2", targets=TARGETS).notes))
    assert "notes.zip" in listed and "no files" not in listed


def test_a_gbk_member_name_decodes_as_a_folder_name_does(tmp_path):
    from coursekit.batch.roster import student_id

    gbk = "作业".encode("gbk")

    class RawName(zipfile.ZipInfo):  # what a Chinese Windows zipper writes: GBK bytes, no UTF-8 flag
        def _encodeFilenameFlags(self):
            return self.filename.encode("cp437"), self.flag_bits

    archive = tmp_path / "ada.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(RawName((gbk + b"/ex1.py").decode("cp437")), "A = 1\n")
    sub = stage("ada", archive, tmp_path / "staged", targets=TARGETS)
    folder = student_id(os.fsdecode(gbk))  # the name the same folder unzipped on Linux gets
    assert folder.startswith("作业~")
    assert f"ex1: graded {folder}/ex1.py (as ex1_rnn_forward.py)" in english(sub.notes)


def test_ambiguous_and_refused_files_are_said_once_and_never_missing(tmp_path):
    from coursekit.batch.classbook import report_from_gradebook
    from coursekit.batch.store import Gradebook, StudentRecord
    from coursekit.classstats import class_stats
    from coursekit.course import Course
    from coursekit.results import ExerciseResult, Failure, TestResult

    def not_found(exercise: str) -> ExerciseResult:
        return ExerciseResult(exercise, verbatim(exercise), (TestResult(
            "t", "failed", 0.0, 1.0, verbatim("not found"), failure=Failure.NOT_FOUND),))

    notes = staged(["ex1_a.py", "ex1_b.py", "ex2_param_count.py"], {"ex2_param_count.py": msg("reason.link")})
    with Gradebook(tmp_path / "book.sqlite") as book:
        book.put_student(StudentRecord("ada", True, intake=notes.notes))
        for exercise in ("ex1", "ex2"):
            book.put("ada", exercise, "d", "k", not_found(exercise))
        report = report_from_gradebook(book, Course(), ("ex1", "ex2"), tmp_path, 0, 0, 0.0)
    kinds = sorted((p.exercise, p.kind) for p in class_stats(report).problems)
    assert kinds == [("ex1", "ambiguous"), ("ex2", "refused")]
    from rich.console import Console

    from coursekit.render.classsummary import class_summary

    console = Console(record=True, width=300)
    console.print(class_summary(report, "en"))
    said = console.export_text()
    assert said.count("it is a link") == 1 and said.count("could each be") == 1
    assert "no file" not in said, said


@pytest.mark.slow
def test_a_refused_or_ambiguous_file_fails_its_tests_with_the_reason_and_runs_nothing(tmp_path):
    class_dir, out = tmp_path / "class", tmp_path / "out"
    (class_dir / "ada").mkdir(parents=True)
    (class_dir / "ada" / "ex1_rnn_forward.py").symlink_to(ROOT / "solutions" / "ex1_rnn_forward.py")
    (class_dir / "ben").mkdir()
    (class_dir / "ben" / "ex1_a.py").write_text(SOLUTION1)
    (class_dir / "ben" / "ex1_b.py").write_text(SOLUTION1)
    grade_class(class_dir, out, GradeOptions(exercises=("ex1",), workers=1, timeout_s=5,
                                             secret=Secret("intake", "test")))
    assert json.loads((out / "timings.json").read_text())["tasks"] == {}  # no student process at all
    for student, said in (("ada", "it is a link"), ("ben", "could each be")):
        tests = json.loads((out / "feedback" / student / "results.json").read_text())["tests"]
        assert tests and all(said in t["output"] and "not found" not in t["output"] for t in tests), student
    summary = json.loads((out / "summary.json").read_text())
    assert {(p["student"], p["kind"], p["exercise"]) for p in summary["problems"]} == {
        ("ada", "refused", "ex1"), ("ben", "ambiguous", "ex1")}
