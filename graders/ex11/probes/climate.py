"""ex11's load_climate probe: a weather series in the Jena climate CSV format, written in the job.

Loaded by path by the sandbox's child (``Exercise.probes``): it imports nothing from coursekit or graders
(the grader imports :func:`climate_csv` from here: one copy). ``prepare`` writes the case's series
(``context["data"]["climate"]``: the arguments of :func:`climate_csv`) at the path the case passes to
``load_climate``, relative to the job's own folder; ``probe`` sends back what ``load_climate`` returned.

The series has the Jena record's header and its 10-minute steps: pressure, temperature, relative
humidity and wind speed, with a yearly and a daily cycle and weather that comes and goes over days. The
temperature ``delay`` steps ahead is what the last value cannot know: the daily cycle moves it by a few
degrees in a few hours, and the recent hours (temperature, humidity) say where in the cycle it is, which
a recurrent layer learns to read. Nothing is downloaded.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import numpy as np

COLUMNS = ("p (mbar)", "T (degC)", "rh (%)", "wv (m/s)")
STEP_MINUTES = 10
DAILY_ROWS = 24 * 60 // STEP_MINUTES


def climate_series(seed: int, rows: int, start: str | None = None) -> tuple[list[str], np.ndarray]:
    """(dates as Jena writes them, "dd.mm.yyyy HH:MM:SS"; values (rows, 4), rounded as the CSV holds
    them): a series drawn from ``seed``, starting at midnight of ``start`` ("2013-04-01"), or of a day
    that it draws."""
    rng = np.random.default_rng(seed)
    first = datetime(int(rng.integers(2009, 2017)), 1, 1) + timedelta(days=int(rng.integers(0, 365)))
    origin = first if start is None else datetime.strptime(start, "%Y-%m-%d")
    t = np.arange(rows) / DAILY_ROWS  # days since the start
    day_of_year = origin.timetuple().tm_yday + t
    hour = (t % 1.0) * 24.0
    yearly = 9.0 - 10.0 * np.cos(2 * math.pi * (day_of_year - 15.0) / 365.25)
    # Sunny days swing more than cloudy ones: the daily amplitude drifts from day to day.
    amplitude = 4.0 * (1.0 + 0.3 * np.sin(2 * math.pi * (day_of_year - 80.0) / 365.25)) \
        * np.clip(1.0 + _slow_noise(rng, rows, days=1.5, scale=0.3), 0.3, 2.0)
    daily = amplitude * np.cos(2 * math.pi * (hour - 15.0) / 24.0)
    weather = _slow_noise(rng, rows, days=1.0, scale=1.5)
    pressure = 1000.0 + _slow_noise(rng, rows, days=2.0, scale=4.0) - 1.5 * weather
    temperature = yearly + daily + weather + rng.normal(0.0, 0.15, rows)
    humidity = np.clip(78.0 - 2.5 * daily + 1.5 * _slow_noise(rng, rows, days=1.0, scale=3.0)
                       + rng.normal(0.0, 1.0, rows), 15.0, 100.0)
    wind = np.abs(2.0 + 0.3 * daily + _slow_noise(rng, rows, days=0.5, scale=1.2))
    values = np.round(np.stack([pressure, temperature, humidity, wind], axis=1), 2)
    dates = [(origin + timedelta(minutes=STEP_MINUTES * (i + 1))).strftime("%d.%m.%Y %H:%M:%S")
             for i in range(rows)]
    return dates, values


def _slow_noise(rng: np.random.Generator, rows: int, days: float, scale: float) -> np.ndarray:
    """An AR(1) process of standard deviation ``scale`` whose memory lasts about ``days``."""
    phi = math.exp(-1.0 / (days * DAILY_ROWS))
    shocks = rng.normal(0.0, scale * math.sqrt(1.0 - phi * phi), rows)
    out = np.empty(rows)
    level = rng.normal(0.0, scale)
    for i in range(rows):
        level = phi * level + shocks[i]
        out[i] = level
    return out


def climate_csv(seed: int, rows: int, start: str | None = None) -> str:
    """The CSV text of :func:`climate_series`: the Jena header, then one line per record."""
    dates, values = climate_series(seed, rows, start)
    lines = [",".join(f'"{name}"' for name in ("Date Time", *COLUMNS))]
    lines += [date + "," + ",".join(f"{v:.2f}" for v in row) for date, row in zip(dates, values, strict=True)]
    return "\n".join(lines) + "\n"


def prepare(context: Mapping[str, Any]) -> None:
    spec = context["data"].get("climate")
    if spec is None or not context["args"]:
        return
    path = os.path.join(os.getcwd(), str(context["args"][0]))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(climate_csv(**spec))


def _type(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def probe(value: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    """What load_climate returned: its names (as str, at most 40) and its array, with their types."""
    pair = isinstance(value, tuple | list) and len(value) == 2
    report: dict[str, Any] = {"pair": pair, "type": _type(value)}
    if not report["pair"]:
        return report
    names, data = value
    report["names_type"] = _type(names)
    if isinstance(names, tuple | list):
        report["names"] = [n if isinstance(n, str) else _type(n) for n in list(names)[:40]]
    report["data_type"] = _type(data)
    if isinstance(data, np.ndarray):
        report["dtype"] = str(data.dtype.name)
        report["data"] = data if data.dtype.kind in "fiub" else None
    return report
