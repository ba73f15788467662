"""Rate limits hold across every server process: they count in one shared store (Redis).

With the per-process ``memory://`` store, N gunicorn workers or N app servers allow N times the
login attempts a limit says, so production refuses to start that way with several workers. The
shared-store test runs a production gunicorn with two workers and a development server side by
side on one database and one Redis (``DMAT_TEST_REDIS_URL``, which ``scripts/test`` starts).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from assessment.auth.views import LOGIN_PER_ACCOUNT
from assessment.extensions import rate_limit_store_problem

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PER_MINUTE = int(LOGIN_PER_ACCOUNT.split()[0])  # "5 per minute; 30 per hour"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database: str, **settings: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DMAT_DATABASE_URL": database,
        "DMAT_SECRET_KEY": "rate-limit-test-secret",
        "DMAT_LOG_LEVEL": "WARNING",
        "DMAT_LOG_REQUESTS": "0",
        **settings,
    }
    for name in ("DMAT_ENV", "FLASK_DEBUG", "DMAT_RATELIMIT_STORAGE_URI"):
        if name not in settings:
            env.pop(name, None)
    return env


def wait_until_up(process: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            assert process.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, f"the server at {base} did not start"
            time.sleep(0.2)


class Browser:
    """One browser on one server: its cookies and the login form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def failed_login(self, email: str) -> int:
        with self.opener.open(self.base + "/login", timeout=10) as reply:
            token = CSRF_INPUT.search(reply.read().decode()).group(1)
        form = {"email": email, "password": "not the password at all", "csrf_token": token}
        try:
            with self.opener.open(
                self.base + "/login", data=urllib.parse.urlencode(form).encode(), timeout=10
            ) as reply:
                page = reply.read().decode()
                assert "Wrong e-mail or password." in page
                return reply.status
        except urllib.error.HTTPError as refused:
            assert "Too many attempts" in refused.read().decode()
            return refused.code


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("DMAT_TEST_REDIS_URL")
    if not url:
        pytest.skip("DMAT_TEST_REDIS_URL is not set (scripts/test starts a Redis and sets it)")
    return url


def test_the_account_limit_counts_attempts_on_every_server(tmp_path, empty_database_url, redis_url):
    database = empty_database_url
    prefix = f"dmat-test-{uuid.uuid4().hex[:8]}"  # this run's counters only
    subprocess.run(
        [str(BIN / "dmat"), "init"], env=server_env(database), check=True, capture_output=True
    )
    shared = {"DMAT_RATELIMIT_STORAGE_URI": redis_url, "DMAT_RATELIMIT_KEY_PREFIX": prefix}
    gunicorn_port, development_port = free_port(), free_port()
    servers = []
    try:
        with (tmp_path / "servers.log").open("ab") as log:
            servers.append(  # production: several workers are allowed with a shared store
                subprocess.Popen(
                    [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "assessment:create_app()"],
                    cwd=PROJECT,
                    env=server_env(
                        database,
                        DMAT_ENV="production",
                        DMAT_BIND=f"127.0.0.1:{gunicorn_port}",
                        DMAT_WORKERS="2",
                        DMAT_SECURE_COOKIES="0",  # plain HTTP on the loopback
                        DMAT_BASE_URL=f"http://127.0.0.1:{gunicorn_port}",
                        **shared,
                    ),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            servers.append(
                subprocess.Popen(
                    [
                        str(BIN / "dmat"),
                        "run",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(development_port),
                    ],
                    env=server_env(database, **shared),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        bases = [f"http://127.0.0.1:{port}" for port in (gunicorn_port, development_port)]
        for process, base in zip(servers, bases, strict=True):
            wait_until_up(process, base)
        browsers = [Browser(base) for base in bases]
        email = "Σοφία.Παπαδοπούλου@athens.example"
        statuses = [browsers[n % 2].failed_login(email) for n in range(PER_MINUTE + 1)]
        # alternately on both servers: the limit trips at the sixth attempt overall, not the 11th
        assert statuses == [200] * PER_MINUTE + [429], statuses
        # another account is not affected, on either server
        assert [browser.failed_login("иван@sofia.example") for browser in browsers] == [200, 200]
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    assert "Traceback" not in (tmp_path / "servers.log").read_text(errors="replace")


def test_production_refuses_per_process_limits_with_several_workers(tmp_path):
    env = server_env(
        f"sqlite:///{tmp_path / 'refused.sqlite'}",
        DMAT_ENV="production",
        DMAT_BIND=f"127.0.0.1:{free_port()}",
        DMAT_WORKERS="3",
    )
    for preload in ("1", "0"):
        result = subprocess.run(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "assessment:create_app()"],
            cwd=PROJECT,
            env={**env, "DMAT_PRELOAD": preload},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert "Error: DMAT_RATELIMIT_STORAGE_URI is memory://" in result.stderr
        assert "gunicorn would run 3 workers" in result.stderr
        assert "Traceback" not in result.stderr


def test_which_settings_need_a_shared_store():
    assert rate_limit_store_problem("memory://", True, 4) is not None
    assert rate_limit_store_problem(None, True, 2) is not None  # memory:// is the default
    assert rate_limit_store_problem("memory://", True, 1) is None
    assert rate_limit_store_problem("memory://", False, 4) is None  # limits switched off
    assert rate_limit_store_problem("redis://127.0.0.1:6379/0", True, 9) is None
