"""The survey as a city team uses it: autosave, the form without JavaScript, review, submission."""

from __future__ import annotations

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from assessment import scoring
from assessment.extensions import db
from assessment.models import (
    Assessment,
    AssessmentStatus,
    Question,
    Role,
    RoundStatus,
    utcnow,
)
from assessment.results import questionnaire_spec, round_scores
from tests.conftest import PASSWORD, csrf_token, login
from tests.survey_support import (
    all_answer_rows,
    autosave,
    page_token,
    statements_sent,
    stored_answers,
)


@pytest.fixture
def sofia(make_city, make_user, make_round):
    city = make_city("Sofia", "BG")
    other = make_city("Athens", "GR")
    round_ = make_round("2022 follow-up")
    return {
        "city": city,
        "round": round_,
        "member": make_user("member@sofia.example", Role.RESPONDENT, city),
        "member2": make_user("member2@sofia.example", Role.RESPONDENT, city),
        "leader": make_user("leader@sofia.example", Role.LEADER, city),
        "athens": make_user("member@athens.example", Role.RESPONDENT, other),
    }


def questions(round_) -> dict[str, Question]:
    return {q.key: q for area in round_.questionnaire.areas for q in area.questions}


def start(client, email, round_):
    login(client, email)
    return page_token(client, f"/survey/{round_.id}/areas/vision")


def test_autosave_stores_each_answer_and_reports_progress(client, sofia):
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, "3")
    assert reply.status_code == 200
    assert reply.json == {
        "ok": True,
        "question": q["vision_strategy"].id,
        "answer": 3,
        "progress": {"answered": 1, "total": 30, "area": {"answered": 1, "total": 6}},
    }
    autosave(client, round_.id, token, q["vision_alignment"].id, "dont_know", "Ask finance")
    autosave(client, round_.id, token, q["governance_it_company"].id, "not_applicable")
    assert stored_answers(sofia["member"], round_) == {
        "vision_strategy": ("level", 3, None),
        "vision_alignment": ("dont_know", None, "Ask finance"),
        "governance_it_company": ("not_applicable", None, None),
    }
    # changing the answer keeps the comment unless a new one is sent; an empty one removes it
    autosave(client, round_.id, token, q["vision_alignment"].id, "5")
    assert stored_answers(sofia["member"], round_)["vision_alignment"] == (
        "level",
        5,
        "Ask finance",
    )
    autosave(client, round_.id, token, q["vision_alignment"].id, "5", "  ")
    assert stored_answers(sofia["member"], round_)["vision_alignment"] == ("level", 5, None)
    # clearing deletes the answer
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, "")
    assert reply.json["answer"] is None and reply.json["progress"]["answered"] == 2
    assert "vision_strategy" not in stored_answers(sofia["member"], round_)
    # the page shows the stored answers when it is opened again
    page = client.get(f"/survey/{round_.id}/areas/vision").get_data(as_text=True)
    assert f'name="answer-{q["vision_alignment"].id}" value="5"\n               checked' in page


def test_autosave_reads_little_and_the_same_however_many_answers(client, sofia):
    """The survey's hot path: Flask-Login's load of the signed-in user, then one lookup (the
    round, assessment, response, questions answered so far) and one upsert, whether the
    respondent has answered one question or all."""
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "3")  # creates the response

    def statements_of_one_save(question, answer) -> list[str]:
        with statements_sent(db.engine) as seen:
            assert autosave(client, round_.id, token, question.id, answer).status_code == 200
        # SQLite: SQLAlchemy setting an autocommitted connection back to the default isolation
        # level as it returns to the pool, in the process (PostgreSQL: a driver attribute)
        return [s for s in seen if s != "PRAGMA read_uncommitted = 0"]

    early = statements_of_one_save(q["vision_strategy"], "4")
    for number, question in enumerate(q.values()):
        autosave(client, round_.id, token, question.id, str(1 + number % 5))
    late = statements_of_one_save(q["data_quality"], "2")
    assert len(early) == len(late) == 3, late
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's trace shows no statement texts
        assert [s.split()[0] for s in late] == ["SELECT", "SELECT", "INSERT"], late
        assert "FROM user_account" in late[0] and "FROM assessment_round" in late[1]
    assert stored_answers(sofia["member"], round_)["data_quality"] == ("level", 2, None)


