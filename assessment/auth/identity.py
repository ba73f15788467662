"""Who is signed in: the user loader, and the session's user id for the autosave's fast path."""

from __future__ import annotations

from flask import session
from flask_login import current_user
from sqlalchemy import bindparam, select

from ..extensions import db, login_manager
from ..models import User

# Built once: building the statement costs more than running it, on every signed-in request.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """A removed (deactivated) member's open sessions end with their next request."""
    user = (
        db.session.execute(_USER_BY_ID, {"user_id": int(user_id)}).scalar()
        if user_id.isdigit()
        else None
    )
    return user if user is not None and user.active else None


def signed_in_user_id() -> int | None:
    """The id of the user this request is signed in as, without loading the user.

    The autosave reads the user's row (active, role, city) in the same statement as everything
    else it needs, so it asks only for the id. The session is checked the way Flask-Login checks
    it before loading a user (session protection: the same browser and address); a request
    signed in only by its "remember me" cookie takes Flask-Login's own path, which also renews
    the session.
    """
    if login_manager._session_protection_failed():  # clears the session when it fails
        return None
    user_id = session.get("_user_id")
    if isinstance(user_id, str) and user_id.isdigit():
        return int(user_id)
    return current_user.id if current_user.is_authenticated else None
