"""Production settings: secrets from the environment, health check, structured request logs."""

from __future__ import annotations

import contextvars
import json
import logging

import pytest

from assessment import create_app
from assessment.main.vendor import PLOTLY_VERSION
from assessment.request_log import JsonFormatter
from config import ProductionConfig


def test_production_refuses_to_start_without_a_secret_key():
    class NoSecret(ProductionConfig):
        SECRET_KEY = None

    with pytest.raises(RuntimeError, match="DMAT_SECRET_KEY must be set"):
        create_app(NoSecret)


def test_production_defaults_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"
    assert ProductionConfig.LOG_FORMAT == "json"


def test_health_reports_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_says_503_when_the_database_is_unreachable(other_app):
    app, _ = other_app("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    app.logger.disabled = True
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_request_log_lines_are_json(app, caplog, other_app):
    logged, _ = other_app(app.config["SQLALCHEMY_DATABASE_URI"], LOG_REQUESTS=True)
    with caplog.at_level(logging.INFO, logger="dmat.request"):
        contextvars.Context().run(logged.test_client().get, "/health")
    (record,) = [r for r in caplog.records if r.name == "dmat.request"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["method"] == "GET" and entry["path"] == "/health" and entry["status"] == 200
    assert entry["duration_ms"] >= 0 and entry["level"] == "info"


def test_server_processes_settle_the_garbage_collector_once_loaded():
    """gunicorn's worker hook freezes the loaded app's objects and collects less often."""
    import gc
    import runpy
    from pathlib import Path

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    threshold = gc.get_threshold()
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_responses_to_a_signed_in_user_are_never_stored(client, demo):
    """Pages, JSON and downloads say no-store; what a view chose to cache keeps its caching."""
    from assessment.lookups import round_named

    from .conftest import login

    assert client.get("/login").headers["Cache-Control"] == "no-store"  # the form's CSRF token
    assert login(client, "coordinator@dmat.example", "dmat-demo-2022").status_code == 302
    round_id = round_named("2022 follow-up").id
    for address in (
        "/",
        "/health",
        f"/compare/rounds/{round_id}",
        f"/compare/rounds/{round_id}/export.csv",
        f"/compare/rounds/{round_id}/export.xlsx",
        f"/api/v1/rounds/{round_id}/scores",
        "/this/is/not/a/page",
    ):
        response = client.get(address)
        assert response.headers["Cache-Control"] == "no-store", address
    for address in ("/static/css/dmat.css", f"/vendor/plotly-{PLOTLY_VERSION}.min.js"):
        with client.get(address) as response:
            assert response.status_code == 200
            assert "no-store" not in response.headers["Cache-Control"], address


HOST_CHECK = """
from assessment import create_app
from config import Config
app = create_app()
client = app.test_client()
print(Config.TRUSTED_HOSTS, app.config["TRUSTED_HOSTS"])
for base in ("https://dmat.example.org", "https://dmat.example.org:8443", "http://dmat.internal",
             "https://sofia.city.example", "https://evil.example", "https://127.0.0.1"):
    for path in ("/health", "/login"):
        response = client.get(path, base_url=base)
        print(base, path, response.status_code, response.get_data(as_text=True)[:48])
"""


def test_production_answers_only_for_its_own_host_names(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DMAT_ENV": "production",
        "DMAT_SECRET_KEY": "host-test-secret",
        "DMAT_DATABASE_URL": f"sqlite:///{tmp_path / 'hosts.sqlite'}",
        "DMAT_BASE_URL": "https://dmat.example.org/",
        "DMAT_TRUSTED_HOSTS": " dmat.internal, .City.example",
        "DMAT_LOG_LEVEL": "WARNING",
        "DMAT_LOG_REQUESTS": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", HOST_CHECK], env=env, capture_output=True, text=True, check=True
    )
    first, *lines = result.stdout.splitlines()
    assert first == "None ['dmat.example.org', 'dmat.internal', '.city.example']"
    status = {tuple(line.split()[:2]): line.split(maxsplit=3)[2:] for line in lines}
    for base in ("https://dmat.example.org", "https://dmat.example.org:8443"):
        assert status[(base, "/health")][0] == "200" and status[(base, "/login")][0] == "200"
    assert status[("http://dmat.internal", "/health")][0] == "200"
    assert status[("https://sofia.city.example", "/login")][0] == "200"
    refused = ["400", "This server does not answer for that host name."]
    for base in ("https://evil.example", "https://127.0.0.1"):
        for path in ("/health", "/login"):
            assert status[(base, path)] == refused
