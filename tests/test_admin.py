"""Programme management pages: cities, rounds, questionnaires, response imports, users."""

from __future__ import annotations

import io

import pytest

from assessment.extensions import db
from assessment.lookups import city_named, round_named, user_with_email
from assessment.models import Answer, Role, RoundStatus
from questionnaires import BUNDLED_QUESTIONNAIRE
from tests.conftest import csrf_token
from tests.test_compare_access import client_for


@pytest.fixture
def coordinator(app, make_user):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    return client_for(app, "coordinator@dmat.example")


@pytest.fixture
def admin(app, make_user):
    make_user("admin@dmat.example", Role.ADMIN)
    return client_for(app, "admin@dmat.example")


def post(client, path: str, data: dict, **kwargs):
    data = {**data, "csrf_token": csrf_token(client, "/admin/")}
    return client.post(path, data=data, **kwargs)


def test_add_edit_and_deactivate_a_city(coordinator):
    response = post(coordinator, "/admin/cities", {"name": " Plovdiv ", "country": "bg"})
    assert response.status_code == 302
    city = city_named("Plovdiv")
    assert city.country == "BG" and city.active
    page = post(coordinator, "/admin/cities", {"name": "plovdiv", "country": "BGR"}).get_data(
        as_text=True
    )
    assert "A city named plovdiv already exists." in page
    assert "Two letters, such as BG or NL." in page
    page = post(coordinator, "/admin/cities", {"name": "", "country": ""}).get_data(as_text=True)
    assert "Give the city's name." in page and "Give the country's two-letter code." in page
    response = post(
        coordinator, f"/admin/cities/{city.id}", {"name": "Plovdiv City", "country": "BG"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert city_named("Plovdiv City").id == city.id
    response = post(coordinator, f"/admin/cities/{city.id}/active", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert not city_named("Plovdiv City").active


def test_create_open_and_close_a_round(coordinator, bundled_questionnaire):
    page = coordinator.get("/admin/rounds").get_data(as_text=True)
    assert "city-digital-maturity:1" in page
    response = post(
        coordinator,
        "/admin/rounds",
        {"name": "2024", "questionnaire": "city-digital-maturity:1"},
    )
    assert response.status_code == 302
    round_ = round_named("2024")
    assert round_.is_open
    page = post(
        coordinator, "/admin/rounds", {"name": "2024", "questionnaire": "city-digital-maturity:1"}
    ).get_data(as_text=True)
    assert "A round named 2024 already exists." in page
    page = post(coordinator, "/admin/rounds", {"name": "x", "questionnaire": "nope:9"})
    assert "Not a valid choice" in page.get_data(as_text=True)
    assert post(coordinator, f"/admin/rounds/{round_.id}/status", {}).status_code == 302
    db.session.expire_all()
    assert round_named("2024").status == RoundStatus.CLOSED
    post(coordinator, f"/admin/rounds/{round_.id}/status", {})
    db.session.expire_all()
    assert round_named("2024").is_open


def test_questionnaire_upload_shows_every_problem_inline(coordinator, bundled_questionnaire):
    bad = b"key: Bad Key\nversion: 0\nlanguages: [en]\ntitle: x\nareas: []\n"
    page = post(
        coordinator,
        "/admin/questionnaires",
        {"file": (io.BytesIO(bad), "bad.yaml"), "check": "1"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "nothing was stored" in page
    assert page.count("bad.yaml:") >= 2  # every problem, with its line
    page = post(
        coordinator,
        "/admin/questionnaires",
        {"file": (io.BytesIO(b"x"), "notes.txt"), "check": "1"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "The file must end in .yaml or .yml." in page


def test_questionnaire_preview_in_each_language_then_import(coordinator, app):
    source = BUNDLED_QUESTIONNAIRE.read_text().replace("version: 1", "version: 2", 1)
    page = post(
        coordinator,
        "/admin/questionnaires",
        {"file": (io.BytesIO(source.encode()), "v2.yaml"), "check": "1"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "city-digital-maturity:2 is valid" in page
    assert 'lang="en"' in page and 'lang="bg"' in page
    assert "Digital vision" in page and "Цифрова визия" in page
    from assessment.models import Questionnaire

    assert db.session.scalar(db.select(db.func.count()).select_from(Questionnaire)) == 0
    response = post(
        coordinator,
        "/admin/questionnaires",
        {"file": (io.BytesIO(source.encode()), "v2.yaml"), "store": "1"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Questionnaire city-digital-maturity:2 imported." in response.get_data(as_text=True)


def response_csv(lines: list[str]) -> io.BytesIO:
    return io.BytesIO(("city,respondent,question,answer,comment\n" + "\n".join(lines)).encode())


def test_response_import_stores_nothing_when_a_line_is_wrong(coordinator, make_city, make_round):
    make_city("Sofia", "BG")
    round_ = make_round("2024")
    lines = [
        "Sofia,a@sofia.example,vision_strategy,3,",
        "Atlantis,b@x.example,vision_strategy,3,",
        "Sofia,c@sofia.example,no_such_question,3,",
        "Sofia,d@sofia.example,vision_strategy,9,",
    ]
    page = post(
        coordinator,
        f"/admin/rounds/{round_.id}/import",
        {"file": (response_csv(lines), "answers.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "answers.csv:3: unknown city &#39;Atlantis&#39;" in page
    assert "answers.csv:4: question &#39;no_such_question&#39;" in page
    assert "answers.csv:5: answer &#39;9&#39;" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == 0
    page = post(
        coordinator,
        f"/admin/rounds/{round_.id}/import",
        {"file": (io.BytesIO(b"a,b\n1,2\n"), "answers.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "the header must be" in page
    response = post(
        coordinator,
        f"/admin/rounds/{round_.id}/import",
        {"file": (response_csv(lines[:1]), "answers.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == 1


def test_coordinator_manages_city_teams_only(app, coordinator, make_city, make_user):
    sofia, riga = make_city("Sofia", "BG"), make_city("Riga", "LV")
    member = make_user("member@sofia.example", Role.RESPONDENT, sofia)
    other = make_user("other@dmat.example", Role.COORDINATOR)
    page = coordinator.get("/admin/users").get_data(as_text=True)
    assert "member@sofia.example" in page and "other@dmat.example" in page
    response = post(
        coordinator,
        f"/admin/users/{member.id}",
        {"role": "leader", "city": str(riga.id), "active": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    member = user_with_email("member@sofia.example")
    assert member.role == Role.LEADER and member.city.name == "Riga"
    page = post(
        coordinator, f"/admin/users/{member.id}", {"role": "admin", "city": "0", "active": "y"}
    ).get_data(as_text=True)
    assert "Not a valid choice" in page
    page = post(
        coordinator, f"/admin/users/{member.id}", {"role": "leader", "city": "0", "active": "y"}
    ).get_data(as_text=True)
    assert "A respondent or leader belongs to a city: choose one." in page
    assert coordinator.get(f"/admin/users/{other.id}").status_code == 403
    response = post(
        coordinator, f"/admin/users/{member.id}", {"role": "leader", "city": str(riga.id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not user_with_email("member@sofia.example").active


def test_admin_manages_everyone_but_cannot_lock_themselves_out(app, admin, make_city, make_user):
    sofia = make_city("Sofia", "BG")
    member = make_user("member@sofia.example", Role.RESPONDENT, sofia)
    response = post(
        admin, f"/admin/users/{member.id}", {"role": "coordinator", "city": "0", "active": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    promoted = user_with_email("member@sofia.example")
    assert promoted.role == Role.COORDINATOR and promoted.city is None
    me = user_with_email("admin@dmat.example")
    page = post(admin, f"/admin/users/{me.id}", {"role": "admin", "city": "0"}).get_data(
        as_text=True
    )
    assert "you cannot change the role of, or deactivate, your own account" in page
    db.session.expire_all()
    assert user_with_email("admin@dmat.example").active


def test_add_a_user_with_field_messages(app, coordinator, make_city):
    sofia = make_city("Sofia", "BG")
    page = post(
        coordinator,
        "/admin/users/new",
        {"email": "not-an-email", "role": "respondent", "city": "0", "password": "short"},
    ).get_data(as_text=True)
    assert "Please give an e-mail address such as name@city.example." in page
    assert "At least 10 characters." in page
    assert "A respondent or leader belongs to a city: choose one." in page
    response = post(
        coordinator,
        "/admin/users/new",
        {
            "email": "New@Sofia.example",
            "role": "leader",
            "city": str(sofia.id),
            "password": "a long enough password",
            "active": "y",
        },
    )
    assert response.status_code == 302
    user = user_with_email("new@sofia.example")
    assert user.role == Role.LEADER and user.city_id == sofia.id
    page = post(
        coordinator,
        "/admin/users/new",
        {
            "email": "new@sofia.example",
            "role": "leader",
            "city": str(sofia.id),
            "password": "x" * 12,
        },
    ).get_data(as_text=True)
    assert "A user with this e-mail already exists." in page
    client_for(app, "new@sofia.example", "a long enough password")


def test_questionnaire_preview_lists_the_success_indicators(coordinator, app):
    bundled = BUNDLED_QUESTIONNAIRE.parent / "city-digital-maturity-2.yaml"
    page = post(
        coordinator,
        "/admin/questionnaires",
        {"file": (io.BytesIO(bundled.read_bytes()), "v2.yaml"), "check": "1"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "city-digital-maturity:2 is valid" in page
    assert page.count("<code>services_online</code>") == 2  # in English and in Bulgarian
    assert "Success indicators" in page and "Lower is better." in page
    assert "percent, 0 to 100" in page
