"""A radar chart as plain SVG for print: the output of ``assessment.charts.radar_chart``, drawn.

Hand-built SVG costs well under a millisecond and stays vector with real text in the PDF. The
chart uses the web chart's axis order, scale and colours. Labels are measured in DejaVu Sans and
the viewBox is computed to contain every label and the legend, so nothing is ever cut off. A
missing value (``None``, insufficient data) is never drawn as 0: the series line leaves a gap on
that axis and the axis label says so.

The centre of the chart is the origin of the user coordinate system; the viewBox is whatever box
holds the drawing, negative coordinates included.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from assessment.charts import RadarChart, Series

from .text_metrics import text_width, wrap

MAX_SERIES = 4
RINGS = (20, 40, 60, 80, 100)  # the stage edges of the scoring rules
GRID_COLOUR = "#c9d1d9"
TEXT_COLOUR = "#1f2933"
MUTED_COLOUR = "#5f6b76"
FONT = "DejaVu Sans"  # one family: a fallback list makes every text look-up slower


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


def angle(index: int, count: int) -> float:
    """Axis ``index`` of ``count``: the first points up, the others follow clockwise."""
    return 2 * math.pi * index / count


def point(
    value: float, index: int, count: int, radius: float, scale: tuple[float, float] = (0, 100)
) -> tuple[float, float]:
    """Where ``value`` on axis ``index`` is drawn (SVG coordinates, y downwards, centre 0,0)."""
    low, high = scale
    share = (min(max(value, low), high) - low) / (high - low)
    theta = angle(index, count)
    return (radius * share * math.sin(theta), -radius * share * math.cos(theta))


def _fmt(number: float) -> str:
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)


class _Svg:
    """Collects elements and the box they cover."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.box = Box(0, 0, 0, 0)

    def add(self, markup: str, box: Box | None = None) -> None:
        self.parts.append(markup)
        if box is not None:
            self.box = self.box.union(box)

    def text_lines(
        self,
        lines: Sequence[str],
        x: float,
        top: float,
        anchor: str,
        size: float,
        line_height: float,
        bold: bool = False,
        colour: str = TEXT_COLOUR,
    ) -> Box:
        """Lines of text whose first line's top is at ``top``; returns the box they cover."""
        width = max(text_width(line, size, bold) for line in lines)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        weight = ' font-weight="bold"' if bold else ""
        for number, line in enumerate(lines):
            baseline = top + number * line_height + size * 0.93  # DejaVu ascent is 0.93 em
            self.parts.append(
                f'<text x="{_fmt(x)}" y="{_fmt(baseline)}" text-anchor="{anchor}"'
                f' font-size="{_fmt(size)}" fill="{colour}"{weight}>{escape(line)}</text>'
            )
        box = Box(left, top, left + width, top + len(lines) * line_height)
        self.box = self.box.union(box)
        return box


def render_radar(
    chart: RadarChart,
    *,
    title: str,
    missing_text: str,
    band_label: str | None = None,
    radius: float = 112.0,
    font_size: float = 10.5,
    label_width: float = 120.0,
) -> Markup:
    """The chart as an ``<svg>`` element (escaped text, safe to put into a page).

    ``missing_text`` (e.g. "insufficient data") is added under an axis label where the first
    series has no value; ``band_label`` names the quartile band in the legend.
    """
    count = len(chart.axes)
    if not 3 <= count <= 10:
        raise ValueError(f"a radar needs 3 to 10 axes, not {count}")
    if not 1 <= len(chart.series) <= MAX_SERIES:
        raise ValueError(f"a printed radar shows 1 to {MAX_SERIES} series, not {len(chart.series)}")
    svg = _Svg()
    _grid(svg, count, radius, chart.scale, font_size)
    has_band = chart.band is not None and _band(svg, chart, radius)
    for number, series in enumerate(chart.series):
        _series(svg, series, number, radius, chart.scale)
    _labels(svg, chart, radius, font_size, label_width, missing_text)
    _legend(svg, chart, font_size, band_label if has_band else None)
    box = svg.box
    pad = 4.0
    left, top = box.left - pad, box.top - pad
    width, height = box.right - box.left + 2 * pad, box.bottom - box.top + 2 * pad
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="radar" role="img"'
        f' aria-label="{escape(title)}" viewBox="{_fmt(left)} {_fmt(top)} {_fmt(width)}'
        f' {_fmt(height)}" width="{_fmt(width)}" height="{_fmt(height)}"'
        f' font-family="{FONT}">' + "".join(svg.parts) + "</svg>"
    )


def _grid(svg: _Svg, count: int, radius: float, scale: tuple[float, float], size: float) -> None:
    for ring in RINGS:
        corners = [point(ring, i, count, radius, scale) for i in range(count)]
        svg.add(
            f'<polygon class="ring" points="{_points(corners)}" fill="none"'
            f' stroke="{GRID_COLOUR}" stroke-width="0.7"/>'
        )
    for index in range(count):
        x, y = point(scale[1], index, count, radius, scale)
        svg.add(
            f'<line x1="0" y1="0" x2="{_fmt(x)}" y2="{_fmt(y)}" stroke="{GRID_COLOUR}"'
            f' stroke-width="0.7"/>'
        )
    svg.box = svg.box.union(Box(-radius, -radius, radius, radius))
    tick = size * 0.75
    for ring in RINGS:
        _, y = point(ring, 0, count, radius, scale)
        svg.text_lines([str(ring)], 3, y - tick * 0.5, "start", tick, tick, colour=MUTED_COLOUR)


