"""Configuration classes. Every setting can be overridden by a ``DMAT_*`` environment variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"DMAT_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return default if value is None or not value.strip() else int(value)


def trusted_hosts(base_url: str | None, extra: str | None) -> list[str]:
    """The host names a request may address: the host of the site's address, then each of a
    comma-separated list (a name starting with a dot stands for all its subdomains)."""
    hosts = [urlsplit(base_url or "").hostname or ""]
    hosts += [host.strip().lower() for host in (extra or "").split(",")]
    return [host for host in dict.fromkeys(hosts) if host]


def checked_base_url(value: str | None) -> str:
    """``BASE_URL`` without a trailing slash; RuntimeError unless it is http(s)://host[/path]."""
    url = (value or "").strip().rstrip("/")
    parts = urlsplit(url)
    extra = parts.username is not None or parts.query or parts.fragment
    if parts.scheme not in ("http", "https") or not parts.hostname or extra:
        raise RuntimeError(
            f"DMAT_BASE_URL {value!r} must be the site's address, such as https://dmat.example.org"
        )
    return url


class Config:
    """Development and demo defaults: a SQLite file under ``instance/``."""

    ENV_NAME = "development"
    SECRET_KEY = _env("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'dmat.sqlite'}")
    # a connection the server dropped is noticed at checkout without a ping (assessment/pool.py)
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}
    # a survey page may stay open for hours: the token lives as long as the session
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "bg")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    INVITATION_DAYS = _env_int("INVITATION_DAYS", 14)
    # the site's address: every link mailed or shown (invitations, password resets) starts with
    # it, never with the Host header a request was sent with
    BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")
    TRUSTED_HOSTS: ClassVar[list[str] | None] = None  # any Host header; production names them
    MAIL_SERVER = _env("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_SENDER = _env("MAIL_SENDER", "dmat@localhost")
    REPORT_CACHE_DIR = _env("REPORT_CACHE_DIR", str(INSTANCE_DIR / "report-cache"))
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    # memory:// counts per process; several workers or servers need a shared store (redis://...)
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = _env("RATELIMIT_KEY_PREFIX", "dmat")  # several sites, one Redis
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)  # reverse proxies in front, for the client address
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    LOG_FORMAT = _env("LOG_FORMAT", "text")  # "json": one JSON object per line
    LOG_REQUESTS = _env_bool("LOG_REQUESTS", False)


class ProductionConfig(Config):
    """Production: everything from the environment, secure cookies, no default secret."""

    ENV_NAME = "production"
    SECRET_KEY = _env("SECRET_KEY")
    LOG_FORMAT = _env("LOG_FORMAT", "json")
    LOG_REQUESTS = _env_bool("LOG_REQUESTS", True)
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # a request naming any other host (a forged Host header) is refused with 400
    TRUSTED_HOSTS = trusted_hosts(Config.BASE_URL, _env("TRUSTED_HOSTS"))


class TestConfig(Config):
    """Tests: a database given by ``DMAT_TEST_DATABASE_URL`` or a throw-away SQLite file."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL") or "sqlite://"  # empty: SQLite too
    WTF_CSRF_ENABLED = True


def config_for_environment() -> type[Config]:
    """The configuration ``DMAT_ENV`` selects: ``production`` or the development defaults."""
    return ProductionConfig if os.environ.get("DMAT_ENV") == "production" else Config
