"""Who may download which PDF, and the Reports page, for every role."""

from __future__ import annotations

import io

import pytest
from flask_babel import refresh
from pypdf import PdfReader

from assessment.extensions import db
from assessment.models import Role
from tests.conftest import login
from tests.test_reports import assess, flat

PDF_ROUTES = ("city_a", "city_b", "cohort")


@pytest.fixture(autouse=True)
def report_cache(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def world(app, make_city, make_round, make_user):
    round_ = make_round("Spring")
    city_a, city_b, city_c = (
        make_city("Ruse", "BG"),
        make_city("Varna", "BG"),
        make_city("Lom", "BG"),
    )
    assess(round_, city_a, level=lambda a, q, r: 2)
    assess(round_, city_b, level=lambda a, q, r: 4, submitted=False)
    users = {
        "respondent_a": make_user("resp@a.example", Role.RESPONDENT, city_a),
        "leader_a": make_user("lead@a.example", Role.LEADER, city_a),
        "respondent_b": make_user("resp@b.example", Role.RESPONDENT, city_b),
        "leader_b": make_user("lead@b.example", Role.LEADER, city_b),
        "coordinator": make_user("coord@dmat.example", Role.COORDINATOR),
        "admin": make_user("admin@dmat.example", Role.ADMIN),
    }
    urls = {
        "city_a": f"/reports/{round_.id}/cities/{city_a.id}.pdf",
        "city_b": f"/reports/{round_.id}/cities/{city_b.id}.pdf",
        "cohort": f"/reports/{round_.id}/cohort.pdf",
        "no_assessment": f"/reports/{round_.id}/cities/{city_c.id}.pdf",
        "no_round": f"/reports/{round_.id + 99}/cities/{city_a.id}.pdf",
        "no_city": f"/reports/{round_.id}/cities/{city_c.id + 99}.pdf",
    }
    return {"round": round_, "users": users, "urls": urls, "cities": (city_a, city_b, city_c)}


# expected status per role: city A's report, city B's report, the cohort report
EXPECTED = {
    "anonymous": (302, 302, 302),
    "respondent_a": (403, 403, 403),
    "leader_a": (200, 404, 403),
    "respondent_b": (403, 403, 403),
    "leader_b": (404, 200, 403),
    "coordinator": (200, 200, 200),
    "admin": (200, 200, 200),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_pdf_routes_by_role(client, world, role):
    if role != "anonymous":
        assert login(client, world["users"][role].email).status_code == 302
    for route, status in zip(PDF_ROUTES, EXPECTED[role], strict=True):
        response = client.get(world["urls"][route])
        assert response.status_code == status, (role, route)
        if status == 200:
            assert response.mimetype == "application/pdf"
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert "no-store" in response.headers["Cache-Control"]
            assert PdfReader(io.BytesIO(response.data)).pages
        if status == 302:
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("respondent_a", 403),
        ("leader_a", 200),
        ("respondent_b", 403),
        ("leader_b", 200),
        ("coordinator", 200),
        ("admin", 200),
    ],
)
def test_reports_page_by_role(client, world, role, status):
    if role != "anonymous":
        login(client, world["users"][role].email)
    response = client.get("/reports/")
    assert response.status_code == status
    if status != 200:
        return
    page = response.get_data(as_text=True)
    urls = world["urls"]
    shows = {route: urls[route] in page for route in PDF_ROUTES}
    if role == "leader_a":
        assert shows == {"city_a": True, "city_b": False, "cohort": False}
        assert "Varna" not in page
    elif role == "leader_b":
        assert shows == {"city_a": False, "city_b": True, "cohort": False}
        assert "Ruse" not in page
    else:
        assert shows == {"city_a": True, "city_b": True, "cohort": True}
        assert "in progress" in page  # Varna has not submitted
    assert 'href="/reports/"' in page  # the navigation link


def test_navigation_link_only_for_report_roles(client, world):
    login(client, world["users"]["respondent_a"].email)
    assert 'href="/reports/"' not in client.get("/", follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize("route", ["no_assessment", "no_round", "no_city"])
def test_missing_things_are_404(client, world, route):
    login(client, world["users"]["coordinator"].email)
    assert client.get(world["urls"][route]).status_code == 404


def test_language_of_the_user_and_by_choice(client, world):
    leader = world["users"]["leader_a"]
    leader.language = "bg"
    db.session.commit()
    login(client, leader.email)
    # the test requests share the fixture's app context, where the locale of earlier requests
    # is remembered; a real request starts afresh
    refresh()
    response = client.get(world["urls"]["city_a"])
    text = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))
    assert "Цифрова визия" in text and "Резюме" in text
    assert response.headers["Content-Disposition"].endswith("-bg.pdf")
    response = client.get(world["urls"]["city_a"] + "?lang=en")
    assert response.headers["Content-Disposition"].endswith("-en.pdf")
    assert client.get(world["urls"]["city_a"] + "?lang=xx").status_code == 400
    page = client.get("/reports/").get_data(as_text=True)
    assert "Изтегляне на PDF" in page