def test_autosave_checks_who_is_signed_in_on_every_save(app, client, sofia):
    """The autosave reads the user with its one lookup: a member removed while the page is open,
    or a session taken to another browser, is logged out; "keep me logged in" still saves."""
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    assert autosave(client, round_.id, token, q["vision_strategy"].id, "3").status_code == 200

    other_browser = client.post(
        f"/survey/{round_.id}/answer",
        json={"question": q["vision_strategy"].id, "answer": "5"},
        headers={"X-CSRFToken": token, "User-Agent": "another browser"},
    )
    assert other_browser.status_code == 401 and other_browser.json["code"] == "login"
    assert stored_answers(sofia["member"], round_)["vision_strategy"][1] == 3

    token = start(client, "member@sofia.example", round_)
    sofia["member"].active = False
    db.session.commit()
    removed = autosave(client, round_.id, token, q["vision_strategy"].id, "5")
    assert removed.status_code == 401 and "logged out" in removed.json["error"]
    assert stored_answers(sofia["member"], round_)["vision_strategy"][1] == 3

    sofia["member"].active = True
    db.session.commit()
    remembered = app.test_client()
    remembered.post(
        "/login",
        data={
            "email": "member2@sofia.example",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_token(remembered),
        },
    )
    token = page_token(remembered, f"/survey/{round_.id}/areas/vision")
    with remembered.session_transaction() as session:
        del session["_user_id"]  # the browser-session login is gone, the device cookie is not
    reply = autosave(remembered, round_.id, token, q["vision_strategy"].id, "2")
    assert reply.status_code == 200, reply.json
    assert stored_answers(sofia["member2"], round_)["vision_strategy"][1] == 2


@pytest.mark.parametrize(
    ("answer", "code", "fragment"),
    [
        ("6", "not_a_level", "is not a level of question vision_strategy"),
        ("0", "not_a_level", "choose a level from 1 to 5"),
        ("three", "not_a_level", "“three”"),
        (2.5, "not_a_level", "“2.5”"),
        (True, "not_a_level", "vision_strategy"),
        ("not_applicable", "not_applicable_not_allowed", "cannot be answered “not applicable”"),
    ],
)
def test_refused_answers_change_nothing(client, sofia, answer, code, fragment):
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "2", "kept")
    before = all_answer_rows()
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, answer, "lost")
    assert reply.status_code == 400
    assert reply.json["ok"] is False and reply.json["code"] == code
    assert fragment in reply.json["error"]
    assert all_answer_rows() == before


def test_refused_requests_change_nothing(client, sofia, bundled_questionnaire, app):
    from assessment.admin.operations import import_questionnaire
    from questionnaires import load_questionnaire_text

    round_, q = sofia["round"], questions(sofia["round"])
    source = bundled_questionnaire.source.replace("version: 1", "version: 2", 1)
    other, _ = import_questionnaire(load_questionnaire_text(source, "v2.yaml"))
    db.session.commit()
    foreign = other.areas[0].questions[0]
    token = start(client, "member@sofia.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "2")
    before = all_answer_rows()

    reply = autosave(client, round_.id, token, foreign.id, "2")
    assert reply.status_code == 400 and reply.json["code"] == "other_questionnaire"
    assert f"Question {foreign.id} is not part of this round's questionnaire" in reply.json["error"]
    for bad_id in (None, "x", -1, 0, 2**40, 999999, [1]):
        reply = autosave(client, round_.id, token, bad_id, "2")
        assert reply.status_code == 400 and reply.json["code"] == "other_questionnaire"
    reply = autosave(client, round_.id, None, q["vision_strategy"].id, "4")  # no CSRF token
    assert reply.status_code == 400 and reply.json["code"] == "csrf"
    reply = autosave(client, round_.id, "forged", q["vision_strategy"].id, "4")
    assert reply.status_code == 400 and reply.json["code"] == "csrf"
    reply = client.post(
        f"/survey/{round_.id}/answer",
        data="[1, 2]",
        headers={"X-CSRFToken": token},
        content_type="application/json",
    )
    assert reply.status_code == 400 and reply.json["code"] == "bad_request"
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, "4", "x" * 4001)
    assert reply.status_code == 400 and reply.json["code"] == "comment_too_long"
    reply = autosave(client, 9999, token, q["vision_strategy"].id, "4")
    assert reply.status_code == 404 and reply.json["code"] == "round"
    assert all_answer_rows() == before


