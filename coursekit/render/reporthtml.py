"""report.html: the class report as one self-contained page.

No network and no script: the styles are inline, the histograms are SVG drawn by matplotlib and put
inside the page, and a Content-Security-Policy forbids the browser from fetching anything. Every text
that comes from a student (ids, messages) is escaped.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from html import escape
from importlib import metadata
from pathlib import Path

from coursekit.classresults import ClassReport
from coursekit.classstats import Bin, ClassStats
from coursekit.i18n import render
from coursekit.messages import Param, in_domain, msg
from coursekit.render.text import key, words
from coursekit.results import ADJUSTMENT
from coursekit.similarity import shared_lines

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.figs{display:flex;flex-wrap:wrap;gap:1.5em}.fig{width:22em}.fig svg{width:100%;height:auto}
.warn{color:#a35200}.muted{color:#777}
.track{width:12em;background:#eee;height:.8em}.bar{background:#3b7dd8;height:.8em}
.pair{display:flex;gap:1em}.pair>div{flex:1;min-width:0}
.pair pre{overflow:auto;background:#f7f7f7;padding:.5em;font-size:.8em}
mark{background:#ffe08a}
"""
# A problem's kind -> its entry in the engine's catalogue.
KINDS = {"missing": "html.kind.missing", "refused": "html.kind.refused",
         "internal_error": "html.kind.internal_error", "departed": "html.kind.departed",
         "no_submission": "html.kind.no_submission", "not_on_roster": "html.kind.not_on_roster",
         "ambiguous": "html.kind.ambiguous", "zero": "html.kind.zero", "late": "html.kind.late"}


def unique_ids(svg: str, prefix: str) -> str:
    """``svg`` with every element id (and every reference to one) prefixed: matplotlib names the elements
    of each figure alike (``patch_1``), and one page holds several figures."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg
    pattern = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    svg = re.sub(rf'\bid="({pattern})"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(rf'#({pattern})(?=["\)])', lambda m: f"#{prefix}{m.group(1)}", svg)


def histogram_svg(exercise: str, bins: Sequence[Bin], lang: str = "en", prefix: str = "") -> str:
    """A bar chart of one exercise's scores, as an inline ``<svg>`` element (its ids prefixed)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # The labels stay text in the SVG (svg.fonttype none): the browser draws them with its own fonts, so
    # a Chinese label needs no CJK font here; matplotlib only measures it, and says a glyph is missing.
    with matplotlib.rc_context({"svg.hashsalt": "coursekit", "svg.fonttype": "none",
                                "font.size": 9}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig = Figure(figsize=(3.6, 2.4))
        ax = fig.add_subplot()
        labels = [f"{round(b.low, 2):g}" for b in bins]
        ax.bar(range(len(bins)), [b.count for b in bins], color="#3b7dd8", align="edge", width=0.9)
        ax.set_xticks(range(len(bins)), labels, rotation=90 if len(bins) > 10 else 0, fontsize=7)
        ax.set_title(key("html.histogram.title", lang, exercise=exercise))
        ax.set_xlabel(key("html.histogram.points", lang))
        ax.set_ylabel(key("html.histogram.students", lang))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg[svg.index("<svg"):], flags=re.S)
    return unique_ids(svg, prefix) if prefix else svg


# A stored drawing longer than this is not one of ours: it is drawn again.
MAX_DRAWING_CHARS = 1_000_000


@cache
def _drawing_version() -> str:
    """What a stored histogram was drawn with: this module's source and matplotlib's version; a change of
    either draws every histogram again."""
    try:
        matplotlib = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        matplotlib = ""
    return hashlib.sha256(Path(__file__).read_bytes() + matplotlib.encode()).hexdigest()


def histogram_key(exercise: str, bins: Sequence[Bin], lang: str) -> str:
    """Everything one histogram's SVG is drawn from (its labels included, as the catalogue says them), as
    one digest: the key of :class:`Drawings`."""
    labels = [key("html.histogram.title", lang, exercise=exercise), key("html.histogram.points", lang),
              key("html.histogram.students", lang)]
    data = [_drawing_version(), exercise, lang, labels, [[b.low, b.high, b.count] for b in bins]]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


@dataclass
class Drawings:
    """Histograms drawn by an earlier run (``known``: key -> SVG, read from the gradebook) and those this
    page used (``used``, to be stored for the next run). Drawing one takes about 0.2 s of matplotlib; a
    rerun in which an exercise's scores did not change (a resubmission regrades one exercise) takes it
    from here. A stored value that is not an ``<svg>`` element of bounded size is drawn again."""

    known: Mapping[str, str] = field(default_factory=dict)
    used: dict[str, str] = field(default_factory=dict)

    def histogram(self, exercise: str, bins: Sequence[Bin], lang: str) -> str:
        digest = histogram_key(exercise, bins, lang)
        svg = self.known.get(digest)
        if not (isinstance(svg, str) and svg.startswith("<svg") and len(svg) <= MAX_DRAWING_CHARS):
            svg = histogram_svg(exercise, bins, lang)
        self.used[digest] = svg
        return svg


