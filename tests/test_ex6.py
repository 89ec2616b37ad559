"""Exercise 6, preparing sequences: other ways of decoding the padding, refusals and what a failed test shows.
The solution, the stub and each named mistake's wrong file (graders/ex6/mistakes/) are graded by
tests/test_contract.py.

Every wrong solution below is the reference solution with one definition appended (which replaces the
right one when the module is imported); each is graded once, on the public cases, as ``check`` does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import SOLUTIONS, GradeFiles, text
from test_contract import wrong_files

from coursekit.registry import get_exercise
from coursekit.results import ExerciseResult

FILE = "ex6_sequences.py"
EX6 = get_exercise("ex6")
SOLUTION = (SOLUTIONS / FILE).read_text(encoding="utf-8")

PAD = '''
def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0):
    {first}
    out = np.full((len(sequences), maxlen), value, dtype={dtype})
    for row, s in enumerate(sequences):
        if maxlen == 0 or len(s) == 0:
            continue
        kept = s[-maxlen:] if truncating == {truncate_front!r} else s[:maxlen]
        if padding == {pad_front!r}:
            out[row, -len(kept):] = kept
        else:
            out[row, :len(kept)] = kept
    return out
'''
LONGEST = "maxlen = max((len(s) for s in sequences), default=0) if maxlen is None else maxlen"


def pad(first: str = LONGEST, dtype: str = '"int32"', truncate_front: str = "pre",
        pad_front: str = "pre") -> str:
    return SOLUTION + PAD.format(first=first, dtype=dtype, truncate_front=truncate_front, pad_front=pad_front)


# The folder's wrong files (graders/ex6/mistakes/, graded by tests/test_contract.py) in the shape
# tests/test_release.py reads: mistake id -> (its source, the public tests it fails, one per line)
MISTAKES: dict[str, tuple[str, str]] = {
    w.mistake: (w.source, "\n".join(sorted(w.tests))) for w in wrong_files("ex6") if w.variant is None}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ExerciseResult]:
    from coursekit.grading import grade_exercise

    results: dict[str, ExerciseResult] = {}
    cases = EX6.public_cases()
    expected = EX6.expected_values(cases)

    def run(source: str) -> ExerciseResult:
        if source not in results:
            ws = tmp_path_factory.mktemp("ex6")
            (ws / FILE).write_text(source, encoding="utf-8")
            results[source] = grade_exercise(EX6, ws, cases, expected)
        return results[source]

    return run


def _decoding(padding_word: str) -> str:
    return SOLUTION + f'''
def decode_review(ids, word_index, index_from=3):
    reverse = {{v + index_from: k for k, v in word_index.items()}}
    return " ".join({padding_word!r} if i == 0 else "?" if i in (1, 2) else reverse.get(i, "?") for i in ids)
'''


# Issue 24's padding_not_skipped written other ways: whatever word the padding ids become
PADDING_VARIANTS = {"'<PAD>'": _decoding("<PAD>"), "an empty word": _decoding(""),
                    "Keras's tutorial": SOLUTION + '''
def decode_review(ids, word_index, index_from=3):
    reverse_word_index = dict([(value + index_from, key) for (key, value) in word_index.items()])
    return " ".join([reverse_word_index.get(i, "?") for i in ids])
'''}


@pytest.mark.parametrize("variant", list(PADDING_VARIANTS))
@pytest.mark.slow
def test_padding_decoded_as_any_word_is_named(variant: str, graded: Callable[[str], ExerciseResult]) -> None:
    failed = [t for t in graded(PADDING_VARIANTS[variant]).tests if not t.passed]
    assert failed and all(t.name.startswith("decode: ") for t in failed), [t.name for t in failed]
    assert all(t.mistake == "padding_not_skipped" for t in failed), [t.mistake for t in failed]
    assert all("instead of skipped" in text(t) and "没有跳过" in text(t, "zh") for t in failed)


@pytest.mark.slow
def test_a_decoding_wrong_beyond_the_padding_is_not_named(graded: Callable[[str], ExerciseResult]) -> None:
    """The padding decoded, and a word wrong: no hint that blames the padding alone."""
    source = _decoding("<PAD>").replace('"?" if i in (1, 2)', '"<UNK>" if i in (1, 2)')
    failed = [t for t in graded(source).tests if not t.passed]
    assert failed and all(t.mistake is None for t in failed), [t.mistake for t in failed]


@pytest.mark.slow
def test_int64_is_refused_with_the_dtype_named(graded: Callable[[str], ExerciseResult]) -> None:
    result = graded(pad(dtype='"int64"'))
    failed = [t for t in result.tests if not t.passed]
    assert len(failed) == 11 and all("dtype is int64, expected int32" in text(t) for t in failed)


def test_keras_in_the_file_scores_zero(grade_files: GradeFiles) -> None:
    result = grade_files("ex6", {FILE: "import keras\n" + SOLUTION})
    assert result.score == 0 and "imports keras" in text(result.tests[0])


def test_a_wrong_decoding_shows_where_it_differs(graded: Callable[[str], ExerciseResult]) -> None:
    source = SOLUTION + '''
def decode_review(ids, word_index, index_from=3):
    id_to_word = {rank + index_from: word for word, rank in word_index.items()}
    return " ".join(id_to_word.get(i, "?") for i in ids)
'''
    test = next(t for t in graded(source).tests if t.name.startswith("decode: the lesson's"))
    # the padding's 0s decoded as "?": issue 24 names it (it had no hint before)
    assert not test.passed and test.mistake == "padding_not_skipped"
    assert "expected '? this movie" in text(test) and "got '? ? ? ? this movie" in text(test)
    assert "instead of skipped" in text(test) and "没有跳过" in text(test, "zh")


# Issue 24: padded right but returned as a list: "return a numpy array", not the maxlen hint.
PADDED_LIST = SOLUTION + '''
_pad_array = pad_sequences


def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0):
    return _pad_array(sequences, maxlen, padding, truncating, value).tolist()
'''


@pytest.mark.slow
def test_a_padded_list_is_told_to_return_an_array_not_the_maxlen_hint(
        graded: Callable[[str], ExerciseResult]) -> None:
    failed = [t for t in graded(PADDED_LIST).tests if not t.passed]
    assert failed and all(t.name.startswith("pad") for t in failed)
    assert all(t.mistake is None for t in failed), [t.mistake for t in failed]
    for t in failed:
        assert "not a numpy array: return np.array(result" in text(t) and "maxlen=None" not in text(t)
        zh = text(t, "zh")
        assert "不是 numpy 数组：请返回 np.array(result" in zh and "maxlen=None" not in zh


def test_a_decoded_review_is_shown_whole_and_bounded() -> None:
    """Issue 24: the whole review, not eight words from the first difference; a huge one ends in "…"."""
    from coursekit.exercise import Case
    from coursekit.i18n import render
    from graders.ex6 import judge as ex6_judge

    case = Case("decode", "decode_review", ([], {}), {})
    expected = " ".join(f"word{i}" for i in range(40))
    got = expected.replace("word30", "wrong")
    for lang in ("en", "zh"):
        said = render(ex6_judge.judge(case, got, expected, []).message, lang)  # type: ignore[arg-type]
        assert expected in said and got in said
    huge = "w " * 5000
    said = render(ex6_judge.judge(case, huge + "x", huge + "y", []).message, "en")  # type: ignore[arg-type]
    assert " …" in said and len(said) < 2 * ex6_judge.SHOWN_CHARS + 200
