"""A team member's and a leader's first use: Continue goes to the last saved question, the
previous round's own answer beside the options, a review of every answer, and an explicit
confirmation before marking complete or submitting with gaps; one team page with progress."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Assessment, AssessmentStatus, Response, Role
from tests.conftest import csrf_token, login
from tests.survey_support import autosave, page_token, statements_sent


@pytest.fixture
def team(make_city, make_user, make_round):
    city = make_city("Пловдив", "BG")
    other = make_city("Αθήνα", "GR")
    baseline = make_round("2020 baseline")
    follow_up = make_round("2022 follow-up")
    people = {
        "ivana": make_user("ivana@plovdiv.example", Role.RESPONDENT, city),
        "petar": make_user("petar@plovdiv.example", Role.RESPONDENT, city),
        "leader": make_user("leader@plovdiv.example", Role.LEADER, city),
        "eleni": make_user("eleni@athens.example", Role.RESPONDENT, other),
    }
    for key, name in (
        ("ivana", "Ивана Петрова"),
        ("petar", "Петър Иванов"),
        ("leader", "Мария Георгиева"),
        ("eleni", "Ελένη Παπαδοπούλου"),
    ):
        people[key].name = name
    db.session.commit()
    return {"city": city, "baseline": baseline, "round": follow_up, **people}


def questions(round_) -> dict[str, object]:
    return {q.key: q for area in round_.questionnaire.areas for q in area.questions}


def start(client, email, round_) -> str:
    login(client, email)
    return page_token(client, f"/survey/{round_.id}/areas/vision")


def primary_button(page: str) -> tuple[str, str]:
    found = re.findall(r'<a class="button primary" href="([^"]+)">([^<]+)</a>', page)
    assert len(found) == 1, found  # one clear primary button
    return found[0]


def test_continue_goes_to_the_question_saved_last(client, team):
    round_, q = team["round"], questions(team["round"])
    token = start(client, "ivana@plovdiv.example", round_)
    overview = client.get(f"/survey/{round_.id}/").text
    assert primary_button(overview) == (f"/survey/{round_.id}/areas/vision", "Start")

    autosave(client, round_.id, token, q["data_privacy"].id, "2")
    autosave(client, round_.id, token, q["vision_strategy"].id, "4")
    overview = client.get(f"/survey/{round_.id}/").text
    # not the first area with gaps (vision): the last question saved
    assert primary_button(overview) == (
        f"/survey/{round_.id}/areas/vision#q-vision_strategy",
        "Continue",
    )
    autosave(client, round_.id, token, q["governance_it_company"].id, "not_applicable")
    overview = client.get(f"/survey/{round_.id}/").text
    assert primary_button(overview)[0] == (
        f"/survey/{round_.id}/areas/governance#q-governance_it_company"
    )
    # changing an earlier answer makes it the last saved one
    autosave(client, round_.id, token, q["data_privacy"].id, "3")
    overview = client.get(f"/survey/{round_.id}/").text
    assert primary_button(overview)[0] == f"/survey/{round_.id}/areas/data#q-data_privacy"
    # the page without JavaScript saves too, and the anchor is on the page it points to
    reply = client.post(
        f"/survey/{round_.id}/areas/systems",
        data={"csrf_token": token, f"answer-{q['systems_smart_infrastructure'].id}": "1"},
    )
    assert reply.status_code == 302
    address = primary_button(client.get(f"/survey/{round_.id}/").text)[0]
    assert address == f"/survey/{round_.id}/areas/systems#q-systems_smart_infrastructure"
    assert 'id="q-systems_smart_infrastructure"' in client.get(address.split("#")[0]).text


def test_continue_does_not_follow_another_members_saves(app, client, team):
    round_, q = team["round"], questions(team["round"])
    token = start(client, "ivana@plovdiv.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "4")
    petar = app.test_client()
    autosave(
        petar, round_.id, start(petar, "petar@plovdiv.example", round_), q["data_quality"].id, "1"
    )
    address = primary_button(client.get(f"/survey/{round_.id}/").text)[0]
    assert address == f"/survey/{round_.id}/areas/vision#q-vision_strategy"


def earlier_answer(page: str, key: str) -> str | None:
    fieldset = re.search(rf'id="q-{key}".*?</fieldset>', page, re.S).group(0)
    found = re.search(r'<p class="earlier-answer">(.*?)</p>', fieldset, re.S)
    return None if found is None else " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_a_follow_up_shows_the_members_own_answer_from_the_previous_round(app, client, team):
    baseline, round_ = team["baseline"], team["round"]
    before, q = questions(baseline), questions(round_)
    token = start(client, "ivana@plovdiv.example", baseline)
    autosave(client, baseline.id, token, before["vision_strategy"].id, "3")
    autosave(client, baseline.id, token, before["vision_alignment"].id, "dont_know")
    autosave(client, baseline.id, token, before["governance_it_company"].id, "not_applicable")
    petar = app.test_client()
    petar_token = start(petar, "petar@plovdiv.example", baseline)
    autosave(petar, baseline.id, petar_token, before["vision_roadmap"].id, "5")

    page = client.get(f"/survey/{round_.id}/areas/vision").text
    assert earlier_answer(page, "vision_strategy") == "Your answer in 2020 baseline: Level 3 of 5"
    assert earlier_answer(page, "vision_alignment") == "Your answer in 2020 baseline: Don't know"
    assert earlier_answer(page, "vision_roadmap") is None  # Petar's answer, not hers
    governance = client.get(f"/survey/{round_.id}/areas/governance").text
    assert earlier_answer(governance, "governance_it_company") == (
        "Your answer in 2020 baseline: Not applicable"
    )
    # Petar sees his own, never hers
    page = petar.get(f"/survey/{round_.id}/areas/vision").text
    assert earlier_answer(page, "vision_roadmap") == "Your answer in 2020 baseline: Level 5 of 5"
    assert earlier_answer(page, "vision_strategy") is None
    # the baseline itself has no earlier round
    assert "earlier-answer" not in client.get(f"/survey/{baseline.id}/areas/vision").text
    # her answers in the follow-up do not replace the earlier one
    autosave(client, round_.id, token, q["vision_strategy"].id, "4")
    page = client.get(f"/survey/{round_.id}/areas/vision").text
    assert earlier_answer(page, "vision_strategy") == "Your answer in 2020 baseline: Level 3 of 5"


def test_the_earlier_answers_are_read_in_one_query_however_many_there_are(client, team):
    baseline, round_ = team["baseline"], team["round"]
    before = questions(baseline)
    token = start(client, "ivana@plovdiv.example", baseline)
    autosave(client, baseline.id, token, before["vision_strategy"].id, "2")

    def statements_of_the_page() -> list[str]:
        for _ in range(6):  # past psycopg's prepare threshold, so each load sends the same
            client.get(f"/survey/{round_.id}/areas/vision")
        with statements_sent(db.engine) as seen:
            assert client.get(f"/survey/{round_.id}/areas/vision").status_code == 200
        return seen

    one = statements_of_the_page()
    for question in baseline.questionnaire.areas[0].questions:
        autosave(client, baseline.id, token, question.id, "4")
    every = statements_of_the_page()
    assert len(one) == len(every), every


def test_the_review_lists_every_answer_with_links_back(client, team):
    round_, q = team["round"], questions(team["round"])
    token = start(client, "ivana@plovdiv.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "4", "Стратегия от 2021 г.")
    autosave(client, round_.id, token, q["vision_alignment"].id, "dont_know", "Питай финансите")
    autosave(client, round_.id, token, q["governance_it_company"].id, "not_applicable")
    review = client.get(f"/survey/{round_.id}/review").text
    assert "27 of 30 questions are unanswered." in review

    def row(key: str) -> str:
        link = f'href="/survey/{round_.id}/areas/{q[key].area.key}#q-{key}"'
        return " ".join(
            re.sub(
                r"<[^>]+>", " ", re.search(rf"{re.escape(link)}.*?</tr>", review, re.S).group(0)
            ).split()
        )

    level_text = q["vision_strategy"].levels[3]["en"]
    assert "Level 4 of 5" in row("vision_strategy") and level_text in row("vision_strategy")
    assert "Стратегия от 2021 г." in row("vision_strategy")
    assert "Don't know" in row("vision_alignment") and "Питай финансите" in row("vision_alignment")
    assert "Not applicable" in row("governance_it_company")
    assert "Not answered" in row("data_privacy")
    assert "(4 unanswered)" in review and "(6 unanswered)" in review  # vision, data


def test_marking_complete_with_gaps_needs_the_confirmation(client, team):
    round_, q = team["round"], questions(team["round"])
    token = start(client, "ivana@plovdiv.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "4")
    review = client.get(f"/survey/{round_.id}/review").text
    assert 'name="confirm_gaps"' in review and 'name="unanswered" value="29"' in review
    assert "I want to mark it complete with unanswered questions" in review

    def completed_at():
        db.session.expire_all()
        return db.session.scalar(select(Response.completed_at))

    reply = client.post(f"/survey/{round_.id}/review", data={"csrf_token": token, "complete": "1"})
    assert reply.status_code == 400
    assert "Not marked complete: 29 of 30 questions are unanswered." in reply.text
    assert "There is a problem" in reply.text and 'aria-invalid="true"' in reply.text
    assert completed_at() is None
    # a confirmation for fewer gaps than there are (another tab cleared answers) is not enough
    stale = {"csrf_token": token, "complete": "1", "confirm_gaps": "1", "unanswered": "5"}
    assert client.post(f"/survey/{round_.id}/review", data=stale).status_code == 400
    # the count alone, without the box ticked, is not a confirmation
    unticked = {"csrf_token": token, "complete": "1", "unanswered": "29"}
    assert client.post(f"/survey/{round_.id}/review", data=unticked).status_code == 400
    for nonsense in ("-3", "29.0", "x", "9" * 40):
        data = {**stale, "unanswered": nonsense}
        assert client.post(f"/survey/{round_.id}/review", data=data).status_code == 400
    assert completed_at() is None
    confirmed = {**stale, "unanswered": "29"}
    reply = client.post(f"/survey/{round_.id}/review", data=confirmed)
    assert reply.status_code == 302 and completed_at() is not None
    assert "You marked your response complete" in client.get(reply.location).text


def test_marking_complete_with_everything_answered_needs_no_extra_confirmation(client, team):
    round_ = team["round"]
    token = start(client, "ivana@plovdiv.example", round_)
    for number, question in enumerate(questions(round_).values()):
        autosave(client, round_.id, token, question.id, str(1 + number % 5))
    review = client.get(f"/survey/{round_.id}/review").text
    assert "You have answered every question." in review and "confirm_gaps" not in review
    reply = client.post(f"/survey/{round_.id}/review", data={"csrf_token": token, "complete": "1"})
    assert reply.status_code == 302
    assert db.session.scalar(select(Response.completed_at)) is not None


def test_the_review_warning_in_bulgarian(client, team):
    round_, q = team["round"], questions(team["round"])
    token = start(client, "ivana@plovdiv.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "4")
    client.post("/language", data={"language": "bg", "csrf_token": token, "next": "/"})
    review = client.get(f"/survey/{round_.id}/review").text
    assert "29 от 30 въпроса са без отговор." in review
    assert "Искам да ги отбележа като завършени с въпроси без отговор" in review
    reply = client.post(f"/survey/{round_.id}/review", data={"csrf_token": token, "complete": "1"})
    assert reply.status_code == 400 and "Не е отбелязано като завършено: 29 от 30" in reply.text


def mark_complete(app, email: str, round_, answers: int = 1) -> None:
    member = app.test_client()
    token = start(member, email, round_)
    for question in list(questions(round_).values())[:answers]:
        autosave(member, round_.id, token, question.id, "3")
    data = {"csrf_token": token, "complete": "1", "confirm_gaps": "1", "unanswered": "30"}
    assert member.post(f"/survey/{round_.id}/review", data=data).status_code == 302


def test_the_leader_sees_who_has_not_finished_and_confirms_the_count(app, client, team):
    round_, q = team["round"], questions(team["round"])
    mark_complete(app, "ivana@plovdiv.example", round_, answers=30)
    petar = app.test_client()
    autosave(
        petar, round_.id, start(petar, "petar@plovdiv.example", round_), q["data_quality"].id, "2"
    )
    login(client, "leader@plovdiv.example")
    page = client.get("/team").text
    assert "2 of 3 team members have not finished:" in page
    unfinished = re.search(r'<ul class="unfinished-members">(.*?)</ul>', page, re.S).group(1)
    assert "Петър Иванов: 1 of 30 answered, not marked complete" in unfinished
    assert "Мария Георгиева: 0 of 30 answered, not marked complete" in unfinished
    assert "Ивана Петрова" not in unfinished
    assert "Submit although 2 of 3 team members have not finished" in page
    assert 'name="unfinished" value="2"' in page
    token = csrf_token(client, "/team")

    def status():
        db.session.expire_all()
        return db.session.scalar(select(Assessment.status))

    submit = f"/survey/{round_.id}/submit"
    reply = client.post(submit, data={"csrf_token": token, "confirm": "1"})
    assert reply.status_code == 302 and status() == AssessmentStatus.IN_PROGRESS
    after = client.get(reply.location).text
    assert "Not submitted: 2 of 3 team members have not finished." in after
    for stale in ("1", "", "-2", "two"):  # fewer than there are, or not a count
        client.post(submit, data={"csrf_token": token, "confirm": "1", "unfinished": stale})
        assert status() == AssessmentStatus.IN_PROGRESS
    client.post(submit, data={"csrf_token": token, "unfinished": "2"})  # the box not ticked
    assert status() == AssessmentStatus.IN_PROGRESS
    reply = client.post(submit, data={"csrf_token": token, "confirm": "1", "unfinished": "2"})
    assert reply.location.endswith(f"/results/{round_.id}/{team['city'].id}")
    assert status() == AssessmentStatus.SUBMITTED


def test_with_everyone_finished_the_leader_submits_with_the_one_box(app, client, team):
    round_ = team["round"]
    for email in ("ivana@plovdiv.example", "petar@plovdiv.example", "leader@plovdiv.example"):
        mark_complete(app, email, round_)
    login(client, "leader@plovdiv.example")
    page = client.get("/team").text
    assert "have not finished" not in page and "has not finished" not in page
    assert "The team has finished answering; submit the assessment of Пловдив." in page
    reply = client.post(
        f"/survey/{round_.id}/submit",
        data={"csrf_token": csrf_token(client, "/team"), "confirm": "1"},
    )
    assert reply.location.endswith(f"/results/{round_.id}/{team['city'].id}")


def test_a_removed_member_is_listed_but_does_not_hold_the_submission_back(app, client, team):
    round_, q = team["round"], questions(team["round"])
    petar = app.test_client()
    autosave(
        petar, round_.id, start(petar, "petar@plovdiv.example", round_), q["data_quality"].id, "2"
    )
    mark_complete(app, "ivana@plovdiv.example", round_)
    mark_complete(app, "leader@plovdiv.example", round_)
    team["petar"].active = False
    db.session.commit()
    login(client, "leader@plovdiv.example")
    page = client.get("/team").text
    assert "Петър Иванов" in page and "have not finished" not in page
    reply = client.post(
        f"/survey/{round_.id}/submit",
        data={"csrf_token": csrf_token(client, "/team"), "confirm": "1"},
    )
    assert reply.location.endswith(f"/results/{round_.id}/{team['city'].id}")


def test_one_team_page_with_each_members_progress(app, client, team):
    round_, q = team["round"], questions(team["round"])
    ivana = app.test_client()
    token = start(ivana, "ivana@plovdiv.example", round_)
    for key in ("vision_strategy", "vision_alignment", "data_quality"):
        autosave(ivana, round_.id, token, q[key].id, "2", "лична бележка")
    login(client, "leader@plovdiv.example")
    reply = client.get(f"/survey/{round_.id}/team")
    assert reply.status_code == 301 and reply.location == f"/team?round={round_.id}"
    page = client.get(reply.location).text
    assert "Progress in 2022 follow-up" in page
    rows = {
        " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()).split(" ")[0]: match.group(0)
        for match in re.finditer(r'<tr[^>]*>\s*<th scope="row">(.*?)</tr>', page, re.S)
    }
    assert "3 of 30 answered" in rows["Ивана"] and "respondent" in rows["Ивана"]
    assert "0 of 30 answered" in rows["Петър"] and "not yet" in rows["Петър"]
    assert "leader" in rows["Мария"]
    assert "Remove" in rows["Петър"] and "New password link" in rows["Петър"]
    assert "лична бележка" not in page and "Level" not in page  # counts, never the answers
    assert "Ελένη" not in page  # another city's member
    assert ">member<" not in page  # the role is "respondent"
    # the default is the newest open round; another round is asked for by its id
    assert "Progress in 2022 follow-up" in client.get("/team").text
    assert "Progress in 2020 baseline" in client.get(f"/team?round={team['baseline'].id}").text
    assert client.get("/team?round=99999").status_code == 404
    # the overview links the leader to the team page of the round
    assert f'href="/team?round={round_.id}"' in client.get(f"/survey/{round_.id}/").text


def test_a_respondent_has_no_team_page(client, team):
    login(client, "ivana@plovdiv.example")
    assert client.get(f"/survey/{team['round'].id}/team").status_code == 403
    assert client.get("/team").status_code == 403