def test_the_csrf_check_refuses_forged_foreign_and_expired_tokens(app, client, sofia, monkeypatch):
    """Flask-WTF checks the autosave's token on every request: a forged token, the token of
    another session, a request over HTTPS from another site or without a referrer, and with a
    time limit an expired token, are all refused, however often the right one was accepted."""
    round_, q = sofia["round"], questions(sofia["round"])
    question = q["vision_strategy"].id
    token = start(client, "member@sofia.example", round_)
    for _ in range(2):
        assert autosave(client, round_.id, token, question, "2").status_code == 200
    # the signature's first character: its last one carries unused bits when decoded
    data, _, signature = token.rpartition(".")
    forged = f"{data}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert autosave(client, round_.id, forged, question, "3").json["code"] == "csrf"

    other = app.test_client()
    other_token = start(other, "member2@sofia.example", round_)
    assert autosave(other, round_.id, other_token, question, "4").status_code == 200
    reply = autosave(client, round_.id, other_token, question, "3")  # another session's token
    assert reply.status_code == 400 and reply.json["code"] == "csrf"
    with client.session_transaction() as session:
        session["csrf_token"] = "another session's value"
    assert autosave(client, round_.id, token, question, "3").json["code"] == "csrf"
    token = page_token(client, f"/survey/{round_.id}/areas/vision")  # a new one for the session

    def over_https(referrer):
        headers = {"X-CSRFToken": token} | ({"Referer": referrer} if referrer else {})
        return client.post(
            f"/survey/{round_.id}/answer",
            json={"question": question, "answer": "4"},
            headers=headers,
            base_url="https://localhost",
        )

    for _ in range(2):
        assert over_https(f"https://localhost/survey/{round_.id}/areas/vision").status_code == 200
    for foreign in ("https://attacker.example/", None):
        reply = over_https(foreign)
        assert reply.status_code == 400 and reply.json["code"] == "csrf"

    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    assert autosave(client, round_.id, token, question, "5").status_code == 200
    signed_at = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda s: signed_at(s) + 7200)
    reply = autosave(client, round_.id, token, question, "1")
    assert reply.status_code == 400 and reply.json["code"] == "csrf"
    assert stored_answers(sofia["member"], round_)["vision_strategy"][1] == 5


def test_every_session_cookie_is_verified(client, sofia):
    """itsdangerous checks the session cookie's signature on every request: once the signed-in
    cookie was accepted, the same session with a forged signature is a logged-out one."""
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    assert autosave(client, round_.id, token, q["vision_strategy"].id, "2").status_code == 200
    cookie = client.get_cookie("session").value
    data, _, signature = cookie.rpartition(".")
    forged = f"{data}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie("session", forged)
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, "3")
    assert reply.status_code == 400 and reply.json["code"] == "csrf"  # no token in that session
    assert client.get(f"/survey/{round_.id}/").status_code == 302  # to the login page
    client.set_cookie("session", cookie)
    assert autosave(client, round_.id, token, q["vision_strategy"].id, "3").status_code == 200
    assert stored_answers(sofia["member"], round_)["vision_strategy"][1] == 3


def test_submitted_assessment_and_closed_round_refuse_answers(client, sofia):
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "2")
    assessment = db.session.scalar(select(Assessment))
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, utcnow()
    db.session.commit()
    before = all_answer_rows()
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, "4")
    assert reply.status_code == 400 and reply.json["code"] == "submitted"
    assert "has been submitted" in reply.json["error"]
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, "")
    assert reply.json["code"] == "submitted"
    form = {"csrf_token": token, f"answer-{q['vision_strategy'].id}": "5", "action": "save"}
    assert client.post(f"/survey/{round_.id}/areas/vision", data=form).status_code == 302
    assert all_answer_rows() == before
    page = client.get(f"/survey/{round_.id}/areas/vision").get_data(as_text=True)
    assert "data-autosave-url" not in page and "disabled" in page

    assessment.status, assessment.submitted_at = AssessmentStatus.IN_PROGRESS, None
    round_.status = RoundStatus.CLOSED
    db.session.commit()
    reply = autosave(client, round_.id, token, q["vision_alignment"].id, "4")
    assert reply.status_code == 400 and reply.json["code"] == "round_closed"
    assert "is closed" in reply.json["error"]
    assert all_answer_rows() == before