def load_matplotlib() -> None:
    """Import what :func:`histogram_svg` draws with and draw one throwaway chart, which loads matplotlib's
    fonts: about two seconds the first time in a process, which ``grade`` spends while the class is graded
    (``batch/outputs.py``), not after it."""
    histogram_svg("", (Bin(0.0, 1.0, 1),))


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td class=\"n\">{c}</td>" if i in numeric else f"<td>{c}</td>"
                         for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _n(value: float | None) -> str:
    return "—" if value is None else f"{round(value, 2):g}"


def _link(stats: ClassStats, student: str) -> str:
    """The student's id, linking to their feedback page (report.html beside their report.md)."""
    page = stats.feedback.get(student, "").removesuffix("report.md") + "report.html"
    return f"<a href=\"{escape(page)}\">{escape(student)}</a>"


def _pct(value: float, whole: float) -> str:
    return "—" if whole <= 0 else f"{100 * value / whole:.0f} %"


def _bar(value: float, whole: float) -> str:
    width = 0 if whole <= 0 else max(0.0, min(100.0, 100 * value / whole))
    return f"<div class=\"track\"><div class=\"bar\" style=\"width:{width:.1f}%\"></div></div>"


def report_html(report: ClassReport, stats: ClassStats, lang: str = "en",
                drawings: Drawings | None = None) -> str:
    """The page in ``lang`` (every heading, column and note from the engine's catalogue); its histograms
    from ``drawings`` where an earlier run drew them."""
    drawings = drawings if drawings is not None else Drawings()
    def k(name: str, /, **params: Param) -> str:
        return escape(key(f"html.{name}", lang, **params))

    parts = ["<!DOCTYPE html>", f"<html lang=\"{escape(lang)}\"><head><meta charset=\"utf-8\">",
             f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">",
             f"<title>{k('title')}</title>", f"<style>{STYLE}</style></head><body>",
             f"<h1>{k('title')}</h1>",
             # Translators: {students}, {exercises}, {graded} are count.* entries; {reused} the gradings
             # taken from the gradebook of an earlier run.
             "<p>" + escape(key("html.counts", lang, students=msg("count.students", n=len(report.students)),
                                exercises=msg("count.exercises", n=len(report.exercises)),
                                graded=msg("count.gradings_this_run", n=report.graded),
                                reused=report.reused)) + "</p>"]
    if report.submitted_from:
        parts.append(f"<p>{k('submitted_from', source=report.submitted_from)}</p>")
    parts.append(f"<h2 id=\"exercises\">{k('exercises')}</h2>")
    parts.append(_table(tuple(key(f"html.column.{c}", lang) for c in (
                            "exercise", "students", "mean", "median", "max_points", "full_marks")),
                        ((escape(e.exercise), str(e.students), _n(e.mean), _n(e.median), _n(e.max_points),
                          str(e.full_marks)) for e in stats.exercises), numeric=(1, 2, 3, 4, 5)))
    parts.append("<div class=\"figs\">" + "".join(
        f"<figure class=\"fig\" id=\"hist-{escape(e.exercise)}\">"
        f"{unique_ids(drawings.histogram(e.exercise, e.histogram, lang), f'h{n}-')}<figcaption>"
        + k("caption", exercise=e.exercise, mean=_n(e.mean), median=_n(e.median), max_points=_n(e.max_points))
        + "</figcaption></figure>" for n, e in enumerate(stats.exercises)) + "</div>")
    parts.append(f"<h2 id=\"compare\">{k('compare')}</h2>")
    parts.append(_table(tuple(key(f"html.column.{c}", lang) for c in ("exercise", "mean_pct", "median_pct",
                                                                        "full_pct", "bar")),
                        ((escape(e.exercise), _pct(e.mean, e.max_points), _pct(e.median, e.max_points),
                          _pct(e.full_marks, e.students), _bar(e.mean, e.max_points))
                         for e in stats.exercises),
                        numeric=(1, 2, 3)))
    parts.append(f"<h2 id=\"mistakes\">{k('mistakes')}</h2>")
    if stats.mistakes:
        parts.append(_table(tuple(key(f"html.column.{c}", lang) for c in (
                                "exercise", "mistake", "description", "students", "who")),
                            ((escape(m.exercise), escape(m.mistake),
                              escape(render(in_domain(m.exercise, m.mistake), lang)), str(len(m.students)),
                              ", ".join(_link(stats, s) for s in m.students)) for m in stats.mistakes),
                            numeric=(3,)))
    else:
        parts.append(f"<p class=\"muted\">{k('no_mistakes')}</p>")
    parts.append(f"<h2 id=\"problems\">{k('problems')}</h2>")
    if stats.problems or report.skipped or report.unwritten:
        parts.append(_table(tuple(key(f"html.column.{c}", lang) for c in (
                                "student", "what", "exercise", "message")),
                            ((_link(stats, p.student),
                              f"<span class=\"warn\">{escape(key(KINDS[p.kind], lang))}</span>",
                              escape(p.exercise), escape(_short(words(p.message, lang))))
                             for p in stats.problems)))
        parts.extend(f"<p class=\"warn\">{k('not_graded', note=s)}</p>" for s in report.skipped)
        parts.extend(f"<p class=\"warn\">{escape(words(s, lang))}</p>" for s in report.unwritten)
    else:
        parts.append(f"<p class=\"muted\">{k('no_problems')}</p>")
    parts.extend(_similarity(report, stats, lang))
    adjusted = [(s.student, r.exercise, t) for s in report.students for r in s.results for t in r.tests
                if t.name == ADJUSTMENT]
    if adjusted:
        parts.append(f"<h2 id=\"adjustments\">{k('adjustments')}</h2>")
        parts.append(_table(tuple(key(f"html.column.{c}", lang) for c in ("student", "exercise", "message")),
                            ((_link(stats, s), escape(e), escape(words(t.message, lang)))
                             for s, e, t in adjusted)))
    parts.append(f"<h2 id=\"students\">{k('students')}</h2>")
    late = report.late_policy
    header = [key("html.column.student", lang), *report.exercises, key("html.column.total", lang),
              *([key(f"html.column.{c}", lang) for c in ("late_days", "penalty", "final")] if late else [])]
    rows = []
    for s in report.students:
        scores = {r.exercise: r.score for r in s.results}
        row = [_link(stats, s.student) + ("" if s.present else f" <span class=\"warn\">{k('left')}</span>"),
               *(_n(scores.get(e)) for e in report.exercises), _n(s.total)]
        if late:
            row += [str(s.late.days) if s.late else "0", _n(s.late.penalty if s.late else 0), _n(s.final)]
        rows.append(row)
    parts.append(_table(header, rows, numeric=tuple(range(1, len(header)))))
    parts.append(f"<h2 id=\"items\">{k('items')}</h2><p class=\"muted\">{k('items_note')}</p>")
    parts.append(_table(tuple(key(f"html.column.{c}", lang) for c in (
                            "exercise", "test", "hidden", "students", "passed", "discrimination")),
                        ((escape(i.exercise), escape(i.test), k("yes") if i.hidden else "", str(i.attempts),
                          f"{i.passed_share:.0%}", _n(i.discrimination)) for i in stats.items),
                        numeric=(3, 4, 5)))
    parts.append("</body></html>\n")
    return "\n".join(parts)


