"""Line charts drawn on the server as SVG polylines: no chart library, and the first
screen has its chart without waiting for a script."""

import time
from dataclasses import dataclass

WIDTH, HEIGHT = 600, 120


@dataclass(frozen=True)
class Series:
    label: str
    tone: str  # a CSS class: the line's colour
    points: list[tuple[float, float | None]]  # (unix seconds, value); None is a gap


def chart_end(series: list[Series]) -> float:
    """The newest sample's time, so that a broker's clock, ahead of ours or behind,
    does not push its samples off the chart; now when there are none."""
    return max((at for line in series for at, _ in line.points), default=time.time())


def line_chart(series: list[Series], *, span_seconds: float, end: float) -> dict:
    """Polylines of every series on one scale from end - span_seconds to end, the value
    axis from 0 to the largest value. A gap in a series starts a new polyline."""
    start = end - span_seconds
    shown = [[(at, value) for at, value in sorted(line.points) if at >= start] for line in series]
    values = [value for points in shown for _, value in points if value is not None]
    top = max(values, default=0)

    def place(at: float, value: float) -> str:
        # The broker stamps a sample at the end of its interval: a little ahead of us.
        x = min((at - start) / span_seconds, 1.0) * WIDTH
        y = HEIGHT - value / (top or 1) * HEIGHT
        return f"{x:.1f},{y:.1f}"

    lines = []
    for line, points in zip(series, shown, strict=True):
        segments = [[place(at, value) for at, value in run] for run in _runs(points)]
        present = [(at, value) for at, value in points if value is not None]
        lines.append(
            {
                "label": line.label,
                "tone": line.tone,
                "polylines": [" ".join(segment) for segment in segments],
                "last": present[-1][1] if present else None,
                # A lone sample draws no line: the template marks the newest point.
                "end": place(*present[-1]).split(",") if present else None,
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "top": top,
        "minutes": round(span_seconds / 60),
        "lines": lines,
        "empty": not values,
    }


def _runs(points: list[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """The stretches of points between gaps."""
    runs, current = [], []
    for at, value in points:
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((at, value))
    if current:
        runs.append(current)
    return runs


def bar_chart(points: list[tuple[float | None, str]], **options) -> dict:
    """Bars of fractions (0 to 1) on a 100-high scale, each with its title, for
    partials/bar_chart.html; no data (None) is a low grey bar."""
    bars = []
    for index, (rate, title) in enumerate(points):
        height = 2.0 if rate is None else max(round(rate * 100, 1), 1.0)
        bars.append(
            {
                "x": index + 0.08,
                "y": 100 - height,
                "height": height,
                "empty": rate is None,
                "title": title,
            }
        )
    return {"bars": bars, "count": max(len(points), 1), **options}
