"""Accessibility in a real browser, in English and in Bulgarian.

axe-core finds no serious or critical violation on the pages of every role (demo programme, in
headless Chromium); each page's violations by impact are listed at the end of the test run.
Journeys are done as people do them: a member answers a whole area with the keyboard alone, a
leader invites and submits, a coordinator compares cities and reads back the CSV and PDF files
the browser downloaded; and a survey page fits a 375-pixel-wide phone.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from playwright.sync_api import Error as PlaywrightError
from pypdf import PdfReader
from sqlalchemy import select

from assessment.demo import BASELINE, DEMO_PASSWORD, FOLLOW_UP
from assessment.extensions import db
from assessment.models import City, Role, Round

from .conftest import PASSWORD
from .playwright_support import (
    CHARTS_DRAWN,
    SUMMARY,
    audit,
    axe_violations,
    chart_contrast,
    focus_walk,
    needs_chromium,
    step,
)

pytestmark = [pytest.mark.slow, needs_chromium]
LANGUAGES = ["en", "bg"]

# The levels of each question that the page came with from the server. ``defaultChecked`` is the
# ``checked`` attribute of the HTML as served; a browser restoring a form's state after a reload
# sets ``checked`` only, so an answer the server did not store cannot show here.
STORED = """() => Object.fromEntries([...document.querySelectorAll('fieldset[data-question]')].map(
    f => [f.dataset.question, [...f.querySelectorAll('input[type=radio]')]
        .filter(r => r.defaultChecked).map(r => r.value)]))"""
CHOSEN = """() => Object.fromEntries([...document.querySelectorAll('fieldset[data-question]')].map(
    f => [f.dataset.question, [...f.querySelectorAll('input[type=radio]')]
        .filter(r => r.checked).map(r => r.value)]))"""


def choose_language(page, language: str) -> None:
    page.select_option("#language", language)
    page.click(".language-switch button[type=submit]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == language


def log_in(page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main form [type=submit]")
    page.wait_for_selector(".user")


def log_out(page) -> None:
    page.click(".header-tools form button.link-button")
    page.wait_for_selector("a[href='/login']")


def check(page, url: str, label: str, language: str) -> list[str]:
    """Open the page, screenshot it, and return a description of its serious/critical issues."""
    response = page.goto(url)
    assert response.status == 200, f"{label}: {url} answered {response.status}"
    assert page.get_attribute("html", "lang") == language
    step(page, f"{label}-{language}")
    problems = audit(page, label, language)
    return [f"{label} ({url}):\n" + "\n".join(problems)] if problems else []


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_have_no_serious_accessibility_violations(demo, live_server, page, language):
    base = live_server.url
    follow_up = db.session.scalar(select(Round).where(Round.name == FOLLOW_UP))
    cities = db.session.scalars(select(City).order_by(City.name).limit(3)).all()
    problems: list[str] = []

    page.goto(base + "/")
    choose_language(page, language)
    problems += check(page, base + "/", "landing", language)
    problems += check(page, base + "/login", "login", language)

    log_in(page, base, demo["respondent"])
    survey = f"{base}/survey/{follow_up.id}"
    problems += check(page, base + "/survey/", "survey rounds", language)
    problems += check(page, survey + "/", "survey overview", language)
    problems += check(page, survey + "/areas/vision", "survey area", language)
    problems += check(page, survey + "/review", "survey review", language)
    log_out(page)

    log_in(page, base, demo["coordinator"])
    rounds = f"{base}/compare/rounds/{follow_up.id}"
    chosen = "&".join(f"city={city.id}" for city in cities)
    problems += check(page, base + "/compare/", "compare rounds", language)
    problems += check(page, rounds, "round dashboard", language)
    problems += check(page, f"{rounds}/compare?{chosen}", "compare cities", language)
    problems += check(page, f"{rounds}/questions", "weakest questions", language)

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_leader_and_programme_pages_have_no_serious_violations(demo, live_server, page, language):
    base = live_server.url
    baseline = db.session.scalar(select(Round).where(Round.name == BASELINE))
    follow_up = db.session.scalar(select(Round).where(Round.name == FOLLOW_UP))
    sofia = db.session.scalar(select(City).where(City.name == "Sofia"))
    results = f"{base}/results/{baseline.id}/{sofia.id}"
    problems: list[str] = []

    page.goto(base + "/")
    choose_language(page, language)
    log_in(page, base, demo["leader"])
    problems += check(page, base + "/team", "team", language)
    problems += check(page, f"{base}/survey/{follow_up.id}/team", "team progress", language)
    problems += check(page, results, "city results", language)
    problems += check(page, base + "/reports/", "reports", language)
    log_out(page)

    log_in(page, base, demo["coordinator"])
    problems += check(page, base + "/compare/progress", "progress", language)
    problems += check(page, results, "city results (coordinator)", language)
    problems += check(page, base + "/admin/", "programme", language)
    problems += check(page, base + "/admin/rounds", "rounds", language)
    problems += check(page, base + "/audit", "audit", language)

    assert not problems, "\n".join(problems)


def test_the_check_finds_a_planted_violation(live_server, page):
    """A button without a name and an image without alt text are reported (axe really runs)."""
    page.goto(live_server.url + "/")
    assert axe_violations(page) == []
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<button></button><img src=\"/static/favicon.svg\">')"
    )
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found == {"button-name": "critical", "image-alt": "critical"}


def test_the_checks_catch_console_errors_and_refusals_by_the_csp(live_server, page):
    """An inline script and a request to another host (both refused by the Content-Security-
    Policy), a console error, an uncaught exception and a visit to another host are all noted,
    and fail the next step."""
    page.goto(live_server.url + "/")
    assert page.problems == []
    page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.inline = true';
            document.body.append(script);
            fetch('http://192.0.2.1/data').catch(() => {});
            console.error('planted error');
            setTimeout(() => { throw new Error('planted exception'); });
        }"""
    )
    page.wait_for_timeout(300)
    found = "\n".join(page.problems)
    assert page.evaluate("window.inline") is None
    assert "Content-Security-Policy violation: script-src-elem refused inline" in found
    assert "Content-Security-Policy violation: connect-src refused http://192.0.2.1/" in found
    assert "console error: planted error" in found
    assert "uncaught exception: planted exception" in found
    with pytest.raises(AssertionError, match="planted error"):
        step(page, "planted problems")
    assert page.problems == []

    page.route("http://192.0.2.1/**", lambda route: route.abort())  # the CSP cannot stop a visit
    with pytest.raises(PlaywrightError):
        page.goto("http://192.0.2.1/page")
    assert "request to another host: http://192.0.2.1/page" in page.problems
    page.problems.clear()


