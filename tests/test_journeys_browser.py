"""The first-use journeys in a real browser, in English and Bulgarian (headless Chromium, axe).

A team member lands on the round's overview, starts, sees her own answer from the previous
round beside the options, answers, comes back and Continue takes her to the question she saved
last; the review lists her answers, and marking it complete with gaps shows the warning and
needs the box. The leader's team page shows who has not finished, and submitting needs the
confirmation that names the count.
"""

from __future__ import annotations

import pytest

from assessment.extensions import db
from assessment.models import Answer, AnswerKind, Assessment, Response, Role

from .conftest import PASSWORD, login
from .playwright_support import audit, needs_chromium, step
from .survey_support import autosave, page_token
from .test_accessibility import choose_language, log_in, log_out

pytestmark = [pytest.mark.slow, needs_chromium]
LANGUAGES = ["en", "bg"]
TEXT = {
    "en": {
        "start": "Start",
        "continue": "Continue",
        "earlier": "Your answer in 2020 baseline: Level 3 of 5",
        "level": "Level 4 of 5",
        "gaps": "29 of 30 questions are unanswered.",
        "refused": "Not marked complete: 29 of 30 questions are unanswered.",
        "complete": "You marked your response complete",
        "team": "Team and submission",
        "unfinished": "2 of 3 team members have not finished:",
        "although": "Submit although 2 of 3 team members have not finished",
        "not_submitted": "Not submitted: 2 of 3 team members have not finished.",
    },
    "bg": {
        "start": "Започнете",
        "continue": "Продължете",
        "earlier": "Вашият отговор в 2020 baseline: Ниво 3 от 5",
        "level": "Ниво 4 от 5",
        "gaps": "29 от 30 въпроса са без отговор.",
        "refused": "Не е отбелязано като завършено: 29 от 30 въпроса са без отговор.",
        "complete": "Отбелязахте отговорите си като завършени",
        "team": "Екип и подаване",
        "unfinished": "2 от 3 членове на екипа не са приключили:",
        "although": "Подайте, въпреки че 2 от 3 членове на екипа не са приключили",
        "not_submitted": "Не е подадено: 2 от 3 членове на екипа не са приключили.",
    },
}


@pytest.fixture
def plovdiv(make_city, make_user, make_round):
    city = make_city("Пловдив", "BG")
    baseline = make_round("2020 baseline")
    follow_up = make_round("2022 follow-up")
    ivana = make_user("ivana@plovdiv.example", Role.RESPONDENT, city)
    petar = make_user("petar@plovdiv.example", Role.RESPONDENT, city)
    leader = make_user("leader@plovdiv.example", Role.LEADER, city)
    ivana.name, petar.name, leader.name = "Ивана Петрова", "Петър Иванов", "Мария Георгиева"
    strategy = baseline.questionnaire.areas[0].questions[0]
    response = Response(
        assessment=Assessment(round=baseline, city=city), respondent=ivana, answers=[]
    )
    response.answers.append(Answer(question=strategy, kind=AnswerKind.LEVEL, level=3))
    db.session.add(response)
    db.session.commit()
    return {"city": city, "round": follow_up}


def axe_clean(page, label: str, language: str) -> None:
    problems = audit(page, label, language)
    assert not problems, "\n".join(problems)


def expected_400(page) -> None:
    """The browser notes a page answered 400 as a failed resource: that one is the point here."""
    unexpected = [p for p in page.problems if "status of 400" not in p]
    assert not unexpected, "\n".join(unexpected)
    page.problems[:] = []