def test_a_round_closed_between_lookup_and_write_is_not_written_past(client, sofia, monkeypatch):
    """The autosave's write checks the round and the assessment itself: a round closed (or an
    assessment submitted) after the lookup saw it open gets the refusal, and nothing changes."""
    from assessment.survey import autosave as autosave_module

    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    assert autosave(client, round_.id, token, q["vision_strategy"].id, "3").status_code == 200
    checked = autosave_module._checked_answer
    coordinator = db.session()  # this test's own session, not the request's

    def close_after_the_lookup(found, posted):
        answer = checked(found, posted)
        round_.status = RoundStatus.CLOSED  # a coordinator closes the round meanwhile
        coordinator.commit()
        return answer

    monkeypatch.setattr(autosave_module, "_checked_answer", close_after_the_lookup)
    for answer in ("5", ""):  # a changed answer, and a cleared one
        reply = autosave(client, round_.id, token, q["vision_strategy"].id, answer)
        assert reply.status_code == 400 and reply.json["code"] == "round_closed", reply.json
        assert stored_answers(sofia["member"], round_)["vision_strategy"][1] == 3
        round_.status = RoundStatus.OPEN
        db.session.commit()


def test_logged_out_autosave_gets_json_not_a_redirect(client, sofia):
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    client.post("/logout", data={"csrf_token": token})
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, "2")
    assert reply.status_code in (400, 401) and reply.is_json
    assert all_answer_rows() == []


def test_form_without_javascript_saves_the_whole_page(client, sofia):
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    path = f"/survey/{round_.id}/areas/governance"
    form = {
        "csrf_token": token,
        f"answer-{q['governance_leadership'].id}": "4",
        f"comment-{q['governance_leadership'].id}": "Mayor's office",
        f"answer-{q['governance_procurement'].id}": "not_applicable",
        f"comment-{q['governance_procurement'].id}": "",
        f"comment-{q['governance_funding'].id}": "",
        "action": "next",
    }
    reply = client.post(path, data=form)
    assert reply.status_code == 302 and reply.location.endswith(
        f"/survey/{round_.id}/areas/systems"
    )
    assert stored_answers(sofia["member"], round_) == {
        "governance_leadership": ("level", 4, "Mayor's office"),
        "governance_procurement": ("not_applicable", None, None),
    }
    # a bad value anywhere on the page: nothing saved, the page says which question
    form[f"answer-{q['governance_leadership'].id}"] = "2"
    form[f"answer-{q['governance_funding'].id}"] = "7"
    reply = client.post(path, data=form)
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "“7” is not a level of question governance_funding" in page
    assert "Nothing was saved" in page
    assert stored_answers(sofia["member"], round_)["governance_leadership"][1] == 4
    # a comment without an answer cannot be stored
    del form[f"answer-{q['governance_funding'].id}"]
    form[f"comment-{q['governance_funding'].id}"] = "unsure"
    reply = client.post(path, data=form)
    assert reply.status_code == 400 and "Choose an answer to keep your comment" in reply.text
    # the clear button: clears that question and saves the others
    form[f"comment-{q['governance_funding'].id}"] = ""
    form["clear"] = str(q["governance_procurement"].id)
    reply = client.post(path, data=form)
    assert reply.status_code == 302 and reply.location.endswith("#q-governance_procurement")
    assert stored_answers(sofia["member"], round_) == {
        "governance_leadership": ("level", 2, "Mayor's office")
    }
    # missing CSRF token: refused, nothing changes
    before = all_answer_rows()
    form.pop("clear")
    form.pop("csrf_token")
    assert client.post(path, data=form).status_code == 400
    assert all_answer_rows() == before


def test_review_completion_and_leader_submission(client, sofia):
    round_, q = sofia["round"], questions(sofia["round"])
    token = start(client, "member@sofia.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "3")
    review = client.get(f"/survey/{round_.id}/review").get_data(as_text=True)
    assert "29 of 30 answered" not in review and "1 of 30 answered" in review
    assert f"/survey/{round_.id}/areas/data#q-data_privacy" in review
    reply = client.post(
        f"/survey/{round_.id}/review",
        data={"csrf_token": token, "complete": "1", "confirm_gaps": "1", "unanswered": "29"},
    )
    assert reply.status_code == 302
    assert "You marked your response complete" in client.get(reply.location).text
    # a respondent cannot submit the city's assessment
    assert client.post(f"/survey/{round_.id}/submit", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})

    token = start(client, "leader@sofia.example", round_)
    autosave(client, round_.id, token, q["vision_strategy"].id, "5")  # leaders answer too
    team = client.get(f"/survey/{round_.id}/team", follow_redirects=True).get_data(as_text=True)
    assert "1 of 30 answered" in team and "member2" in team
    assert "Level" not in team  # counts only, never the answers
    reply = client.post(f"/survey/{round_.id}/submit", data={"csrf_token": token})
    assert reply.status_code == 302  # without the confirmation box: not submitted
    assert db.session.scalar(select(Assessment.status)) == AssessmentStatus.IN_PROGRESS
    reply = client.post(
        f"/survey/{round_.id}/submit", data={"csrf_token": token, "confirm": "1", "unfinished": "2"}
    )
    assert reply.location.endswith(f"/results/{round_.id}/{sofia['city'].id}")
    db.session.expire_all()
    assessment = db.session.scalar(select(Assessment))
    assert assessment.is_submitted and assessment.submitted_by_id == sofia["leader"].id
    reply = autosave(client, round_.id, token, q["vision_strategy"].id, "1")
    assert reply.json["code"] == "submitted"


