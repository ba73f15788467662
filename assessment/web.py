"""Small helpers shared by the blueprints' views."""

from __future__ import annotations

from flask import abort, flash, url_for

from .errors import DmatError
from .extensions import db
from .models import Round


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


def fail(error: DmatError) -> None:
    """Show an operation's refusal on the page; nothing of the request is stored."""
    db.session.rollback()
    flash(error.message, "error")


def round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_
