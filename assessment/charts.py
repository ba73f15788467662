"""Chart data: one function per chart, feeding both renderers (Plotly on the web, SVG in PDFs).

Both renderers draw what these functions return, in this order, on a 0-100 scale, with these
colours, so a chart looks the same in the browser and on paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Okabe-Ito colours, told apart by colour-blind readers too
SERIES_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8c564b")
COHORT_COLOUR = "#7a8794"
STAGE_COLOURS = {1: "#d7301f", 2: "#f08a24", 3: "#e8c21e", 4: "#7cb342", 5: "#2e7d32"}
SCALE = (0.0, 100.0)


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
            "axes": list(self.axes),
            "scale": list(self.scale),
            "series": [
                {"name": s.name, "values": list(s.values), "colour": s.colour, "dashed": s.dashed}
                for s in self.series
            ],
            "band": None if self.band is None else [list(self.band[0]), list(self.band[1])],
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