def test_the_focus_check_finds_a_hidden_or_faint_focus(live_server, page):
    """Without a focus style every Tab stop is reported; with a pale ring on the light page only
    the stops off the dark header are; a skip link that is not first is reported too."""
    page.goto(live_server.url + "/login")
    stops, problems = focus_walk(page)
    assert stops >= 6 and problems == []
    page.add_style_tag(content="*:focus-visible { outline: none; box-shadow: none; }")
    stops, problems = focus_walk(page)
    assert len(problems) == stops
    assert all("no focus indicator" in problem for problem in problems)
    page.add_style_tag(content="*:focus-visible { outline: 3px solid #ffbf47; }")
    faint = [problem for problem in focus_walk(page)[1] if "1.64:1 contrast" in problem]
    assert any("input#email" in problem for problem in faint)
    page.evaluate("document.querySelector('.skip-link').remove()")
    assert "not a working skip link" in focus_walk(page)[1][0]


def test_the_chart_check_finds_faint_or_cut_off_text_and_undecided_contrast(
    no_plans, live_server, page
):
    """A pale tick label is reported with its contrast and a title pushed out of the chart as cut
    off; text that axe cannot decide about outside a chart is reported too."""
    baseline = db.session.scalar(select(Round).where(Round.name == BASELINE))
    sofia = db.session.scalar(select(City).where(City.name == "Sofia"))
    log_in(page, live_server.url, no_plans["coordinator"])
    page.goto(f"{live_server.url}/results/{baseline.id}/{sofia.id}")
    page.wait_for_function(CHARTS_DRAWN)
    measured, lowest, problems = chart_contrast(page)
    assert measured >= 13 and lowest >= 4.5 and problems == []

    page.evaluate(
        """() => {
            const texts = [...document.querySelectorAll('#radar text')];
            texts.find(text => text.textContent === '40').style.fill = '#aaaaaa';
            texts.find(text => text.textContent === 'Governance').setAttribute('x', 2000);
        }"""
    )
    measured, lowest, problems = chart_contrast(page)
    assert round(lowest, 2) == 2.32
    assert len(problems) == 2
    found = "\n".join(problems)
    assert "radar: “40” (rgb(170, 170, 170), 13px) has 2.32:1 contrast" in found
    assert "radar: “Governance” is cut off" in found

    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
            '<p style="background-image: linear-gradient(#fff, #000)">over a gradient</p>')"""
    )
    assert any("axe could not decide" in problem for problem in audit(page, "planted", "en"))
    SUMMARY.pop()  # not a page of the app


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_survey_area_fits_a_375_pixel_wide_phone(demo, live_server, page, language):
    """On a small phone the area page scrolls only down, never sideways."""
    follow_up = db.session.scalar(select(Round).where(Round.name == FOLLOW_UP))
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/")
    choose_language(page, language)
    log_in(page, live_server.url, demo["respondent"])
    page.goto(f"{live_server.url}/survey/{follow_up.id}/areas/vision")
    assert page.locator("fieldset[data-question]").count() > 0
    step(page, f"survey-area-375px-{language}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} pixels wide: it scrolls sideways"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_respondent_answers_by_keyboard_alone(demo, live_server, page, language):
    """The skip link is the first stop; Tab reaches the first question, Space or an arrow key
    chooses a level, autosave stores it, and after a reload the server's page holds it."""
    follow_up = db.session.scalar(select(Round).where(Round.name == FOLLOW_UP))
    page.goto(live_server.url + "/")
    choose_language(page, language)
    log_in(page, live_server.url, demo["respondent"])
    page.goto(f"{live_server.url}/survey/{follow_up.id}/areas/vision")
    step(page, f"area-{language}")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    first = "fieldset[data-question]:first-of-type input[type=radio]"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({first!r})"):
            break
    else:
        raise AssertionError("Tab never reached the first question's levels")
    # one change only: Space on an unanswered question, the next level on an answered one
    page.keyboard.press("ArrowDown" if page.evaluate("document.activeElement.checked") else "Space")
    chosen = page.evaluate("document.activeElement.value")
    assert page.evaluate("document.activeElement.checked")
    page.wait_for_selector("fieldset[data-question]:first-of-type .save-status.save-ok")
    step(page, f"saved-{language}")

    page.reload()
    question = page.locator("fieldset[data-question]").first.get_attribute("data-question")
    assert page.evaluate(STORED)[question] == [chosen]


