"""Small helpers shared by the blueprints' views."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import abort, flash, url_for

from .errors import DmatError
from .extensions import db
from .models import Round


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send people elsewhere.

    The value is judged as a browser will read it: browsers drop tabs and newlines anywhere in
    an address and read a backslash as ``/``, so ``/<tab>/evil.example`` and
    ``/<backslash>evil.example`` are ``//evil.example``, another site. Any control character
    refuses the value (a newline in a header would also fail the response); what is left must
    be a path starting with a single ``/``, with neither scheme nor host. Anything else goes to
    the home page.
    """
    home = url_for("main.index")
    if not isinstance(target, str) or not target or len(target) > 2048:
        return home
    if any(unicodedata.category(char) == "Cc" for char in target):
        return home
    path = target.replace("\\", "/")
    parts = urlsplit(path)
    if not path.startswith("/") or path.startswith("//") or parts.scheme or parts.netloc:
        return home
    return path


def fail(error: DmatError) -> None:
    """Show an operation's refusal on the page; nothing of the request is stored."""
    db.session.rollback()
    flash(error.message, "error")


def round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_