def _band(svg: _Svg, chart: RadarChart, radius: float) -> bool:
    """The quartile band as a ring between q1 and q3; left out unless every axis has both."""
    low, high = chart.band or ((), ())
    if any(v is None for v in (*low, *high)):
        return False
    count = len(chart.axes)
    outer = [point(v, i, count, radius, chart.scale) for i, v in enumerate(high)]  # type: ignore[arg-type]
    inner = [point(v, i, count, radius, chart.scale) for i, v in enumerate(low)]  # type: ignore[arg-type]
    path = f"M{_points(outer)}Z M{_points(inner)}Z"
    colour = chart.series[-1].colour
    svg.add(
        f'<path class="band" d="{path}" fill="{colour}" fill-opacity="0.22"'
        f' fill-rule="evenodd" stroke="none"/>'
    )
    return True


def _series(
    svg: _Svg, series: Series, number: int, radius: float, scale: tuple[float, float]
) -> None:
    count = len(series.values)
    points = [
        None if v is None else point(v, i, count, radius, scale)
        for i, v in enumerate(series.values)
    ]
    dash = ' stroke-dasharray="5 3"' if series.dashed else ""
    stroke = f'stroke="{series.colour}" stroke-width="{1.6 if series.dashed else 2}"{dash}'
    if all(p is not None for p in points):
        fill = "none" if series.dashed else series.colour
        svg.add(
            f'<polygon class="series" data-series="{number}" points="{_points(points)}"'  # type: ignore[arg-type]
            f' fill="{fill}" fill-opacity="0.12" {stroke} stroke-linejoin="round"/>'
        )
    else:
        for run in _runs(points):
            svg.add(
                f'<polyline class="series" data-series="{number}" points="{_points(run)}"'
                f' fill="none" {stroke} stroke-linejoin="round"/>'
            )
    for p in points if number == 0 else ():  # markers on the first series only: less to draw
        if p is not None:
            svg.add(f'<circle cx="{_fmt(p[0])}" cy="{_fmt(p[1])}" r="2.4" fill="{series.colour}"/>')


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Stretches of neighbouring axes that both have a value (the chart is a closed loop)."""
    count = len(points)
    missing = [i for i, p in enumerate(points) if p is None]
    if not missing:
        return [list(points)]  # type: ignore[list-item]
    start = missing[0]
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for step in range(1, count + 1):
        p = points[(start + step) % count]
        if p is None:
            if len(current) >= 2:
                runs.append(current)
            current = []
        else:
            current.append(p)
    if len(current) >= 2:
        runs.append(current)
    return runs


def _labels(
    svg: _Svg,
    chart: RadarChart,
    radius: float,
    size: float,
    max_width: float,
    missing_text: str,
) -> None:
    count = len(chart.axes)
    line_height = size * 1.2
    first = chart.series[0].values
    for index, label in enumerate(chart.axes):
        theta = angle(index, count)
        dx, dy = math.sin(theta), -math.cos(theta)
        gap = size * 0.8
        x, y = (radius + gap) * dx, (radius + gap) * dy
        anchor = "start" if dx > 0.2 else "end" if dx < -0.2 else "middle"
        title = wrap(label, size, max_width, bold=True)
        note = wrap(missing_text, size * 0.9, max_width) if first[index] is None else []
        height = len(title) * line_height + len(note) * size * 0.9 * 1.2
        top = y - height if dy < -0.3 else y if dy > 0.3 else y - height / 2
        svg.text_lines(title, x, top, anchor, size, line_height, bold=True)
        if note:
            svg.text_lines(
                note,
                x,
                top + len(title) * line_height,
                anchor,
                size * 0.9,
                size * 0.9 * 1.2,
                colour=MUTED_COLOUR,  # not italic: the report embeds no oblique face
            )


def _legend(svg: _Svg, chart: RadarChart, size: float, band_label: str | None) -> None:
    """Entries centred under the chart, wrapped into rows no wider than the chart."""
    entries: list[tuple[str, str, str]] = [  # (kind, colour, name)
        ("dashed" if s.dashed else "line", s.colour, s.name) for s in chart.series
    ]
    if band_label:
        entries.append(("band", chart.series[-1].colour, band_label))
    chart_box = svg.box
    available = max(chart_box.right - chart_box.left, 300.0)
    sample, spacing, line_height = 22.0, 16.0, size * 1.2
    laid: list[tuple[str, str, list[str], float]] = []
    for kind, colour, name in entries:
        lines = wrap(name, size, available - sample - 6)
        width = sample + 6 + max(text_width(line, size) for line in lines)
        laid.append((kind, colour, lines, width))
    rows: list[list[tuple[str, str, list[str], float]]] = [[]]
    for entry in laid:
        row_width = sum(e[3] for e in rows[-1]) + spacing * len(rows[-1])
        if rows[-1] and row_width + entry[3] > available:
            rows.append([])
        rows[-1].append(entry)
    top = chart_box.bottom + size * 1.2
    centre = (chart_box.left + chart_box.right) / 2
    for row in rows:
        width = sum(e[3] for e in row) + spacing * (len(row) - 1)
        x = centre - width / 2
        height = max(len(e[2]) for e in row) * line_height
        for kind, colour, lines, entry_width in row:
            mid = top + line_height / 2
            if kind == "band":
                svg.add(
                    f'<rect x="{_fmt(x)}" y="{_fmt(mid - 5)}" width="{_fmt(sample)}" height="10"'
                    f' fill="{colour}" fill-opacity="0.22"/>'
                )
            else:
                dash = ' stroke-dasharray="5 3"' if kind == "dashed" else ""
                svg.add(
                    f'<line x1="{_fmt(x)}" y1="{_fmt(mid)}" x2="{_fmt(x + sample)}"'
                    f' y2="{_fmt(mid)}" stroke="{colour}" stroke-width="2"{dash}/>'
                )
            svg.text_lines(lines, x + sample + 6, top, "start", size, line_height)
            x += entry_width + spacing
        top += height + size * 0.4
