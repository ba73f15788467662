"""Shared fixtures: the app on the test database, a browser-like client, the dmat command.

The database is ``DMAT_TEST_DATABASE_URL`` (PostgreSQL in CI's second pass) or a SQLite file in a
temporary folder. Tables are created once per run and emptied after every test. When the suite
runs in several processes (``pytest -n 2``, as ``scripts/test`` does), each process has its own
PostgreSQL database beside the one named, created here, and its own SQLite file.

Test code runs inside an app context of its own (so it can use ``db.session``), and every request
of the test client runs in a fresh app context, as it does in production: its own database
session, its own ``g``, committed or rolled back when the request ends. Objects the test holds
are not refreshed by requests: re-query (or ``db.session.expire_all()``) after a request.
"""

from __future__ import annotations

import contextvars
import functools
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from assessment import create_app
from assessment.cli import cli
from assessment.extensions import db, limiter
from assessment.models import City, Role, Round, User
from config import TestConfig

from .browser import live_server  # noqa: F401  (the app served for the browser tests)
from .playwright_support import (  # noqa: F401  (Playwright fixtures and their report hooks)
    chromium,
    page,
    pytest_runtest_makereport,
    pytest_terminal_summary,
)


def own_database_per_process() -> None:
    """Under pytest-xdist, point ``DMAT_TEST_DATABASE_URL`` at this process's own PostgreSQL
    database (the named one with the worker's name appended), creating it when it is missing.
    Commands run in subprocesses inherit it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared = os.environ.get("DMAT_TEST_DATABASE_URL", "")
    if not worker or not shared.startswith("postgresql"):
        return
    url = make_url(shared)
    own = url.set(database=f"{url.database}_{worker}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        admin.dispose()
    os.environ["DMAT_TEST_DATABASE_URL"] = own.render_as_string(hide_password=False)


own_database_per_process()

SHARED = Path(__file__).resolve().parents[2] / "shared"
CONFORMANCE = SHARED / "conformance"
PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class IsolatedClient(FlaskClient):
    """A test client whose requests never share the test's app context."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def _app(tmp_path_factory) -> Iterator[Flask]:
    class SuiteConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = os.environ.get("DMAT_TEST_DATABASE_URL") or (
            f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        )

    app = create_app(SuiteConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        drop_everything()
        upgrade(directory=app.extensions["migrate"].directory)  # the schema users get
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
        limiter.reset()  # each test starts with fresh rate limits


def drop_everything() -> None:
    """An empty database, whatever an earlier run left in it."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


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
def empty_database_url(tmp_path) -> Iterator[str]:
    """A brand-new database of the kind the suite runs on."""
    shared = os.environ.get("DMAT_TEST_DATABASE_URL")
    if not shared or not shared.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    name = f"dmat_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(shared).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(shared).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


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


@pytest.fixture
def other_app():
    """Make an app on another database, with a ``dmat`` runner outside the suite's context.

    ``app, run = other_app(url, **settings)``; the apps' connections are closed afterwards.
    """
    made: list[Flask] = []

    def make(url: str, **settings):
        other = type("Other", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **settings})
        app = create_app(other)
        made.append(app)
        runner = app.test_cli_runner()

        def run(*args: str, input: str | None = None):
            return contextvars.Context().run(
                runner.invoke,
                cli,
                list(args),
                obj=ScriptInfo(create_app=lambda: app),
                input=input,
            )

        return app, run

    yield make
    for app in made:
        contextvars.Context().run(_dispose, app)


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_INPUT.search(html)
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


@pytest.fixture
def no_plans(demo):
    """The demo programme without the targets and actions of its cities' plans."""
    from assessment.models import Action, ActionUpdate, Target

    for model in (ActionUpdate, Action, Target):
        db.session.execute(delete(model))
    db.session.commit()
    return demo
