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


def test_the_comparison_radar_starts_at_the_top_and_turns_clockwise(page, live_server, demo):
    """As the city's own radar (and the print one): the first area at the top, the second to its
    right; six cities in six colours; the radial ticks clear of the area titles."""
    from assessment.charts import SERIES_COLOURS
    from assessment.lookups import city_named

    follow_up = round_named("2022 follow-up")
    names = ("Sofia", "Riga", "Athens", "Paris", "Madrid", "Dublin")
    query = "&".join(f"city={city_named(n).id}" for n in names)
    log_in(page, live_server.url, demo["coordinator"])
    page.goto(f"{live_server.url}/compare/rounds/{follow_up.id}/compare?{query}")
    page.wait_for_selector("#radar svg.main-svg")
    step(page, "radar")
    found = page.evaluate(
        """() => {
            const box = el => { const r = el.getBoundingClientRect();
                return {x: r.x + r.width / 2, y: r.y + r.height / 2, r: r};
            };
            const ticks = [...document.querySelectorAll('#radar .angularaxistick text')]
                .map(t => Object.assign(box(t), {text: t.textContent}));
            const radial = [...document.querySelectorAll('#radar .radial-axis .xtick text')]
                .map(box);
            const centre = box(document.querySelector('#radar .bglayer .bg') ||
                document.querySelector('#radar .polarsublayer'));
            const lines = [...document.querySelectorAll('#radar .scatterlayer .trace path.js-line')]
                .map(p => getComputedStyle(p).stroke);
            return {ticks, radial: radial.map(b => b.r), centre, lines};
        }"""
    )
    ticks = found["ticks"]
    assert [t["text"] for t in ticks][:2] == ["Digital vision", "Governance"]
    first, second = ticks[0], ticks[1]
    assert first["y"] == min(t["y"] for t in ticks)  # the first area at the top
    assert abs(first["x"] - found["centre"]["x"]) < 5
    assert second["x"] > first["x"] + 50 and second["y"] > first["y"]  # then clockwise
    assert len(found["radial"]) >= 4
    # no radial tick label overlaps an area title
    for label in found["radial"]:
        for tick in ticks:
            box = tick["r"]
            apart = (
                label["x"] + label["width"] <= box["x"]
                or box["x"] + box["width"] <= label["x"]
                or label["y"] + label["height"] <= box["y"]
                or box["y"] + box["height"] <= label["y"]
            )
            assert apart, (label, tick["text"])
    drawn = {line for line in found["lines"]}
    expected = {
        "rgb({}, {}, {})".format(*(int(c[i : i + 2], 16) for i in (1, 3, 5)))
        for c in SERIES_COLOURS[:6]
    }
    assert expected <= drawn


@pytest.mark.parametrize("language", ["en", "bg"])
def test_the_coordinators_new_pages_pass_axe(page, live_server, demo, language):
    """The users list with its search and pager, the import page with its question keys, and
    the confirmation before a reopening."""
    from assessment.lookups import city_named

    follow_up = round_named("2022 follow-up")
    helsinki = city_named("Helsinki")
    log_in(page, live_server.url, demo["coordinator"])
    if language != "en":
        choose_language(page, language)
    problems = []
    for label, path in (
        ("users", "/admin/users?q=sofia"),
        ("users page 2", "/admin/users?page=2"),
        ("import", f"/admin/rounds/{follow_up.id}/import"),
        ("reopen", f"/compare/rounds/{follow_up.id}/cities/{helsinki.id}/reopen"),
        ("progress", "/compare/progress"),
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        step(page, f"{label}-{language}")
        problems += [f"{label}: {p}" for p in audit(page, label, language)]
    assert not problems, "\n".join(problems)
