"""The connection pool under a production server: a connection the database server dropped is
replaced before a request uses it, and forked gunicorn workers use connections of their own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from assessment.extensions import db
from assessment.models import Role, Round, User
from assessment.pool import forget_inherited_connections, server_has_hung_up

from .conftest import login
from .survey_support import autosave, page_token, stored_answers

PROJECT = Path(__file__).resolve().parent.parent
on_a_database_server = pytest.mark.skipif(
    not os.environ.get("DMAT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="a SQLite file has no server connection to drop",
)


def end_every_other_connection() -> int:
    """Like a server restart for this database: its other backends are terminated."""
    admin = create_engine(db.engine.url, poolclass=NullPool)
    try:
        with admin.connect() as connection:
            return connection.execute(
                text(  # the others first: SQL may evaluate the conditions in any order
                    "WITH others AS MATERIALIZED (SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid())"
                    " SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM others"
                )
            ).scalar_one()
    finally:
        admin.dispose()


@on_a_database_server
def test_a_connection_the_server_dropped_is_replaced_before_a_request_uses_it(
    app, client, make_city, make_user, make_round
):
    round_ = make_round()
    member = make_user("member@sofia.example", Role.RESPONDENT, make_city())
    question = round_.questionnaire.areas[0].questions[0]
    question_key = question.key
    login(client, "member@sofia.example")
    question_id = question.id
    token = page_token(client, f"/survey/{round_.id}/areas/{question.area.key}")
    assert autosave(client, round_.id, token, question.id, "2").status_code == 200
    member_id, round_id = member.id, round_.id
    db.session.remove()

    pooled = db.engine.raw_connection()
    assert not server_has_hung_up(pooled.dbapi_connection)
    pooled.close()  # back to the pool, where the server ends it
    assert end_every_other_connection() >= 1

    assert client.get("/health").get_json() == {"status": "ok", "database": "ok"}
    assert autosave(client, round_id, token, question_id, "4").status_code == 200
    member, round_ = db.session.get(User, member_id), db.session.get(Round, round_id)
    assert stored_answers(member, round_)[question_key] == ("level", 4, None)


@on_a_database_server
def test_an_idle_connection_shows_its_server_hung_up_without_a_round_trip(app):
    pooled = db.engine.raw_connection()
    try:
        connection = pooled.dbapi_connection
        assert not server_has_hung_up(connection)
        end_every_other_connection()
        assert server_has_hung_up(connection)
    finally:
        pooled.invalidate()


def test_a_forked_worker_uses_connections_of_its_own(app):
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        parents = connection.connection.dbapi_connection
    child = os.fork()
    if child == 0:  # the worker: never returns into the test run
        code = 1
        try:
            forget_inherited_connections(app)
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                code = 0 if connection.connection.dbapi_connection is not parents else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # 2: the worker used the parent's connection
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    assert parents.execute("SELECT 1").fetchone() == (1,)  # the worker left it whole


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workers(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def test_gunicorn_workers_forked_from_the_loaded_app_serve_from_the_database(app):
    """The production command: the app loaded once in the master, workers recycled after a
    few requests each, every request answered from the database."""
    port = _free_port()
    environment = {
        **os.environ,
        "DMAT_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "DMAT_ENV": "production",
        "DMAT_SECRET_KEY": "only-for-this-test",
        "DMAT_BIND": f"127.0.0.1:{port}",
        "DMAT_WORKERS": "2",
        "DMAT_MAX_REQUESTS": "5",
        "DMAT_LOG_REQUESTS": "0",
        "DMAT_RATELIMIT_ENABLED": "0",  # two workers would need a shared rate-limit store
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "assessment:create_app()"],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = f"http://127.0.0.1:{port}/health"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(health, timeout=5).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        seen = _workers(server.pid)
        for _ in range(40):
            with urllib.request.urlopen(health, timeout=10) as response:
                assert response.status == 200
                assert json.load(response) == {"status": "ok", "database": "ok"}
            seen |= _workers(server.pid)
        assert len(seen) >= 6  # two workers, each recycled after five requests
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors, errors
