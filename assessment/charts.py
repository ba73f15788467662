"""Chart data: one function per chart, feeding both renderers (Plotly on the web, SVG in PDFs).

Both renderers draw what these functions return, in this order, on a 0-100 scale, with these
colours, so a chart looks the same in the browser and on paper. ``as_dict()`` is the browser's
form: every label in it has gone through ``plotly_text``, because Plotly reads a subset of HTML
(links included) in trace names, tick labels and hover texts. The print renderer takes the chart
objects themselves and escapes its own SVG.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .scoring import stage

# The colours of a chart's series, in order: Okabe-Ito's, chosen so that the first six (the most
# cities a comparison shows) stay apart for colour-blind readers too: the vermillion, too close to
# the orange (worst of all pairs in deuteranopia), comes only seventh, black takes its place.
# The one palette of every chart, on the web and in print.
SERIES_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#000000", "#d55e00")
# Radars start at the top and go clockwise (the web's Plotly and the print SVG alike).
RADAR_ROTATION, RADAR_DIRECTION = 90, "clockwise"
COHORT_COLOUR = "#7a8794"
STAGE_COLOURS = {1: "#d7301f", 2: "#f08a24", 3: "#e8c21e", 4: "#7cb342", 5: "#2e7d32"}
SCALE = (0.0, 100.0)


def plotly_text(text: str) -> str:
    """A label for Plotly, shown as the plain text it is: ``&``, ``<`` and ``>`` as entities.

    Plotly turns ``<a href>``, ``<b>``, ``<br>`` and a few more tags in labels into live SVG
    elements, and shows the entities as the characters, so a city named ``<a href=...>`` is
    drawn as those characters, never as a link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plotly_texts(texts) -> list[str]:
    return [plotly_text(text) for text in texts]


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per axis; None = no score (insufficient data)
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class RadarChart:
    axes: tuple[str, ...]
    series: tuple[Series, ...]
    band: tuple[tuple[float | None, ...], tuple[float | None, ...]] | None = None  # q1, q3
    scale: tuple[float, float] = SCALE

    def as_dict(self) -> dict:
        return {
            "axes": _plotly_texts(self.axes),
            "scale": list(self.scale),
            "series": [
                {
                    "name": plotly_text(s.name),
                    "values": list(s.values),
                    "colour": s.colour,
                    "dashed": s.dashed,
                }
                for s in self.series
            ],
            "band": None if self.band is None else [list(self.band[0]), list(self.band[1])],
            "rotation": RADAR_ROTATION,
            "direction": RADAR_DIRECTION,
        }


def radar_chart(
    axes: Sequence[tuple[str, str]],
    series: Sequence[tuple[str, Mapping[str, float | None]]],
    cohort: tuple[str, Mapping[str, float | None]] | None = None,
    band: tuple[Mapping[str, float | None], Mapping[str, float | None]] | None = None,
) -> RadarChart:
    """A radar of areas: ``axes`` are (key, label) pairs, ``series`` (name, key -> score).

    At most 7 series (each its own colour; print shows up to 4); ``cohort`` is drawn dashed in
    grey; ``band`` is a (q1, q3) pair of key -> value for a quartile band.
    """
    if not 3 <= len(axes) <= 10:
        raise ValueError(f"a radar needs 3 to 10 axes, not {len(axes)}")
    if len(series) > len(SERIES_COLOURS):
        raise ValueError(f"a radar shows at most {len(SERIES_COLOURS)} series")
    keys = [key for key, _ in axes]
    drawn = [
        Series(name, tuple(values.get(k) for k in keys), SERIES_COLOURS[i])
        for i, (name, values) in enumerate(series)
    ]
    if cohort is not None:
        name, values = cohort
        drawn.append(Series(name, tuple(values.get(k) for k in keys), COHORT_COLOUR, dashed=True))
    quartiles = None
    if band is not None:
        quartiles = (tuple(band[0].get(k) for k in keys), tuple(band[1].get(k) for k in keys))
    return RadarChart(tuple(label for _, label in axes), tuple(drawn), quartiles)


@dataclass(frozen=True)
class HeatmapChart:
    """Rows (cities, then cohort rows) × columns (areas, then overall), coloured by stage."""

    columns: tuple[str, ...]
    rows: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]  # None = insufficient data
    texts: tuple[tuple[str | None, ...], ...]  # each value as the table writes it; None: no score
    stages: tuple[tuple[int | None, ...], ...]
    stage_colours: Mapping[int, str]
    scale: tuple[float, float] = SCALE

    def as_dict(self) -> dict:
        return {
            "columns": _plotly_texts(self.columns),
            "rows": _plotly_texts(self.rows),
            "values": [list(row) for row in self.values],
            "texts": [list(row) for row in self.texts],
            "stages": [list(row) for row in self.stages],
            "stage_colours": {str(k): v for k, v in self.stage_colours.items()},
            "scale": list(self.scale),
        }


def heatmap_chart(
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Mapping[str, float | None]]],
    text: Callable[[float], str] = lambda value: f"{round(value, 1):.1f}",
) -> HeatmapChart:
    """A table of scores as coloured cells: ``columns`` (key, label), ``rows`` (name, key -> score).

    Colour is the stage of the unrounded score, so a cell looks like the stage badge on a page;
    its text is ``text(score)``: give the page's own formatter, so the cell reads as the table's.
    """
    keys = [key for key, _ in columns]
    values = tuple(tuple(scores.get(k) for k in keys) for _, scores in rows)
    return HeatmapChart(
        tuple(label for _, label in columns),
        tuple(name for name, _ in rows),
        values,
        tuple(tuple(None if v is None else text(v) for v in row) for row in values),
        tuple(tuple(stage(v) for v in row) for row in values),
        STAGE_COLOURS,
    )