def test_submitting_without_answers_is_refused(client, sofia):
    round_ = sofia["round"]
    login(client, "leader@sofia.example")
    token = csrf_token(client, "/team")
    reply = client.post(
        f"/survey/{round_.id}/submit",
        data={"csrf_token": token, "confirm": "1"},
        follow_redirects=True,
    )
    assert "Nobody in your team has answered yet" in reply.text
    assert db.session.scalar(select(Assessment.status)) in (None, AssessmentStatus.IN_PROGRESS)


def test_two_members_answer_at_the_same_time(app, sofia):
    """Each keeps their own answers; the city's scores are the rules applied to both."""
    round_, q = sofia["round"], questions(sofia["round"])
    first, second = app.test_client(), app.test_client()
    token1 = start(first, "member@sofia.example", round_)
    token2 = start(second, "member2@sofia.example", round_)
    mine = {key: str(1 + i % 5) for i, key in enumerate(q)}
    theirs = {key: ("dont_know" if i % 7 == 0 else str(5 - i % 5)) for i, key in enumerate(q)}
    for key in q:  # interleaved, as two people typing at once
        assert autosave(first, round_.id, token1, q[key].id, mine[key]).status_code == 200
        assert autosave(second, round_.id, token2, q[key].id, theirs[key]).status_code == 200
    assert db.session.scalar(select(Assessment.id)) is not None
    assert {k: v[1] or v[0] for k, v in stored_answers(sofia["member"], round_).items()} == {
        k: int(v) for k, v in mine.items()
    }
    assert {
        k: v[1] if v[0] == "level" else v[0]
        for k, v in stored_answers(sofia["member2"], round_).items()
    } == {k: (int(v) if v.isdigit() else v) for k, v in theirs.items()}
    # each sees only their own answers
    page = first.get(f"/survey/{round_.id}/areas/vision").get_data(as_text=True)
    checked = [
        key
        for key in q
        if key.startswith("vision")
        and f'name="answer-{q[key].id}" value="{mine[key]}"\n               checked' in page
    ]
    assert len(checked) == 6

    def value(raw: str):
        return raw if not raw.isdigit() else int(raw) - 1

    expected = scoring.score_city(
        questionnaire_spec(round_.questionnaire),
        {
            "a": {k: value(v) for k, v in mine.items()},
            "b": {k: value(v) for k, v in theirs.items()},
        },
    )
    (scores,) = round_scores(round_)
    assert scores.result.respondents == 2
    assert scores.result.overall == pytest.approx(expected.overall)
    for key, area in expected.areas.items():
        assert scores.result.areas[key].score == pytest.approx(area.score)
        assert scores.result.areas[key].agreement == pytest.approx(area.agreement)


def test_pages_in_bulgarian_show_the_questionnaire_in_bulgarian(client, sofia):
    round_ = sofia["round"]
    login(client, "member@sofia.example")
    token = csrf_token(client, "/survey/")
    client.post("/language", data={"language": "bg", "csrf_token": token, "next": "/survey/"})
    page = client.get(f"/survey/{round_.id}/areas/vision").get_data(as_text=True)
    assert "Цифрова визия" in page and "Има ли общината документирана стратегия" in page
    assert "Запази" in page
    db.session.expire_all()
    assert sofia["member"].language == "bg"


def test_each_level_says_its_position_in_words(client, sofia):
    login(client, "member@sofia.example")
    page = client.get(f"/survey/{sofia['round'].id}/areas/vision").get_data(as_text=True)
    assert "Level 1 of 5" in page and "Level 5 of 5" in page and "Level 6 of" not in page
