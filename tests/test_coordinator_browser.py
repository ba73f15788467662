"""The coordinator's round dashboard in a real browser (headless Chromium, axe), both languages:
it fits a 1280 px screen, its stage colours have a legend and every cell says its stage in text.
"""

from __future__ import annotations

import pytest

from assessment.lookups import round_named

from .playwright_support import audit, needs_chromium, step
from .test_accessibility import choose_language, log_in

pytestmark = [pytest.mark.slow, needs_chromium]

WIDTH = """() => ({
    page: document.documentElement.scrollWidth,
    table: document.querySelector('table.dashboard').scrollWidth,
    box: document.querySelector('table.dashboard').parentElement.clientWidth
})"""


@pytest.mark.parametrize("language", ["en", "bg"])
def test_the_round_dashboard_fits_1280_px_with_a_stage_legend(page, live_server, demo, language):
    follow_up = round_named("2022 follow-up")
    log_in(page, live_server.url, demo["coordinator"])
    if language != "en":
        choose_language(page, language)
    page.goto(f"{live_server.url}/compare/rounds/{follow_up.id}")
    page.wait_for_selector("#heatmap svg.main-svg")
    step(page, f"dashboard-{language}")
    sizes = page.evaluate(WIDTH)
    assert sizes["page"] <= 1280, sizes
    assert sizes["table"] <= sizes["box"], sizes  # no column cut off behind a scroll bar
    legend = page.locator(".stage-legend li")
    assert legend.count() == 5
    assert legend.nth(3).inner_text().strip().startswith("4 · ")
    # every coloured score cell says its stage in text too, the same stage as its colour
    cells = page.evaluate(
        """() => [...document.querySelectorAll('table.dashboard td[class*="cell-stage-"]')]
            .map(td => [td.className.match(/cell-stage-(\\d)/)[1],
                        td.querySelector('.stage-tag')?.textContent.trim()])"""
    )
    assert len(cells) > 100
    assert all(text and text.endswith(colour) for colour, text in cells)
    problems = audit(page, "dashboard", language)
    assert not problems, "\n".join(problems)