@pytest.mark.parametrize("language", LANGUAGES)
def test_member_continues_where_she_left_off_and_confirms_the_gaps(
    live_server, page, plovdiv, language
):
    base, round_, text = live_server.url, plovdiv["round"], TEXT[language]
    page.goto(base + "/")
    choose_language(page, language)
    log_in(page, base, "ivana@plovdiv.example", PASSWORD)
    page.goto(base + "/")  # her home: the newest open round's overview
    assert page.url == f"{base}/survey/{round_.id}/"
    start = page.locator("main a.button.primary")
    assert start.count() == 1 and start.inner_text().strip() == text["start"]
    step(page, f"overview-{language}")
    axe_clean(page, "overview", language)

    start.click()
    page.wait_for_selector("#q-vision_strategy")
    assert page.locator("#q-vision_strategy .earlier-answer").inner_text() == text["earlier"]
    assert page.locator("#q-vision_alignment .earlier-answer").count() == 0
    page.check("#q-vision_alignment input[value='4']")
    page.wait_for_selector("#q-vision_alignment .save-status.save-ok")
    step(page, f"area-{language}")
    axe_clean(page, "area with the earlier answer", language)

    page.goto(f"{base}/survey/{round_.id}/")
    resume = page.locator("main a.button.primary")
    assert resume.inner_text().strip() == text["continue"]
    resume.click()
    page.wait_for_url(f"{base}/survey/{round_.id}/areas/vision#q-vision_alignment")
    top = page.evaluate("document.getElementById('q-vision_alignment').getBoundingClientRect().top")
    assert 0 <= top < 300, top  # scrolled to the question she saved last
    step(page, f"continued-{language}")

    page.goto(f"{base}/survey/{round_.id}/review")
    row = page.locator(
        "table.review-answers tr", has=page.locator("a[href$='#q-vision_alignment']")
    )
    assert text["level"] in row.inner_text()
    assert text["gaps"] in page.locator(".warning-text").inner_text()
    axe_clean(page, "review", language)
    page.click("main form [name=complete][value='1'] ~ button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert text["refused"] in page.locator(".error-summary").inner_text()
    expected_400(page)
    step(page, f"refused-{language}")
    axe_clean(page, "review refused", language)
    page.check("#confirm-gaps")
    page.click("main form [name=complete][value='1'] ~ button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert text["complete"] in page.locator("#finish-heading + p").inner_text()
    step(page, f"complete-{language}")
    log_out(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_leader_sees_who_has_not_finished_and_confirms_the_submission(
    app, live_server, page, plovdiv, language
):
    base, round_, text = live_server.url, plovdiv["round"], TEXT[language]
    ivana = app.test_client()
    login(ivana, "ivana@plovdiv.example")
    token = page_token(ivana, f"/survey/{round_.id}/areas/vision")
    question = round_.questionnaire.areas[0].questions[0]
    autosave(ivana, round_.id, token, question.id, "2")
    done = {"csrf_token": token, "complete": "1", "confirm_gaps": "1", "unanswered": "29"}
    assert ivana.post(f"/survey/{round_.id}/review", data=done).status_code == 302

    page.goto(base + "/")
    choose_language(page, language)
    log_in(page, base, "leader@plovdiv.example", PASSWORD)
    page.goto(base + "/")
    assert page.url == f"{base}/survey/{round_.id}/"
    page.click(f"main a:has-text('{text['team']}')")
    page.wait_for_selector("#submit-heading")
    assert text["unfinished"] in page.locator(".warning-text").inner_text()
    listed = page.locator(".unfinished-members").inner_text()
    assert "Петър Иванов" in listed and "Мария Георгиева" in listed and "Ивана" not in listed
    assert text["although"] in page.locator("label[for=confirm]").inner_text()
    step(page, f"team-{language}")
    axe_clean(page, "team", language)

    page.click("form:has(#confirm) button[type=submit]")
    page.wait_for_selector(".flash-error")
    assert text["not_submitted"] in page.locator(".flash-error").inner_text()
    step(page, f"not-submitted-{language}")
    page.check("#confirm")
    page.click("form:has(#confirm) button[type=submit]")
    page.wait_for_selector("#radar svg.main-svg")
    assert page.url.endswith(f"/results/{round_.id}/{plovdiv['city'].id}")
    step(page, f"submitted-{language}")
