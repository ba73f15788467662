"""The public pages: landing page, login and logout, language switch, error pages, plotly.js."""

from __future__ import annotations

import gzip

import pytest
from flask import url_for

from assessment.main.vendor import PLOTLY_VERSION
from assessment.models import Role

from .conftest import csrf_token, login


def test_landing_page_in_english_and_bulgarian(client):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "How digitally mature is your city?" in page and 'lang="en"' in page
    page = client.get("/", headers={"Accept-Language": "bg,en;q=0.5"}).get_data(as_text=True)
    assert "Колко цифрово зряла е вашата община?" in page and 'lang="bg"' in page


def test_language_choice_is_remembered(client):
    token = csrf_token(client, "/")
    response = client.post(
        "/language", data={"language": "bg", "next": "/login", "csrf_token": token}
    )
    assert response.status_code == 302 and response.location.endswith("/login")
    assert "Запомни ме" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil"])
def test_language_switch_never_redirects_off_site(client, target):
    token = csrf_token(client, "/")
    response = client.post(
        "/language", data={"language": "en", "next": target, "csrf_token": token}
    )
    assert response.location in ("/", "http://localhost/")


def test_unknown_language_and_missing_csrf_are_refused(client):
    token = csrf_token(client, "/")
    assert client.post("/language", data={"language": "xx", "csrf_token": token}).status_code == 400
    refused = client.post("/language", data={"language": "bg"})
    assert refused.status_code == 400
    assert "security token" in refused.get_data(as_text=True)


def test_login_and_logout(client, make_city, make_user):
    make_user("lead@sofia.example", Role.LEADER, make_city())
    response = login(client, "LEAD@sofia.example")
    assert response.status_code == 302
    assert "Log out" in client.get("/", follow_redirects=True).get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "Log in" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    for email, password in (
        ("coordinator@dmat.example", "wrong password"),
        ("nobody@dmat.example", "whatever it is"),
    ):
        page = login(client, email, password).get_data(as_text=True)
        assert "Wrong e-mail or password." in page


def test_inactive_user_cannot_log_in(client, make_user):
    from assessment.extensions import db

    user = make_user("gone@dmat.example", Role.COORDINATOR)
    user.active = False
    db.session.commit()
    assert "Wrong e-mail or password." in login(client, user.email).get_data(as_text=True)


def test_login_form_errors_name_the_field(client):
    token = csrf_token(client)
    page = client.post(
        "/login", data={"email": "not an address", "password": "", "csrf_token": token}
    ).get_data(as_text=True)
    assert "Please give an e-mail address such as name@city.example." in page
    assert "This field is required." in page


def test_login_redirects_only_to_local_pages(client, make_user):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={
            "email": "coordinator@dmat.example",
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302 and "evil" not in response.location


def test_not_found_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)


def test_plotly_is_served_by_the_app(client):
    response = client.get(f"/vendor/plotly-{PLOTLY_VERSION}.min.js")
    assert response.status_code == 200
    assert b"plotly" in response.data[:2000].lower()
    assert len(response.data) > 1_000_000
    assert "Content-Encoding" not in response.headers  # not asked for
    response.close()


def test_plotly_is_compressed_versioned_and_cached_for_a_year(client):
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 301  # the old address names no version
    address = response.headers["Location"]
    assert address.endswith(f"/vendor/plotly-{PLOTLY_VERSION}.min.js")
    response = client.get(address, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    script = gzip.decompress(response.data)
    assert script == client.get(address).data  # the same file, compressed
    assert len(response.data) < len(script) / 2
    again = client.get(
        address, headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and not again.data
    assert client.get("/vendor/plotly-0.0.1.min.js").status_code == 404


def test_pages_name_the_versioned_plotly_address(app):
    with app.test_request_context():
        assert url_for("main.plotly_js") == f"/vendor/plotly-{PLOTLY_VERSION}.min.js"


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.RESPONDENT, "/survey/{open}/"),
        (Role.LEADER, "/survey/{open}/"),
        (Role.COORDINATOR, "/compare/"),
        (Role.ADMIN, "/compare/"),
    ],
)
def test_each_role_lands_on_its_own_home_after_login(
    client, make_city, make_user, make_round, role, home
):
    city = make_city("Θεσσαλονίκη", "GR") if role.is_city_role else None
    make_round("2020 baseline")
    newest = make_round("2022 follow-up")
    make_user("someone@dmat.example", role, city)
    reply = login(client, "someone@dmat.example")
    assert reply.status_code == 302
    landed = client.get(reply.location, follow_redirects=True)
    assert landed.status_code == 200
    assert landed.request.path == home.format(open=newest.id)


def test_a_city_member_without_an_open_round_lands_on_the_rounds_list(
    client, make_city, make_user
):
    make_user("someone@dmat.example", Role.RESPONDENT, make_city("София", "BG"))
    reply = login(client, "someone@dmat.example")
    assert client.get(reply.location, follow_redirects=True).request.path == "/survey/"


def test_security_headers_forbid_inline_script_and_framing(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline' " not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)


def test_every_response_carries_the_security_headers_once(client):
    """Pages, errors and JSON replies alike; a page that sets its own header keeps it."""
    for path in ("/", "/no-such-page", "/health", "/static/no-such-file.css"):
        headers = client.get(path).headers
        assert headers.getlist("X-Frame-Options") == ["DENY"], path
        assert headers.getlist("Referrer-Policy") == ["same-origin"], path
        assert len(headers.getlist("Content-Security-Policy")) == 1, path
    login_page = client.get("/login").headers
    assert login_page.getlist("Referrer-Policy") == ["no-referrer"]
