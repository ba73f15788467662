"""Every route, every role, objects of the user's own city and of another: a policy table.

A route a role may never use answers 403 whatever its ids; a route a role may use answers 404
for objects of another city, so ids reveal nothing. A route without an entry in POLICY fails
``test_every_route_has_a_policy``: adding a page means deciding who may see it.

City A is Sofia, city B Amsterdam (demo data). GET requests must give exactly the status of the
table; POST requests (with a valid CSRF token and an empty form) from a refused role must give
the refusal and change nothing, and from an allowed role must not be refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from assessment.admin.operations import update_user
from assessment.auth.operations import reset_token_for
from assessment.auth.tokens import consume_token, issue_token, token_hash
from assessment.extensions import db, limiter
from assessment.lookups import city_named, round_named, user_with_email
from assessment.main.vendor import PLOTLY_VERSION
from assessment.models import (
    AccountToken,
    Action,
    AgreedAnswer,
    Answer,
    Assessment,
    AuditEvent,
    City,
    IndicatorEditor,
    IndicatorValue,
    Round,
    TokenPurpose,
    User,
)

from .conftest import csrf_token, login

ROLES = ("anonymous", "respondent", "leader", "coordinator", "admin")
EMAILS = {
    "respondent": "member1@sofia.example",
    "leader": "leader@sofia.example",
    "coordinator": "coordinator@dmat.example",
    "admin": "admin@dmat.example",
}
LOGIN = "login"  # a redirect to the login page
OK = "ok"  # allowed (for POSTs: anything but a refusal)

PUBLIC = dict.fromkeys(ROLES, 200)
PROGRAMME = {"anonymous": LOGIN, "respondent": 403, "leader": 403, "coordinator": 200, "admin": 200}
CITY_TEAM = {"anonymous": LOGIN, "respondent": 200, "leader": 200, "coordinator": 403, "admin": 403}
LEADER_ONLY = {
    "anonymous": LOGIN,
    "respondent": 403,
    "leader": 200,
    "coordinator": 403,
    "admin": 403,
}
ADMIN_ONLY = {**PROGRAMME, "coordinator": 403}
API = {"anonymous": 401, "respondent": 403, "leader": 403, "coordinator": 200, "admin": 200}
OWN_CITY = {"anonymous": LOGIN, "respondent": 200, "leader": 200, "coordinator": 200, "admin": 200}
OTHER_CITY = {
    "anonymous": LOGIN,
    "respondent": 404,
    "leader": 404,
    "coordinator": 200,
    "admin": 200,
}
LEADER_OWN_MEMBER = {
    "anonymous": LOGIN,
    "respondent": 403,
    "leader": OK,
    "coordinator": 403,
    "admin": 403,
}
LEADER_OTHER_MEMBER = {**LEADER_OWN_MEMBER, "leader": 404}
REOPEN = {"anonymous": LOGIN, "respondent": 403, "leader": 403, "coordinator": OK, "admin": OK}
INVALID_LINK = dict.fromkeys(ROLES, 410)
REPORTS = {**PROGRAMME, "leader": 200}
TEAM_ANSWERS = {**PROGRAMME, "leader": 200}  # members never see each other's answers
NOT_IN_CITY = {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN}  # another city's action id
# an action's owner (the respondent) and the leader update its progress; the programme reads
OWNER_UPDATE = {"anonymous": LOGIN, "respondent": OK, "leader": OK, "coordinator": 403,
                "admin": 403}  # fmt: skip


@dataclass(frozen=True)
class World:
    city_a: int
    city_b: int
    open_round: int
    closed_round: int
    member_a: int
    member_b: int
    user_b: int
    used_invitation: str  # links used up already: 410 for everyone, whoever sends them
    used_reset: str
    action_a: int = 0  # an action of city A's plan, owned by the respondent; one of city B's
    action_b: int = 0


def used_link(email: str, purpose: TokenPurpose) -> str:
    """A link of ``purpose`` for ``email`` that another request used first."""
    token = issue_token(user_with_email(email), purpose)
    found = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == token_hash(token))
    )
    assert consume_token(found)
    db.session.commit()
    return token


@pytest.fixture
def world(demo) -> World:
    return World(
        city_a=city_named("Sofia").id,
        city_b=city_named("Amsterdam").id,
        open_round=round_named("2022 follow-up").id,
        closed_round=round_named("2020 baseline").id,
        member_a=user_with_email("member2@sofia.example").id,
        member_b=user_with_email("member1@amsterdam.example").id,
        user_b=user_with_email("leader@amsterdam.example").id,
        used_invitation=used_link("member3@sofia.example", TokenPurpose.INVITATION),
        used_reset=used_link("member3@sofia.example", TokenPurpose.PASSWORD_RESET),
        action_a=plan_action("Sofia", "member1@sofia.example"),
        action_b=plan_action("Amsterdam", "member1@amsterdam.example"),
    )


def plan_action(city: str, owner: str) -> int:
    action = Action(
        city_id=city_named(city).id,
        title=f"Πύλη {city}",
        areas=["data"],
        questions=[],
        owner_id=user_with_email(owner).id,
    )
    db.session.add(action)
    db.session.commit()
    return action.id


# endpoint -> list of (method, url(world), expected status per role)
POLICY = {
    "static": [("GET", lambda w: "/static/css/dmat.css", PUBLIC)],
    "main.index": [("GET", lambda w: "/", {**dict.fromkeys(ROLES, 302), "anonymous": 200})],
    "main.health": [("GET", lambda w: "/health", PUBLIC)],
    "main.plotly_js": [("GET", lambda w: f"/vendor/plotly-{PLOTLY_VERSION}.min.js", PUBLIC)],
    "main.plotly_js_unversioned": [
        ("GET", lambda w: "/vendor/plotly.min.js", dict.fromkeys(ROLES, 301))
    ],
    "main.set_language": [("POST", lambda w: "/language", dict.fromkeys(ROLES, OK))],
    "auth.login": [("GET", lambda w: "/login", {**dict.fromkeys(ROLES, 302), "anonymous": 200})],
    "auth.logout": [
        ("POST", lambda w: "/logout", {**dict.fromkeys(ROLES, OK), "anonymous": LOGIN})
    ],
    "auth.forgot_password": [("GET", lambda w: "/password/forgot", PUBLIC)],
    "auth.accept_invitation": [
        ("GET", lambda w: "/invitation/not-a-token", INVALID_LINK),
        ("GET", lambda w: f"/invitation/{w.used_invitation}", INVALID_LINK),
        ("POST", lambda w: f"/invitation/{w.used_invitation}", INVALID_LINK),
    ],
    "auth.reset": [
        ("GET", lambda w: "/password/reset/not-a-token", INVALID_LINK),
        ("GET", lambda w: f"/password/reset/{w.used_reset}", INVALID_LINK),
        ("POST", lambda w: f"/password/reset/{w.used_reset}", INVALID_LINK),
    ],
    "auth.team": [("GET", lambda w: "/team", LEADER_ONLY)],
    "auth.invite": [("POST", lambda w: "/team/invite", {**LEADER_ONLY, "leader": OK})],
    "auth.reset_link": [
        ("POST", lambda w: f"/team/{w.member_a}/reset-link", LEADER_OWN_MEMBER),
        ("POST", lambda w: f"/team/{w.member_b}/reset-link", LEADER_OTHER_MEMBER),
    ],
    "auth.remove": [
        ("POST", lambda w: f"/team/{w.member_b}/remove", LEADER_OTHER_MEMBER),
        ("POST", lambda w: f"/team/{w.member_a}/remove", LEADER_OWN_MEMBER),
    ],
    "auth.restore": [
        ("POST", lambda w: f"/team/{w.member_b}/restore", LEADER_OTHER_MEMBER),
        ("POST", lambda w: f"/team/{w.member_a}/restore", LEADER_OWN_MEMBER),
    ],
    "survey.index": [("GET", lambda w: "/survey/", CITY_TEAM)],
    "survey.overview": [("GET", lambda w: f"/survey/{w.open_round}/", CITY_TEAM)],
    "survey.area": [("GET", lambda w: f"/survey/{w.open_round}/areas/vision", CITY_TEAM)],
    "survey.review": [("GET", lambda w: f"/survey/{w.open_round}/review", CITY_TEAM)],
    "survey.team": [  # the old "Team progress" address, moved to the team page
        ("GET", lambda w: f"/survey/{w.open_round}/team", {**LEADER_ONLY, "leader": 301})
    ],
    "survey.save_answer": [
        (
            "POST",
            lambda w: f"/survey/{w.open_round}/answer",
            {"anonymous": 401, "respondent": OK, "leader": OK, "coordinator": 403, "admin": 403},
        ),
    ],
    "survey.submit": [
        ("POST", lambda w: f"/survey/{w.open_round}/submit", {**LEADER_ONLY, "leader": OK})
    ],
    "survey.results": [
        ("GET", lambda w: f"/results/{w.closed_round}/{w.city_a}", OWN_CITY),
        ("GET", lambda w: f"/results/{w.closed_round}/{w.city_b}", OTHER_CITY),
    ],
    "survey.reopen": [
        (
            "POST",
            lambda w: f"/results/{w.closed_round}/{w.city_b}/reopen",
            REOPEN,
        ),
        ("POST", lambda w: f"/results/{w.closed_round}/{w.city_a}/reopen", REOPEN),
    ],
    "survey.team_answers": [
        ("GET", lambda w: f"/results/{w.closed_round}/{w.city_a}/team/vision", TEAM_ANSWERS),
        ("GET", lambda w: f"/results/{w.open_round}/{w.city_a}/team/data", TEAM_ANSWERS),
        (
            "GET",
            lambda w: f"/results/{w.closed_round}/{w.city_b}/team/vision",
            {**TEAM_ANSWERS, "leader": 404},
        ),
    ],
    "survey.record_agreed": [
        (
            "POST",
            lambda w: f"/results/{w.open_round}/{w.city_a}/agreed/vision_strategy",
            {**LEADER_ONLY, "leader": OK},
        ),
        (
            "POST",
            lambda w: f"/results/{w.open_round}/{w.city_b}/agreed/vision_strategy",
            {**LEADER_ONLY, "leader": 404},
        ),
    ],
    "survey.indicators_page": [
        ("GET", lambda w: f"/results/{w.open_round}/{w.city_a}/indicators", OWN_CITY),
        ("GET", lambda w: f"/results/{w.closed_round}/{w.city_b}/indicators", OTHER_CITY),
        # saving: the leader, or the member the leader names (nobody here)
        (
            "POST",
            lambda w: f"/results/{w.open_round}/{w.city_a}/indicators",
            {**LEADER_ONLY, "leader": OK},
        ),
        (
            "POST",
            lambda w: f"/results/{w.open_round}/{w.city_b}/indicators",
            {**LEADER_ONLY, "respondent": 404, "leader": 404},
        ),
    ],
    "survey.name_indicator_editor": [
        (
            "POST",
            lambda w: f"/results/{w.open_round}/{w.city_a}/indicators/editor",
            {**LEADER_ONLY, "leader": OK},
        ),
        (
            "POST",
            lambda w: f"/results/{w.open_round}/{w.city_b}/indicators/editor",
            {**LEADER_ONLY, "leader": 404},
        ),
    ],
    "plan.overview": [
        ("GET", lambda w: f"/plan/rounds/{w.closed_round}", PROGRAMME),
        ("GET", lambda w: f"/plan/rounds/{w.closed_round}?country=BG&sort=last_update", PROGRAMME),
    ],
    "plan.plan": [
        ("GET", lambda w: f"/plan/{w.city_a}", OWN_CITY),
        ("GET", lambda w: f"/plan/{w.city_b}", OTHER_CITY),
        ("GET", lambda w: f"/plan/{w.city_a}?status=done&show=overdue", OWN_CITY),
    ],
    "plan.action": [
        ("GET", lambda w: f"/plan/{w.city_a}/actions/{w.action_a}", OWN_CITY),
        ("GET", lambda w: f"/plan/{w.city_b}/actions/{w.action_b}", OTHER_CITY),
        ("GET", lambda w: f"/plan/{w.city_a}/actions/{w.action_b}", NOT_IN_CITY),
    ],
    "plan.new_action": [
        ("GET", lambda w: f"/plan/{w.city_a}/actions/new", LEADER_ONLY),
        ("GET", lambda w: f"/plan/{w.city_b}/actions/new", {**LEADER_ONLY, "leader": 404}),
        ("POST", lambda w: f"/plan/{w.city_a}/actions/new", {**LEADER_ONLY, "leader": OK}),
    ],
    "plan.edit_action": [
        (
            "POST",
            lambda w: f"/plan/{w.city_a}/actions/{w.action_a}/edit",
            {**LEADER_ONLY, "leader": OK},
        ),
        (
            "POST",
            lambda w: f"/plan/{w.city_b}/actions/{w.action_b}/edit",
            {**LEADER_ONLY, "leader": 404},
        ),
    ],
    "plan.update_action": [
        ("POST", lambda w: f"/plan/{w.city_a}/actions/{w.action_a}/progress", OWNER_UPDATE),
        (
            "POST",
            lambda w: f"/plan/{w.city_b}/actions/{w.action_b}/progress",
            {**OWNER_UPDATE, "respondent": 404, "leader": 404},
        ),
    ],
    "plan.remove_action": [
        (
            "POST",
            lambda w: f"/plan/{w.city_a}/actions/{w.action_a}/remove",
            {**LEADER_ONLY, "leader": OK},
        ),
        (
            "POST",
            lambda w: f"/plan/{w.city_b}/actions/{w.action_b}/remove",
            {**LEADER_ONLY, "leader": 404},
        ),
    ],
    "plan.set_targets": [
        (
            "POST",
            lambda w: f"/plan/{w.city_a}/targets/{w.closed_round}",
            {**LEADER_ONLY, "leader": OK},
        ),
        (
            "POST",
            lambda w: f"/plan/{w.city_b}/targets/{w.closed_round}",
            {**LEADER_ONLY, "leader": 404},
        ),
    ],
    "audit.events": [("GET", lambda w: "/audit", PROGRAMME)],
    "compare.index": [("GET", lambda w: "/compare/", PROGRAMME)],
    "compare.dashboard": [("GET", lambda w: f"/compare/rounds/{w.open_round}", PROGRAMME)],
    "compare.compare": [("GET", lambda w: f"/compare/rounds/{w.open_round}/compare", PROGRAMME)],
    "compare.questions": [
        ("GET", lambda w: f"/compare/rounds/{w.open_round}/questions", PROGRAMME)
    ],
    "compare.reopen_confirm": [
        ("GET", lambda w: f"/compare/rounds/{w.closed_round}/cities/{w.city_b}/reopen", PROGRAMME)
    ],
    "compare.progress": [
        # opens on the world's two rounds
        ("GET", lambda w: "/compare/progress", {**PROGRAMME, "coordinator": 302, "admin": 302}),
        ("GET", lambda w: f"/compare/progress?before={w.open_round}", PROGRAMME),
    ],
    "compare.indicators": [
        ("GET", lambda w: f"/compare/rounds/{w.open_round}/indicators", PROGRAMME)
    ],
    "compare.export": [("GET", lambda w: f"/compare/rounds/{w.open_round}/export.json", PROGRAMME)],
    "admin.index": [("GET", lambda w: "/admin/", PROGRAMME)],
    "admin.cities": [("GET", lambda w: "/admin/cities", PROGRAMME)],
    "admin.edit_city": [("GET", lambda w: f"/admin/cities/{w.city_b}", PROGRAMME)],
    "admin.toggle_city": [
        (
            "POST",
            lambda w: f"/admin/cities/{w.city_b}/active",
            {**PROGRAMME, "coordinator": OK, "admin": OK},
        )
    ],
    "admin.rounds": [("GET", lambda w: "/admin/rounds", PROGRAMME)],
    "admin.toggle_round": [
        (
            "POST",
            lambda w: f"/admin/rounds/{w.open_round}/status",
            {**PROGRAMME, "coordinator": OK, "admin": OK},
        )
    ],
    "admin.edit_round": [
        ("GET", lambda w: f"/admin/rounds/{w.open_round}/edit", PROGRAMME),
        (
            "POST",
            lambda w: f"/admin/rounds/{w.open_round}/edit",
            {**PROGRAMME, "coordinator": OK, "admin": OK},
        ),
    ],
    "admin.import_responses": [
        ("GET", lambda w: f"/admin/rounds/{w.open_round}/import", PROGRAMME)
    ],
    "admin.import_indicators": [
        (
            "POST",
            lambda w: f"/admin/rounds/{w.open_round}/import/indicators",
            {**PROGRAMME, "coordinator": OK, "admin": OK},
        )
    ],
    "admin.import_template": [
        ("GET", lambda w: f"/admin/rounds/{w.open_round}/import/template.csv", PROGRAMME)
    ],
    "admin.questionnaires": [("GET", lambda w: "/admin/questionnaires", PROGRAMME)],
    "admin.questionnaire": [("GET", lambda w: "/admin/questionnaires/1", PROGRAMME)],
    "admin.users": [("GET", lambda w: "/admin/users", PROGRAMME)],
    "admin.new_user": [("GET", lambda w: "/admin/users/new", PROGRAMME)],
    "admin.edit_user": [("GET", lambda w: f"/admin/users/{w.user_b}", PROGRAMME)],
    "admin.user_link": [
        (
            "POST",
            lambda w: f"/admin/users/{w.user_b}/link",
            {**PROGRAMME, "coordinator": OK, "admin": OK},
        )
    ],
    "admin.tokens": [("GET", lambda w: "/admin/tokens", PROGRAMME)],
    "admin.revoke_token": [
        (
            "POST",
            lambda w: "/admin/tokens/999999/revoke",
            {**PROGRAMME, "coordinator": 404, "admin": 404},
        )
    ],
    "pdf.index": [("GET", lambda w: "/reports/", REPORTS)],
    "pdf.city_pdf": [
        ("GET", lambda w: f"/reports/{w.closed_round}/cities/{w.city_a}.pdf", REPORTS),
        (
            "GET",
            lambda w: f"/reports/{w.closed_round}/cities/{w.city_b}.pdf",
            {**REPORTS, "leader": 404},
        ),
    ],
    "pdf.cohort_pdf": [("GET", lambda w: f"/reports/{w.closed_round}/cohort.pdf", PROGRAMME)],
    "api.openapi": [("GET", lambda w: "/api/v1/openapi.json", PUBLIC)],
    "api.rounds": [("GET", lambda w: "/api/v1/rounds", API)],
    "api.round_detail": [("GET", lambda w: f"/api/v1/rounds/{w.open_round}", API)],
    "api.plans": [("GET", lambda w: f"/api/v1/rounds/{w.closed_round}/plans", API)],
    "api.scores": [("GET", lambda w: f"/api/v1/rounds/{w.open_round}/scores", API)],
    "api.cohort": [("GET", lambda w: f"/api/v1/rounds/{w.open_round}/cohort", API)],
    "api.questions": [("GET", lambda w: f"/api/v1/rounds/{w.open_round}/questions", API)],
    "api.progress": [
        ("GET", lambda w: f"/api/v1/progress?from={w.closed_round}&to={w.open_round}", API)
    ],
    "api.cities": [("GET", lambda w: "/api/v1/cities", API)],
    "api.round_indicators": [("GET", lambda w: f"/api/v1/rounds/{w.open_round}/indicators", API)],
    "api.city_indicators": [("GET", lambda w: f"/api/v1/cities/{w.city_a}/indicators", API)],
    "api.city_detail": [("GET", lambda w: f"/api/v1/cities/{w.city_b}", API)],
}


def test_every_route_has_a_policy(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - POLICY.keys()
    assert not missing, f"routes without an access policy: {sorted(missing)}"
    assert not POLICY.keys() - endpoints, "policies for routes that no longer exist"


COUNTED = (Answer, AgreedAnswer, User, City, Round, AuditEvent, IndicatorValue, IndicatorEditor)


def state() -> tuple:
    """What a refused request must not change."""
    return (
        tuple(db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED),
        tuple(db.session.scalars(select(Assessment.status).order_by(Assessment.id))),
        tuple(db.session.scalars(select(User.active).order_by(User.id))),
        tuple(db.session.scalars(select(City.active).order_by(City.id))),
        tuple(db.session.scalars(select(Round.status).order_by(Round.id))),
    )


def refused(expected) -> bool:
    return expected in (LOGIN, 401, 403, 404, 410)


def check(client, method: str, url: str, expected, saved: tuple[str, str] | None = None):
    """(whether the answer is the expected one, the status). ``saved``: a session cookie
    copied earlier and a CSRF token of its session, sent instead of the client's own."""
    session_cookie = saved[0] if saved is not None else None
    if method == "GET":
        if session_cookie is not None:
            client.set_cookie("session", session_cookie)
        response = client.get(url)
        got = response.status_code
        if expected == LOGIN:
            ok = got == 302 and "/login" in response.location
        else:
            ok = got == expected or (expected == OK and got < 400)
        response.close()
        return ok, got
    if saved is not None:
        client.set_cookie("session", session_cookie)
        token = saved[1]
    else:
        token = csrf_token(client, "/")
    before = state()
    response = client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token})
    got = response.status_code
    db.session.expire_all()
    if refused(expected):
        ok = (
            (got == 302 and "/login" in response.location) if expected == LOGIN else got == expected
        )
        ok = ok and state() == before
    else:
        ok = got not in (401, 403, 404) and got < 500
    return ok, got


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, role):
    mismatches = []
    for checks in POLICY.values():
        for method, url_for_world, expected_by_role in checks:
            expected = expected_by_role[role]
            client = app.test_client()
            if role != "anonymous":
                limiter.reset()  # one login per check: stay clear of the login rate limit
                assert login(client, EMAILS[role], "dmat-demo-2022").status_code == 302
            url = url_for_world(world)
            ok, got = check(client, method, url, expected)
            if not ok:
                mismatches.append(f"{method} {url} as {role}: expected {expected}, got {got}")
    assert not mismatches, "\n".join(mismatches)


