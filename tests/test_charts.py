"""The chart-data module's palette: the colours of up to six compared cities stay apart, for
readers with normal colour vision and for the commonest colour-vision deficiencies."""

from __future__ import annotations

import itertools
import math

import pytest

from assessment.charts import COHORT_COLOUR, SERIES_COLOURS, radar_chart
from assessment.compare.queries import MAX_COMPARED

# Machado, Oliveira and Fernandes (2009), full severity: linear-RGB matrices
SIMULATIONS = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
}
# smallest CIEDE2000 difference between any two of the six colours
LEAST = {"normal": 20.0, "protanopia": 12.0, "deuteranopia": 15.0}


def linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def lab(hex_colour: str, matrix) -> tuple[float, float, float]:
    rgb = [linear(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5)]
    r, g, b = (
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix
    )
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def ciede2000(one, other) -> float:
    (l1, a1, b1), (l2, a2, b2) = one, other
    mean_c = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(mean_c**7 / (mean_c**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = math.degrees(math.atan2(b1, a1)) % 360, math.degrees(math.atan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_hue = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    mean_l, mean_cp = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        mean_h = h1 + h2
    elif abs(h1 - h2) <= 180:
        mean_h = (h1 + h2) / 2
    else:
        mean_h = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(mean_h - 30))
        + 0.24 * math.cos(math.radians(2 * mean_h))
        + 0.32 * math.cos(math.radians(3 * mean_h + 6))
        - 0.20 * math.cos(math.radians(4 * mean_h - 63))
    )
    rotation = 30 * math.exp(-(((mean_h - 275) / 25) ** 2))
    rc = 2 * math.sqrt(mean_cp**7 / (mean_cp**7 + 25**7))
    sl = 1 + 0.015 * (mean_l - 50) ** 2 / math.sqrt(20 + (mean_l - 50) ** 2)
    sc, sh = 1 + 0.045 * mean_cp, 1 + 0.015 * mean_cp * t
    rt = -math.sin(math.radians(2 * rotation)) * rc
    dl, dc = l2 - l1, c2 - c1
    return math.sqrt(
        (dl / sl) ** 2 + (dc / sc) ** 2 + (d_hue / sh) ** 2 + rt * (dc / sc) * (d_hue / sh)
    )


def test_ciede2000_matches_the_published_test_data():
    # Sharma, Wu and Dalal (2005), pairs 1 and 17
    assert ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)


@pytest.mark.parametrize("vision", SIMULATIONS)
def test_six_compared_cities_have_colours_that_stay_apart(vision):
    colours = SERIES_COLOURS[:MAX_COMPARED]
    assert len(set(colours)) == MAX_COMPARED and COHORT_COLOUR not in colours
    matrix = SIMULATIONS[vision]
    closest = min(
        (ciede2000(lab(a, matrix), lab(b, matrix)), a, b)
        for a, b in itertools.combinations(colours, 2)
    )
    assert closest[0] >= LEAST[vision], closest


def test_the_radar_data_says_its_orientation_and_gives_each_city_its_colour():
    axes = [("vision", "Визия"), ("governance", "Управление"), ("data", "Δεδομένα")]
    cities = [(f"Град {i}", {"vision": 10.0 * i}) for i in range(MAX_COMPARED)]
    chart = radar_chart(axes, cities, cohort=("Медиана", {"vision": 50.0})).as_dict()
    assert (chart["rotation"], chart["direction"]) == (90, "clockwise")
    assert [s["colour"] for s in chart["series"]] == [*SERIES_COLOURS[:MAX_COMPARED], COHORT_COLOUR]
