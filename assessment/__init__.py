"""dmat: digital maturity self-assessment for city governments."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask, jsonify, make_response, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter

from config import Config, checked_base_url, config_for_environment

from .columns import MAX_ID
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .http import AppRequest, SignedCookieSessions
from .pool import notice_dropped_connections
from .request_log import configure_logging
from .security import register_security_headers

PROJECT_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_DIR / "migrations"


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: at most ``MAX_ID`` unless the route gives its own ``max``.
    A larger id cannot exist, so its address is a 404 instead of a number the database
    refuses (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config_class: type[Config] | None = None) -> Flask:
    """The application factory: configuration, extensions and blueprints, nothing at import."""
    if config_class is None:
        config_class = config_for_environment()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.from_object(config_class)
    app.request_class = AppRequest
    app.session_interface = SignedCookieSessions()
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("DMAT_SECRET_KEY must be set when DMAT_ENV=production")
    app.config["BASE_URL"] = checked_base_url(app.config.get("BASE_URL"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    configure_logging(app)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            notice_dropped_connections(engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    limiter.init_app(app)
    from .auth.identity import ClientAddressForwarded

    # wrapped inside ProxyFix, so it runs after it: session protection sees the client address
    # ProxyFix trusted, never a header the sender wrote
    app.wsgi_app = ClientAddressForwarded(app.wsgi_app)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"

    from . import models  # noqa: F401  (the user loader needs the tables registered)
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .auth import identity  # noqa: F401  (registers the user loader)
    from .compare import bp as compare_bp
    from .main import bp as main_bp
    from .pdf import bp as pdf_bp
    from .plan import bp as plan_bp
    from .survey import bp as survey_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(compare_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(pdf_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(plan_bp)

    from .presentation import register_filters

    register_filters(app)
    register_error_pages(app)
    register_security_headers(app)
    app.context_processor(template_globals)
    return app


def select_locale() -> str:
    """The user's saved language, then the session's choice, then the browser's preference."""
    from flask import current_app

    from .languages import usable

    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and usable(current_user.language):
        return current_user.language
    if usable(session.get("language")):
        return session["language"]
    return request.accept_languages.best_match(languages) or languages[0]


def template_globals() -> dict:
    from flask_babel import get_locale

    from .languages import switch_languages

    current = str(get_locale())
    return {"current_language": current, "languages": switch_languages(current)}


def register_error_pages(app: Flask) -> None:
    def page(status: int, title, message):
        def handler(_error):
            return render_template(
                "error.html", status=status, title=title, message=message
            ), status

        return handler

    app.register_error_handler(
        400, page(400, _l("Bad request"), _l("The request could not be understood."))
    )
    app.register_error_handler(SecurityError, untrusted_host)
    app.register_error_handler(
        403, page(403, _l("Not allowed"), _l("You do not have access to this page."))
    )
    app.register_error_handler(
        404, page(404, _l("Page not found"), _l("There is nothing at this address."))
    )
    app.register_error_handler(429, too_many_requests)
    app.register_error_handler(
        413, page(413, _l("File too large"), _l("The file is larger than the server accepts."))
    )
    app.register_error_handler(
        CSRFError,
        page(
            400,
            _l("Form expired"),
            _l("The form's security token is missing or expired. Reload the page and try again."),
        ),
    )
    app.register_error_handler(
        500,
        page(
            500,
            _l("Something went wrong"),
            _l("The error has been logged. Your saved answers are safe."),
        ),
    )


def untrusted_host(_error):
    """A Host header outside ``TRUSTED_HOSTS``: no address of this site can be built for it, so
    the answer is plain text, not a page full of links."""
    message = _l("This server does not answer for that host name.")
    return make_response((str(message), 400, {"Content-Type": "text/plain; charset=utf-8"}))


def too_many_requests(error):
    """Rate limits: say plainly what happened and when to try again, as JSON for scripts."""
    message = _l("Too many attempts. Please wait a minute, then try again.")
    if request.path.startswith("/api/"):
        from .api.views import error  # the API's own error shape, as its OpenAPI document says

        response = error(429, str(message))
    elif request.is_json:
        response = jsonify({"ok": False, "code": "rate_limited", "error": str(message)})
    else:
        title = _l("Too many attempts")
        response = make_response(
            render_template("error.html", status=429, title=title, message=message)
        )
    response.status_code = 429
    retry = getattr(error, "retry_after", None)
    if retry:
        response.headers["Retry-After"] = str(int(retry))
    return response


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, and use WAL so readers never block the autosaving writers."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