def test_a_reload_shows_only_what_the_server_stored(
    live_server, page, make_city, make_user, make_round
):
    """The reload check cannot pass on a choice the browser kept: with the autosave cut off, the
    chosen level is not on the page the server sends back."""
    city = make_city("Plovdiv")
    make_user("member@plovdiv.example", Role.RESPONDENT, city)
    round_ = make_round()
    log_in(page, live_server.url, "member@plovdiv.example", PASSWORD)
    page.goto(f"{live_server.url}/survey/{round_.id}/areas/vision")
    first = page.locator("fieldset[data-question]").first
    question = first.get_attribute("data-question")
    saved = first.locator("input[type=radio]").nth(2)
    saved.check()
    page.wait_for_selector("fieldset[data-question]:first-of-type .save-status.save-ok")

    autosave = page.get_attribute("form[data-autosave-url]", "data-autosave-url")
    page.route(f"**{autosave}", lambda route: route.abort())
    first.locator("input[type=radio]").nth(0).check()
    page.wait_for_selector("fieldset[data-question]:first-of-type .save-status.save-retry")
    assert page.evaluate(CHOSEN)[question] == ["1"]
    page.once("dialog", lambda dialog: dialog.accept())  # "some answers are not saved yet"
    page.reload()
    assert page.evaluate(STORED)[question] == ["3"]
    assert any("console error" in problem for problem in page.problems)  # the failed saves
    page.problems.clear()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_coordinator_compares_three_cities_and_reads_the_downloads(
    demo, live_server, page, language
):
    """The coordinator opens the round's dashboard from the list of rounds, picks three cities in
    the comparison form and sees their radar, then downloads the CSV export from the dashboard and
    a city's PDF report from the Reports page; the test reads both files back."""
    base = live_server.url
    baseline = db.session.scalar(select(Round).where(Round.name == BASELINE))
    chosen = ["Athens", "Riga", "Sofia"]
    page.goto(base + "/")
    choose_language(page, language)
    log_in(page, base, demo["coordinator"])

    page.click("a[href='/compare/']")
    page.click(f"th a[href='/compare/rounds/{baseline.id}']")  # the round's dashboard
    page.wait_for_selector("#heatmap svg.main-svg")
    assert page.url == f"{base}/compare/rounds/{baseline.id}"
    step(page, f"dashboard-{language}")
    problems = audit(page, "round dashboard", language)
    assert not problems, "\n".join(problems)

    page.click(f"nav.tabs a[href='/compare/rounds/{baseline.id}/compare']")
    page.select_option("#city", label=chosen)
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#radar svg.main-svg")
    headers = page.locator("#radar-heading ~ table thead th").all_inner_texts()
    assert headers[1:4] == chosen
    step(page, f"compared-{language}")
    problems = audit(page, "compare three cities", language)
    assert not problems, "\n".join(problems)

    page.click(f"nav.tabs a[href='/compare/rounds/{baseline.id}']")  # back to the dashboard
    with page.expect_download() as download:
        page.click("a[href$='/export.csv']")
    with zipfile.ZipFile(download.value.path()) as archive:
        scores = list(csv.DictReader(io.StringIO(archive.read("scores.csv").decode("utf-8-sig"))))
    assert set(chosen) <= {row["city"] for row in scores}

    page.goto(base + "/reports/")
    row = page.locator(f"section:has(h2#round-{baseline.id}) tr:has(th:text-is('Sofia'))")
    with page.expect_download() as download:
        row.locator("a").first.click()
    report = PdfReader(download.value.path())
    text = "".join(p.extract_text() for p in report.pages)
    assert "Sofia" in text
    cyrillic = any("\u0400" <= letter <= "\u04ff" for letter in text)
    assert cyrillic == (language == "bg")
    catalog = report.trailer["/Root"]
    assert catalog["/Lang"] == language and "/StructTreeRoot" in catalog  # tagged, with a language
    assert "Sofia" in report.metadata.title


