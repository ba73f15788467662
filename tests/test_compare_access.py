"""Who reaches the coordinators' pages and the API: every route, every role.

Leaders and respondents (of any city) reach none of them; anonymous visitors are sent to the
login page (pages) or get a JSON 401 (API); coordinators and admins get in.
"""

from __future__ import annotations

import pytest

from assessment.models import Role, RoundStatus
from tests.conftest import PASSWORD, csrf_token, login

ROLES = (
    "anonymous",
    "respondent_a",
    "leader_a",
    "respondent_b",
    "leader_b",
    "coordinator",
    "admin",
)


@pytest.fixture
def world(app, make_city, make_user, make_round, bundled_questionnaire):
    sofia, riga = make_city("Sofia", "BG"), make_city("Riga", "LV")
    users = {
        "respondent_a": make_user("member@sofia.example", Role.RESPONDENT, sofia),
        "leader_a": make_user("leader@sofia.example", Role.LEADER, sofia),
        "respondent_b": make_user("member@riga.example", Role.RESPONDENT, riga),
        "leader_b": make_user("leader@riga.example", Role.LEADER, riga),
        "coordinator": make_user("coordinator@dmat.example", Role.COORDINATOR),
        "admin": make_user("admin@dmat.example", Role.ADMIN),
    }
    before = make_round("2020 baseline")
    after = make_round("2022 follow-up")
    before.status = RoundStatus.CLOSED
    from assessment.extensions import db

    db.session.commit()
    return {
        "users": users,
        "city": sofia.id,
        "round": after.id,
        "before": before.id,
        "questionnaire": bundled_questionnaire.id,
        "user": users["respondent_a"].id,
    }


def pages(w) -> list[str]:
    r, c = w["round"], w["city"]
    return [
        "/compare/",
        f"/compare/rounds/{r}",
        f"/compare/rounds/{r}/compare?city={c}",
        f"/compare/rounds/{r}/questions",
        f"/compare/progress?before={w['before']}&after={r}",
        f"/compare/rounds/{r}/export.csv",
        f"/compare/rounds/{r}/export.xlsx",
        f"/compare/rounds/{r}/export.json",
        "/admin/",
        "/admin/cities",
        f"/admin/cities/{c}",
        "/admin/rounds",
        f"/admin/rounds/{r}/import",
        "/admin/questionnaires",
        f"/admin/questionnaires/{w['questionnaire']}",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{w['user']}",
        "/admin/tokens",
    ]


def posts(w) -> list[str]:
    r, c = w["round"], w["city"]
    return [
        "/admin/cities",
        f"/admin/cities/{c}",
        f"/admin/cities/{c}/active",
        "/admin/rounds",
        f"/admin/rounds/{r}/status",
        f"/admin/rounds/{r}/import",
        "/admin/questionnaires",
        "/admin/users/new",
        f"/admin/users/{w['user']}",
        "/admin/tokens",
        "/admin/tokens/1/revoke",
    ]


def api(w) -> list[str]:
    r, c = w["round"], w["city"]
    return [
        "/api/v1/rounds",
        f"/api/v1/rounds/{r}",
        f"/api/v1/rounds/{r}/scores",
        f"/api/v1/rounds/{r}/cohort",
        f"/api/v1/rounds/{r}/questions",
        f"/api/v1/progress?from={w['before']}&to={r}",
        "/api/v1/cities",
        f"/api/v1/cities/{c}",
    ]


def client_for(app, email: str | None = None, password: str = PASSWORD):
    """A fresh browser, logged in as ``email`` unless it is None."""
    client = app.test_client()
    if email is not None:
        response = login(client, email, password)
        assert response.status_code == 302, email
        assert "/login" not in response.headers["Location"], email
    return client


def client_as(app, world, role: str):
    return client_for(app, None if role == "anonymous" else world["users"][role].email)


@pytest.mark.parametrize("role", ROLES)
def test_pages(app, world, role):
    client = client_as(app, world, role)
    for path in pages(world):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302, path
            assert "/login" in response.headers["Location"], path
        elif role in ("coordinator", "admin"):
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, path


@pytest.mark.parametrize("role", ROLES[:5])
def test_posts_are_refused_before_anything_is_read(app, world, role):
    """City roles and visitors cannot change programme data, even with a valid form token.

    (Coordinators and admins may; the feature tests post as them.)
    """
    client = client_as(app, world, role)
    token = csrf_token(client, "/")
    for path in posts(world):
        response = client.post(path, data={"csrf_token": token})
        expected = 302 if role == "anonymous" else 403
        assert response.status_code == expected, path


@pytest.mark.parametrize("role", ROLES)
def test_api(app, world, role):
    client = client_as(app, world, role)
    for path in api(world):
        response = client.get(path)
        assert response.is_json, path
        if role == "anonymous":
            assert response.status_code == 401, path
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        elif role in ("coordinator", "admin"):
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, path
        if response.status_code != 200:
            assert set(response.get_json()["error"]) == {"status", "message"}


@pytest.mark.parametrize("role", ("respondent_a", "leader_b"))
def test_navigation_links_only_for_programme_roles(app, world, role):
    client = client_as(app, world, role)
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "/compare/" not in page and "/admin/" not in page
    client = client_as(app, world, "coordinator")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "/compare/" in page and "/admin/" in page
