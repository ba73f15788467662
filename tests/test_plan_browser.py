"""The plan in a real browser, in English and Bulgarian (headless Chromium, axe): the leader sets
a target from the results page, turns two next steps into actions and gives one to a member; the
member marks it in progress; a coordinator sees it in the plans overview and in the PDF."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from assessment.extensions import db
from assessment.lookups import city_named, round_named, user_with_email
from assessment.models import Action, ActionStatus, Target

from .playwright_support import audit, needs_chromium, step
from .test_accessibility import choose_language, log_in, log_out

pytestmark = [pytest.mark.slow, needs_chromium]
IN_PROGRESS = {"en": "in progress", "bg": "в изпълнение"}


def axe_clean(page, label: str, language: str) -> None:
    problems = audit(page, label, language)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "bg"])
def test_from_results_to_plan_to_report(live_server, page, no_plans, language):
    base = live_server.url
    sofia, baseline = city_named("Sofia"), round_named("2020 baseline")
    member = user_with_email("member1@sofia.example")
    log_in(page, base, "leader@sofia.example")
    choose_language(page, language)

    page.goto(f"{base}/results/{baseline.id}/{sofia.id}")
    suggested = page.input_value("input[name=area-vision]")
    assert suggested  # the next stage boundary above the score
    page.click("form.target-form button[type=submit]")
    page.wait_for_selector(".target-table")
    assert db.session.query(Target).filter_by(city_id=sofia.id).count() == 5
    step(page, f"targets-{language}")

    links = page.locator("a.add-to-plan")
    first, second = links.nth(0).get_attribute("href"), links.nth(1).get_attribute("href")
    page.goto(base + first)
    axe_clean(page, "new action", language)
    page.select_option("#owner", f"member:{member.id}")
    page.click(".action-form button[type=submit]")
    page.wait_for_selector("#history-heading")
    axe_clean(page, "action", language)
    page.goto(base + second)
    page.click(".action-form button[type=submit]")
    page.wait_for_selector("#history-heading")
    page.goto(f"{base}/plan/{sofia.id}")
    assert page.locator(".plan-actions tbody tr").count() == 2
    axe_clean(page, "plan", language)
    log_out(page)

    log_in(page, base, "member1@sofia.example")
    page.goto(f"{base}/plan/{sofia.id}")
    owned = db.session.query(Action).filter_by(owner_id=member.id).one()
    page.click(f"a[href$='/actions/{owned.id}']")
    page.select_option("#progress-status", "in_progress")
    page.fill("#progress-progress_note", "Започнахме · ξεκινήσαμε")
    page.click("form[action$='/progress'] button[type=submit]")
    page.wait_for_selector(".flash")
    db.session.expire_all()
    assert db.session.get(Action, owned.id).status == ActionStatus.IN_PROGRESS
    assert page.locator(".action-history tbody tr").count() == 2
    step(page, f"member-update-{language}")
    log_out(page)

    log_in(page, base, "coordinator@dmat.example")
    page.goto(f"{base}/plan/rounds/{baseline.id}?sort=actions_in_progress&descending=y")
    first_row = page.locator(".plans-overview tbody tr").first
    assert "Sofia" in first_row.inner_text()
    axe_clean(page, "plans overview", language)
    follow_up = round_named("2022 follow-up")
    pdf = page.request.get(f"{base}/reports/{follow_up.id}/cities/{sofia.id}.pdf?lang={language}")
    assert pdf.status == 200
    pages = PdfReader(io.BytesIO(pdf.body())).pages
    text = re.sub(r"\s+", " ", "".join(p.extract_text() for p in pages))
    assert re.sub(r"\s+", " ", owned.title)[:30] in text
    assert IN_PROGRESS[language] in text.lower()


INDICATOR_TEXTS = {
    "en": ("Median days to issue a building permit", "met", "days"),
    "bg": ("Медиана на дните за издаване на разрешение за строеж", "постигната", "дни"),
}


@pytest.mark.parametrize("language", ["en", "bg"])
def test_the_leader_sets_an_indicator_target_and_finds_its_status(
    live_server, page, no_plans, language
):
    from .test_indicator_targets_pages import KEY, _value

    title, met, days = INDICATOR_TEXTS[language]

    base = live_server.url
    sofia, baseline = city_named("Sofia"), round_named("2020 baseline")
    reached = _value(sofia.id, "2022 follow-up")  # lower is better: a target above it is met
    log_in(page, base, "leader@sofia.example")
    choose_language(page, language)
    page.goto(f"{base}/results/{baseline.id}/{sofia.id}")
    page.fill(f"input[name=indicator-{KEY}]", f"{reached + 2:g}")
    page.fill(f"input[name=due-indicator-{KEY}]", "2030-06-30")
    page.click("form.target-form button[type=submit]")
    page.wait_for_selector(".target-table")
    (target,) = [t for t in db.session.query(Target).filter_by(city_id=sofia.id)
                 if t.kind == "indicator"]  # fmt: skip
    assert (target.key, target.value) == (KEY, reached + 2)
    row = page.locator(".target-table tbody tr", has_text=title)
    assert met in row.inner_text() and days in row.inner_text()
    row = page.locator(".indicator-table tbody tr", has_text=title)
    assert met in row.inner_text() and "2030" in row.inner_text()  # the due date
    axe_clean(page, "results with an indicator target", language)
    step(page, f"indicator-target-{language}")
    page.goto(f"{base}/plan/{sofia.id}")
    row = page.locator(".plan-targets tbody tr", has_text=title)
    text = row.inner_text()
    assert "2020 baseline" in text and "2022 follow-up" in text and met in text
    axe_clean(page, "plan with an indicator target", language)
