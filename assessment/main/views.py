from __future__ import annotations

from pathlib import Path

import plotly
from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..web import safe_next
from . import bp

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.get("/health")
def health():
    """For load balancers and monitoring: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.error("health check: database unreachable: %s", error)
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/vendor/plotly.min.js")
def plotly_js():
    """plotly.js from the installed plotly package: the app never loads scripts from a CDN."""
    return send_from_directory(PLOTLY_DIR, "plotly.min.js", max_age=86400)


@bp.post("/language")
def set_language():
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["language"] = language
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    return redirect(safe_next(request.form.get("next")))