ANSWER_ALL_BY_KEYBOARD = """() => {
    const active = document.activeElement;
    if (!active.matches('fieldset[data-question] input[type=radio]')) return 'move';
    const group = active.closest('fieldset').querySelector('input[type=radio]:checked');
    return group ? 'move' : 'choose';
}"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_member_answers_an_area_by_keyboard_and_the_leader_submits(
    live_server, page, make_city, make_user, make_round, language
):
    """The leader invites a member, who sets a password, answers a whole area with Tab and
    Space, reloads the page and finds the answers as the server stored them, and marks the
    response complete; the leader then submits and sees the city's radar."""
    base = live_server.url
    city = make_city("Plovdiv")
    make_user("leader@plovdiv.example", Role.LEADER, city)
    round_ = make_round()
    page.goto(base + "/")
    choose_language(page, language)
    log_in(page, base, "leader@plovdiv.example", PASSWORD)
    page.goto(base + "/team")
    page.fill("#email", "member@plovdiv.example")
    page.click("main form:has(#email) [type=submit]")
    link = page.input_value("#account-link")
    step(page, f"invited-{language}")
    log_out(page)

    page.goto(link)
    page.fill("#name", "Mila Member")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_selector(".user")
    area = f"{base}/survey/{round_.id}/areas/vision"
    page.goto(area)
    questions = page.locator("fieldset[data-question]").count()
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    for _ in range(questions * 6):
        page.keyboard.press("Tab")
        if page.evaluate(ANSWER_ALL_BY_KEYBOARD) == "choose":
            page.keyboard.press("Space")
        if page.locator("fieldset[data-question] .save-status.save-ok").count() == questions:
            break
    # a function, not an expression: Playwright polls an expression with eval(), which the
    # page's Content-Security-Policy refuses
    page.wait_for_function(
        f"() => document.querySelectorAll('.save-status.save-ok').length === {questions}"
    )
    chosen = page.evaluate(CHOSEN)
    assert all(len(levels) == 1 for levels in chosen.values())
    step(page, f"area-answered-{language}")
    page.reload()
    assert page.evaluate(STORED) == chosen
    page.goto(f"{base}/survey/{round_.id}/review")
    page.check("#confirm-gaps")  # one area of five answered: confirm the unanswered ones
    page.click("main form [name=complete][value='1'] ~ button[type=submit]")
    step(page, f"complete-{language}")
    log_out(page)

    log_in(page, base, "leader@plovdiv.example", PASSWORD)
    page.goto(f"{base}/survey/{round_.id}/team")
    page.check("#confirm")
    page.click("form:has(#confirm) button[type=submit]")
    page.wait_for_selector("#radar svg.main-svg")
    assert page.url.endswith(f"/results/{round_.id}/{city.id}")
    step(page, f"results-{language}")
    problems = audit(page, "results after submitting", language)
    assert not problems, "\n".join(problems)
