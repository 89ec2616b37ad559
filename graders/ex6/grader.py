"""Grader of exercise 6: preparing IMDB sequences, against keras.utils.pad_sequences and the lesson's
decoding.

``pad_sequences`` is called through this grader's ``dtype`` probe (``graders/ex6/probes/dtype.py``), which
reports the returned value's type and dtype with it: the wire format sends every array back as float64,
and Keras's ``pad_sequences`` returns int32. Values are compared exactly (token ids near 10,000 leave no
room for a tolerance). ``decode_review`` returns a string, compared with the lesson's convention on a
word index the grader makes (public) or draws (hidden). The judging is in ``graders/ex6/judge.py``,
which holds no reference code: this grader gives it the named mistakes' outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from coursekit.compare import Verdict
from coursekit.exercise import Case, Exercise
from coursekit.messages import Mistake

from . import judge as ex6_judge

# The first ranks of the real IMDB word index (keras.datasets.imdb.get_word_index()), and a few more.
LESSON_WORDS: Mapping[str, int] = {
    "the": 1, "and": 2, "a": 3, "of": 4, "to": 5, "is": 6, "br": 7, "in": 8, "it": 9, "i": 10, "this": 11,
    "that": 12, "was": 13, "as": 14, "for": 15, "with": 16, "movie": 17, "but": 18, "film": 19, "on": 20,
    "not": 21, "you": 22, "are": 23, "his": 24, "have": 25, "he": 26, "be": 27, "one": 28, "all": 29,
    "at": 30, "by": 31, "an": 32, "great": 84, "bad": 75, "story": 62, "acting": 113, "boring": 357,
}
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "qu", "di")


def pad_reference(sequences: Sequence[Sequence[int]], maxlen: int | None = None, padding: str = "pre",
                  truncating: str = "pre", value: int = 0, dtype: str = "int32") -> np.ndarray:
    """pad_sequences in numpy, for the mistakes' outputs (the expected values come from Keras)."""
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    out = np.full((len(sequences), maxlen), value, dtype=dtype)
    for row, s in enumerate(sequences):
        kept = list(s[-maxlen:] if truncating == "pre" else s[:maxlen]) if maxlen else []
        if kept:
            if padding == "post":
                out[row, :len(kept)] = kept
            else:
                out[row, -len(kept):] = kept
    return out


def decode_reference(ids: Sequence[int], word_index: Mapping[str, int], index_from: int = 3,
                     skip_padding: bool = True) -> str:
    """The lesson's decoding: skip 0, "?" for 1 (start), 2 (out of vocabulary) and any unknown id
    (``skip_padding=False``, the mistake: the padding's 0s decoded as "?" too)."""
    words = {rank + index_from: word for word, rank in word_index.items()}
    return " ".join("?" if i in (1, 2) else words.get(i, "?") for i in ids if i != 0 or not skip_padding)


def _reviews(rng: np.random.Generator, count: int, lengths: tuple[int, int], top: int) -> list[list[int]]:
    return [[int(t) for t in rng.integers(1, top, int(rng.integers(*lengths)))] for _ in range(count)]


def _pad_case(name: str, sequences: list[list[int]], hidden: bool = False, **kwargs: Any) -> Case:
    return Case(name, "pad_sequences", (sequences,), kwargs, hidden=hidden, probe="dtype")


def _encode(words: Sequence[str], word_index: Mapping[str, int], index_from: int) -> list[int]:
    """A review as keras.datasets.imdb encodes it: the start mark, then each word's rank + index_from."""
    return [1, *(word_index[w] + index_from if w in word_index else 2 for w in words)]


