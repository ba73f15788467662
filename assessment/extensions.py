"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# limits are declared on the views that need them (logins, links); nothing is limited by default
limiter = Limiter(get_remote_address, default_limits=[], headers_enabled=True)


def rate_limit_store_problem(storage_uri: str | None, enabled: bool, processes: int) -> str | None:
    """Why rate limits would not hold across ``processes`` server processes, or None.

    ``memory://`` counts in each process: with N workers an account could be tried N times as
    often as its limit says. Several processes need one shared store (Redis)."""
    uri = storage_uri or "memory://"
    if not enabled or processes <= 1 or not uri.startswith("memory://"):
        return None
    return (
        f"DMAT_RATELIMIT_STORAGE_URI is {uri}, which counts in each process, and gunicorn would "
        f"run {processes} workers: the login limits would allow {processes} times the attempts. "
        "Set DMAT_RATELIMIT_STORAGE_URI to a shared store such as redis://127.0.0.1:6379/0, "
        "or run one worker (DMAT_WORKERS=1)."
    )


def submitted_email() -> str:
    """Rate-limit key for one account, whichever address the attempts come from."""
    return "email:" + request.form.get("email", "").strip().lower()
