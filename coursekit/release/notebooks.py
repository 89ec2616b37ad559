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

from coursekit.notebook import METADATA_KEY, code_digest

Lang = Literal["zh", "en"]

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_CJK_PARENS = re.compile(r"\s*[（(][^()（）]*[\u3400-\u9fff][^()（）]*[)）]")
_SEPARATOR = re.compile(r"\s+/\s+")


def in_language(text: str, lang: Lang) -> str:
    """The lines of a bilingual explanation that are in ``lang`` (equations and tables in both)."""
    out: list[str] = []
    for line in text.splitlines():
        kept = _line_in(line, lang)
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
    chinese = bool(_CJK.search(line))
    indented = line.startswith(" ")
    if lang == "zh":
        english_prose = not chinese and not indented and bool(re.match(r"[A-Za-z(]", line)) and " " in line
        return None if english_prose else line
    if not chinese:
        return line
    if not indented:
        return english(line) or None
    # An indented line is columns (a name, an equation, a comment): only a column in Chinese changes.
    columns = [c for c in re.split(r"\s{2,}", line.strip()) if c]
    kept = [english(c) if _CJK.search(c) else c for c in columns]
    text = "  ".join(c for c in kept if c)
    return line[: len(line) - len(line.lstrip())] + text if text else None


def english(text: str) -> str:
    """The English of a "中文 / English" text: its parts without Chinese, and the English before it."""
    out = ""
    for part in _SEPARATOR.split(_CJK_PARENS.sub("", text.strip())):
        found = _CJK.search(part)
        piece = (part if found is None else part[: found.start()]).strip()
        if not re.search(r"[A-Za-z0-9]", piece):
            continue
        out = piece if not out else out + (" " if out.endswith(":") else " / ") + piece
    return out


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
    if lang == "zh":
        check = (f"## 检查\n\n先保存笔记本（Ctrl+S），再运行下面的单元格："
                 f"它用 `coursekit check` 测试这个笔记本"
                 f"（`coursekit check {exercise_id} {_notebook(filename)}`）。")
    else:
        check = (f"## Check your work\n\nSave the notebook first (Ctrl+S), then run the cell below: it tests "
                 f"this notebook with `coursekit check {exercise_id} {_notebook(filename)}`.")
    cells.append(("markdown", check))
    cells.append(("code", f"!coursekit check {exercise_id} {_notebook(filename)}"))
    return cells


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