class Sequences(Exercise):
    id = "ex6"
    title = "Preparing sequences: padding and decoding IMDB reviews"
    filename = "ex6_sequences.py"
    functions = ("pad_sequences", "decode_review")
    probes: ClassVar[Mapping[str, Path]] = {"dtype": Path(__file__).with_name("probes") / "dtype.py"}
    mistake_ids: ClassVar[frozenset[str]] = frozenset({
        "padding_post_default", "truncating_post_default", "maxlen_none_no_padding", "wrong_index_from",
        "float_array", "padding_not_skipped"})

    # --- cases ------------------------------------------------------------------------------------

    def generate_public_cases(self) -> list[Case]:
        r = np.random.default_rng(20261201)
        mixed = [[5, 12, 7], [3, 9, 14, 2, 8, 11, 6], [], [4, 4, 13, 1, 2]]
        long = _reviews(r, 5, (12, 20), 50)
        short = _reviews(r, 4, (1, 5), 50)
        words = ["this", "movie", "was", "great", "and", "the", "acting", "unseen", "great"]
        encoded = [0, 0, 0, *_encode(words, LESSON_WORDS, 3), 12345]
        shifted = _encode(["the", "story", "is", "boring", "but", "i", "liked", "it"], LESSON_WORDS, 10)
        return [
            _pad_case("pad: maxlen 5, Keras's defaults (padding and truncating 'pre')", mixed, maxlen=5),
            _pad_case("pad: padding 'post'", mixed, maxlen=5, padding="post"),
            _pad_case("pad: truncating 'post'", mixed, maxlen=5, truncating="post"),
            _pad_case("pad: padding and truncating 'post'", mixed, maxlen=5, padding="post",
                      truncating="post"),
            _pad_case("pad: maxlen None, the longest sequence's length", mixed),
            _pad_case("pad: maxlen shorter than every sequence", long, maxlen=8),
            _pad_case("pad: maxlen longer than every sequence", short, maxlen=10, padding="post"),
            _pad_case("pad: empty sequences", [[], [7, 8], []], maxlen=3),
            _pad_case("pad: a non-zero pad value", short, maxlen=6, value=-1),
            _pad_case("pad: one sequence", [[9, 8, 7, 6]], maxlen=6),
            _pad_case("pad: token ids near 10,000", [*_reviews(r, 3, (4, 9), 10_000), [9_999, 9_998]],
                      maxlen=7),
            Case("decode: the lesson's convention (padding skipped, 1, 2 and unknown ids as '?')",
                 "decode_review", (encoded, dict(LESSON_WORDS))),
            Case("decode: index_from=10", "decode_review", (shifted, dict(LESSON_WORDS)), {"index_from": 10}),
        ]

    def hidden_cases(self, rng: np.random.Generator,
                     shape_rng: np.random.Generator | None = None) -> list[Case]:
        mixed = _reviews(rng, 6, (0, 12), 10_000)
        word_index = self._word_index(rng)
        vocabulary = sorted(word_index)
        words = [vocabulary[int(i)] for i in rng.integers(0, len(vocabulary), 12)]
        index_from = int(rng.integers(4, 9))
        review = [0, 0, *_encode(words, word_index, 3), 2, int(rng.integers(5000, 9000))]
        return [
            _pad_case("hidden pad: defaults", mixed, hidden=True, maxlen=int(rng.integers(4, 8))),
            _pad_case("hidden pad: post and post", mixed, hidden=True, maxlen=int(rng.integers(4, 8)),
                      padding="post", truncating="post"),
            _pad_case("hidden pad: maxlen None, a pad value", mixed, hidden=True,
                      value=int(rng.integers(1, 9))),
            Case("hidden decode: another word index", "decode_review", (review, word_index), hidden=True),
            Case("hidden decode: another word index and index_from", "decode_review",
                 (_encode(words, word_index, index_from), word_index), {"index_from": index_from},
                 hidden=True),
        ]

    @staticmethod
    def _word_index(rng: np.random.Generator) -> dict[str, int]:
        words: set[str] = set()
        while len(words) < 40:
            words.add("".join(SYLLABLES[int(i)] for i in rng.integers(0, len(SYLLABLES), 3)))
        ranks = rng.permutation(np.arange(1, 300))[:40]
        return {w: int(r) for w, r in zip(sorted(words), ranks, strict=True)}

    # --- reference ----------------------------------------------------------------------------------

    def reference(self, case: Case) -> Any:
        """Keras's pad_sequences (its dtype and its values); the lesson's decoding for decode_review."""
        if case.function == "decode_review":
            return decode_reference(*case.args, **case.kwargs)
        import keras

        out = keras.utils.pad_sequences(case.args[0], **case.kwargs)
        return {"dtype": str(out.dtype), "values": out}

    # --- judgement ----------------------------------------------------------------------------------

    judge_module = f"{__package__}.judge"

    def judge(self, case: Case, got: Any, expected: Any) -> Verdict:
        return ex6_judge.judge(case, got, expected, self.mistakes(case))

    def mistakes(self, case: Case) -> list[Mistake]:
        """What a default of 'post', or another index_from, gives on this case's inputs."""
        if case.function == "decode_review":
            ids, word_index = case.args
            index_from = int(case.kwargs.get("index_from", 3))
            others = dict.fromkeys(o for o in (3, index_from - 1, index_from + 1, 0) if o != index_from)
            found = [self.mistake(ex6_judge.WRONG_INDEX_FROM,
                                  {"index_from": o, "text": decode_reference(ids, word_index, o)})
                     for o in others]
            unskipped = decode_reference(ids, word_index, index_from, skip_padding=False)
            if unskipped != decode_reference(ids, word_index, index_from):
                found.append(self.mistake(ex6_judge.PADDING_NOT_SKIPPED,
                                          {"index_from": index_from, "text": unskipped}))
            return found
        sequences = case.args[0]
        kwargs = dict(case.kwargs)
        found = []
        if kwargs.get("padding", "pre") == "pre":
            found.append(self.mistake("padding_post_default",
                                      pad_reference(sequences, **{**kwargs, "padding": "post"})))
        if kwargs.get("truncating", "pre") == "pre":
            found.append(self.mistake("truncating_post_default",
                                      pad_reference(sequences, **{**kwargs, "truncating": "post"})))
        return [m for m in found if not np.array_equal(m.output, pad_reference(sequences, **kwargs))]

EXERCISE = Sequences()