@dataclass(frozen=True)
class Distribution:
    label: str
    names: tuple[str, ...]  # the cities that have a score on this axis
    values: tuple[float, ...]
    stages: tuple[int, ...]
    statistics: Mapping[str, float | int | None]  # rule 7: n, min, q1, median, q3, max


@dataclass(frozen=True)
class DistributionChart:
    """Per axis (area or overall) where each city sits: a box of the quartiles and one dot per
    city, dots coloured by stage."""

    axes: tuple[Distribution, ...]
    stage_colours: Mapping[int, str]
    colour: str = SERIES_COLOURS[0]
    scale: tuple[float, float] = SCALE

    def as_dict(self) -> dict:
        return {
            "axes": [
                {
                    "label": plotly_text(a.label),
                    "names": _plotly_texts(a.names),
                    "values": list(a.values),
                    "stages": list(a.stages),
                    "statistics": dict(a.statistics),
                }
                for a in self.axes
            ],
            "stage_colours": {str(k): v for k, v in self.stage_colours.items()},
            "colour": self.colour,
            "scale": list(self.scale),
        }


def distribution_chart(
    axes: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Mapping[str, float | None]]],
    statistics: Mapping[str, Mapping[str, float | int | None]],
) -> DistributionChart:
    """``axes`` (key, label); ``rows`` (city, key -> score); ``statistics`` key -> rule 7 figures.

    Cities without a score on an axis are left out of that axis (never drawn as 0).
    """
    drawn = []
    for key, label in axes:
        points = [(name, scores[key]) for name, scores in rows if scores.get(key) is not None]
        drawn.append(
            Distribution(
                label,
                tuple(name for name, _ in points),
                tuple(value for _, value in points),
                tuple(stage(value) for _, value in points),  # type: ignore[misc]
                statistics[key],
            )
        )
    return DistributionChart(tuple(drawn), STAGE_COLOURS)


@dataclass(frozen=True)
class ProgressSeries:
    label: str
    names: tuple[str, ...]
    start: tuple[float, ...]  # the score in the earlier round
    change: tuple[float, ...]  # later minus earlier (rule 8)
    colour: str


@dataclass(frozen=True)
class ProgressChart:
    """Change against starting score, one series per axis (overall first)."""

    series: tuple[ProgressSeries, ...]
    scale: tuple[float, float] = SCALE

    def as_dict(self) -> dict:
        return {
            "series": [
                {
                    "label": plotly_text(s.label),
                    "names": _plotly_texts(s.names),
                    "start": list(s.start),
                    "change": list(s.change),
                    "colour": s.colour,
                }
                for s in self.series
            ],
            "scale": list(self.scale),
        }


def progress_chart(
    axes: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, Mapping[str, float | None], Mapping[str, float | None]]],
) -> ProgressChart:
    """``axes`` (key, label); ``rows`` (city, key -> earlier score, key -> change).

    A city appears on an axis only where both its earlier score and its change exist.
    """
    if len(axes) > len(SERIES_COLOURS):
        raise ValueError(f"a progress chart shows at most {len(SERIES_COLOURS)} series")
    series = []
    for index, (key, label) in enumerate(axes):
        points = [
            (name, start[key], change[key])
            for name, start, change in rows
            if start.get(key) is not None and change.get(key) is not None
        ]
        series.append(
            ProgressSeries(
                label,
                tuple(p[0] for p in points),
                tuple(p[1] for p in points),  # type: ignore[misc]
                tuple(p[2] for p in points),  # type: ignore[misc]
                SERIES_COLOURS[index],
            )
        )
    return ProgressChart(tuple(series))


@dataclass(frozen=True)
class IndicatorDistribution:
    key: str
    label: str
    unit: str
    direction: str
    names: tuple[str, ...]  # the cohort's cities with a value
    values: tuple[float, ...]
    statistics: Mapping[str, float | int | None]  # rule 11: n, min, q1, median, q3, max


@dataclass(frozen=True)
class IndicatorChart:
    """Per success indicator, where each city of the cohort sits: a box of the quartiles and one
    dot per city, one indicator at a time (their units differ, so they share no axis)."""

    indicators: tuple[IndicatorDistribution, ...]
    colour: str = SERIES_COLOURS[0]

    def as_dict(self) -> dict:
        return {
            "indicators": [
                {
                    "key": d.key,
                    "label": plotly_text(d.label),
                    "unit": d.unit,
                    "direction": d.direction,
                    "names": _plotly_texts(d.names),
                    "values": list(d.values),
                    "statistics": dict(d.statistics),
                }
                for d in self.indicators
            ],
            "colour": self.colour,
        }


def indicator_chart(
    indicators: Sequence[tuple[str, str, str, str]],
    values: Callable[[str], Sequence[tuple[str, float]]],
    statistics: Mapping[str, Mapping[str, float | int | None]],
) -> IndicatorChart:
    """``indicators`` (key, label, unit, direction); ``values(key)`` the cohort's (city, value)
    pairs; ``statistics`` key -> rule 11 figures. Cities without a value are left out."""
    drawn = []
    for key, label, unit, direction in indicators:
        points = values(key)
        drawn.append(
            IndicatorDistribution(
                key,
                label,
                unit,
                direction,
                tuple(name for name, _ in points),
                tuple(value for _, value in points),
                statistics[key],
            )
        )
    return IndicatorChart(tuple(drawn))
