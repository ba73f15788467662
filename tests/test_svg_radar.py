"""The print radar: points where the scores say, gaps for missing values, labels inside the box."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from assessment.charts import radar_chart
from reports.svg_radar import point, render_radar
from reports.text_metrics import text_width, wrap

NS = {"svg": "http://www.w3.org/2000/svg"}
AREAS = [
    ("vision", "Digital vision"),
    ("governance", "Governance"),
    ("systems", "Technology systems development"),
    ("user_centric", "User-centric design"),
    ("data", "Data infrastructure"),
]
CITY = {"vision": 62.5, "governance": 40.0, "systems": 0.0, "user_centric": 100.0, "data": 55.0}


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def points_of(element: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in element.get("points").split()]


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    left, top, width, height = map(float, root.get("viewBox").split())
    return left, top, left + width, top + height


def draw(chart, **options):
    return render_radar(chart, title="Radar", missing_text="insufficient data", **options)


def test_polygon_points_are_the_scores():
    chart = radar_chart(AREAS, [("Sofia", CITY)])
    root = parse(draw(chart, radius=100))
    (polygon,) = root.findall(".//svg:polygon[@data-series='0']", NS)
    drawn = points_of(polygon)
    assert len(drawn) == 5
    for index, (key, _label) in enumerate(AREAS):
        score = CITY[key]
        theta = 2 * math.pi * index / 5
        expected = (100 * score / 100 * math.sin(theta), -100 * score / 100 * math.cos(theta))
        assert drawn[index] == pytest.approx(expected, abs=0.01)
        # distance from the centre is the score on a 0-100 scale
        assert math.hypot(*drawn[index]) == pytest.approx(score, abs=0.01)
    assert drawn[0] == pytest.approx((0, -62.5), abs=0.01)  # first axis points up
    assert drawn[2] == pytest.approx((0, 0), abs=0.01)  # a score of 0 is the centre


def test_a_missing_value_is_a_gap_not_zero():
    values = {**CITY, "systems": None}
    chart = radar_chart(AREAS, [("Sofia", values)])
    root = parse(draw(chart, radius=100))
    assert root.findall(".//svg:polygon[@data-series='0']", NS) == []
    lines = root.findall(".//svg:polyline[@data-series='0']", NS)
    drawn = [p for line in lines for p in points_of(line)]
    assert len(drawn) == 4  # one point per scored axis, none for the missing one
    assert all(math.hypot(*p) > 1 for p in drawn)  # nothing drawn at the centre
    expected_missing = point(0, 2, 5, 100)
    assert all(p != pytest.approx(expected_missing, abs=0.5) for p in drawn)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "insufficient data" in texts
    circles = root.findall(".//svg:circle", NS)
    assert len(circles) == 4


def test_series_legend_cohort_dashed_and_band():
    chart = radar_chart(
        AREAS,
        [("Sofia, 2022", CITY), ("Sofia, 2020", {k: 30.0 for k, _ in AREAS})],
        cohort=("Median of 18 cities", {k: 50.0 for k, _ in AREAS}),
        band=({k: 40.0 for k, _ in AREAS}, {k: 70.0 for k, _ in AREAS}),
    )
    svg = draw(chart, band_label="Middle half")
    root = parse(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for name in ("Sofia, 2022", "Sofia, 2020", "Median of 18 cities", "Middle half"):
        assert name in texts
    median = root.find(".//svg:polygon[@data-series='2']", NS)
    assert median.get("stroke-dasharray")
    assert root.find(".//svg:polygon[@data-series='0']", NS).get("stroke-dasharray") is None
    assert root.find(".//svg:path[@class='band']", NS) is not None


@pytest.mark.parametrize("count", [3, 4, 7, 10])
def test_labels_fit_inside_the_view_box(count):
    labels = [
        "A rather long area name that has to wrap onto several lines",
        "Short",
        "Цифрова инфраструктура за данни",
        "Technology systems development",
        "X",
    ]
    axes = [(f"a{i}", labels[i % len(labels)] + f" {i}") for i in range(count)]
    chart = radar_chart(
        axes,
        [("A city whose name is long enough to wrap in the legend " * 2, {})],
        cohort=("Median", {f"a{i}": 50.0 for i in range(count)}),
    )
    root = parse(draw(chart, font_size=11))
    left, top, right, bottom = view_box(root)
    for text in root.iter("{http://www.w3.org/2000/svg}text"):
        x, y, size = float(text.get("x")), float(text.get("y")), float(text.get("font-size"))
        width = text_width(text.text, size, bold=text.get("font-weight") == "bold")
        start = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor")]
        assert left <= start and start + width <= right, text.text
        assert top <= y - size and y + 0.3 * size <= bottom, text.text
    assert float(root.get("width")) == pytest.approx(right - left)


def test_text_is_escaped():
    chart = radar_chart(
        [("a", '<img src="x">'), ("b", "B & C"), ("c", "C")],
        [('<script>alert("x")</script>', {"a": 10.0, "b": 20.0, "c": 30.0})],
    )
    svg = str(draw(chart))
    assert "<img" not in svg and "<script>" not in svg
    root = parse(svg)  # still well-formed XML
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert '<img src="x">' in texts and "B & C" in texts


def test_limits():
    with pytest.raises(ValueError, match="3 to 10 axes"):
        radar_chart(AREAS[:2], [("a", {})])
    five = [(f"s{i}", CITY) for i in range(5)]
    with pytest.raises(ValueError, match="1 to 4 series"):
        draw(radar_chart(AREAS, five))


def test_wrap_keeps_every_word():
    text = "Technology systems development and a verylongwordthatcannotfitononeline"
    lines = wrap(text, 10, 80)
    assert all(text_width(line, 10) <= 80 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
