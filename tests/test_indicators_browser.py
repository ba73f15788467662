"""Success indicators in a real browser (headless Chromium, axe), in English and Bulgarian.

A leader opens the round's indicators page from the survey overview, enters three values with
their sources (one of them hostile text), submits the assessment, and finds the values on the
results page and in the PDF report, read back. A coordinator then compares the cities on the
round's indicators view, whose distribution chart is drawn.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from assessment.extensions import db
from assessment.indicators import operations
from assessment.models import IndicatorValue, Role, Round, utcnow

from .conftest import PASSWORD
from .playwright_support import audit, needs_chromium, step
from .test_accessibility import choose_language, log_in, log_out
from .test_indicator_values import indicator_questionnaire  # noqa: F401  (a fixture)
from .test_reports import assess, flat, pdf_text

pytestmark = [pytest.mark.slow, needs_chromium]
SOURCE = "<b>Каталог</b> =1+1 http://evil.example"
TEXT = {
    "en": {
        "link": "Success indicators",
        "save": "Save the indicator values",
        "saved": "The indicator values are saved.",
        "team": "Team and submission",
        "improved": "improved",
        "worsened": "worsened",
        "percent": "47.5 %",
        "days": "55 days",
        "not_number": "is not a number",
    },
    "bg": {
        "link": "Показатели за успех",
        "save": "Запис на стойностите на показателите",
        "saved": "Стойностите на показателите са записани.",
        "team": "Екип и подаване",
        "improved": "подобрение",
        "worsened": "влошаване",
        "percent": "47,5 %",
        "days": "55 дни",
        "not_number": "не е число",
    },
}


@pytest.fixture
def programme(app, indicator_questionnaire, make_city, make_user):  # noqa: F811
    """Пловдив in progress in the follow-up round, with its baseline values; two other cities
    submitted with values; a coordinator."""
    base = Round(name="2020 baseline", questionnaire=indicator_questionnaire)
    base.created_at = utcnow() - timedelta(days=700)
    follow = Round(name="2022 follow-up", questionnaire=indicator_questionnaire)
    db.session.add_all([base, follow])
    db.session.commit()
    plovdiv = make_city("Пловдив", "BG")
    make_user("leader@plovdiv.example", Role.LEADER, plovdiv)
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    by_key = {i.key: i for i in operations.round_indicators(follow)}
    earlier = assess(base, plovdiv)
    assess(follow, plovdiv, submitted=False)
    for key, value in (("services_online", 30.0), ("building_permit_days", 70.0),
                       ("open_datasets", 150.0)):  # fmt: skip
        db.session.add(IndicatorValue(assessment=earlier, indicator=by_key[key], value=value))
    for name, country, value in (("Θεσσαλονίκη", "GR", 60.0), ("София", "BG", 35.0)):
        other = assess(follow, make_city(name, country))
        db.session.add(IndicatorValue(assessment=other, indicator=by_key["services_online"],
                                      value=value, source=f"{name} catalogue"))  # fmt: skip
    db.session.commit()
    return {"round": follow, "city": plovdiv}


def axe_clean(page, label: str, language: str) -> None:
    problems = audit(page, label, language)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "bg"])
def test_leader_enters_values_and_finds_them_and_a_coordinator_compares(
    live_server, page, programme, language
):
    base, round_, city, text = (
        live_server.url,
        programme["round"],
        programme["city"],
        TEXT[language],
    )
    page.goto(base + "/")
    choose_language(page, language)
    log_in(page, base, "leader@plovdiv.example", PASSWORD)
    page.goto(f"{base}/survey/{round_.id}/")
    page.click(f"main a.button:has-text('{text['link']}')")
    page.wait_for_selector("#value-services_online")
    axe_clean(page, "indicators page", language)

    # a mistake first: named beside its field, nothing saved
    page.fill("#value-services_online", "много")
    page.click(f"button:has-text('{text['save']}')")
    page.wait_for_selector(".error-summary")
    assert text["not_number"] in page.locator("#error-value-services_online").inner_text()
    assert page.get_attribute("#value-services_online", "aria-invalid") == "true"
    page.problems[:] = [p for p in page.problems if "status of 400" not in p]
    axe_clean(page, "indicators page with an error", language)
    step(page, f"indicator-error-{language}")

    page.fill("#value-services_online", "47,5" if language == "bg" else "47.5")
    page.fill("#source-services_online", SOURCE)
    page.fill("#as_of-services_online", "2022-06-30")
    page.fill("#value-building_permit_days", "55")
    page.fill("#source-building_permit_days", "Регистър на разрешенията")
    page.fill("#value-open_datasets", "120")
    page.fill("#source-open_datasets", "data.plovdiv.bg")
    page.click(f"button:has-text('{text['save']}')")
    page.wait_for_selector(".flash-success")
    assert text["saved"] in page.locator(".flash-success").inner_text()
    assert page.input_value("#source-services_online") == SOURCE
    step(page, f"indicators-saved-{language}")

    # submit the assessment on the team page
    page.goto(f"{base}/survey/{round_.id}/")
    page.click(f"main a:has-text('{text['team']}')")
    page.wait_for_selector("#submit-heading")
    if page.locator("#confirm").count():
        page.check("#confirm")
    page.click("section[aria-labelledby=submit-heading] form button[type=submit]")
    page.wait_for_selector("#indicators-heading")
    assert page.url.endswith(f"/results/{round_.id}/{city.id}")
    table = page.locator(".indicator-table").inner_text()
    assert text["percent"] in table and text["days"] in table
    assert text["improved"] in table and text["worsened"] in table  # permits fell, datasets fell
    assert SOURCE in table  # hostile text shown as it was typed
    assert page.locator(".indicator-table b").count() == 0
    axe_clean(page, "results with indicators", language)
    step(page, f"results-indicators-{language}")

    with page.expect_download() as download:
        page.click("a.button[href$='.pdf'], a.button[href*='/pdf']")
    pdf = download.value.path().read_bytes()
    words = flat(pdf_text(pdf)[0])
    assert text["link"] in words and text["improved"] in words
    assert "Регистър на разрешенията" in words and "data.plovdiv.bg" in words

    log_out(page)
    log_in(page, base, "coordinator@dmat.example", PASSWORD)
    page.goto(f"{base}/compare/rounds/{round_.id}/indicators")
    page.wait_for_selector("#indicator-distribution.js-plotly-plot .main-svg")
    cohort = page.locator(".indicator-cohort").inner_text()
    assert "Θεσσαλονίκη" not in cohort  # figures, not names
    values = page.locator(".indicator-values").inner_text()
    assert "Пловдив" in values and "Θεσσαλονίκη" in values and "София" in values
    assert text["percent"] in values
    # three cities have services_online: its figures are shown to cities; two others are not
    first_row = page.locator(".indicator-cohort tbody tr").nth(6).inner_text()
    assert "\t3\t" in first_row
    axe_clean(page, "coordinator indicators view", language)
    step(page, f"coordinator-indicators-{language}")
