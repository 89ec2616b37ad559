"""Which submissions of one exercise look copied: winnowing over normalised tokens, as MOSS and Dolos do.

Run here, offline: no student's code leaves the machine. It flags pairs for a person to look at; it never
changes a grade.

1. The lines of the exercise's stub (the handout's own code and comments) are left out of each file, so
   two students who kept the same given lines are not alike for that.
2. The rest is read as Python tokens; comments, blank lines and layout go; names a student chose become
   ``V``, strings ``S`` and numbers ``N`` (renaming variables hides nothing); keywords, operators and the
   names after a dot (``np.tanh``) stay.
3. Each run of ``K`` tokens is hashed; of every ``WINDOW`` consecutive hashes the smallest is kept
   (winnowing, Schleimer, Wilkerson and Aiken 2003): a file's fingerprints.
4. A pair's score is the share of the smaller file's fingerprints the other file also has (0 to 1).

A file with fewer than ``MIN_FINGERPRINTS`` fingerprints of its own (the stub, barely changed) is left
out: there is nothing to compare.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import re
import token
import tokenize
from collections.abc import Mapping
from itertools import combinations

K = 12
WINDOW = 6
MIN_FINGERPRINTS = 4
MAX_PAIRS = 20
MAX_SOURCE_CHARS = 200_000
SKIPPED = {token.COMMENT, token.NL, token.NEWLINE, token.INDENT, token.DEDENT, token.ENCODING,
           token.ENDMARKER}


def _line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def own_lines(source: str, stub: str) -> str:
    """``source`` without the lines the stub has too (compared without their layout); kept lines keep
    their place, so that line numbers still match the file."""
    given = {_line(x) for x in stub.splitlines() if _line(x)}
    return "\n".join("" if _line(x) in given else x for x in source[:MAX_SOURCE_CHARS].splitlines())


def tokens(source: str) -> list[tuple[str, int]]:
    """The normalised tokens of ``source`` and their line numbers; a file that does not tokenize is read
    as words and symbols, so that it is still compared."""
    found: list[tuple[str, int]] = []
    try:
        previous = ""
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in SKIPPED:
                continue
            if tok.type == token.NAME:
                text = tok.string if keyword.iskeyword(tok.string) or previous == "." else "V"
            elif tok.type == token.STRING or tok.type == getattr(token, "FSTRING_START", -1):
                text = "S"
            elif tok.type == token.NUMBER:
                text = "N"
            else:
                text = tok.string
            previous = tok.string
            found.append((text, tok.start[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        found = [(w, n) for n, line in enumerate(source.splitlines(), 1)
                 for w in re.findall(r"\w+|[^\w\s]", line.split("#", 1)[0])]
    return found


def fingerprints(source: str, stub: str = "") -> dict[int, set[int]]:
    """The winnowed fingerprints of ``source`` (the stub's lines left out), each with the lines it covers."""
    toks = tokens(own_lines(source, stub))
    grams = []
    for i in range(len(toks) - K + 1):
        text = " ".join(t for t, _ in toks[i:i + K]).encode()
        grams.append((int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big"),
                      {line for _, line in toks[i:i + K]}))
    windows = [grams[i:i + WINDOW] for i in range(len(grams) - WINDOW + 1)] if len(grams) >= WINDOW \
        else [grams] if grams else []
    chosen: dict[int, set[int]] = {}
    for window in windows:
        value, lines = min(reversed(window), key=lambda g: g[0])  # the rightmost smallest
        chosen.setdefault(value, set()).update(lines)
    return chosen


def score(a: Mapping[int, object], b: Mapping[int, object]) -> float:
    if not a or not b:
        return 0.0
    return len(a.keys() & b.keys()) / min(len(a), len(b))


def ranked_pairs(sources: Mapping[str, str], stub: str = "",
                 limit: int = MAX_PAIRS) -> list[tuple[str, str, float]]:
    """``[student_a, student_b, score]`` for the most alike pairs of ``sources`` (student -> their file),
    highest first (ties by ids), at most ``limit``; pairs that share nothing are left out."""
    prints = {s: f for s, text in sources.items() if len(f := fingerprints(text, stub)) >= MIN_FINGERPRINTS}
    pairs = [(a, b, round(score(prints[a], prints[b]), 3)) for a, b in combinations(sorted(prints), 2)]
    pairs = [p for p in pairs if p[2] > 0]
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return pairs[:limit]


def shared_lines(a: str, b: str, stub: str = "") -> tuple[set[int], set[int]]:
    """The lines of ``a`` and of ``b`` that their shared fingerprints cover (to mark them side by side)."""
    fa, fb = fingerprints(a, stub), fingerprints(b, stub)
    common = fa.keys() & fb.keys()
    return set().union(*(fa[h] for h in common)), set().union(*(fb[h] for h in common))
