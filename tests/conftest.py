"""Shared fixtures: the app on the test database, a browser-like client, the dmat command.

The database is ``DMAT_TEST_DATABASE_URL`` (PostgreSQL in CI's second pass) or an in-memory
SQLite database. Tables are created once per run and emptied after every test.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, g, request_started
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from assessment import create_app
from assessment.cli import cli
from assessment.extensions import db
from assessment.models import City, Role, Round, User
from config import TestConfig

SHARED = Path(__file__).resolve().parents[2] / "shared"
CONFORMANCE = SHARED / "conformance"
PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _fresh_g(_sender: Flask, **_extra) -> None:
    """Test requests reuse the test's app context; start each with an empty ``g`` as a server
    would, so that nothing cached per request (the logged-in user, the CSRF token, the locale)
    leaks into the next one."""
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture(scope="session")
def _app() -> Iterator[Flask]:
    app = create_app(TestConfig)
    request_started.connect(_fresh_g, app)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(_app: Flask) -> Iterator[Flask]:
    with _app.app_context():
        yield _app
        db.session.remove()
        empty_all_tables()


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def dmat(app: Flask):
    """Run a ``dmat`` command against the test app: ``dmat("scores", "--round", "R")``."""
    runner = app.test_cli_runner()

    def run(*args: str, input: str | None = None):
        result = runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)
        db.session.remove()  # the command committed through its own session
        return result

    return run


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@functools.cache
def password_hash(password: str) -> str:
    """Hashed once per run: scrypt takes about 0.3 s, on purpose."""
    return generate_password_hash(password, method="scrypt")


@functools.cache
def bundled_definition():
    """Parsed once per run (about 0.6 s); importing it builds new rows every time."""
    from questionnaires import BUNDLED_QUESTIONNAIRE, load_questionnaire_file

    return load_questionnaire_file(BUNDLED_QUESTIONNAIRE)


@pytest.fixture
def bundled_questionnaire(app: Flask):
    from assessment.admin.operations import import_questionnaire

    questionnaire, _ = import_questionnaire(bundled_definition())
    db.session.commit()
    return questionnaire


@pytest.fixture
def make_city(app: Flask):
    def make(name: str = "Sofia", country: str = "BG") -> City:
        city = City(name=name, country=country)
        db.session.add(city)
        db.session.commit()
        return city

    return make


@pytest.fixture
def make_user(app: Flask):
    def make(
        email: str,
        role: Role | str = Role.RESPONDENT,
        city: City | None = None,
        password: str = PASSWORD,
    ) -> User:
        user = User(email=email, role=Role(role), city=city, name=email.split("@")[0])
        user.password_hash = password_hash(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_round(app: Flask, bundled_questionnaire):
    def make(name: str = "2022 follow-up", questionnaire=None) -> Round:
        round_ = Round(name=name, questionnaire=questionnaire or bundled_questionnaire)
        db.session.add(round_)
        db.session.commit()
        return round_

    return make


@pytest.fixture
def demo(app: Flask):
    """The demo programme (21 capitals, two rounds); returns its logins."""
    from assessment.demo import load_demo

    logins = load_demo()
    db.session.commit()
    return logins