def end_session(app, how: str, email: str) -> None:
    """End the sessions of ``email`` one way: as the user, a new password, or an admin."""
    user = user_with_email(email)
    admin = user_with_email(EMAILS["admin"])
    if how == "deactivation":
        update_user(admin, user, user.role, user.city, False)
    elif how == "deactivation and restore":
        update_user(admin, user, user.role, user.city, False)
        db.session.commit()
        update_user(admin, user, user.role, user.city, True)
    elif how == "password reset":
        path = f"/password/reset/{reset_token_for(user)}"
        db.session.commit()
        owner = app.test_client()
        token = csrf_token(owner, path)
        password = "нова парола за лидера"
        reply = owner.post(
            path, data={"csrf_token": token, "password": password, "confirm": password}
        )
        assert reply.status_code == 302
    db.session.commit()


def test_an_ended_session_opens_every_route_as_an_anonymous_request_does(app, world):
    """A session cookie saved before its user logged out, set a new password or was deactivated
    (restored since, or not) is anonymous on every route: its POSTs are refused and change
    nothing. The leader's reach is the widest of a city team's."""
    mismatches = []
    for how in ("logout", "deactivation", "deactivation and restore", "password reset"):
        limiter.reset()
        client = app.test_client()
        assert login(client, EMAILS["leader"], "dmat-demo-2022").status_code == 302
        token = csrf_token(client, "/")
        saved = (client.get_cookie("session").value, token)  # as a page left it
        assert check(client, "GET", "/team", 200, saved)[0]  # it works until the session ends
        if how == "logout":
            client.post("/logout", data={"csrf_token": token})
        else:
            end_session(app, how, EMAILS["leader"])
        for checks in POLICY.values():
            for method, url_for_world, expected_by_role in checks:
                url = url_for_world(world)
                expected = expected_by_role["anonymous"]
                ok, got = check(client, method, url, expected, saved)
                if not ok:
                    mismatches.append(f"{method} {url} after {how}: expected {expected}, got {got}")
        if how == "deactivation":  # for the next round's login
            leader = user_with_email(EMAILS["leader"])
            update_user(user_with_email(EMAILS["admin"]), leader, leader.role, leader.city, True)
            db.session.commit()
    assert not mismatches, "\n".join(mismatches)
