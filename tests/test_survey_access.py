"""Who may do what on the survey, team and results routes, for every role.

City A is Sofia, city B Athens. A city-bound user asking for anything of another city gets 404;
a wrong role gets 403; anonymous visitors are sent to the login page (the autosave endpoint
answers 401 in JSON instead, so the page's script can say so).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.lookups import user_with_email
from assessment.models import Assessment, AssessmentStatus, Role, utcnow
from tests.conftest import csrf_token, login
from tests.survey_support import all_answer_rows, autosave

ROLES = (
    "anonymous",
    "respondent_a",
    "leader_a",
    "respondent_b",
    "leader_b",
    "coordinator",
    "admin",
)
EMAILS = {
    "respondent_a": "member@sofia.example",
    "leader_a": "leader@sofia.example",
    "respondent_b": "member@athens.example",
    "leader_b": "leader@athens.example",
    "coordinator": "coordinator@dmat.example",
    "admin": "admin@dmat.example",
}


@pytest.fixture
def world(app, make_city, make_user, make_round):
    sofia, athens, riga = (
        make_city("Sofia", "BG"),
        make_city("Athens", "GR"),
        make_city("Riga", "LV"),
    )
    users = {
        "respondent_a": make_user(EMAILS["respondent_a"], Role.RESPONDENT, sofia),
        "leader_a": make_user(EMAILS["leader_a"], Role.LEADER, sofia),
        "respondent_b": make_user(EMAILS["respondent_b"], Role.RESPONDENT, athens),
        "leader_b": make_user(EMAILS["leader_b"], Role.LEADER, athens),
        "coordinator": make_user(EMAILS["coordinator"], Role.COORDINATOR),
        "admin": make_user(EMAILS["admin"], Role.ADMIN),
        "member_a2": make_user("member2@sofia.example", Role.RESPONDENT, sofia),
        "member_b2": make_user("member2@athens.example", Role.RESPONDENT, athens),
    }
    round_ = make_round()
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        if role != "anonymous":
            assert login(clients[role], EMAILS[role]).status_code == 302
    tokens = {
        role: csrf_token(clients[role], "/login" if role == "anonymous" else "/") for role in ROLES
    }
    return {
        "sofia": sofia,
        "athens": athens,
        "riga": riga,
        "round": round_,
        "users": users,
        "clients": clients,
        "tokens": tokens,
    }


def first_question(round_):
    return round_.questionnaire.areas[0].questions[0]


def check(world, method, path, expected, data=None, json=None):
    """Request ``path`` as every role; return the mismatches with ``expected`` (role -> status)."""
    wrong = []
    for role in ROLES:
        client, token = world["clients"][role], world["tokens"][role]
        if method == "GET":
            reply = client.get(path)
        elif json is not None:
            reply = client.post(path, json=json, headers={"X-CSRFToken": token})
        else:
            reply = client.post(path, data={"csrf_token": token, **(data or {})})
        status = reply.status_code
        want = expected[role] if isinstance(expected, dict) else expected
        if status != want:
            wrong.append(f"{method} {path} as {role}: {status}, expected {want}")
        if status == 302 and role == "anonymous" and want == 302:
            assert "/login" in reply.location
    return wrong


CITY_ONLY = {
    "anonymous": 302,
    "respondent_a": 200,
    "leader_a": 200,
    "respondent_b": 200,
    "leader_b": 200,
    "coordinator": 403,
    "admin": 403,
}
LEADERS_ONLY = {
    "anonymous": 302,
    "respondent_a": 403,
    "leader_a": 200,
    "respondent_b": 403,
    "leader_b": 200,
    "coordinator": 403,
    "admin": 403,
}


def test_survey_pages(world):
    r = world["round"].id
    wrong = []
    for path in ("/survey/", f"/survey/{r}/", f"/survey/{r}/areas/vision", f"/survey/{r}/review"):
        wrong += check(world, "GET", path, CITY_ONLY)
    moved = {**LEADERS_ONLY, "leader_a": 301, "leader_b": 301}  # to the one team page
    wrong += check(world, "GET", f"/survey/{r}/team", moved)
    city_404 = {**CITY_ONLY, **{k: 404 for k in CITY_ONLY if CITY_ONLY[k] == 200}}
    wrong += check(world, "GET", f"/survey/{r}/areas/no-such-area", city_404)
    wrong += check(world, "GET", "/survey/999/", city_404)
    wrong += check(world, "GET", "/survey/999/areas/vision", city_404)
    assert not wrong, "\n".join(wrong)


def test_survey_writes(world):
    r, q = world["round"].id, first_question(world["round"])
    posted = {f"answer-{q.id}": "3", "action": "save"}
    saved = {**CITY_ONLY, **{k: 302 for k in CITY_ONLY if CITY_ONLY[k] == 200}}
    wrong = check(world, "POST", f"/survey/{r}/areas/vision", saved, data=posted)
    confirmed = {"complete": "1", "confirm_gaps": "1", "unanswered": "30"}
    wrong += check(world, "POST", f"/survey/{r}/review", saved, data=confirmed)
    wrong += check(
        world,
        "POST",
        f"/survey/{r}/answer",
        {**CITY_ONLY, "anonymous": 401},
        json={"question": q.id, "answer": "4"},
    )
    submit = {**LEADERS_ONLY, "leader_a": 302, "leader_b": 302}
    confirmed = {"confirm": "1", "unfinished": "3"}  # although team members have not finished
    wrong += check(world, "POST", f"/survey/{r}/submit", submit, data=confirmed)
    assert not wrong, "\n".join(wrong)
    # each city's writes went to its own assessment only
    cities = {a.city_id: a for a in db.session.scalars(select(Assessment))}
    assert set(cities) == {world["sofia"].id, world["athens"].id}
    assert all(a.is_submitted and a.submitted_by.city_id == a.city_id for a in cities.values())


def test_results_pages(world):
    r, sofia, athens = world["round"].id, world["sofia"].id, world["athens"].id
    clients, tokens = world["clients"], world["tokens"]
    q = first_question(world["round"])
    for role in ("respondent_a", "respondent_b"):
        assert autosave(clients[role], r, tokens[role], q.id, "4").status_code == 200
    sofia_results = f"/results/{r}/{sofia}"
    # not submitted: the team sees a "not yet" page without figures, coordinators the figures
    for role in ("respondent_a", "leader_a"):
        page = clients[role].get(sofia_results)
        assert page.status_code == 200 and "once your city's leader has submitted" in page.text
        assert "Overall score" not in page.text
    assert "Overall score" in clients["coordinator"].get(sofia_results).text
    for assessment in db.session.scalars(select(Assessment)):
        assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, utcnow()
    db.session.commit()
    seen = {
        "anonymous": 302,
        "respondent_a": 200,
        "leader_a": 200,
        "respondent_b": 404,
        "leader_b": 404,
        "coordinator": 200,
        "admin": 200,
    }
    wrong = check(world, "GET", sofia_results, seen)
    swapped = {**seen, "respondent_a": 404, "leader_a": 404, "respondent_b": 200, "leader_b": 200}
    wrong += check(world, "GET", f"/results/{r}/{athens}", swapped)
    nothing = {role: 404 for role in ROLES} | {"anonymous": 302}
    wrong += check(world, "GET", f"/results/{r}/{world['riga'].id}", nothing)  # no assessment
    wrong += check(world, "GET", f"/results/{r}/99999", nothing)
    wrong += check(world, "GET", f"/results/999/{sofia}", nothing)
    assert "Overall score" in clients["respondent_a"].get(sofia_results).text
    assert not wrong, "\n".join(wrong)


def test_reopen(world):
    r, sofia = world["round"].id, world["sofia"].id
    clients, tokens = world["clients"], world["tokens"]
    autosave(clients["leader_a"], r, tokens["leader_a"], first_question(world["round"]).id, "2")
    clients["leader_a"].post(
        f"/survey/{r}/submit",
        data={"csrf_token": tokens["leader_a"], "confirm": "1", "unfinished": "3"},
    )
    refused = {
        "anonymous": 302,
        "respondent_a": 403,
        "leader_a": 403,
        "respondent_b": 403,
        "leader_b": 403,
        "coordinator": 302,
        "admin": 302,
    }
    wrong = check(world, "POST", f"/results/{r}/{sofia}/reopen", refused, data={"confirm": "1"})
    assert not wrong, "\n".join(wrong)
    db.session.expire_all()
    assessment = db.session.scalar(select(Assessment))
    assert not assessment.is_submitted and assessment.submitted_at is None
    # reopened: the team can answer again; reopening twice says so
    assert (
        autosave(
            clients["leader_a"], r, tokens["leader_a"], first_question(world["round"]).id, "3"
        ).status_code
        == 200
    )
    reply = clients["coordinator"].post(
        f"/results/{r}/{sofia}/reopen",
        data={"csrf_token": tokens["coordinator"], "confirm": "1"},
        follow_redirects=True,
    )
    assert "is not submitted" in reply.text
    assert (
        clients["coordinator"]
        .post(f"/results/{r}/{world['riga'].id}/reopen", data={"csrf_token": tokens["coordinator"]})
        .status_code
        == 404
    )


def test_team_routes(world):
    users = world["users"]
    member_a, member_b = users["member_a2"].id, users["member_b2"].id
    wrong = check(world, "GET", "/team", LEADERS_ONLY)
    # the second leader, of another city, gets the answer a new invitation gets, and nothing
    # is done: the account made by the first one stays where it is (docs/decisions.md)
    invited = {**LEADERS_ONLY, "leader_b": 200}
    wrong += check(world, "POST", "/team/invite", invited, data={"email": "x@example.org"})
    assert user_with_email("x@example.org").city_id == users["member_a2"].city_id
    for action in ("reset-link", "remove", "restore"):
        ok = 200 if action == "reset-link" else 302
        expected = {**LEADERS_ONLY, "leader_a": ok, "leader_b": 404}
        wrong += check(world, "POST", f"/team/{member_a}/{action}", expected)
        expected = {**LEADERS_ONLY, "leader_a": 404, "leader_b": ok}
        wrong += check(world, "POST", f"/team/{member_b}/{action}", expected)
    assert not wrong, "\n".join(wrong)


def test_public_account_pages(world):
    wrong = []
    wrong += check(world, "GET", "/password/forgot", 200)
    wrong += check(world, "GET", "/login", {role: 302 for role in ROLES} | {"anonymous": 200})
    for path in ("/invitation/unknown", "/password/reset/unknown"):
        wrong += check(world, "GET", path, 410)
    assert not wrong, "\n".join(wrong)


def test_a_member_never_sees_another_members_answers(world):
    r = world["round"].id
    clients, tokens = world["clients"], world["tokens"]
    q = first_question(world["round"])
    autosave(clients["respondent_a"], r, tokens["respondent_a"], q.id, "5", "my private note")
    before = all_answer_rows()
    for role in ROLES:
        for path in (
            f"/survey/{r}/areas/vision",
            f"/survey/{r}/team",
            f"/survey/{r}/review",
            "/team",
        ):
            page = clients[role].get(path)
            if role != "respondent_a":
                assert "my private note" not in page.text, (role, path)
    page = clients["leader_a"].get(f"/survey/{r}/areas/vision").text
    assert "checked" not in page  # the leader's own page: their own (empty) answers
    assert all_answer_rows() == before
