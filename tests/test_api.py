"""The JSON API: figures equal to ``dmat scores``, JSON errors, tokens, and the OpenAPI
document checked against the live API with schemathesis."""

from __future__ import annotations

import json

import pytest
import schemathesis
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.api.openapi import openapi_document
from assessment.api.operations import create_token, token_hash
from assessment.demo import DEMO_PASSWORD, load_demo
from assessment.extensions import db
from assessment.lookups import round_named, user_with_email
from assessment.models import ApiToken
from tests.conftest import csrf_token
from tests.test_compare_access import client_for

COORDINATOR = "coordinator@dmat.example"


@pytest.fixture
def small_demo(app):
    load_demo(cities=4, respondents=2)
    db.session.commit()


@pytest.fixture
def token(small_demo) -> str:
    _, plain = create_token(user_with_email(COORDINATOR), "tests")
    db.session.commit()
    return plain


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_scores_and_cohort_equal_the_command(app, demo, dmat):
    _, plain = create_token(user_with_email(COORDINATOR), "tests")
    db.session.commit()
    client = app.test_client()
    follow_up = round_named("2022 follow-up")
    expected = json.loads(dmat("scores", "--round", "2022 follow-up", "--format", "json").output)
    response = client.get(f"/api/v1/rounds/{follow_up.id}/scores", headers=bearer(plain))
    assert response.status_code == 200
    assert response.get_json() == expected
    submitted = client.get(
        f"/api/v1/rounds/{follow_up.id}/scores?status=submitted", headers=bearer(plain)
    ).get_json()
    assert {row["city"] for row in submitted} == {row["city"] for row in expected} - {
        "Sofia",
        "Athens",
        "Riga",
    }
    cohort = client.get(f"/api/v1/rounds/{follow_up.id}/cohort", headers=bearer(plain)).get_json()
    cohort_cities = {row["city"] for row in submitted}  # the cohort is the submitted cities
    overall = sorted(
        row["overall"]
        for row in expected
        if row["overall"] is not None and row["city"] in cohort_cities
    )
    assert cohort["statistics"]["overall"]["n"] == len(overall)
    assert cohort["statistics"]["overall"]["min"] == pytest.approx(overall[0])
    rounds = client.get("/api/v1/rounds", headers=bearer(plain)).get_json()
    assert [r["name"] for r in rounds] == ["2020 baseline", "2022 follow-up"]
    assert rounds[1]["assessments"] == 21 and rounds[1]["submitted"] == 18
    cities = client.get("/api/v1/cities", headers=bearer(plain)).get_json()
    assert len(cities) == 21 and cities[0]["name"] == "Amsterdam"
    baseline = round_named("2020 baseline")
    progress = client.get(
        f"/api/v1/progress?from={baseline.id}&to={follow_up.id}", headers=bearer(plain)
    ).get_json()
    assert len(progress) == 21 and progress[0]["from"] == "2020 baseline"


def test_errors_are_json(app, small_demo, token):
    client = app.test_client()
    response = client.get("/api/v1/rounds")
    assert response.status_code == 401 and response.is_json
    response = client.get("/api/v1/rounds", headers=bearer("dmat_not-a-token"))
    assert response.status_code == 401 and response.is_json
    response = client.get("/api/v1/rounds", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401 and response.is_json
    for path in ("/api/v1/rounds/999", "/api/v1/cities/999", "/api/v1/nothing", "/api/v1/"):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 404 and response.is_json, path
        assert response.get_json()["error"]["status"] == 404
    response = client.get("/api/v1/rounds/1/scores?status=bogus", headers=bearer(token))
    assert (
        response.status_code == 400
        and "status must be one of" in response.get_json()["error"]["message"]
    )
    for value in ("x", "²", "٣", "４", "99999999999999999999", "2147483648", "0", "-1"):
        response = client.get(f"/api/v1/progress?from={value}&to=1", headers=bearer(token))
        assert response.status_code == 400 and response.is_json, value
        assert response.get_json()["error"]["message"] == "'from' must be a round id"
    response = client.post("/api/v1/rounds", headers=bearer(token))
    assert response.status_code == 405 and response.is_json


def test_session_login_works_too(app, small_demo):
    client = client_for(app, COORDINATOR, DEMO_PASSWORD)
    assert client.get("/api/v1/cities").status_code == 200


def test_token_is_stored_only_as_a_hash_and_can_be_revoked(app, small_demo):
    client = client_for(app, COORDINATOR, DEMO_PASSWORD)
    token = csrf_token(client, "/admin/tokens")
    page = client.post(
        "/admin/tokens", data={"name": "nightly export", "csrf_token": token}
    ).get_data(as_text=True)
    plain = page.split('id="new-token">')[1].split("<")[0]
    stored = db.session.scalars(db.select(ApiToken)).one()
    assert stored.token_hash == token_hash(plain) and plain not in stored.token_hash
    api = app.test_client()
    assert api.get("/api/v1/rounds", headers=bearer(plain)).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, stored.id).last_used_at is not None
    # the page never shows the token again
    assert plain not in client.get("/admin/tokens").get_data(as_text=True)
    token = csrf_token(client, "/admin/tokens")
    response = client.post(f"/admin/tokens/{stored.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302
    assert api.get("/api/v1/rounds", headers=bearer(plain)).status_code == 401


def test_token_of_a_demoted_or_deactivated_user_stops_working(app, small_demo, token):
    user = user_with_email(COORDINATOR)
    user.active = False
    db.session.commit()
    assert app.test_client().get("/api/v1/rounds", headers=bearer(token)).status_code == 401


def test_token_command(app, small_demo, dmat):
    result = dmat("token", "create", "--email", COORDINATOR, "--name", "cron")
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    assert app.test_client().get("/api/v1/cities", headers=bearer(plain)).status_code == 200
    result = dmat("token", "create", "--email", "leader@athens.example", "--name", "x")
    assert result.exit_code == 1 and "API tokens are for coordinators and admins" in result.output
    result = dmat("token", "create", "--email", "nobody@x.example", "--name", "x")
    assert result.exit_code == 1 and "no user with e-mail" in result.output


def test_openapi_document_is_public_and_lists_every_route(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {f"/api/v1{path}" for path in document["paths"]}
    routes = {
        rule.rule.replace("<int(min=1, max=2147483647):", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and rule.endpoint not in ("api.openapi", "api.not_found")
    }
    assert routes == documented


def test_app(environ, start_response):
    """The test app of the running test, as a WSGI application schemathesis can call."""
    return current_app.wsgi_app(environ, start_response)


test_app.__test__ = False  # not a test, despite its name
# The document is loaded as data (it needs no database); every call goes to the test app.
schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = test_app


# One test per operation, named by it: pytest-xdist tells tests apart by their names
OPERATIONS = [
    (path, method.upper())
    for path, item in openapi_document()["paths"].items()
    for method in item
    if method in ("get", "put", "post", "delete", "patch")
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_api_conforms_to_its_openapi_document(app, token, path, method, data):
    case = data.draw(schema[path][method].as_strategy())
    case.call_and_validate(headers=bearer(token))
