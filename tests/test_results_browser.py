"""The city results page in a real browser: the radar's fallback.

Headless Chromium through Playwright (tests/playwright_support.py), against the live server on
loopback. When plotly.js does not load, the chart area says so and the figures table is there;
when it does, the radar replaces the message.
"""

from __future__ import annotations

import pytest

from assessment.demo import DEMO_PASSWORD
from assessment.lookups import city_named, round_named
from tests.playwright_support import needs_chromium, step

pytestmark = [pytest.mark.slow, needs_chromium]

FALLBACK = "The chart could not be drawn; the figures are in the table below."
CHART = "#radar.js-plotly-plot .main-svg"


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_selector(".user")


def results_path() -> str:
    return f"/results/{round_named('2020 baseline').id}/{city_named('Sofia').id}"


def test_without_plotly_the_chart_area_says_so_and_the_table_is_there(page, live_server, demo):
    sign_in(page, live_server.url, "leader@sofia.example")
    page.route("**/vendor/plotly-*", lambda route: route.abort())
    page.goto(live_server.url + results_path())
    page.wait_for_load_state("load")
    message = page.locator("#radar .chart-fallback")
    assert message.is_visible() and message.inner_text() == FALLBACK
    assert page.locator("#radar.js-plotly-plot").count() == 0
    assert page.locator(".area-table tbody tr").count() == 5
    # the blocked script is the only problem the page had
    problems, page.problems[:] = list(page.problems), []
    assert problems and all("Failed to load resource" in p for p in problems), problems
    step(page, "no plotly.js")

    page.unroute("**/vendor/plotly-*")
    page.reload()
    page.wait_for_selector(CHART)
    assert page.locator("#radar .chart-fallback").count() == 0
    layout = page.evaluate("document.getElementById('radar').layout.polar")
    assert layout["gridshape"] == "linear"  # polygon rings, as in the PDF
    assert layout["radialaxis"]["tickvals"] == [0, 20, 40, 60, 80, 100]  # the stage edges
    step(page, "radar drawn")
