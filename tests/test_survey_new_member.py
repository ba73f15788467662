"""A new member's first visit, on the demo data, as the issue's "done when" describes it."""

from __future__ import annotations

import re

from assessment.demo import DEMO_PASSWORD
from assessment.lookups import round_named
from config import TestConfig
from tests.conftest import csrf_token, login
from tests.survey_support import autosave, page_token

LINK = re.compile(r'value="' + re.escape(TestConfig.BASE_URL) + r'(/invitation/[^"]+)"')
CHECKED = re.compile(r'name="answer-(\d+)" value="([^"]+)"\s+checked')


def test_invited_member_answers_half_an_area_and_finds_it_again(app, demo):
    round_ = round_named("2022 follow-up")  # open; Sofia's assessment is in progress
    vision = round_.questionnaire.areas[0]
    leader = app.test_client()
    login(leader, "leader@sofia.example", DEMO_PASSWORD)
    reply = leader.post(
        "/team/invite",
        data={"csrf_token": csrf_token(leader, "/team"), "email": "nina@sofia.example"},
    )
    link = LINK.search(reply.get_data(as_text=True)).group(1)

    browser = app.test_client()
    page = browser.get(link)
    assert "Sofia" in page.text
    reply = browser.post(
        link,
        data={
            "csrf_token": csrf_token(browser, link),
            "name": "Nina Petrova",
            "password": "my own long password",
            "confirm": "my own long password",
        },
    )
    assert reply.status_code == 302
    overview = browser.get(f"/survey/{round_.id}/").get_data(as_text=True)
    assert "0 of 30 answered" in overview
    assert f'href="/survey/{round_.id}/areas/vision">Start</a>' in overview
    token = page_token(browser, f"/survey/{round_.id}/areas/vision")
    given = {}
    for question, value in zip(vision.questions[:3], ("2", "4", "dont_know"), strict=True):
        reply = autosave(browser, round_.id, token, question.id, value, f"note {value}")
        assert reply.json["ok"]
        given[str(question.id)] = value
    assert reply.json["progress"] == {
        "answered": 3,
        "total": 30,
        "area": {"answered": 3, "total": 6},
    }
    del browser  # the browser is closed: the session cookie is gone

    again = app.test_client()
    assert login(again, "nina@sofia.example", "my own long password").status_code == 302
    overview = again.get(f"/survey/{round_.id}/").get_data(as_text=True)
    assert "3 of 30 answered" in overview  # Continue: back to the last question she saved
    resume = f'href="/survey/{round_.id}/areas/vision#q-{vision.questions[2].key}">Continue</a>'
    assert resume in overview
    page = again.get(f"/survey/{round_.id}/areas/vision").get_data(as_text=True)
    assert dict(CHECKED.findall(page)) == given
    assert "note 4" in page and "note dont_know" in page
    # the leader sees how far Nina got, not what she answered
    team = leader.get(f"/survey/{round_.id}/team", follow_redirects=True).get_data(as_text=True)
    assert "Nina Petrova" in team and "3 of 30 answered" in team and "note 4" not in team
