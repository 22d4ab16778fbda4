"""Bar and line charts as inline SVG, drawn on the server (no script, no CDN).

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` naming its
range, every bar or point with its own ``<title>`` (a tooltip); the page shows the same
numbers as a table for screen readers. Labels are escaped here; the caller passes
translated text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

#: Drawing size in SVG units (the chart scales to its container).
WIDTH = 720
HEIGHT = 220
#: Space for the value axis (left) and the labels (bottom).
LEFT = 48
BOTTOM = 28
TOP = 10
RIGHT = 8


@dataclass(frozen=True)
class Point:
    """One bar or point: its axis label, value and tooltip text."""

    label: str
    value: float
    tip: str


def _nice_max(value: float) -> float:
    """The smallest round number (1, 2 or 5 times a power of ten) at least ``value``."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value * 10:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def _frame(title: str, desc: str, css: str, top: float, fmt: str) -> list[str]:
    parts = [
        f'<svg class="chart {escape(css)}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        y = TOP + plot_h * i / 4
        value = top * (4 - i) / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(fmt.format(value))}</text>"
        )
    return parts


def _labels(points: Sequence[Point], xs: Sequence[float]) -> list[str]:
    every = max(1, len(points) // 12)
    return [
        f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{escape(p.label)}</text>"
        for i, (p, x) in enumerate(zip(points, xs, strict=True))
        if i % every == 0
    ]


def bar_chart(
    points: Sequence[Point], *, title: str, desc: str, css: str = "", fmt: str = "{:.0f}"
) -> Markup:
    """A bar chart of ``points``.

    :param points: bars, left to right.
    :param title: the chart's accessible name.
    :param desc: one sentence saying what it shows.
    :param css: extra class on the ``<svg>``.
    :param fmt: format of the axis values.
    """
    top = _nice_max(max((p.value for p in points), default=0.0))
    parts = _frame(title, desc, css, top, fmt)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(points))
    xs = []
    for i, p in enumerate(points):
        h = plot_h * p.value / top
        x = LEFT + slot * i + slot * 0.1
        xs.append(x + slot * 0.4)
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.8:.1f}" '
            f'height="{h:.1f}"><title>{escape(p.tip)}</title></rect>'
        )
    parts.extend(_labels(points, xs))
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    points: Sequence[Point], *, title: str, desc: str, css: str = "", fmt: str = "{:.0f}"
) -> Markup:
    """A line chart of ``points`` with a dot per point (same parameters as bar_chart)."""
    top = _nice_max(max((p.value for p in points), default=0.0))
    parts = _frame(title, desc, css, top, fmt)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(points))
    coords = [
        (LEFT + step * (i + 0.5), TOP + plot_h - plot_h * p.value / top)
        for i, p in enumerate(points)
    ]
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline class="line" fill="none" points="{path}"/>')
    for p, (x, y) in zip(points, coords, strict=True):
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{escape(p.tip)}</title></circle>"
        )
    parts.extend(_labels(points, [x for x, _ in coords]))
    parts.append("</svg>")
    return Markup("".join(parts))