SHOWN_PAIRS = 10
SHOWN_LINES = 200


def _code(text: str, marked: set[int]) -> str:
    lines = text.splitlines()[:SHOWN_LINES]
    return "\n".join(f"<mark>{escape(line)}</mark>" if n in marked else escape(line)
                     for n, line in enumerate(lines, 1))


def _similarity(report: ClassReport, stats: ClassStats, lang: str) -> list[str]:
    """Per exercise, the most alike pairs of submissions, and the most alike pair side by side with the
    lines they share marked. It flags; no grade reads it."""
    if not any(report.similarity.values()):
        return []
    parts = [f"<h2 id=\"similar\">{escape(key('html.similar', lang))}</h2>",
             f"<p class=\"muted\">{escape(key('html.similar_note', lang))}</p>"]
    for e, pairs in report.similarity.items():
        if not pairs:
            continue
        parts.append(f"<h3 id=\"similar-{escape(e)}\">{escape(e)}</h3>")
        header = tuple(key(f"html.column.{c}", lang) for c in ("student", "student", "similarity"))
        rows = ((_link(stats, a), _link(stats, b), f"{score:.0%}") for a, b, score in pairs[:SHOWN_PAIRS])
        parts.append(_table(header, rows, numeric=(2,)))
        a, b, _ = pairs[0]
        text_a, text_b = report.compared.get((a, e)), report.compared.get((b, e))
        if text_a is None or text_b is None:
            continue
        lines_a, lines_b = shared_lines(text_a, text_b, report.stubs.get(e, ""))
        parts.append("<div class=\"pair\">" + "".join(
            f"<div><p>{escape(s)}</p><pre>{_code(t, m)}</pre></div>"
            for s, t, m in ((a, text_a, lines_a), (b, text_b, lines_b))) + "</div>")
    return parts


def _short(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
