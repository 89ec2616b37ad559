"""ex7's plot_history probe: matplotlib figures as plain data, read in the student's process.

Loaded by path by the sandbox's child (``Exercise.probes``): it imports nothing from coursekit or graders.
``prepare`` selects the Agg backend (no display; ``plt.show()`` does nothing). ``probe`` reports each
returned figure: its axes, each axes' title, lines (label, colour as #rrggbb, line style, marker, x and y
data) and legend entries, then closes it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import numpy as np


def prepare(context: Mapping[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")


def _type(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _legend(legend: Any) -> list[str] | None:
    return None if legend is None else [str(t.get_text()) for t in legend.get_texts()]


def _line(line: Any, to_hex: Any) -> dict[str, Any]:
    return {"label": str(line.get_label()), "color": str(to_hex(line.get_color())),
            "linestyle": str(line.get_linestyle()), "marker": str(line.get_marker()),
            "x": np.asarray(line.get_xdata(), dtype=np.float64).ravel(),
            "y": np.asarray(line.get_ydata(), dtype=np.float64).ravel()}


def figure_report(fig: Any) -> dict[str, Any]:
    """One figure: {"figure": True, "axes": [...], "figure_legends": [...]}, or its type."""
    figure_module = sys.modules.get("matplotlib.figure")
    if figure_module is None or not isinstance(fig, figure_module.Figure):
        return {"figure": False, "type": _type(fig)}
    from matplotlib.colors import to_hex

    axes = [{"title": str(ax.get_title()), "lines": [_line(line, to_hex) for line in ax.get_lines()[:10]],
             "legend": _legend(ax.get_legend())} for ax in fig.get_axes()[:6]]
    return {"figure": True, "axes": axes, "figure_legends": [_legend(lg) for lg in fig.legends[:3]]}


def probe(value: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(value, tuple | list):
        return {"pair": False, "type": _type(value)}
    figures = [figure_report(fig) for fig in value[:4]]
    for i, fig in enumerate(value[:4]):  # the same figure returned twice: which earlier one it is
        first = next((j for j in range(i) if value[j] is fig), None)
        if first is not None:
            figures[i]["same_as"] = first
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    return {"pair": len(value) == 2, "type": _type(value), "figures": figures}
