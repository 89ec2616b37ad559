"""An exercise stub as a notebook: its explanation in one language, one code cell per function.

The stubs explain their task in Chinese and English, line by line or paragraph by paragraph. For one
language the explanation keeps the lines in it: lines with Chinese for ``zh`` (they often carry the
English name beside the Chinese, "名称对照 / Names in Keras"), the parts without Chinese for ``en``.
Indented lines (equations, shapes, tables) are kept in both. The code cells hold the stub's own code,
so the notebook stands for the same module as the ``.py`` stub.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Literal

from coursekit.i18n import render
from coursekit.messages import msg
from coursekit.notebook import METADATA_KEY, code_digest

Lang = Literal["zh", "en"]

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_HAN = re.compile(r"[\u3400-\u9fff]")
# A parenthesis holding Chinese, with nothing in parentheses inside it.
_PARENS = re.compile(r"(\s*)([（(])([^()（）]*[\u3400-\u9fff][^()（）]*)([)）])")
# Where one language's words end and the other's begin: " / ", " · ", and after a Chinese sentence's end.
_PIECES = re.compile(r"(\s+/\s+|\s+·\s+|(?<=[。；？！])\s*/?\s*)")
_COLUMNS = re.compile(r"(\s{2,})")
# English prose: four lowercase words in a row (an equation, a shape or a table row has none).
_PROSE = re.compile(r"(?:\b[a-z]{2,}\b[,;:]?\s+){3}\b[a-z]{2,}\b")


def in_language(text: str, lang: Lang) -> str:
    """The lines of a bilingual explanation that are in ``lang`` (equations and tables in both).

    ``zh`` keeps every line with Chinese whole (the English terms beside it help) and leaves English prose
    out. ``en`` reads a line with Chinese in pieces: the parts of " / " and " · ", a Chinese sentence and
    what follows it, and within a parenthesis the same; the Chinese pieces are left out, but a label
    before one ("SimpleRNN:", "False (default):") stays. Indented lines are read column by column (two or
    more spaces apart), so a table keeps its shape.
    """
    out: list[str] = []
    english_tail = False  # zh: the line before ends in English, which an English-only line continues
    for line in text.splitlines():
        kept = _line_in(line, lang)
        if lang == "zh":
            if kept is None and english_tail and line.strip():
                kept = line
            english_tail = kept is not None and bool(kept.strip()) and _ends_in_english(kept)
        if kept is None:
            continue
        indented = kept.startswith(" ")
        if indented and out and out[-1].strip() and not out[-1].startswith(" "):
            out.append("")  # markdown needs a blank line before an indented (code) block
        out.append(kept)
    return "\n".join(out).strip("\n")


def _line_in(line: str, lang: Lang) -> str | None:
    if not line.strip():
        return line
    indent = line[: len(line) - len(line.lstrip())]
    chinese = bool(_CJK.search(line))
    if lang == "zh":  # a line with Chinese stays whole; English prose is left out
        prose = bool(_PROSE.search(line)) or (not indent and bool(re.match(r"[A-Za-z(]", line))
                                              and " " in line)
        return None if not chinese and prose else line
    if not chinese:
        return re.sub(r"^(\s*)/\s+", r"\1", line)  # the English half of a "中文 / English" line above
    if not indent:
        return _english(line.strip()) or None
    # Columns: a name, an equation, a comment; only a column with Chinese changes.
    parts = _COLUMNS.split(line.strip())
    columns = [(_english(c, indented=True) if _CJK.search(c) else c) for c in parts[::2]]
    if not any(c and c not in ("-", "*") for c in columns):
        return None  # nothing but a bullet: the English is on lines of its own
    gaps = parts[1::2]
    text, previous = "", -2
    for i, column in enumerate(columns):
        if column:
            text += (gaps[i - 1] if previous == i - 1 else "  " if text else "") + column
            previous = i
    return indent + text


def _ends_in_english(line: str) -> bool:
    """True for "中文 / English text" (its last piece is English), False for Chinese or English alone."""
    if not _CJK.search(line):
        return True
    last = [p for p in _PIECES.split(line.strip())[::2] if p.strip()]
    return bool(last) and not _CJK.search(last[-1]) and bool(re.search(r"[A-Za-z]", last[-1]))


def _english(text: str, indented: bool = False) -> str:
    """The English of one line or column of mixed text: its pieces without Chinese, and labels."""
    text = re.sub(r"\s*\x00\s*", " ", _PARENS.sub(_parenthesis, text)).strip()
    parts = _PIECES.split(text)
    pieces = [p.strip() for p in parts[::2]]
    separators = parts[1::2]
    has_english = any(p and not _CJK.search(p) and re.search(r"[A-Za-z]", p) for p in pieces)
    out, last = "", -2
    for i, piece in enumerate(pieces):
        if not piece:
            continue
        if _CJK.search(piece):
            label = _label(piece, first=i == 0, indented=indented, has_english=has_english)
            if label:
                out, last = f"{out} {label}".strip(), -2
            continue
        if not re.search(r"[A-Za-z0-9]", piece):
            continue
        if last == i - 1:
            separator = separators[i - 1]
        elif i >= 2 and last == i - 2 and separators[i - 2].strip() == "·":
            separator = separators[i - 2]  # "x (...) · 状态 / states (...)": the list goes on
        else:
            separator = " "
        out = piece if not out else out + (separator if separator.strip() else " ") + piece
        last = i
    return re.sub(r"^/\s+", "", out.strip())


def _label(piece: str, *, first: bool, indented: bool, has_english: bool) -> str:
    """The English before a Chinese piece, when it is a label ("LSTM:", "LSTM —", "3."), or, on an indented
    line (a list, a table), all the English its first piece has ("1. imdb.load_data(num_words=10000)")."""
    found = _CJK.search(piece)
    if found is None:
        return ""
    prefix = piece[: found.start()].strip()
    if first and prefix in ("-", "*"):
        return prefix  # a list's bullet
    if not re.search(r"[A-Za-z0-9]", prefix):
        return ""
    ends = [prefix.rindex(c) for c in (":", "—") if c in prefix]
    if ends:
        return prefix[: max(ends) + 1]
    if re.fullmatch(r"\d+\.", prefix):
        return prefix
    if indented and first and piece[found.start()] in "，：" and _HAN.search(piece[found.start():]):
        return prefix + ":"  # "bias (3*units,)，只有一行 / a single row": bias (3*units,): a single row
    if indented and first and not has_english:
        return prefix
    return ""


def _parenthesis(match: re.Match[str]) -> str:
    """A parenthesis with Chinese in it, in English: its English part, or nothing (a mark that keeps
    the text on either side apart)."""
    inner = match.group(3)
    parts = [p.strip() for p in re.split(r"\s*/\s*", inner) if p.strip()]
    chosen = [p for p in parts if not _CJK.search(p) and re.search(r"[A-Za-z]", p)]
    return f" ({' / '.join(chosen)})" if chosen else "\x00"


def english(text: str) -> str:
    """The English of a "中文 / English" text."""
    return _english(text)


def title_in(title: str, lang: Lang) -> str:
    """"练习 1 · Exercise 1 — 中文 · English" in one language."""
    parts = [p.strip() for p in re.split(r"\s[·—/]\s", title) if p.strip()]
    if lang == "zh":
        return " · ".join(p for p in parts if _CJK.search(p)) or title
    return " — ".join(p for p in parts if not _CJK.search(p)) or title


def stub_cells(source: str, exercise_id: str, filename: str, lang: Lang) -> list[tuple[str, str]]:
    """The (cell_type, source) cells of the notebook for the stub ``source``."""
    tree = ast.parse(source)
    lines = source.splitlines()
    doc = ast.get_docstring(tree, clean=True) or ""
    title, _, body = doc.partition("\n")
    cells: list[tuple[str, str]] = [("markdown", f"# {title_in(title, lang)}\n\n{in_language(body, lang)}")]
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    first = functions[0].lineno - 1 - len(functions[0].decorator_list) if functions else len(lines)
    start = tree.body[0].end_lineno or 0 if doc else 0
    preamble = "\n".join(lines[start:first]).strip("\n")
    if preamble:
        cells.append(("code", preamble))
    for i, fn in enumerate(functions):
        end = functions[i + 1].lineno - 1 if i + 1 < len(functions) else len(lines)
        code = "\n".join(lines[fn.lineno - 1: end]).strip("\n")
        fn_doc = ast.get_docstring(fn, clean=True) or ""
        summary = in_language(fn_doc.partition("\n\n")[0], lang)
        cells.append(("markdown", f"## `{fn.name}`\n\n{summary}"))
        cells.append(("code", code))
    # Translators: {exercise} is the exercise's id (exN), {notebook} the notebook's file name.
    check = msg("handout.notebook.check", exercise=exercise_id, notebook=_notebook(filename))
    cells.append(("markdown", render(check, lang)))
    cells.append(("code", check_cell(exercise_id, _notebook(filename), lang)))
    return cells


def check_cell(exercise_id: str, notebook: str, lang: Lang) -> str:
    """The notebook's last cell: ``coursekit check`` run by the kernel's own Python (``sys.executable -m
    coursekit``: no activated environment needed), in the notebook's language. Under ``if __name__ ==
    "__main__"``: when the notebook is graded as a module, the cell does nothing."""
    comment = render(msg("handout.notebook.check_comment"), lang)
    return CHECK_CELL.format(comment=comment, exercise=exercise_id, notebook=notebook, lang=lang)


CHECK_CELL = """{comment}
import subprocess
import sys

if __name__ == "__main__":
    run = subprocess.run([sys.executable, "-m", "coursekit", "check", "{exercise}", "{notebook}",
                          "--lang", "{lang}"], capture_output=True, text=True)
    print(run.stdout + run.stderr)"""


def _notebook(filename: str) -> str:
    return filename.rsplit(".", 1)[0] + ".ipynb"


def stub_notebook(source: str, exercise_id: str, filename: str, lang: Lang) -> Any:
    """The stub as an nbformat v4 notebook (Python 3 kernel), with the digest of its code cells."""
    import nbformat

    v4: Any = nbformat.v4  # untyped
    make = {"markdown": v4.new_markdown_cell, "code": v4.new_code_cell}
    cells = stub_cells(source, exercise_id, filename, lang)
    notebook = v4.new_notebook(
        cells=[make[kind](text) for kind, text in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                  "language_info": {"name": "python"},
                  # check says ".py wins" only about a notebook whose code changed (coursekit/notebook.py)
                  METADATA_KEY: {"exercise": exercise_id, "code_sha256": code_digest(cells)}})
    return notebook
