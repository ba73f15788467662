"""The city results page in a real browser: the radar's fallback and the page-load figures.

Headless Chromium through Playwright (tests/playwright_support.py), against the live server on
loopback. When plotly.js does not load, the chart area says so and the figures table is there;
when it does, the radar replaces the message. A first load (a new browser context: an empty
cache) and a repeat load in the same context are measured, and the figures printed:

    .venv/bin/pytest -q -s -m slow tests/test_results_browser.py -k page_load
"""

from __future__ import annotations

import pytest

from assessment.demo import DEMO_PASSWORD
from assessment.lookups import city_named, round_named
from tests.playwright_support import needs_chromium, step

pytestmark = [pytest.mark.slow, needs_chromium]

FALLBACK = "The chart could not be drawn; the figures are in the table below."
CHART = "#radar.js-plotly-plot .main-svg"

# The moment the radar is drawn, in milliseconds since the navigation started: noted by a
# MutationObserver that an init script (not subject to the page's CSP) adds to every page.
NOTE_CHART_DRAWN = """window.__chartDrawn = null;
new MutationObserver((changes, observer) => {
    if (document.querySelector('#radar.js-plotly-plot .main-svg')) {
        window.__chartDrawn = performance.now();
        observer.disconnect();
    }
}).observe(document, {childList: true, subtree: true});
"""

# what a load transferred: the page itself and every resource, as the browser counts them
TRANSFERS = """() => {
    const [navigation] = performance.getEntriesByType('navigation');
    const resources = performance.getEntriesByType('resource').map(r => ({
        name: r.name, type: r.initiatorType, transferred: r.transferSize,
        body: r.encodedBodySize, decoded: r.decodedBodySize,
    }));
    return {page: navigation.transferSize, resources, drawn: window.__chartDrawn};
}"""


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


def load_figures(page, url: str) -> dict:
    page.goto(url)
    page.wait_for_selector(CHART)
    page.wait_for_function("window.__chartDrawn !== null")
    figures = page.evaluate(TRANSFERS)
    figures["total"] = figures["page"] + sum(r["transferred"] for r in figures["resources"])
    return figures


def test_page_load_first_and_repeat(page, live_server, demo):
    page.context.add_init_script(NOTE_CHART_DRAWN)
    sign_in(page, live_server.url, "leader@sofia.example")
    url = live_server.url + results_path()

    first = load_figures(page, url)  # the context's cache had only the login pages' files
    step(page, "first load")
    repeat = load_figures(page, url)  # the same context, navigated to again
    step(page, "repeat load")

    def plotly(figures):
        (entry,) = [r for r in figures["resources"] if "/vendor/plotly-" in r["name"]]
        return entry

    # first load: plotly.js comes over the wire, compressed (about a third of its size)
    assert plotly(first)["transferred"] > 0
    assert plotly(first)["body"] < plotly(first)["decoded"] / 2
    # repeat load: no script comes over the wire, plotly.js comes from the browser's cache
    assert plotly(repeat)["transferred"] == 0
    scripts = [r for r in repeat["resources"] if r["type"] == "script"]
    assert scripts and all(r["transferred"] < 1024 for r in scripts), scripts  # 0, or a 304
    assert repeat["total"] < first["total"] / 10

    for label, figures in (("first load", first), ("repeat load", repeat)):
        print(
            f"\nresults page, {label}: {figures['total'] / 1024:,.1f} KiB transferred"
            f" (page {figures['page'] / 1024:,.1f} KiB, plotly.js"
            f" {plotly(figures)['transferred'] / 1024:,.1f} KiB), chart drawn after"
            f" {figures['drawn']:,.0f} ms"
        )
