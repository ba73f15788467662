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


ROUND_TEXTS = {
    "en": {"planned": "planned", "cities": "2 cities", "not started": "not started"},
    "bg": {"planned": "предстоящ", "cities": "2 общини", "not started": "не е започнала"},
}


@pytest.mark.parametrize("language", ["en", "bg"])
def test_a_coordinator_plans_a_round_for_chosen_cities(page, live_server, demo, language):
    """Create a round with dates for two cities found with the search box: a closing date
    before the opening one is refused on its field first; the round is then planned, and its
    dashboard lists the two cities as not started, with its opening date."""
    texts = ROUND_TEXTS[language]
    name = f"Кръг 2099 ({language})"
    log_in(page, live_server.url, demo["coordinator"])
    if language != "en":
        choose_language(page, language)
    page.goto(f"{live_server.url}/admin/rounds")
    city_list = page.locator(".city-list")
    assert not city_list.is_visible()  # every city, by default
    page.fill("#name", name)
    page.fill("#opens_on", "2099-03-01")
    page.fill("#closes_on", "2099-02-28")
    page.check("#taking_part-1")
    assert city_list.is_visible()
    page.fill("#city-search", "sof")
    assert page.locator(".city-list li:visible").count() == 1
    page.click("[data-select-all]")
    page.fill("#city-search", "RIG")
    page.click("[data-select-all]")
    page.fill("#city-search", "")
    assert page.locator(".city-list li:visible").count() == 21
    step(page, f"round-form-{language}")
    page.click(".round-form [type=submit]")
    page.wait_for_load_state()
    error = page.locator(".field.has-error .field-error").first
    assert "2099" in error.inner_text() and error.is_visible()
    assert page.locator("#closes_on").get_attribute("aria-invalid") == "true"
    assert page.is_checked("#taking_part-1")  # the choice is kept, and the ticked cities
    assert page.locator(".city-list input:checked").count() == 2
    step(page, f"round-form-error-{language}")
    problems = audit(page, "round form error", language)
    page.fill("#closes_on", "2099-06-30")
    page.click(".round-form [type=submit]")
    page.wait_for_load_state()
    row = page.locator("tr", has=page.locator(f"th:has-text('{name}')"))
    assert texts["planned"] in row.inner_text().lower() and texts["cities"] in row.inner_text()
    assert "2099" in row.inner_text()
    step(page, f"rounds-{language}")
    problems += audit(page, "rounds", language)

    round_id = round_named(name).id
    page.goto(f"{live_server.url}/compare/rounds/{round_id}")
    section = page.locator("section.not-started")
    assert section.locator("tbody th").all_inner_texts() == ["Riga", "Sofia"]
    assert texts["not started"] in section.inner_text()
    assert "2099" in page.locator(".round-when").inner_text()
    step(page, f"dashboard-not-started-{language}")
    problems += audit(page, "dashboard not started", language)
    assert not problems, "\n".join(problems)


MEMBER_TEXTS = {
    "en": {"left": "7 days left.", "opens": "Opens on", "planned": "opens on"},
    "bg": {"left": "остават 7 дни.", "opens": "Отваря на", "planned": "отваря на"},
}


@pytest.mark.parametrize("language", ["en", "bg"])
def test_the_city_team_sees_when_its_rounds_open_and_close(page, live_server, demo, language):
    """The round the coordinator gave a closing date says the days left on the member's home
    and overview; a planned round the city takes part in says when it opens, and its pages
    refuse answers with that date."""
    from datetime import timedelta

    from assessment.admin.round_operations import create_round
    from assessment.extensions import db
    from assessment.lookups import city_named
    from assessment.rounds import today

    texts = MEMBER_TEXTS[language]
    follow_up = round_named("2022 follow-up")
    follow_up.closes_on = today() + timedelta(days=7)
    planned = create_round(
        "Кръг 2099",
        "city-digital-maturity:2",
        opens_on=today() + timedelta(days=30),
        cities=[city_named("Sofia")],
    )
    db.session.commit()
    log_in(page, live_server.url, demo["respondent"])
    if language != "en":
        choose_language(page, language)
    page.goto(f"{live_server.url}/survey/")
    items = page.locator(".round-list > li")
    assert items.count() == 3
    assert "Кръг 2099" in items.nth(0).inner_text()  # the newest first: by opening date
    assert texts["opens"] in items.nth(0).inner_text()
    assert texts["left"] in items.nth(1).inner_text()
    step(page, f"member-home-{language}")
    problems = audit(page, "member home", language)
    page.goto(f"{live_server.url}/survey/{follow_up.id}/")
    assert texts["left"] in page.locator(".round-when").inner_text()
    page.goto(f"{live_server.url}/survey/{planned.id}/")
    assert texts["planned"] in page.locator(".flash-info").inner_text()
    step(page, f"member-planned-{language}")
    problems += audit(page, "member planned round", language)
    assert not problems, "\n".join(problems)


def test_without_plotly_every_coordinator_chart_says_so(page, live_server, demo):
    """plotly.js blocked: each chart area of the dashboard, the comparison, the indicators view
    and the progress page says the chart could not be drawn; once it loads, the messages go."""
    from assessment.lookups import city_named

    from .test_results_browser import FALLBACK

    follow_up = round_named("2022 follow-up")
    cities = "&".join(f"city={city_named(name).id}" for name in ("Sofia", "Riga"))
    pages = {
        f"/compare/rounds/{follow_up.id}": ("#heatmap", "#distribution"),
        f"/compare/rounds/{follow_up.id}/compare?{cities}": ("#radar",),
        f"/compare/rounds/{follow_up.id}/indicators": ("#indicator-distribution",),
        "/compare/progress": ("#progress-chart",),
    }
    log_in(page, live_server.url, demo["coordinator"])
    page.route("**/vendor/plotly-*", lambda route: route.abort())
    for path, charts in pages.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        for chart in charts:
            message = page.locator(f"{chart} .chart-fallback")
            assert message.is_visible() and message.inner_text() == FALLBACK, (path, chart)
    problems, page.problems[:] = list(page.problems), []
    assert problems and all("Failed to load resource" in p for p in problems), problems
    page.unroute("**/vendor/plotly-*")
    for path, charts in pages.items():
        page.goto(live_server.url + path)
        for chart in charts:
            page.wait_for_selector(f"{chart}.js-plotly-plot .main-svg")
            page.wait_for_function(f"() => !document.querySelector('{chart} .chart-fallback')")
