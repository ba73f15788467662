from __future__ import annotations

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..languages import offered
from ..survey.progress import rounds_for_city
from ..web import safe_next
from . import bp, vendor


@bp.get("/")
def index():
    """The landing page; a signed-in user goes on to their own home (login sends them here)."""
    if current_user.is_authenticated:
        return redirect(home_address(current_user))
    return render_template("main/index.html")


def home_address(user) -> str:
    """A city member's newest open round, else their rounds; the programme team's dashboard."""
    if not user.role.is_city_role:
        return url_for("compare.index")
    newest_open = next((r for r, _assessment in rounds_for_city(user.city_id) if r.is_open), None)
    if newest_open is None:
        return url_for("survey.index")
    return url_for("survey.overview", round_id=newest_open.id)


@bp.get("/health")
def health():
    """For load balancers and monitoring: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.error("health check: database unreachable: %s", error)
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.url_defaults
def plotly_version(endpoint: str, values: dict) -> None:
    """``url_for("main.plotly_js")`` names the installed version: a new one is a new address."""
    if endpoint == "main.plotly_js":
        values.setdefault("version", vendor.PLOTLY_VERSION)


@bp.get("/vendor/plotly-<version>.min.js")
def plotly_js(version: str):
    """plotly.js from the installed plotly package (the app never loads scripts from a CDN),
    gzip-compressed for browsers that accept it, cached by them for a year: its address
    changes with the version, so a cached copy is never stale."""
    if version != vendor.PLOTLY_VERSION:
        abort(404)
    return vendor.plotly_response(request)


@bp.get("/vendor/plotly.min.js")
def plotly_js_unversioned():
    """The address of earlier releases: the current version's."""
    return redirect(url_for("main.plotly_js"), 301)


@bp.post("/language")
def set_language():
    language = request.form.get("language", "")
    if not offered(language):
        abort(400)
    session["language"] = language
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    return redirect(safe_next(request.form.get("next")))
